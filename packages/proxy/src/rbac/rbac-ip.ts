// IP addresses and CIDR ranges for the RBAC IP matchers (Envoy Network::Address::CidrRange): parsing
// the request's addresses and testing membership. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, how
// Node reports IPv4 peers of a dual-stack socket) is treated as the IPv4 address.

/** A parsed address: IPv4 as one 32-bit word, IPv6 as four, most significant first. */
export interface ParsedIp {
  readonly version: 4 | 6;
  readonly words: readonly number[];
}

function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const x = Number(p);
    if (x > 255) return undefined;
    n = n * 256 + x;
  }
  return n >>> 0;
}

function parseV6Groups(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string, tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as string;
      if (tail && i === fields.length - 1 && f.includes('.')) {
        const v4 = parseV4(f);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(f)) out.push(parseInt(f, 16));
      else return undefined;
    }
    return out;
  };
  if (halves.length === 1) {
    const g = groups(s, true);
    return g?.length === 8 ? g : undefined;
  }
  const head = groups(halves[0] as string, false);
  const tail = groups(halves[1] as string, true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Parses `s` (IPv4 dotted quad or IPv6, an IPv6 zone ignored); undefined when it is not an address.
 *  With `mapV4`, IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(s: string, mapV4 = true): ParsedIp | undefined {
  if (!s.includes(':')) {
    const v4 = parseV4(s);
    return v4 === undefined ? undefined : { version: 4, words: [v4] };
  }
  const zone = s.indexOf('%');
  const g = parseV6Groups(zone < 0 ? s : s.slice(0, zone));
  if (!g) return undefined;
  if (mapV4 && g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) return { version: 4, words: [(((g[6] as number) << 16) | (g[7] as number)) >>> 0] };
  const words = [0, 1, 2, 3].map((i) => ((((g[2 * i] as number) << 16) | (g[2 * i + 1] as number)) >>> 0));
  return { version: 6, words };
}

/** A compiled CIDR membership test. */
export type CidrTest = (ip: ParsedIp | undefined) => boolean;

const maskOf = (bits: number): number => (bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0);

/**
 * A test for `address/prefixLen` (Envoy CidrRange): the address's family only, the prefix length
 * clamped to the family's size, host bits of the address ignored. Undefined when `address` is not an
 * IP address (the config is invalid).
 */
export function compileCidr(address: string, prefixLen: number): CidrTest | undefined {
  const base = parseIp(address, false);
  if (!base) return undefined;
  const size = base.version === 4 ? 32 : 128;
  const len = Math.max(0, Math.min(prefixLen, size));
  const masks = base.words.map((_, i) => maskOf(len - 32 * i));
  const net = base.words.map((w, i) => (w & (masks[i] as number)) >>> 0);
  const version = base.version;
  if (version === 4) {
    const m = masks[0] as number;
    const n = net[0] as number;
    return (ip) => ip !== undefined && ip.version === 4 && ((ip.words[0] as number) & m) >>> 0 === n;
  }
  return (ip) => {
    if (ip === undefined || ip.version !== 6) return false;
    for (let i = 0; i < 4; i++) if ((((ip.words[i] as number) & (masks[i] as number)) >>> 0) !== net[i]) return false;
    return true;
  };
}
