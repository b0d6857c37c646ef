// The OpenAPI `format`s the Kubernetes apiserver checks on custom resources (apiextensions-apiserver
// keeps a fixed list and strips any other format before validating). Formats outside this table are
// dropped from the schema, so an unknown format never breaks compilation nor rejects a value.

/** A format check: a string predicate, or a number predicate for the numeric formats. */
export type FormatCheck =
  | { readonly type: 'string'; readonly validate: (s: string) => boolean }
  | { readonly type: 'number'; readonly validate: (n: number) => boolean };

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const FLOAT32_MAX = 3.4028234663852886e38;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 date-time, as strfmt.ParseDateTime accepts it (T or space, optional fraction, Z or offset).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID_V = (v: number): RegExp => new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`, 'i');
const MAC = /^(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$|^(?:[0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$/;
const HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGBCOLOR = /^rgb\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*\)$/;
const BSON_OBJECT_ID = /^[0-9a-fA-F]{24}$/;
// strfmt's duration: Go units plus d and w, optional spaces between number and unit.
const STRFMT_DURATION = /^(?:[-+]?\d+(?:\.\d+)?\s*(?:ns|us|µs|μs|ms|s|m|h|d|w|[a-z]+)\s*)+$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= (days[m - 1] ?? 0);
}

/** True for a dotted-quad IPv4 address without leading zeros beyond a single digit. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** True for an IPv6 address (with optional embedded IPv4 tail), as Go's net.ParseIP accepts it. */
export function isIPv6(s: string): boolean {
  if (!s.includes(':')) return false;
  let groups = s;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail stands for the last two 16-bit groups.
    if (!isIPv4(tail)) return false;
    groups = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parse = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const all = [...left, ...right];
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? all.length < 8 : all.length === 8;
}

/** True for an IPv4 or IPv6 CIDR such as `10.0.0.0/8` or `2001:db8::/32`. */
export function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

function isURI(s: string): boolean {
  // strfmt's uri: an absolute URL with a scheme (url.ParseRequestURI-like).
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/.test(s);
}

/** Every format Kubernetes validates on custom resources, by name. */
export const KUBE_FORMATS: Readonly<Record<string, FormatCheck>> = {
  int32: { type: 'number', validate: (n) => !Number.isInteger(n) || (n >= INT32_MIN && n <= INT32_MAX) },
  int64: { type: 'number', validate: () => true },
  float: { type: 'number', validate: (n) => Math.abs(n) <= FLOAT32_MAX },
  double: { type: 'number', validate: () => true },
  byte: { type: 'string', validate: (s) => BASE64.test(s.replace(/\s/g, '')) },
  password: { type: 'string', validate: () => true },
  date: {
    type: 'string',
    validate: (s) => {
      const m = DATE.exec(s);
      return !!m && validDate(Number(m[1]), Number(m[2]), Number(m[3]));
    },
  },
  'date-time': {
    type: 'string',
    validate: (s) => {
      const m = DATE_TIME.exec(s);
      return !!m && validDate(Number(m[1]), Number(m[2]), Number(m[3])) && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 61;
    },
  },
  datetime: { type: 'string', validate: (s) => DATE_TIME.test(s) },
  duration: { type: 'string', validate: (s) => STRFMT_DURATION.test(s.trim()) },
  uri: { type: 'string', validate: isURI },
  email: { type: 'string', validate: (s) => EMAIL.test(s) },
  hostname: { type: 'string', validate: (s) => HOSTNAME.test(s) },
  ipv4: { type: 'string', validate: isIPv4 },
  ipv6: { type: 'string', validate: isIPv6 },
  cidr: { type: 'string', validate: isCIDR },
  mac: { type: 'string', validate: (s) => MAC.test(s) },
  uuid: { type: 'string', validate: (s) => UUID.test(s) },
  uuid3: { type: 'string', validate: (s) => UUID_V(3).test(s) },
  uuid4: { type: 'string', validate: (s) => UUID_V(4).test(s) },
  uuid5: { type: 'string', validate: (s) => UUID_V(5).test(s) },
  hexcolor: { type: 'string', validate: (s) => HEXCOLOR.test(s) },
  rgbcolor: { type: 'string', validate: (s) => RGBCOLOR.test(s) },
  bsonobjectid: { type: 'string', validate: (s) => BSON_OBJECT_ID.test(s) },
};
