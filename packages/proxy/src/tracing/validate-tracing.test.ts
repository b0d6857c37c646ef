// What the proxy accepts and NACKs of weftd's telemetry on an HCM, through the wire (packAny, unpackAny)
// and the real listener validation: Zipkin and OTLP/HTTP tracers, Istio's tags, the istio.stats
// TypedStruct; tracers weft-proxy cannot export to and malformed stats configs are refused with reasons.

import { ISTIO_STATS_CONFIG_TYPE_URL, packAny, plainToStruct, TYPE_URL, unpackAny } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { kindInfo } from '../xds-client/resource-kinds.js';
import { resourceProblems } from '../xds-client/validate-resource.js';

const router = { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } };
const rds = { route_config_name: '80', config_source: { ads: {} } };

function problems(tracing: Record<string, unknown> | undefined, httpFilters: unknown[] = [router]): string[] {
  const listener = {
    name: 'l',
    address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, stat_prefix: 's', rds, http_filters: httpFilters, ...(tracing ? { tracing } : {}) } }] }],
  };
  const decoded = unpackAny(packAny(TYPE_URL.LISTENER, listener));
  if (!decoded.ok) throw new Error(decoded.error);
  return resourceProblems(kindInfo('listener'), decoded.message);
}

const zipkin = { name: 'envoy.tracers.zipkin', typed_config: { '@type': TYPE_URL.ZIPKIN_CONFIG, collector_cluster: 'outbound|9411||zipkin.istio-system.svc.cluster.local', collector_endpoint: '/api/v2/spans', trace_id_128bit: true, shared_span_context: { value: false }, collector_endpoint_version: 'HTTP_JSON', collector_hostname: 'zipkin.istio-system.svc.cluster.local' } };
const istioTags = [
  { tag: 'istio.canonical_service', literal: { value: 'productpage' } },
  { tag: 'istio.authorization.dry_run.allow_policy.name', metadata: { kind: { request: {} }, metadata_key: { key: 'envoy.filters.http.rbac', path: [{ key: 'istio_dry_run_allow_shadow_effective_policy_id' }] } } },
];
const stats = (config: Record<string, unknown>) => ({ name: 'istio.stats', typed_config: { '@type': TYPE_URL.TYPED_STRUCT, type_url: ISTIO_STATS_CONFIG_TYPE_URL, value: plainToStruct(config) } });

describe('HCM telemetry validation', () => {
  it.each<[string, Record<string, unknown> | undefined, unknown[]]>([
    ["weftd's Zipkin tracing with Istio's tags", { provider: zipkin, random_sampling: { value: 1 }, client_sampling: { value: 100 }, overall_sampling: { value: 100 }, custom_tags: istioTags, spawn_upstream_span: { value: true } }, [router]],
    ['OTLP/HTTP', { provider: { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': TYPE_URL.OPENTELEMETRY_CONFIG, service_name: 'p.default', http_service: { http_uri: { uri: 'otel/v1/traces', cluster: 'otel', timeout: { seconds: '5' } } } } } }, [router]],
    ['tracing without a provider (nothing traced)', { random_sampling: { value: 50 } }, [router]],
    ['an istio.stats filter before the router', undefined, [stats({ metrics: [{ name: 'requests_total', dimensions: { a: "'b'" }, tags_to_remove: ['response_code'], drop: false }] }), router]],
  ])('accepts %s', (_name, tracing, filters) => {
    expect(problems(tracing, filters)).toEqual([]);
  });

  it('refuses tracers it cannot export to, and broken configs, with reasons', () => {
    expect(problems({ provider: { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': TYPE_URL.OPENTELEMETRY_CONFIG, grpc_service: { envoy_grpc: { cluster_name: 'otel' } } } } })).toEqual([
      'filter_chains[0].filters[0]: tracing.provider: OpenTelemetryConfig: only http_service (OTLP/HTTP) is supported by weft-proxy, not grpc_service',
    ]);
    expect(problems({ provider: { ...zipkin, typed_config: { ...zipkin.typed_config, collector_endpoint_version: 'GRPC' } } })[0]).toContain('collector_endpoint_version GRPC is not supported');
    expect(problems({ provider: { ...zipkin, typed_config: { ...zipkin.typed_config, collector_cluster: '' } } })[0]).toContain('collector_cluster: value length must be at least 1 characters');
    expect(problems({ provider: zipkin, custom_tags: [{ tag: '', literal: { value: 'x' } }] })[0]).toContain('custom_tags[0]: tag: value length must be at least 1 characters');
    expect(problems(undefined, [stats({ metrics: [{ tags_to_remove: 'response_code' }] }), router])[0]).toContain('istio.stats: metrics[0].tags_to_remove: must be a list of strings');
  });
});
