// Istio's cluster names: `outbound|<port>|<subset>|<host>`, `inbound|<port>||`, the fixed
// BlackHole / Passthrough clusters, and the DNS SRV form (`outbound_.<port>_.<subset>_.<host>`) mTLS
// uses as SNI. Builds and parses them; knows nothing about cluster contents.

/** Drops all traffic (REGISTRY_ONLY outbound, unmatched routes). */
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
/** Forwards outbound traffic to its original destination (ALLOW_ANY). */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
/** Forwards inbound traffic for ports no service declares to the original destination. */
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

/** `outbound|9080|v1|reviews.default.svc.cluster.local`; the subset is empty for the service's default cluster. */
export function outboundClusterName(port: number, subset: string | undefined, host: string): string {
  return `outbound|${port}|${subset ?? ''}|${host}`;
}

/** `outbound_.9080_.v1_.reviews.default.svc.cluster.local` (`outbound_.9080_._.<host>` without a subset):
 *  Istio's BuildDNSSrvSubsetKey, the SNI an ISTIO_MUTUAL client sends by default. */
export function dnsSrvSubsetKey(port: number, subset: string | undefined, host: string): string {
  return `outbound_.${port}_.${subset ?? ''}_.${host}`;
}

/** `inbound|9080||`: the workload port the inbound cluster delivers to (Istio names it by target port). */
export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

/** The parts of an Istio cluster name. */
export interface ParsedClusterName {
  readonly direction: 'outbound' | 'inbound';
  readonly port: number;
  /** Empty for a service's default cluster. */
  readonly subset: string;
  /** Empty for inbound clusters. */
  readonly host: string;
}

/** Parses `direction|port|subset|host`; undefined for other names (BlackHoleCluster, ...). */
export function parseClusterName(name: string): ParsedClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, port, subset, host] = parts as [string, string, string, string];
  if ((direction !== 'outbound' && direction !== 'inbound') || !/^\d+$/.test(port)) return undefined;
  return { direction, port: Number(port), subset, host };
}
