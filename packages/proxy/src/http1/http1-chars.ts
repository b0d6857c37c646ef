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
