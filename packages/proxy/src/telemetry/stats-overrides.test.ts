// Telemetry metric overrides in the proxy: the `istio.stats` filter config weftd sends (a TypedStruct of
// stats.PluginConfig) compiled per listener, and what IstioMetrics renders with it: a dropped metric
// has no lines, a removed tag merges the series it told apart, an added tag carries its literal value,
// and listeners without overrides are untouched.

import { ISTIO_STATS_CONFIG_TYPE_URL, plainToStruct, TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { OutcomeBuilder } from '../outbound/request-outcome.js';
import { IstioMetrics } from './istio-metrics.js';
import { compileStatsConfig, dimensionValue, statsOverridesOf, type MetricOverrides } from './stats-overrides.js';
import { workloadInfoFromMetadata } from './workload-info.js';

const SELF = workloadInfoFromMetadata({ WORKLOAD_NAME: 'productpage-v1', NAMESPACE: 'default', LABELS: { app: 'productpage', version: 'v1' } });

function outcome(status: number, cluster = 'outbound|9080||reviews.default.svc.cluster.local'): OutcomeBuilder {
  const o = new OutcomeBuilder('outbound');
  o.cluster = cluster;
  o.finish(status, { authority: 'reviews:9080', bytesReceived: 100, bytesSent: 200 });
  o.durationMs = 3;
  return o;
}

function overrides(config: Record<string, unknown>): MetricOverrides {
  const compiled = compileStatsConfig(config);
  if (!compiled.ok || !compiled.overrides) throw new Error('no overrides');
  return compiled.overrides;
}

/** The lines of `metric` (its series lines, `_bucket`-less for histograms: `_count`). */
const lines = (text: string, metric: string): string[] => text.split('\n').filter((l) => l.startsWith(`${metric}{`));

describe('istio.stats overrides', () => {
  it("the brief's override: REQUEST_COUNT dropped; response_code removed and my_tag added on the others", () => {
    const m = new IstioMetrics(SELF);
    const o = overrides({
      metrics: [
        { name: 'requests_total', drop: true },
        { dimensions: { my_tag: "'literal'" }, tags_to_remove: ['response_code'] },
      ],
    });
    m.recordRequest(outcome(200), o);
    m.recordRequest(outcome(404), o);
    m.recordRequest(outcome(200), o);
    const text = m.render();
    expect(text).not.toContain('istio_requests_total');
    const counts = lines(text, 'istio_request_duration_milliseconds_count');
    // 200 and 404 differ only in response_code: one series of 3 requests.
    expect(counts).toHaveLength(1);
    expect(counts[0]).toMatch(/ 3$/);
    expect(counts[0]).not.toContain('response_code=');
    expect(counts[0]).toContain('response_flags="-",connection_security_policy="unknown",my_tag="literal"}');
    expect(lines(text, 'istio_request_bytes_sum')[0]).toMatch(/ 300$/);
  });

  it('a set tag that is a standard one keeps its place with the new value; tags of one metric only', () => {
    const m = new IstioMetrics(SELF);
    const o = overrides({ metrics: [{ name: 'requests_total', dimensions: { destination_service_name: '"reviews-svc"', team: 'books' } }] });
    m.recordRequest(outcome(200), o);
    const text = m.render();
    const [requests] = lines(text, 'istio_requests_total');
    expect(requests).toContain('destination_service_name="reviews-svc",destination_service_namespace="default"');
    expect(requests).toMatch(/connection_security_policy="unknown",team="books"\} 1$/);
    expect(lines(text, 'istio_response_bytes_count')[0]).not.toContain('team=');
  });

  it('listeners without overrides keep the standard series beside the overridden ones', () => {
    const m = new IstioMetrics(SELF);
    m.recordRequest(outcome(200));
    m.recordRequest(outcome(200), overrides({ metrics: [{ tags_to_remove: ['response_code', 'grpc_response_status'] }] }));
    const requests = lines(m.render(), 'istio_requests_total');
    expect(requests).toHaveLength(2);
    expect(requests.filter((l) => l.includes('response_code="200"'))).toHaveLength(1);
  });

  it('every metric dropped (ALL_METRICS disabled): nothing rendered', () => {
    const m = new IstioMetrics(SELF);
    m.recordRequest(outcome(200), overrides({ metrics: [{ drop: true }] }));
    expect(m.render()).toBe('');
  });

  it('reads the TypedStruct weftd sends; no filter means no overrides; bad configs are problems', () => {
    const filter = { name: 'istio.stats', typed_config: { '@type': TYPE_URL.TYPED_STRUCT, type_url: ISTIO_STATS_CONFIG_TYPE_URL, value: plainToStruct({ metrics: [{ name: 'request_bytes', drop: true }] }) } };
    const compiled = statsOverridesOf([filter, { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } }]);
    expect(compiled.ok && compiled.overrides?.byMetric.map((x) => x?.drop)).toEqual([undefined, undefined, true, undefined]);
    expect(statsOverridesOf([{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } }])).toEqual({ ok: true, overrides: undefined });
    // JSON (lowerCamel) names are read too.
    const camel = compileStatsConfig({ metrics: [{ name: 'requests_total', tagsToRemove: ['reporter'] }] });
    expect(camel.ok && [...(camel.overrides?.byMetric[0]?.remove ?? [])]).toEqual(['reporter']);
    expect(compileStatsConfig({ metrics: [{ tags_to_remove: 'x' }] })).toEqual({ ok: false, problems: ['metrics[0].tags_to_remove: must be a list of strings'] });
    expect(compileStatsConfig({ metrics: [{ name: 'requests_total', dimensions: {} }] })).toMatchObject({ ok: true });
  });

  it("dimension values: CEL string literals unquoted, anything else as written", () => {
    expect(dimensionValue("'v1'")).toBe('v1');
    expect(dimensionValue('"v1"')).toBe('v1');
    expect(dimensionValue('request.host')).toBe('request.host');
  });
});
