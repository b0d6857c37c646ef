// IPv4/IPv6 parsing and CIDR containment for filter chain matching (prefix_ranges,
// source_prefix_ranges) and listener addresses. Pure and runtime-neutral (no node:net), so the
// simulator can run wherever @weft/shared does.

/** A parsed IP address: its family and its bits as one big integer. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bits: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(s: string): bigint | undefined {
  const m = IPV4.exec(s);
  if (!m) return undefined;
  let bits = 0n;
  for (const part of m.slice(1)) {
    const n = Number(part);
    if (n > 255) return undefined;
    bits = (bits << 8n) | BigInt(n);
  }
  return bits;
}

function parseIpv6(s: string): bigint | undefined {
  const zone = s.indexOf('%');
  const text = zone === -1 ? s : s.slice(0, zone);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] | undefined => (half === undefined || half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const words: number[] = [];
  const pushGroups = (list: string[], out: number[]): boolean => {
    for (const [i, g] of list.entries()) {
      if (i === list.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return false;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      out.push(parseInt(g, 16));
    }
    return true;
  };
  const tailWords: number[] = [];
  if (!pushGroups(head, words) || !pushGroups(tail, tailWords)) return undefined;
  const missing = 8 - words.length - tailWords.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...words, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tailWords];
  return all.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

/** Parses `1.2.3.4`, `::1`, `[::1]` or `fe80::1%eth0`; undefined when it is not an IP literal. */
export function parseIp(text: string): IpAddress | undefined {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return { family: 4, bits: v4 };
  const v6 = parseIpv6(s);
  return v6 === undefined ? undefined : { family: 6, bits: v6 };
}

/** Whether `ip` is the unspecified address of its family (`0.0.0.0`, `::`): a wildcard bind. */
export function isAnyAddress(ip: IpAddress): boolean {
  return ip.bits === 0n;
}

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1). */
export function isLoopback(ip: IpAddress): boolean {
  return ip.family === 4 ? ip.bits >> 24n === 127n : ip.bits === 1n;
}

/** Whether two parsed addresses are the same address. */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.bits === b.bits;
}

/** Whether `ip` lies in `prefix/len`. A prefix of the other family, or one that does not parse, never
 *  contains it (Envoy rejects such config at load; here it simply does not match). */
export function cidrContains(prefix: string, len: number, ip: IpAddress): boolean {
  const net = parseIp(prefix);
  if (!net || net.family !== ip.family) return false;
  const width = ip.family === 4 ? 32 : 128;
  if (len < 0 || len > width) return false;
  const shift = BigInt(width - len);
  return net.bits >> shift === ip.bits >> shift;
}
