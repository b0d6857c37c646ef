// A filter chain before it becomes Envoy config: match criteria plus filters (Istio's
// filterChainOpts), how it turns into a FilterChainMatch, and when two chains collide.

import type { EnvoyNetworkFilter } from './filter-tcp-proxy.js';

/** A filter chain being built. */
export interface ChainSpec {
  readonly sniHosts?: readonly string[];
  readonly destinationCidrs?: readonly string[];
  readonly applicationProtocols?: readonly string[];
  readonly transportProtocol?: string;
  readonly destinationPort?: number;
  readonly name?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly filters: readonly EnvoyNetworkFilter[];
  /** Terminates TLS (inbound mTLS chains: lds-inbound-mtls.ts); absent for plaintext and pass-on chains. */
  readonly transportSocket?: Readonly<Record<string, unknown>>;
}

/** The ALPN values the HTTP inspector sets for plaintext HTTP (Istio plaintextHTTPALPNs, HTTP/1.0 off). */
export const PLAINTEXT_HTTP_ALPNS: readonly string[] = Object.freeze(['http/1.1', 'h2c']);

/** `10.0.0.0/16` or `10.0.0.7` (a /32, or /128 for IPv6) as an Envoy CidrRange. */
export function toCidrRange(cidr: string): { address_prefix: string; prefix_len: { value: number } } {
  const [address = '', len] = cidr.split('/');
  const full = address.includes(':') ? 128 : 32;
  return { address_prefix: address, prefix_len: { value: len === undefined ? full : Number(len) } };
}

const isUnspecified = (cidr: string): boolean => {
  const a = cidr.split('/')[0];
  return a === '0.0.0.0' || a === '::';
};

/** True when the chain matches every connection (no criteria, or SNI `*` only). */
export function isMatchAll(c: ChainSpec): boolean {
  return (
    (!c.sniHosts?.length || c.sniHosts.includes('*')) &&
    !c.applicationProtocols?.length &&
    !c.transportProtocol &&
    !c.destinationCidrs?.some((d) => !isUnspecified(d)) &&
    c.destinationPort === undefined
  );
}

/** The FilterChainMatch of a chain (undefined for a match-all chain). SNI and CIDRs are sorted so
 *  output does not depend on config order; `*` SNI and 0.0.0.0 CIDRs mean "any" and are dropped. */
export function toFilterChainMatch(c: ChainSpec): Record<string, unknown> | undefined {
  if (isMatchAll(c)) return undefined;
  const m: Record<string, unknown> = {};
  if (c.destinationPort !== undefined) m.destination_port = { value: c.destinationPort };
  const cidrs = [...(c.destinationCidrs ?? [])].filter((d) => !isUnspecified(d)).sort();
  if (cidrs.length > 0) m.prefix_ranges = cidrs.map(toCidrRange);
  if (c.sniHosts?.length && !c.sniHosts.includes('*')) m.server_names = [...c.sniHosts].sort();
  if (c.transportProtocol) m.transport_protocol = c.transportProtocol;
  if (c.applicationProtocols?.length) m.application_protocols = [...c.applicationProtocols];
  return m;
}

/** Whether two chains have the same match (Envoy rejects a listener with duplicate matches; Istio
 *  keeps the first, conflictsWith). */
export function chainsConflict(a: ChainSpec, b: ChainSpec): boolean {
  return JSON.stringify(toFilterChainMatch(a) ?? {}) === JSON.stringify(toFilterChainMatch(b) ?? {});
}

/** The Envoy FilterChain of a spec. */
export function toFilterChain(c: ChainSpec): Record<string, unknown> {
  const match = toFilterChainMatch(c);
  return {
    ...(c.name ? { name: c.name } : {}),
    ...(match ? { filter_chain_match: match } : {}),
    filters: c.filters,
    ...(c.transportSocket ? { transport_socket: c.transportSocket } : {}),
    ...(c.metadata ? { metadata: c.metadata } : {}),
  };
}
