// GET /clusters: Envoy's text form (`name::field::value` lines, per cluster then per host) and its JSON
// form (`?format=json`, envoy.admin.v3.Clusters). Config comes from the snapshot; live numbers (host
// stats, outlier ejections and success rates) from the ClusterRuntime when one is given.

import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { ClusterResilienceShape } from '../cluster/cluster-shapes.js';
import type { HostStats } from '../cluster/host-stats.js';
import type { SuccessRateNumbers } from '../cluster/outlier-detector.js';
import type { ClusterShape, CircuitBreakerThresholdsShape } from '../xds-client/envoy-shapes.js';
import type { AcceptedResource, XdsSnapshot } from '../xds-client/resource-store.js';
import { clusterHosts, type ClusterHost } from './cluster-hosts.js';

// Envoy's circuit breaker defaults when a cluster sets none.
const BREAKER_DEFAULTS = { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 } as const;
// Per-host stats in Envoy's (alphabetical) order, with the HostStats field each prints.
const HOST_STATS: readonly (readonly [string, keyof HostStats, 'COUNTER' | 'GAUGE'])[] = [
  ['cx_active', 'cxActive', 'GAUGE'],
  ['cx_connect_fail', 'cxConnectFail', 'COUNTER'],
  ['cx_total', 'cxTotal', 'COUNTER'],
  ['rq_active', 'rqActive', 'GAUGE'],
  ['rq_error', 'rqError', 'COUNTER'],
  ['rq_success', 'rqSuccess', 'COUNTER'],
  ['rq_timeout', 'rqTimeout', 'COUNTER'],
  ['rq_total', 'rqTotal', 'COUNTER'],
];

/** Envoy's health_flags text (HostUtility::healthFlagsToString): `healthy`, or each failure flag in
 *  Envoy's flag order. */
function healthFlags(host: ClusterHost): string {
  let flags = '';
  if (host.ejected) flags += '/failed_outlier_check';
  if (host.healthStatus === 'UNHEALTHY' || host.healthStatus === 'DRAINING' || host.healthStatus === 'TIMEOUT') flags += '/failed_eds_health';
  if (host.healthStatus === 'DEGRADED') flags += '/degraded_eds_health';
  return flags === '' ? 'healthy' : flags;
}

/** A double as fmt's `{:g}` prints it (6 significant digits, no trailing zeros). */
function formatG(x: number): string {
  return String(Number(x.toPrecision(6)));
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

const NO_RATE: SuccessRateNumbers = { average: -1, ejectionThreshold: -1 };

/** The cluster's outlier success-rate numbers, or undefined when it has no outlier detection. */
function outlierNumbers(shape: ClusterShape, name: string, runtime: ClusterRuntime | undefined): { external: SuccessRateNumbers; local: SuccessRateNumbers } | undefined {
  if (!(shape as ClusterResilienceShape).outlier_detection) return undefined;
  const detector = runtime?.get(name)?.outlier;
  if (!detector?.enabled) return { external: NO_RATE, local: NO_RATE };
  detector.refresh();
  return { external: detector.successRate('external'), local: detector.successRate('local') };
}

const sortedClusters = (snapshot: XdsSnapshot): AcceptedResource[] => [...snapshot.cluster.resources.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The text of GET /clusters. */
export function renderClustersText(snapshot: XdsSnapshot, runtime?: ClusterRuntime): string {
  const lines: string[] = [];
  for (const cluster of sortedClusters(snapshot)) {
    const shape = cluster.message as ClusterShape;
    const n = cluster.name;
    lines.push(`${n}::observability_name::${shape.alt_stat_name || n}`);
    const outlier = outlierNumbers(shape, n, runtime);
    if (outlier) {
      lines.push(
        `${n}::outlier::success_rate_average::${formatG(outlier.external.average)}`,
        `${n}::outlier::success_rate_ejection_threshold::${formatG(outlier.external.ejectionThreshold)}`,
        `${n}::outlier::local_origin_success_rate_average::${formatG(outlier.local.average)}`,
        `${n}::outlier::local_origin_success_rate_ejection_threshold::${formatG(outlier.local.ejectionThreshold)}`,
      );
    }
    for (const [priority, label] of [
      ['DEFAULT', 'default_priority'],
      ['HIGH', 'high_priority'],
    ] as const) {
      for (const [field, value] of Object.entries(breakers(shape, priority))) lines.push(`${n}::${label}::${field}::${value}`);
    }
    lines.push(`${n}::added_via_api::true`);
    if (shape.type === 'EDS' && shape.eds_cluster_config?.service_name) lines.push(`${n}::eds_service_name::${shape.eds_cluster_config.service_name}`);
    for (const host of clusterHosts(cluster, snapshot, runtime)) {
      const h = `${n}::${host.hostPort}`;
      for (const [stat, field] of HOST_STATS) lines.push(`${h}::${stat}::${host.stats[field]}`);
      lines.push(
        `${h}::hostname::${host.hostname}`,
        `${h}::health_flags::${healthFlags(host)}`,
        `${h}::weight::${host.weight}`,
        `${h}::region::${host.region}`,
        `${h}::zone::${host.zone}`,
        `${h}::sub_zone::${host.subZone}`,
        `${h}::canary::false`,
        `${h}::priority::${host.priority}`,
        `${h}::success_rate::${formatG(host.successRate)}`,
        `${h}::local_origin_success_rate::${formatG(host.localOriginSuccessRate)}`,
      );
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The JSON of GET /clusters?format=json (envoy.admin.v3.Clusters in proto3 JSON: 64-bit values as
 *  strings, zero values and the COUNTER enum default left out). */
export function renderClustersJson(snapshot: XdsSnapshot, runtime?: ClusterRuntime): Record<string, unknown> {
  return {
    cluster_statuses: sortedClusters(snapshot).map((cluster) => {
      const shape = cluster.message as ClusterShape;
      const thresholds = (['DEFAULT', 'HIGH'] as const).map((priority) => ({ priority, ...breakers(shape, priority) }));
      const outlier = outlierNumbers(shape, cluster.name, runtime);
      const hosts = clusterHosts(cluster, snapshot, runtime).map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        stats: HOST_STATS.map(([name, field, type]) => ({ name, ...(h.stats[field] !== 0 ? { value: String(h.stats[field]) } : {}), ...(type === 'GAUGE' ? { type } : {}) })),
        health_status: { ...(h.ejected ? { failed_outlier_check: true } : {}), eds_health_status: h.healthStatus },
        ...(h.successRate >= 0 ? { success_rate: { value: h.successRate } } : {}),
        weight: h.weight,
        ...(h.hostname ? { hostname: h.hostname } : {}),
        locality: { region: h.region, zone: h.zone, sub_zone: h.subZone },
        ...(h.priority ? { priority: h.priority } : {}),
        ...(h.localOriginSuccessRate >= 0 ? { local_origin_success_rate: { value: h.localOriginSuccessRate } } : {}),
      }));
      return {
        name: cluster.name,
        ...(outlier && outlier.external.ejectionThreshold > 0 ? { success_rate_ejection_threshold: { value: outlier.external.ejectionThreshold } } : {}),
        ...(outlier && outlier.local.ejectionThreshold > 0 ? { local_origin_success_rate_ejection_threshold: { value: outlier.local.ejectionThreshold } } : {}),
        added_via_api: true,
        circuit_breakers: { thresholds },
        observability_name: shape.alt_stat_name || cluster.name,
        ...(shape.type === 'EDS' && shape.eds_cluster_config?.service_name ? { eds_service_name: shape.eds_cluster_config.service_name } : {}),
        ...(hosts.length > 0 ? { host_statuses: hosts } : {}),
      };
    }),
  };
}
