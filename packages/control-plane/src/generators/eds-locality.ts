// Locality-aware load balancing on a load assignment, Istio's pilot/pkg/networking/core/loadbalancer:
// `distribute` rewrites locality weights, failover (default or explicit `failover` /
// `failoverPriority`) sets priorities relative to the proxy's locality. Pure functions on groups.

import type { LoadBalancerSettingsLocalityLbSetting } from '@weft/shared';
import type { ClusterTrafficPolicy } from './cds-traffic-policy.js';

/** A `region/zone/subzone` locality split into Envoy's fields (missing parts are empty). */
export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly sub_zone: string;
}

/** Parses `region/zone/subzone` (any part may be missing). */
export function parseLocality(text: string): Locality {
  const [region = '', zone = '', sub_zone = ''] = text.split('/');
  return { region, zone, sub_zone };
}

/** Istio `LocalityMatch`: `pattern` is `region[/zone[/subzone]]` with `*` for any part; missing
 *  zone or subzone parts match anything. */
export function localityMatches(locality: Locality, pattern: string): boolean {
  const rule = parseLocality(pattern);
  return (
    (rule.region === '*' || rule.region === locality.region) &&
    (rule.zone === '*' || rule.zone === '' || rule.zone === locality.zone) &&
    (rule.sub_zone === '*' || rule.sub_zone === '' || rule.sub_zone === locality.sub_zone)
  );
}

/** Istio `LbPriority`: 0 same subzone, 1 same zone, 2 same region, 3 elsewhere. */
export function localityPriority(proxy: Locality, endpoint: Locality): number {
  if (proxy.region !== endpoint.region) return 3;
  if (proxy.zone !== endpoint.zone) return 2;
  return proxy.sub_zone === endpoint.sub_zone ? 0 : 1;
}

/** The locality setting in force and whether locality LB is on: a DestinationRule setting wins over
 *  the mesh's (Weft's mesh default is Istio's: enabled, no distribute/failover); `enabled: false`
 *  turns it off (Istio GetLocalityLbSetting). */
export function localityLbSetting(policy: ClusterTrafficPolicy | undefined): { setting: LoadBalancerSettingsLocalityLbSetting; enabled: boolean } {
  const dr = policy?.loadBalancer?.localityLbSetting;
  if (!dr) return { setting: { enabled: true }, enabled: true };
  return { setting: dr, enabled: dr.enabled !== false };
}

/** Whether the cluster needs `common_lb_config.locality_weighted_lb_config`: with `distribute`, or
 *  with explicit failover (which only works with outlier detection), as Istio sets it. */
export function needsLocalityWeightedLb(policy: ClusterTrafficPolicy | undefined): boolean {
  const { setting, enabled } = localityLbSetting(policy);
  if (!enabled) return false;
  if (setting.distribute?.length) return true;
  return policy?.outlierDetection !== undefined && Boolean(setting.failover?.length || setting.failoverPriority?.length);
}

/** One LocalityLbEndpoints group being built: endpoints of one locality (and priority). */
export interface LocalityGroup<E> {
  readonly locality: Locality;
  readonly endpoints: readonly E[];
  /** Locality weight (Istio: the sum of its endpoints' weights). */
  weight: number;
  priority: number;
}

/** Istio applyLocalityWeights: for the first `distribute` entry whose `from` matches the proxy,
 *  each `to` pattern's weight is shared among the groups it matches (in proportion to their own
 *  weights, rounded up); groups no pattern matches get no traffic and are dropped. */
function applyDistribute<E>(groups: LocalityGroup<E>[], proxy: Locality, distribute: NonNullable<LoadBalancerSettingsLocalityLbSetting['distribute']>): LocalityGroup<E>[] {
  const rule = distribute.find((d) => d.from !== undefined && localityMatches(proxy, d.from));
  if (!rule) return groups;
  const unmatched = new Set(groups);
  for (const [pattern, weight] of Object.entries(rule.to ?? {})) {
    const matched = [...unmatched].filter((g) => localityMatches(g.locality, pattern));
    const total = matched.reduce((sum, g) => sum + g.weight, 0);
    for (const g of matched) {
      unmatched.delete(g);
      const w = Math.ceil((g.weight * weight) / total);
      if (w > 0) g.weight = w;
    }
  }
  return groups.filter((g) => !unmatched.has(g));
}

/** Renumbers priorities densely from 0 keeping their order (Envoy wants no gaps). */
function normalizePriorities<E>(groups: LocalityGroup<E>[]): void {
  const distinct = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
  for (const g of groups) g.priority = distinct.indexOf(g.priority);
}

/** Istio applyLocalityFailover: priority by proximity to the proxy (0..3); an endpoint in another
 *  region is pushed to 4 when a `failover` entry for the proxy's region names a different target. */
function applyFailover<E>(groups: LocalityGroup<E>[], proxy: Locality, failover: NonNullable<LoadBalancerSettingsLocalityLbSetting['failover']>): void {
  for (const g of groups) {
    let p = localityPriority(proxy, g.locality);
    if (p === 3) {
      const rule = failover.find((f) => f.from === proxy.region);
      if (rule && g.locality.region !== rule.to) p = 4;
    }
    g.priority = g.priority * 5 + p;
  }
  normalizePriorities(groups);
}

/**
 * Applies the locality policy to `groups` (already grouped by locality and, with failoverPriority,
 * by {@link failoverPriorityOf}) for a proxy at `proxyLocality`. Returns the groups to send: with
 * `distribute`, the reweighted ones; with failover (it needs outlier detection, or Envoy never
 * leaves priority 0), the same groups with priorities: failoverPriority's, then locality proximity
 * unless failoverPriority is set alone. Locality steps need the proxy's locality (Istio: none, no
 * locality LB).
 */
export function applyLocalityLb<E>(groups: LocalityGroup<E>[], proxyLocality: string, policy: ClusterTrafficPolicy | undefined): LocalityGroup<E>[] {
  const { setting, enabled } = localityLbSetting(policy);
  if (!enabled) return groups;
  const proxy = proxyLocality === '' ? undefined : parseLocality(proxyLocality);
  if (setting.distribute?.length) return proxy ? applyDistribute(groups, proxy, setting.distribute) : groups;
  if (policy?.outlierDetection === undefined) return groups;
  if (proxy && !(setting.failoverPriority?.length && !setting.failover?.length)) applyFailover(groups, proxy, setting.failover ?? []);
  else normalizePriorities(groups);
  return groups;
}

/**
 * Istio applyPriorityFailover's ranking: the number of leading `failoverPriority` labels on which
 * the endpoint agrees with the proxy decides its priority (all agree → 0, first differs → n).
 * A label `key=value` compares the endpoint's `key` with `value` instead of the proxy's.
 */
export function failoverPriorityOf(failoverPriority: readonly string[], proxyLabels: Readonly<Record<string, string>>, endpointLabels: Readonly<Record<string, string>>): number {
  for (const [i, entry] of failoverPriority.entries()) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    const want = eq === -1 ? proxyLabels[key] : entry.slice(eq + 1);
    if (want === undefined || endpointLabels[key] !== want) return failoverPriority.length - i;
  }
  return 0;
}
