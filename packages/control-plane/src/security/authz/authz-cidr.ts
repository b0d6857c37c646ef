// IP blocks of AuthorizationPolicy (`ipBlocks`, `remoteIpBlocks`, `source.ip`, `destination.ip`, ...)
// as Envoy CidrRanges, the way Istio's util.AddrStrToCidrRange does it with Go's net/netip: strict
// parsing, the address written in Go's canonical form and not masked. Nothing here matches addresses.

import type { CidrRangeShape } from './rbac-shapes.js';

/** A parsed address: its family and Go's `netip.Addr.String()` text. */
interface ParsedAddr {
  readonly bits: 32 | 128;
  readonly text: string;
}

/** Go netip.ParseAddr for IPv4: four decimal fields 0-255, no leading zeros. */
function parseIpv4Fields(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail allowed), or undefined. */
function parseIpv6Groups(s: string): number[] | undefined {
  if (s.includes('%')) return undefined; // zones are not allowed in a prefix
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, allowV4Tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as string;
      if (allowV4Tail && i === fields.length - 1 && f.includes('.')) {
        const v4 = parseIpv4Fields(f);
        if (!v4) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return undefined;
      out.push(parseInt(f, 16));
    }
    return out;
  };
  if (halves.length === 1) {
    const g = groupsOf(s, true);
    return g && g.length === 8 ? g : undefined;
  }
  const head = groupsOf(halves[0] as string, false);
  const tail = groupsOf(halves[1] as string, true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Go's netip IPv6 String(): IPv4-mapped as `::ffff:a.b.c.d`, else RFC 5952 (lower-case hex, the
 *  longest run of two or more zero groups compressed, the first on a tie). */
function formatIpv6(g: readonly number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const a = g[6] as number;
    const b = g[7] as number;
    return `::ffff:${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

function parseAddr(s: string): ParsedAddr | undefined {
  if (s.includes(':')) {
    const g = parseIpv6Groups(s);
    return g ? { bits: 128, text: formatIpv6(g) } : undefined;
  }
  const v4 = parseIpv4Fields(s);
  return v4 ? { bits: 32, text: v4.join('.') } : undefined;
}

/**
 * `10.0.0.0/16` or `10.0.0.7` (a /32; /128 for IPv6) as a CidrRange, or an error message. The address
 * keeps its host bits (`10.1.2.3/8` stays `10.1.2.3`): Envoy masks it itself. Like Go's
 * netip.ParsePrefix, a prefix length has no leading zeros and may not exceed the address size.
 */
export function toAuthzCidrRange(value: string): CidrRangeShape | string {
  if (value === '') return 'empty address';
  const slash = value.lastIndexOf('/');
  const addr = parseAddr(slash < 0 ? value : value.slice(0, slash));
  if (!addr) return `invalid IP address ${JSON.stringify(value)}`;
  let bits: number = addr.bits;
  if (slash >= 0) {
    const lenText = value.slice(slash + 1);
    if (!/^(0|[1-9][0-9]*)$/.test(lenText) || Number(lenText) > addr.bits) return `invalid prefix length in ${JSON.stringify(value)}`;
    bits = Number(lenText);
  }
  return { address_prefix: addr.text, prefix_len: { value: bits } };
}
