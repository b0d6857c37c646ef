// Telemetry metric overrides in LDS: the `istio.stats` HTTP filter (a TypedStruct of Istio's
// stats.PluginConfig) before the router of every HCM, its content per mode as Istio's mergeMetrics and
// generateStatsConfig produce it, and no filter at all when no Telemetry has `metrics`.

import { ISTIO_STATS_CONFIG_TYPE_URL, plainToStruct, structToPlain, TYPE_URL, type StructMessage } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { metricsFor } from '../snapshot/lookup-metrics.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { ISTIO_STATS_FILTER } from './filter-istio-stats.js';
import { router } from './gateway.test-fixtures.js';
import { BOOKINFO, entry, meshOf, packAll, sidecar } from './lds-rds.test-fixtures.js';
import { generateListeners } from './lds.js';
import type { EnvoyResource } from './types.js';

type HttpFilter = { name: string; typed_config: Record<string, unknown> };
type Filter = { name: string; typed_config: Record<string, unknown> & { http_filters?: HttpFilter[] } };
type Chain = { filters: Filter[] };
type Listener = EnvoyResource & { traffic_direction?: string; filter_chains: Chain[] };

const PRODUCTPAGE = sidecar('default', { app: 'productpage', version: 'v1' });
const telemetry = (name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry => entry('Telemetry', name, namespace, spec, 'telemetry.istio.io/v1');

function listeners(cfg: readonly ConfigEntry[], proxy: ProxyView = PRODUCTPAGE): Listener[] {
  const out = generateListeners(meshOf(cfg), proxy) as Listener[];
  packAll(TYPE_URL.LISTENER, out);
  return out;
}

/** The http_filters names of every HCM, and its `istio.stats` PluginConfig (as plain JSON), by direction. */
function hcms(ls: readonly Listener[]): { direction: string; names: string[]; stats: Record<string, unknown> | undefined }[] {
  const out: { direction: string; names: string[]; stats: Record<string, unknown> | undefined }[] = [];
  for (const l of ls) {
    for (const c of l.filter_chains) {
      for (const f of c.filters) {
        if (f.name !== 'envoy.filters.network.http_connection_manager') continue;
        const hf = f.typed_config.http_filters ?? [];
        const stats = hf.find((h) => h.name === ISTIO_STATS_FILTER)?.typed_config;
        if (stats) {
          expect(stats['@type']).toBe(TYPE_URL.TYPED_STRUCT);
          expect(stats.type_url).toBe(ISTIO_STATS_CONFIG_TYPE_URL);
        }
        out.push({ direction: l.traffic_direction ?? '', names: hf.map((h) => h.name), stats: stats ? structToPlain(stats.value as StructMessage) : undefined });
      }
    }
  }
  return out;
}

const statsOf = (ls: readonly Listener[], direction: string) => hcms(ls).find((h) => h.direction === direction)?.stats;

describe('istio.stats filter', () => {
  it('is absent when no Telemetry has metrics', () => {
    const all = hcms(listeners(BOOKINFO));
    expect(all.length).toBeGreaterThan(2);
    expect(all.every((h) => h.stats === undefined)).toBe(true);
  });

  it("carries the brief's override exactly as Istio's generateStatsConfig, before the router, on every HCM", () => {
    const cfg = [
      ...BOOKINFO,
      telemetry('mesh', 'istio-system', {
        metrics: [
          {
            providers: [{ name: 'prometheus' }],
            overrides: [{ match: { metric: 'REQUEST_COUNT', mode: 'CLIENT' }, disabled: true, tagOverrides: { response_code: { operation: 'REMOVE' }, my_tag: { value: "'literal'" } } }],
          },
        ],
      }),
    ];
    const all = hcms(listeners(cfg));
    for (const h of all) expect(h.names.slice(-2)).toEqual([ISTIO_STATS_FILTER, 'envoy.filters.http.router']);
    expect(statsOf(listeners(cfg), 'OUTBOUND')).toEqual({ metrics: [{ name: 'requests_total', dimensions: { my_tag: "'literal'" }, tags_to_remove: ['response_code'], drop: true }] });
    // SERVER mode has no override: Istio still sends the filter, without metrics entries.
    expect(statsOf(listeners(cfg), 'INBOUND')).toEqual({ disable_host_header_fallback: true, metrics: [] });
  });

  it('ALL_METRICS expands to every metric; later overrides merge tags and replace `disabled`', () => {
    const cfg = [
      ...BOOKINFO,
      telemetry('mesh', 'istio-system', { metrics: [{ overrides: [{ tagOverrides: { a: { value: 'x' } } }, { match: { metric: 'REQUEST_SIZE' }, disabled: true }] }] }),
      telemetry('ns', 'default', { metrics: [{ overrides: [{ match: { metric: 'REQUEST_SIZE' }, disabled: false, tagOverrides: { b: { operation: 'REMOVE' } } }] }] }),
    ];
    const merged = metricsFor(meshOf(cfg), PRODUCTPAGE);
    expect(merged?.client.overrides.map((o) => o.name)).toEqual(['GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE', 'TCP_CLOSED_CONNECTIONS', 'TCP_OPENED_CONNECTIONS', 'TCP_RECEIVED_BYTES', 'TCP_SENT_BYTES']);
    const size = merged?.server.overrides.find((o) => o.name === 'REQUEST_SIZE');
    expect(size).toEqual({ name: 'REQUEST_SIZE', disabled: false, tags: [{ name: 'a', remove: false, value: 'x' }, { name: 'b', remove: true, value: '' }] });
  });

  it('ALL_METRICS disabled at the mesh, re-enabled by a namespace override; a workload in another namespace stays off', () => {
    const cfg = [
      ...BOOKINFO,
      telemetry('mesh', 'istio-system', { metrics: [{ overrides: [{ match: { metric: 'ALL_METRICS' }, disabled: true }] }] }),
      telemetry('ns', 'default', { metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT', mode: 'SERVER' }, disabled: false }] }] }),
    ];
    const ls = listeners(cfg);
    expect(statsOf(ls, 'OUTBOUND')).toEqual({ metrics: [{ drop: true }] });
    expect(statsOf(ls, 'INBOUND')).toEqual({ disable_host_header_fallback: true, metrics: [{ name: 'requests_total', dimensions: {} }] });
    const elsewhere = sidecar('shop', { app: 'cart' }, '10.0.3.1', 'cart-v1');
    expect(metricsFor(meshOf(cfg), elsewhere)).toEqual({ client: { disabled: true, overrides: [] }, server: { disabled: true, overrides: [] } });
  });

  it('workload selector beats namespace; a level naming another provider only turns Prometheus off', () => {
    const cfg = [
      ...BOOKINFO,
      telemetry('ns', 'default', { metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT' }, tagOverrides: { level: { value: "'ns'" } } }] }] }),
      telemetry('wl', 'default', { selector: { matchLabels: { app: 'productpage' } }, metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT' }, tagOverrides: { level: { value: "'workload'" } } }] }] }),
    ];
    expect(metricsFor(meshOf(cfg), PRODUCTPAGE)?.client.overrides[0]?.tags).toEqual([{ name: 'level', remove: false, value: "'workload'" }]);
    const other = metricsFor(meshOf([...BOOKINFO, telemetry('ns', 'default', { metrics: [{ providers: [{ name: 'stackdriver' }] }] })]), PRODUCTPAGE);
    expect(other?.client.disabled).toBe(true);
  });

  it('gateways get the CLIENT config with disable_host_header_fallback', () => {
    const cfg = [
      ...BOOKINFO,
      telemetry('mesh', 'istio-system', { metrics: [{ overrides: [{ match: { metric: 'REQUEST_DURATION' }, disabled: true }] }] }),
      entry('Gateway', 'gw', 'default', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
    ];
    expect(statsOf(listeners(cfg, router()), 'OUTBOUND')).toEqual({ disable_host_header_fallback: true, metrics: [{ name: 'request_duration_milliseconds', dimensions: {}, drop: true }] });
  });

  it('the TypedStruct value round-trips as a Struct', () => {
    expect(structToPlain(plainToStruct({ metrics: [{ name: 'requests_total', tags_to_remove: ['x'] }] }))).toEqual({ metrics: [{ name: 'requests_total', tags_to_remove: ['x'] }] });
  });
});
