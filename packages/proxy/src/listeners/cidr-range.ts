// IP addresses as numbers and Envoy CidrRanges (`address_prefix` + `prefix_len`), for filter-chain
// matching on destination and source addresses. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a
// dual-stack socket reports) count as the IPv4 address, as Envoy's matcher sees them.

import { isIP } from 'node:net';

/** An IP address as a number of its family's width. */
export interface IpValue {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A compiled CidrRange. */
export interface CidrRange {
  readonly family: 4 | 6;
  /** The network bits (host bits cleared). */
  readonly network: bigint;
  readonly prefixLength: number;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  let bare = zone < 0 ? text : text.slice(0, zone);
  // A trailing dotted quad (`::ffff:1.2.3.4`) stands for the last two groups.
  const lastColon = bare.lastIndexOf(':');
  if (bare.includes('.', lastColon)) {
    const v4 = parseV4(bare.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    bare = `${bare.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const out: bigint[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const left = groups(halves[0] ?? '');
  const right = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!left || !right) return undefined;
  const given = left.length + right.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  return [...left, ...Array<bigint>(8 - given).fill(0n), ...right].reduce((acc, g) => (acc << 16n) | g, 0n);
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 becomes IPv4. Undefined when not an IP. */
export function parseIp(text: string): IpValue | undefined {
  switch (isIP(text.includes('%') ? text.slice(0, text.indexOf('%')) : text)) {
    case 4: {
      const value = parseV4(text);
      return value === undefined ? undefined : { family: 4, value };
    }
    case 6: {
      const value = parseV6(text);
      if (value === undefined) return undefined;
      if (value >> 32n === V4_MAPPED_PREFIX >> 32n) return { family: 4, value: value & 0xffffffffn };
      return { family: 6, value };
    }
    default:
      return undefined;
  }
}

const widthOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function maskOf(family: 4 | 6, prefixLength: number): bigint {
  const width = widthOf(family);
  return ((1n << BigInt(prefixLength)) - 1n) << BigInt(width - prefixLength);
}

/**
 * Compiles an Envoy CidrRange (`{ address_prefix, prefix_len }`, `prefix_len` a UInt32Value or a
 * number). An absent prefix length is 0, as in the proto. Undefined when the prefix is not an IP or
 * the length exceeds the family's width.
 */
export function compileCidrRange(shape: unknown): CidrRange | undefined {
  if (shape === null || typeof shape !== 'object') return undefined;
  const s = shape as { address_prefix?: unknown; prefix_len?: unknown };
  const ip = typeof s.address_prefix === 'string' ? parseIp(s.address_prefix) : undefined;
  if (!ip) return undefined;
  const raw = typeof s.prefix_len === 'object' && s.prefix_len !== null ? (s.prefix_len as { value?: unknown }).value : s.prefix_len;
  const prefixLength = raw === undefined ? 0 : Number(raw);
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > widthOf(ip.family)) return undefined;
  return { family: ip.family, network: ip.value & maskOf(ip.family, prefixLength), prefixLength };
}

/** Whether `ip` lies in `range`. */
export function cidrContains(range: CidrRange, ip: IpValue): boolean {
  return range.family === ip.family && (ip.value & maskOf(range.family, range.prefixLength)) === range.network;
}

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1). */
export function isLoopback(ip: IpValue): boolean {
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}
