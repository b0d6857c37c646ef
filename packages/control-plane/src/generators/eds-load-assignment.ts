// Builds one ClusterLoadAssignment from registry endpoints: grouped by locality, weighted, with
// health status and locality-LB priorities. Used by EDS and by CDS for DNS clusters' inline
// load_assignment. Which endpoints belong to which cluster is decided by the callers.

import type { Endpoint } from '../registry/model.js';
import { transportSocketMatchMetadata } from './cds-mtls.js';
import type { ClusterTrafficPolicy } from './cds-traffic-policy.js';
import { applyLocalityLb, failoverPriorityOf, localityLbSetting, parseLocality, type LocalityGroup } from './eds-locality.js';
import type { EnvoyResource } from './types.js';

/** Who the assignment is for and the policy of its cluster. */
export interface LoadAssignmentContext {
  /** The proxy's `region/zone/subzone` ('' when unknown). */
  readonly proxyLocality: string;
  readonly proxyLabels: Readonly<Record<string, string>>;
  /** The cluster's merged traffic policy (cds-traffic-policy.ts). */
  readonly policy: ClusterTrafficPolicy | undefined;
  /** The `tlsMode` endpoints advertise for the cluster's transport_socket_matches (cds-mtls.ts
   *  endpointTlsModes); endpoints not in it get no metadata. */
  readonly tlsModes?: ReadonlyMap<Endpoint, string>;
}

/** The endpoints whose labels include every subset label (Istio subset selection). */
export function subsetEndpoints(endpoints: readonly Endpoint[], labels: Readonly<Record<string, string>> | undefined): Endpoint[] {
  const want = Object.entries(labels ?? {});
  return endpoints.filter((e) => want.every(([k, v]) => e.labels[k] === v));
}

/** An Envoy Address: `unix://path` → pipe, anything else (IP or DNS name) → socket_address. */
function addressOf(ep: Endpoint): Record<string, unknown> {
  if (ep.address.startsWith('unix://')) return { pipe: { path: ep.address.slice('unix://'.length) } };
  return { socket_address: { address: ep.address, port_value: ep.port } };
}

function lbEndpoint(ep: Endpoint, tlsMode: string | undefined): Record<string, unknown> {
  return {
    endpoint: { address: addressOf(ep) },
    health_status: ep.healthy ? 'HEALTHY' : 'UNHEALTHY',
    ...(tlsMode !== undefined ? { metadata: transportSocketMatchMetadata(tlsMode) } : {}),
    load_balancing_weight: { value: ep.weight },
  };
}

const compareEndpoints = (a: Endpoint, b: Endpoint): number => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1);

/**
 * The ClusterLoadAssignment for `clusterName` with `endpoints` (already filtered to the cluster's
 * port and subset). Endpoints are grouped by locality (and, with failoverPriority, by label
 * priority); each LbEndpoint carries its WorkloadEntry weight and health, each group the sum of its
 * weights (Istio), then the locality policy applies (eds-locality.ts). Unhealthy endpoints are sent
 * as UNHEALTHY rather than dropped, so Envoy's view matches the registry. Endpoints in `ctx.tlsModes`
 * carry `envoy.transport_socket_match` metadata (auto-mTLS). Deterministic order:
 * priority, locality, address, port.
 */
export function buildLoadAssignment(clusterName: string, endpoints: readonly Endpoint[], ctx: LoadAssignmentContext): EnvoyResource {
  const { setting, enabled } = localityLbSetting(ctx.policy);
  const labelPriority = enabled && ctx.policy?.outlierDetection !== undefined && !setting.distribute?.length && setting.failoverPriority?.length ? setting.failoverPriority : undefined;
  const byKey = new Map<string, { locality: string; priority: number; endpoints: Endpoint[] }>();
  for (const ep of endpoints) {
    const priority = labelPriority ? failoverPriorityOf(labelPriority, ctx.proxyLabels, ep.labels) : 0;
    const key = `${priority}|${ep.locality}`;
    const group = byKey.get(key) ?? { locality: ep.locality, priority, endpoints: [] };
    group.endpoints.push(ep);
    byKey.set(key, group);
  }
  const groups: LocalityGroup<Endpoint>[] = [...byKey.values()].map((g) => ({
    locality: parseLocality(g.locality),
    endpoints: g.endpoints.sort(compareEndpoints),
    weight: g.endpoints.reduce((sum, e) => sum + e.weight, 0),
    priority: g.priority,
  }));
  const localityKey = (g: LocalityGroup<Endpoint>): string => `${g.locality.region}/${g.locality.zone}/${g.locality.sub_zone}`;
  const placed = applyLocalityLb(groups, ctx.proxyLocality, ctx.policy).sort((a, b) => a.priority - b.priority || localityKey(a).localeCompare(localityKey(b)));
  return {
    cluster_name: clusterName,
    endpoints: placed.map((g) => {
      const locality = Object.fromEntries(Object.entries(g.locality).filter(([, v]) => v !== ''));
      return {
        ...(Object.keys(locality).length > 0 ? { locality } : {}),
        lb_endpoints: g.endpoints.map((ep) => lbEndpoint(ep, ctx.tlsModes?.get(ep))),
        load_balancing_weight: { value: g.weight },
        ...(g.priority > 0 ? { priority: g.priority } : {}),
      };
    }),
  };
}
