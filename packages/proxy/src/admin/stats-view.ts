// GET /stats and /stats/prometheus: the stats that exist so far (xDS updates, connection and server
// state, resource counts, per-cluster request, connection, circuit-breaker and outlier-detection
// counters) under Envoy's names, in Envoy's two text formats.

import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { SERVER_STATE_NUMBER, type ServerState } from '../lifecycle/server-state.js';
import type { AdsClientStats } from '../xds-client/ads-client.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';

/** One stat: Envoy name, kind and value. Cluster stats also say their cluster, which Envoy's
 *  Prometheus output turns into a `cluster_name` tag. */
export interface Stat {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly value: number;
  readonly cluster?: { readonly name: string; readonly stat: string };
}

/** Envoy's cluster stats (`cluster.<name>.<stat>`) from the live cluster state. */
export function collectClusterStats(runtime: ClusterRuntime): Stat[] {
  const stats: Stat[] = [];
  for (const c of runtime.clusters()) {
    const add = (stat: string, type: Stat['type'], value: number): void => void stats.push({ name: `cluster.${c.name}.${stat}`, type, value, cluster: { name: c.name, stat } });
    const sum = { cxActive: 0, cxConnectFail: 0, cxTotal: 0, rqActive: 0, rqTimeout: 0, rqTotal: 0 };
    for (const [, h] of c.hosts()) {
      sum.cxActive += h.cxActive;
      sum.cxConnectFail += h.cxConnectFail;
      sum.cxTotal += h.cxTotal;
      sum.rqActive += h.rqActive;
      sum.rqTimeout += h.rqTimeout;
      sum.rqTotal += h.rqTotal;
    }
    add('upstream_cx_active', 'gauge', sum.cxActive);
    add('upstream_cx_connect_fail', 'counter', sum.cxConnectFail);
    add('upstream_cx_total', 'counter', sum.cxTotal);
    add('upstream_cx_overflow', 'counter', c.breaker.stats.cxOverflow);
    add('upstream_rq_active', 'gauge', sum.rqActive);
    add('upstream_rq_pending_overflow', 'counter', c.breaker.stats.rqPendingOverflow);
    add('upstream_rq_retry_overflow', 'counter', c.breaker.stats.rqRetryOverflow);
    add('upstream_rq_timeout', 'counter', sum.rqTimeout);
    add('upstream_rq_total', 'counter', sum.rqTotal);
    const o = c.outlier.stats;
    add('outlier_detection.ejections_active', 'gauge', o.ejectionsActive);
    add('outlier_detection.ejections_enforced_total', 'counter', o.ejectionsEnforcedTotal);
    add('outlier_detection.ejections_overflow', 'counter', o.ejectionsOverflow);
    for (const [type, n] of Object.entries(o.detected)) add(`outlier_detection.ejections_detected_${type}`, 'counter', n);
    for (const [type, n] of Object.entries(o.enforced)) add(`outlier_detection.ejections_enforced_${type}`, 'counter', n);
  }
  return stats;
}

/** The current stats, sorted by name as Envoy prints them. */
export function collectStats(xds: AdsClientStats, snapshot: XdsSnapshot, state: ServerState, runtime?: ClusterRuntime): Stat[] {
  const stats: Stat[] = [];
  for (const [prefix, kind] of [
    ['cluster_manager.cds', 'cluster'],
    ['listener_manager.lds', 'listener'],
  ] as const) {
    const u = xds.updates[kind];
    stats.push(
      { name: `${prefix}.update_attempt`, type: 'counter', value: u.attempt },
      { name: `${prefix}.update_failure`, type: 'counter', value: u.failure },
      { name: `${prefix}.update_rejected`, type: 'counter', value: u.rejected },
      { name: `${prefix}.update_success`, type: 'counter', value: u.success },
    );
  }
  stats.push(
    { name: 'cluster_manager.active_clusters', type: 'gauge', value: snapshot.cluster.resources.size },
    { name: 'listener_manager.total_listeners_active', type: 'gauge', value: snapshot.listener.resources.size },
    { name: 'control_plane.connected_state', type: 'gauge', value: xds.connected ? 1 : 0 },
    { name: 'server.live', type: 'gauge', value: state === 'LIVE' ? 1 : 0 },
    { name: 'server.state', type: 'gauge', value: SERVER_STATE_NUMBER[state] },
  );
  if (runtime) stats.push(...collectClusterStats(runtime));
  return stats.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Envoy's /stats text: `name: value` per line; `keep` is the `?filter=` regex test on the name. */
export function renderStatsText(stats: readonly Stat[], keep: (name: string) => boolean = () => true): string {
  return stats
    .filter((s) => keep(s.name))
    .map((s) => `${s.name}: ${s.value}\n`)
    .join('');
}

const promName = (name: string): string => `envoy_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
const promLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Envoy's /stats/prometheus: `envoy_` prefix, dots to underscores, one TYPE line per metric; cluster
 *  stats become `envoy_cluster_<stat>{cluster_name="..."}`, as Envoy's tag extraction does. */
export function renderStatsPrometheus(stats: readonly Stat[]): string {
  const byMetric = new Map<string, { type: Stat['type']; lines: string[] }>();
  for (const s of stats) {
    const metric = s.cluster ? promName(`cluster.${s.cluster.stat}`) : promName(s.name);
    const labels = s.cluster ? `{cluster_name="${promLabel(s.cluster.name)}"}` : '{}';
    let m = byMetric.get(metric);
    if (!m) byMetric.set(metric, (m = { type: s.type, lines: [] }));
    m.lines.push(`${metric}${labels} ${s.value}\n`);
  }
  let out = '';
  for (const [metric, m] of byMetric) out += `# TYPE ${metric} ${m.type}\n${m.lines.join('')}`;
  return out;
}
