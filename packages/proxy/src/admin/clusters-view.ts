// GET /clusters: Envoy's text form (`name::field::value` lines, per cluster then per host) and its JSON
// form (`?format=json`, envoy.admin.v3.Clusters). Request counters are 0 until the data plane exists.

import type { ClusterShape, CircuitBreakerThresholdsShape } from '../xds-client/envoy-shapes.js';
import type { AcceptedResource, XdsSnapshot } from '../xds-client/resource-store.js';
import { clusterHosts, type ClusterHost } from './cluster-hosts.js';

// Envoy's circuit breaker defaults when a cluster sets none.
const BREAKER_DEFAULTS = { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 } as const;
// Per-host stats in Envoy's (alphabetical) order: counters and gauges.
const HOST_STATS = ['cx_active', 'cx_connect_fail', 'cx_total', 'rq_active', 'rq_error', 'rq_success', 'rq_timeout', 'rq_total'] as const;

/** Envoy's health_flags text: `healthy`, or the failure flags. */
function healthFlags(host: ClusterHost): string {
  if (host.healthStatus === 'UNHEALTHY' || host.healthStatus === 'DRAINING' || host.healthStatus === 'TIMEOUT') return '/failed_eds_health';
  if (host.healthStatus === 'DEGRADED') return '/degraded_eds_health';
  return 'healthy';
}

function breakers(cluster: ClusterShape, priority: 'DEFAULT' | 'HIGH'): Record<keyof typeof BREAKER_DEFAULTS, number> {
  const t: CircuitBreakerThresholdsShape | undefined = cluster.circuit_breakers?.thresholds?.find((x) => (x.priority ?? 'DEFAULT') === priority);
  return {
    max_connections: t?.max_connections?.value ?? BREAKER_DEFAULTS.max_connections,
    max_pending_requests: t?.max_pending_requests?.value ?? BREAKER_DEFAULTS.max_pending_requests,
    max_requests: t?.max_requests?.value ?? BREAKER_DEFAULTS.max_requests,
    max_retries: t?.max_retries?.value ?? BREAKER_DEFAULTS.max_retries,
  };
}

const sortedClusters = (snapshot: XdsSnapshot): AcceptedResource[] => [...snapshot.cluster.resources.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The text of GET /clusters. */
export function renderClustersText(snapshot: XdsSnapshot): string {
  const lines: string[] = [];
  for (const cluster of sortedClusters(snapshot)) {
    const shape = cluster.message as ClusterShape;
    const n = cluster.name;
    lines.push(`${n}::observability_name::${shape.alt_stat_name || n}`);
    for (const [priority, label] of [
      ['DEFAULT', 'default_priority'],
      ['HIGH', 'high_priority'],
    ] as const) {
      for (const [field, value] of Object.entries(breakers(shape, priority))) lines.push(`${n}::${label}::${field}::${value}`);
    }
    lines.push(`${n}::added_via_api::true`);
    if (shape.type === 'EDS' && shape.eds_cluster_config?.service_name) lines.push(`${n}::eds_service_name::${shape.eds_cluster_config.service_name}`);
    for (const host of clusterHosts(cluster, snapshot)) {
      const h = `${n}::${host.hostPort}`;
      for (const stat of HOST_STATS) lines.push(`${h}::${stat}::0`);
      lines.push(
        `${h}::hostname::${host.hostname}`,
        `${h}::health_flags::${healthFlags(host)}`,
        `${h}::weight::${host.weight}`,
        `${h}::region::${host.region}`,
        `${h}::zone::${host.zone}`,
        `${h}::sub_zone::${host.subZone}`,
        `${h}::canary::false`,
        `${h}::priority::${host.priority}`,
        `${h}::success_rate::-1`,
        `${h}::local_origin_success_rate::-1`,
      );
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The JSON of GET /clusters?format=json (envoy.admin.v3.Clusters, the fields istioctl reads). */
export function renderClustersJson(snapshot: XdsSnapshot): Record<string, unknown> {
  return {
    cluster_statuses: sortedClusters(snapshot).map((cluster) => {
      const shape = cluster.message as ClusterShape;
      const thresholds = (['DEFAULT', 'HIGH'] as const).map((priority) => ({ priority, ...breakers(shape, priority) }));
      const hosts = clusterHosts(cluster, snapshot).map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        stats: HOST_STATS.map((name) => ({ name, ...(name.endsWith('_active') ? { type: 'GAUGE' } : {}) })),
        health_status: { eds_health_status: h.healthStatus },
        weight: h.weight,
        ...(h.hostname ? { hostname: h.hostname } : {}),
        locality: { region: h.region, zone: h.zone, sub_zone: h.subZone },
        ...(h.priority ? { priority: h.priority } : {}),
      }));
      return {
        name: cluster.name,
        added_via_api: true,
        circuit_breakers: { thresholds },
        observability_name: shape.alt_stat_name || cluster.name,
        ...(shape.type === 'EDS' && shape.eds_cluster_config?.service_name ? { eds_service_name: shape.eds_cluster_config.service_name } : {}),
        ...(hosts.length > 0 ? { host_statuses: hosts } : {}),
      };
    }),
  };
}
