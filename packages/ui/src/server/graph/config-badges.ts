// Which services the Istio config touches, for the graph's badges: a VirtualService for the service
// (mesh-bound: no `gateways`, or `mesh` among them), fault injection in one of its HTTP routes, and a
// circuit breaker (connectionPool or outlierDetection) in a DestinationRule for it.

import type { Badge } from '../../api-types.js';
import type { ConfigzEntry } from '../mesh/weftd-client.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Whether `host`, written in a resource of namespace `ns`, names service `name` of `svcNs` (Istio's
 *  short-name rule: `reviews` in its namespace, `reviews.default`, the full `.svc.` name). */
export function hostNames(host: string, ns: string, name: string, svcNs: string): boolean {
  if (host === name) return ns === svcNs;
  if (host === `${name}.${svcNs}`) return true;
  return host.startsWith(`${name}.${svcNs}.svc.`);
}

function hasCircuitBreaker(policy: unknown): boolean {
  return isRecord(policy) && (isRecord(policy.connectionPool) || isRecord(policy.outlierDetection));
}

/** The badges of service `name` in `svcNs`, in a fixed order. */
export function badgesOf(config: readonly ConfigzEntry[], name: string, svcNs: string): Badge[] {
  const badges = new Set<Badge>();
  for (const e of config) {
    const spec = isRecord(e.resource.spec) ? e.resource.spec : {};
    if (e.kind === 'VirtualService') {
      const gateways = list(spec.gateways);
      if (gateways.length > 0 && !gateways.includes('mesh')) continue;
      if (!list(spec.hosts).some((h) => typeof h === 'string' && hostNames(h, e.namespace, name, svcNs))) continue;
      badges.add('virtualService');
      if (list(spec.http).some((r) => isRecord(r) && isRecord(r.fault))) badges.add('faultInjection');
    } else if (e.kind === 'DestinationRule') {
      if (typeof spec.host !== 'string' || !hostNames(spec.host, e.namespace, name, svcNs)) continue;
      if (hasCircuitBreaker(spec.trafficPolicy) || list(spec.subsets).some((s) => isRecord(s) && hasCircuitBreaker(s.trafficPolicy))) badges.add('circuitBreaker');
    }
  }
  return (['virtualService', 'faultInjection', 'circuitBreaker'] as const).filter((b) => badges.has(b));
}
