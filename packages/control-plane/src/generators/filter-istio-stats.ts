// Istio's `istio.stats` HTTP filter (pilot/pkg/model/telemetry.go: buildHTTPTelemetryFilter,
// generateStatsConfig) carrying Telemetry metric overrides: which metrics to drop, which tags to remove
// or set. Its config is istio/proxy's stats.PluginConfig, a proto Envoy's protos lack, so weftd sends
// it as an xds.type.v3.TypedStruct of that type whose value is the PluginConfig's JSON.

import { ISTIO_STATS_CONFIG_TYPE_URL, plainToStruct, TYPE_URL } from '@weft/shared/xds';
import { metricsFor, type ModeMetrics } from '../snapshot/lookup-metrics.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import type { EnvoyResource } from './types.js';

/** Istio's xds.StatsFilterName. */
export const ISTIO_STATS_FILTER = 'istio.stats';

/** Istio's metricToPrometheusMetric: the stats plugin's metric names (without the `istio_` prefix). */
export const PROMETHEUS_METRIC_NAMES: Readonly<Record<string, string>> = Object.freeze({
  REQUEST_COUNT: 'requests_total',
  REQUEST_DURATION: 'request_duration_milliseconds',
  REQUEST_SIZE: 'request_bytes',
  RESPONSE_SIZE: 'response_bytes',
  TCP_OPENED_CONNECTIONS: 'tcp_connections_opened_total',
  TCP_CLOSED_CONNECTIONS: 'tcp_connections_closed_total',
  TCP_SENT_BYTES: 'tcp_sent_bytes_total',
  TCP_RECEIVED_BYTES: 'tcp_received_bytes_total',
  GRPC_REQUEST_MESSAGES: 'request_messages_total',
  GRPC_RESPONSE_MESSAGES: 'response_messages_total',
});

/** An `istio.stats` http_filters entry. */
export type StatsFilter = Readonly<Record<string, unknown>>;

/** The `istio.stats` filters of a proxy's listeners by Istio listener class; undefined: no Telemetry
 *  metrics apply, no filter (weft-proxy then reports Istio's metrics as they are). */
export interface ListenerStats {
  readonly client: StatsFilter | undefined;
  readonly server: StatsFilter | undefined;
}

/**
 * Istio's generateStatsConfig as a PluginConfig object (proto field names): `disable_host_header_fallback`
 * on inbound and gateway listeners, one `metrics` entry per override (`name`, `dimensions` for set tags,
 * `tags_to_remove`, `drop`). A mode with every metric off: Istio leaves the filter out and Envoy then
 * reports nothing; weft-proxy reports without a filter, so the mode says so explicitly with one entry
 * without a name (which the stats plugin applies to every metric) and `drop: true`.
 */
export function statsPluginConfig(metrics: ModeMetrics, disableHostHeaderFallback: boolean): Record<string, unknown> {
  const entries = metrics.disabled
    ? [{ drop: true }]
    : metrics.overrides.map((o) => {
        const dimensions: Record<string, string> = {};
        const remove: string[] = [];
        for (const t of o.tags) {
          if (t.remove) remove.push(t.name);
          else dimensions[t.name] = t.value;
        }
        return {
          name: PROMETHEUS_METRIC_NAMES[o.name] ?? o.name,
          dimensions,
          ...(remove.length > 0 ? { tags_to_remove: remove } : {}),
          ...(o.disabled ? { drop: true } : {}),
        };
      });
  return { ...(disableHostHeaderFallback ? { disable_host_header_fallback: true } : {}), metrics: entries };
}

function statsFilter(config: Record<string, unknown>): StatsFilter {
  return Object.freeze({ name: ISTIO_STATS_FILTER, typed_config: { '@type': TYPE_URL.TYPED_STRUCT, type_url: ISTIO_STATS_CONFIG_TYPE_URL, value: plainToStruct(config) } });
}

const NO_STATS: ListenerStats = Object.freeze({ client: undefined, server: undefined });

/** The `istio.stats` filters of `proxy`'s listeners (see {@link withStatsFilter}). */
export function listenerStatsFor(snapshot: MeshSnapshot, proxy: ProxyView): ListenerStats {
  const metrics = metricsFor(snapshot, proxy);
  if (metrics === undefined) return NO_STATS;
  const gateway = proxy.type === 'router';
  return {
    client: statsFilter(statsPluginConfig(metrics.client, gateway)),
    server: gateway ? undefined : statsFilter(statsPluginConfig(metrics.server, true)),
  };
}

const isHcm = (f: unknown): boolean => (f as { typed_config?: Record<string, unknown> }).typed_config?.['@type'] === TYPE_URL.HTTP_CONNECTION_MANAGER;

function hcmWithStats(filter: unknown, stats: StatsFilter): unknown {
  if (!isHcm(filter)) return filter;
  const f = filter as { typed_config: Record<string, unknown> };
  const httpFilters = (f.typed_config.http_filters as readonly Record<string, unknown>[] | undefined) ?? [];
  // Istio puts it last before the router.
  const router = httpFilters.findIndex((h) => h.name === 'envoy.filters.http.router');
  const at = router < 0 ? httpFilters.length : router;
  return { ...f, typed_config: { ...f.typed_config, http_filters: [...httpFilters.slice(0, at), stats, ...httpFilters.slice(at)] } };
}

function chainWithStats(chain: unknown, stats: StatsFilter): unknown {
  const c = chain as { filters?: readonly unknown[] };
  if (!(c.filters ?? []).some(isHcm)) return chain;
  return { ...c, filters: (c.filters ?? []).map((f) => hcmWithStats(f, stats)) };
}

/** `listeners` with the `istio.stats` filter before the router of every HTTP connection manager
 *  (INBOUND listeners: the SERVER one; others: the CLIENT one). Without filters the listeners are
 *  returned as they are. */
export function withStatsFilter(listeners: EnvoyResource[], stats: ListenerStats): EnvoyResource[] {
  if (stats.client === undefined && stats.server === undefined) return listeners;
  return listeners.map((l) => {
    const chosen = l.traffic_direction === 'INBOUND' ? stats.server : stats.client;
    if (chosen === undefined) return l;
    const chains = l.filter_chains as readonly unknown[] | undefined;
    return {
      ...l,
      ...(chains ? { filter_chains: chains.map((c) => chainWithStats(c, chosen)) } : {}),
      ...(l.default_filter_chain ? { default_filter_chain: chainWithStats(l.default_filter_chain, chosen) } : {}),
    };
  });
}
