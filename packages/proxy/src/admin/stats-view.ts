// GET /stats and /stats/prometheus: the stats that exist so far (xDS updates, connection and server
// state, resource counts) under Envoy's names, in Envoy's two text formats.

import { SERVER_STATE_NUMBER, type ServerState } from '../lifecycle/server-state.js';
import type { AdsClientStats } from '../xds-client/ads-client.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';

/** One stat: Envoy name, kind and value. */
export interface Stat {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly value: number;
}

/** The current stats, sorted by name as Envoy prints them. */
export function collectStats(xds: AdsClientStats, snapshot: XdsSnapshot, state: ServerState): Stat[] {
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
  return stats.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Envoy's /stats text: `name: value` per line; `keep` is the `?filter=` regex test on the name. */
export function renderStatsText(stats: readonly Stat[], keep: (name: string) => boolean = () => true): string {
  return stats
    .filter((s) => keep(s.name))
    .map((s) => `${s.name}: ${s.value}\n`)
    .join('');
}

/** Envoy's /stats/prometheus: `envoy_` prefix, dots to underscores, a TYPE line per metric. */
export function renderStatsPrometheus(stats: readonly Stat[]): string {
  return stats
    .map((s) => {
      const name = `envoy_${s.name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
      return `# TYPE ${name} ${s.type}\n${name}{} ${s.value}\n`;
    })
    .join('');
}
