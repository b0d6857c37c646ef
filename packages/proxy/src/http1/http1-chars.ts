// Character classes of HTTP/1.1 heads (RFC 9110 §5.6.2 tokens, §5.5 field values), as lookup tables
// indexed by a latin1 char code, so validation is one array read per character.

/** 1 for tchar: `!#$%&'*+-.^_`|~`, digits and letters. */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/** 1 for characters allowed in a field value: HTAB, visible ASCII, SP and obs-text (0x80-0xFF).
 *  Everything else (NUL, CR, LF, other controls, DEL) is refused, which also catches bare CR and LF. */
export const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1;

/** 1 for characters allowed in a request target: anything visible (no SP, no controls, no DEL). */
export const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;
for (let c = 0x80; c <= 0xff; c++) TARGET[c] = 1;

/** Header names common enough to be looked up rather than sliced and lower-cased: a name found here
 *  is the constant itself (already lower-case, and a string V8 keeps internalized, so storing it as a
 *  HeaderBag key costs no string-table lookup). */
const KNOWN_NAMES = [
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'access-control-allow-origin',
  'age',
  'authorization',
  'cache-control',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'cookie',
  'date',
  'etag',
  'expect',
  'expires',
  'grpc-encoding',
  'grpc-message',
  'grpc-status',
  'grpc-timeout',
  'host',
  'if-modified-since',
  'if-none-match',
  'keep-alive',
  'last-modified',
  'location',
  'origin',
  'pragma',
  'proxy-authorization',
  'proxy-connection',
  'referer',
  'server',
  'set-cookie',
  'te',
  'traceparent',
  'tracestate',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-spanid',
  'x-b3-traceid',
  'x-canary',
  'x-envoy-attempt-count',
  'x-envoy-upstream-service-time',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-request-id',
];

const KNOWN_SLOTS = 256;

/** The hash step of {@link knownName}: `h` over lower-cased char codes. */
export function nameHashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + (c >= 0x41 && c <= 0x5a ? c | 0x20 : c)) | 0;
}

/** Open addressing over KNOWN_SLOTS slots, linear probing. */
const KNOWN_TABLE: (string | undefined)[] = new Array<string | undefined>(KNOWN_SLOTS).fill(undefined);
for (const name of KNOWN_NAMES) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = nameHashStep(h, name.charCodeAt(i));
  let slot = h & (KNOWN_SLOTS - 1);
  while (KNOWN_TABLE[slot] !== undefined) slot = (slot + 1) & (KNOWN_SLOTS - 1);
  KNOWN_TABLE[slot] = name;
}

/** The known lower-case name equal (ignoring ASCII case) to `s[from, to)`, whose {@link nameHashStep}
 *  hash is `hash`; undefined when it is not a known name. */
export function knownName(s: string, from: number, to: number, hash: number): string | undefined {
  const len = to - from;
  for (let slot = hash & (KNOWN_SLOTS - 1); ; slot = (slot + 1) & (KNOWN_SLOTS - 1)) {
    const k = KNOWN_TABLE[slot];
    if (k === undefined) return undefined;
    if (k.length !== len) continue;
    let j = 0;
    for (; j < len; j++) {
      const c = s.charCodeAt(from + j);
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== k.charCodeAt(j)) break;
    }
    if (j === len) return k;
  }
}
