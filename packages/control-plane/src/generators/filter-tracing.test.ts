// Tracing in LDS and CDS: the HCM `tracing` field in Istio's shape (tracing.go) for the legacy MeshConfig
// tracer and for Telemetry providers (zipkin, opentelemetry over HTTP), Telemetry's precedence (mesh,
// namespace, workload; CLIENT / SERVER), the collector clusters, and nothing at all when nothing traces.

import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import type { MeshConfig } from '../snapshot/mesh-config.js';
import { tracingFor } from '../snapshot/lookup-tracing.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { clusterInputsFor } from './cds-inputs.js';
import { generateClusters } from './cds.js';
import { listenerTracingFor, ZIPKIN_TRACER } from './filter-tracing.js';
import { router } from './gateway.test-fixtures.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar } from './lds-rds.test-fixtures.js';
import { generateListeners } from './lds.js';
import type { EnvoyResource } from './types.js';

type Filter = { name: string; typed_config: Record<string, unknown> & { '@type': string; tracing?: Record<string, unknown> } };
type Chain = { name?: string; filters: Filter[] };
type Listener = EnvoyResource & { name: string; traffic_direction?: string; filter_chains: Chain[]; default_filter_chain?: Chain };

const HCM = 'envoy.filters.network.http_connection_manager';
const PRODUCTPAGE = sidecar('default', { app: 'productpage', version: 'v1' });
const ZIPKIN_HOST = 'zipkin.istio-system.svc.cluster.local';
const ZIPKIN_CLUSTER = `outbound|9411||${ZIPKIN_HOST}`;

const telemetry = (name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry => entry('Telemetry', name, namespace, spec, 'telemetry.istio.io/v1');
const PROVIDERS: Partial<MeshConfig> = {
  extensionProviders: [
    { name: 'zipkin', zipkin: { service: ZIPKIN_HOST, port: 9411 } },
    { name: 'otel', opentelemetry: { service: 'otel-collector.observability.svc.cluster.local', port: 4318, http: { path: '/v1/traces', timeout: '3s', headers: [{ name: 'x-tenant', value: 'weft' }] } } },
    { name: 'otel-grpc', opentelemetry: { service: 'otel-collector.observability.svc.cluster.local', port: 4317 } },
  ],
};

function listeners(cfg: readonly ConfigEntry[], mesh: Partial<MeshConfig> = {}, proxy: ProxyView = PRODUCTPAGE): Listener[] {
  const out = generateListeners(meshOf(cfg, mesh), proxy) as Listener[];
  packAll(TYPE_URL.LISTENER, out);
  return out;
}

/** The tracing of every HCM, by listener direction. */
function hcmTracing(ls: readonly Listener[]): { direction: string; tracing: Record<string, unknown> | undefined }[] {
  const out: { direction: string; tracing: Record<string, unknown> | undefined }[] = [];
  for (const l of ls) {
    for (const c of [...l.filter_chains, ...(l.default_filter_chain ? [l.default_filter_chain] : [])]) {
      for (const f of c.filters) if (f.name === HCM) out.push({ direction: l.traffic_direction ?? '', tracing: f.typed_config.tracing });
    }
  }
  return out;
}

const tracingOf = (ls: readonly Listener[], direction: string): Record<string, unknown> | undefined => hcmTracing(ls).find((t) => t.direction === direction)?.tracing;

/** Istio's service tags and dry-run policy tags for productpage-v1 in `default`. */
const ISTIO_TAGS = [
  { tag: 'istio.authorization.dry_run.allow_policy.name', metadata: { kind: { request: {} }, metadata_key: { key: 'envoy.filters.http.rbac', path: [{ key: 'istio_dry_run_allow_shadow_effective_policy_id' }] } } },
  { tag: 'istio.authorization.dry_run.allow_policy.result', metadata: { kind: { request: {} }, metadata_key: { key: 'envoy.filters.http.rbac', path: [{ key: 'istio_dry_run_allow_shadow_engine_result' }] } } },
  { tag: 'istio.authorization.dry_run.deny_policy.name', metadata: { kind: { request: {} }, metadata_key: { key: 'envoy.filters.http.rbac', path: [{ key: 'istio_dry_run_deny_shadow_effective_policy_id' }] } } },
  { tag: 'istio.authorization.dry_run.deny_policy.result', metadata: { kind: { request: {} }, metadata_key: { key: 'envoy.filters.http.rbac', path: [{ key: 'istio_dry_run_deny_shadow_engine_result' }] } } },
  { tag: 'istio.canonical_revision', literal: { value: 'v1' } },
  { tag: 'istio.canonical_service', literal: { value: 'productpage' } },
  { tag: 'istio.cluster_id', literal: { value: 'unknown' } },
  { tag: 'istio.mesh_id', literal: { value: 'unknown' } },
  { tag: 'istio.namespace', literal: { value: 'default' } },
];

const zipkinProvider = (cluster: string, host: string) => ({
  name: ZIPKIN_TRACER,
  typed_config: {
    '@type': TYPE_URL.ZIPKIN_CONFIG,
    collector_cluster: cluster,
    collector_endpoint: '/api/v2/spans',
    trace_id_128bit: true,
    shared_span_context: { value: false },
    collector_endpoint_version: 'HTTP_JSON',
    collector_hostname: host,
  },
});

describe('no tracing configured', () => {
  it('leaves every HCM without `tracing` and adds no cluster', () => {
    const all = hcmTracing(listeners(BOOKINFO));
    expect(all.length).toBeGreaterThan(2);
    expect(all.every((t) => t.tracing === undefined)).toBe(true);
    const snapshot = meshOf(BOOKINFO);
    expect(clusterInputsFor(snapshot, PRODUCTPAGE).collectors).toBeUndefined();
  });

  it('a sampling percentage without a tracer configures nothing (Envoy would have no tracer)', () => {
    expect(hcmTracing(listeners(BOOKINFO, { defaultConfig: { tracing: { sampling: 50 } } })).every((t) => t.tracing === undefined)).toBe(true);
  });
});

describe('legacy MeshConfig tracer (defaultConfig.tracing.zipkin)', () => {
  const mesh: Partial<MeshConfig> = { defaultConfig: { tracing: { sampling: 25, zipkin: { address: 'zipkin.istio-system:9411' }, customTags: { team: { literal: { value: 'books' } } } } } };

  it("gives every HCM Istio's tracing (sampling, Istio tags + mesh tags sorted) with the bootstrap zipkin tracer", () => {
    const ls = listeners(BOOKINFO, mesh);
    const expected = {
      provider: zipkinProvider('zipkin', 'zipkin.istio-system'),
      client_sampling: { value: 100 },
      random_sampling: { value: 25 },
      overall_sampling: { value: 100 },
      custom_tags: [...ISTIO_TAGS, { tag: 'team', literal: { value: 'books' } }],
    };
    expect(tracingOf(ls, 'OUTBOUND')).toEqual(expected);
    expect(tracingOf(ls, 'INBOUND')).toEqual(expected);
    expect(hcmTracing(ls).every((t) => t.tracing !== undefined)).toBe(true);
  });

  it("adds Istio's bootstrap `zipkin` cluster (STRICT_DNS to the address) to CDS", () => {
    const clusters = generateClusters(clusterInputsFor(meshOf(BOOKINFO, mesh), PRODUCTPAGE));
    packAll(TYPE_URL.CLUSTER, clusters);
    expect(clusters.find((c) => c.name === 'zipkin')).toEqual({
      name: 'zipkin',
      type: 'STRICT_DNS',
      connect_timeout: { seconds: '1' },
      lb_policy: 'ROUND_ROBIN',
      dns_lookup_family: 'V4_ONLY',
      load_assignment: { cluster_name: 'zipkin', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'zipkin.istio-system', port_value: 9411 } } } }] }] },
    });
  });

  it('sampling defaults to 1% (PILOT_TRACE_SAMPLING); above 100 counts as 1; enableTracing: false turns it off', () => {
    const at = (sampling: number | undefined) => tracingOf(listeners(BOOKINFO, { defaultConfig: { tracing: { ...(sampling !== undefined ? { sampling } : {}), zipkin: { address: '127.0.0.1:9411' } } } }), 'OUTBOUND')?.random_sampling;
    expect(at(undefined)).toEqual({ value: 1 });
    expect(at(150)).toEqual({ value: 1 });
    expect(at(100)).toEqual({ value: 100 });
    expect(hcmTracing(listeners(BOOKINFO, { ...mesh, enableTracing: false })).every((t) => t.tracing === undefined)).toBe(true);
  });
});

describe('Telemetry tracing with extension providers', () => {
  const meshWide = telemetry('mesh-default', 'istio-system', { tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 100 }] });

  it("names the provider's outbound cluster and host, as Istio's LookupCluster", () => {
    const ls = listeners([...BOOKINFO, meshWide], PROVIDERS);
    expect(tracingOf(ls, 'OUTBOUND')).toEqual({
      provider: zipkinProvider(ZIPKIN_CLUSTER, ZIPKIN_HOST),
      client_sampling: { value: 100 },
      random_sampling: { value: 100 },
      overall_sampling: { value: 100 },
      custom_tags: ISTIO_TAGS,
    });
    expect(tracingOf(ls, 'INBOUND')).toEqual(tracingOf(ls, 'OUTBOUND'));
  });

  it("uses the registry's cluster when the collector is a service the proxy sees, else adds one to host:port", () => {
    const zipkinService = serviceEntry('zipkin', { namespace: 'istio-system', host: ZIPKIN_HOST, ports: [{ number: 9411, name: 'http-query', protocol: 'HTTP' }], endpoints: ['10.0.5.1'] });
    const withService = generateClusters(clusterInputsFor(meshOf([...BOOKINFO, meshWide, zipkinService], PROVIDERS), PRODUCTPAGE));
    expect(withService.filter((c) => c.name === ZIPKIN_CLUSTER).map((c) => c.type)).toEqual(['EDS']);
    const without = generateClusters(clusterInputsFor(meshOf([...BOOKINFO, meshWide], PROVIDERS), PRODUCTPAGE));
    packAll(TYPE_URL.CLUSTER, without);
    const added = without.find((c) => c.name === ZIPKIN_CLUSTER);
    expect(added).toMatchObject({ type: 'STRICT_DNS', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: ZIPKIN_HOST, port_value: 9411 } } } }] }] } });
    const byIp = generateClusters(clusterInputsFor(meshOf([...BOOKINFO, meshWide], { extensionProviders: [{ name: 'zipkin', zipkin: { service: '127.0.0.1', port: 9411 } }] }), PRODUCTPAGE));
    expect(byIp.find((c) => c.name === 'outbound|9411||127.0.0.1')).toMatchObject({ type: 'STATIC' });
  });

  it('precedence: namespace over mesh, workload over namespace; fields not set below are kept from above', () => {
    const cfg = [
      ...BOOKINFO,
      telemetry('mesh', 'istio-system', { tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 10, customTags: { level: { literal: { value: 'mesh' } } } }] }),
      telemetry('ns', 'default', { tracing: [{ randomSamplingPercentage: 50 }] }),
      telemetry('wl', 'default', { selector: { matchLabels: { app: 'productpage' } }, tracing: [{ customTags: { level: { literal: { value: 'workload' } }, env: { environment: { name: 'POD_NAME', defaultValue: 'none' } }, user: { header: { name: 'end-user' } } } }] }),
    ];
    const snapshot = meshOf(cfg, PROVIDERS);
    const spec = tracingFor(snapshot, PRODUCTPAGE)?.client;
    expect(spec?.randomSamplingPercentage).toBe(50);
    expect(spec?.provider?.name).toBe('zipkin');
    const out = tracingOf(listeners(cfg, PROVIDERS), 'OUTBOUND');
    expect(out?.random_sampling).toEqual({ value: 50 });
    expect((out?.custom_tags as { tag: string }[]).filter((t) => !t.tag.startsWith('istio.'))).toEqual([
      { tag: 'env', environment: { name: 'POD_NAME', default_value: 'none' } },
      { tag: 'level', literal: { value: 'workload' } },
      { tag: 'user', request_header: { name: 'end-user' } },
    ]);
    // Another workload of the namespace: the namespace's sampling, the mesh's tags.
    const reviews = sidecar('default', { app: 'reviews' }, '10.0.0.2', 'reviews-v1');
    const other = tracingOf(listeners(cfg, PROVIDERS, reviews), 'OUTBOUND');
    expect(other?.random_sampling).toEqual({ value: 50 });
    expect((other?.custom_tags as { tag: string }[]).find((t) => t.tag === 'level')).toEqual({ tag: 'level', literal: { value: 'mesh' } });
  });

  it('match.mode: disabling SERVER spans leaves inbound HCMs untraced and outbound ones traced', () => {
    const cfg = [...BOOKINFO, meshWide, telemetry('ns', 'default', { tracing: [{ match: { mode: 'SERVER' }, disableSpanReporting: true }] })];
    const ls = listeners(cfg, PROVIDERS);
    expect(tracingOf(ls, 'INBOUND')).toBeUndefined();
    expect(tracingOf(ls, 'OUTBOUND')).toBeDefined();
  });

  it('enableIstioTags: false drops the Istio tags; an unknown provider disables tracing', () => {
    const noTags = tracingOf(listeners([...BOOKINFO, telemetry('m', 'istio-system', { tracing: [{ providers: [{ name: 'zipkin' }], enableIstioTags: false }] })], PROVIDERS), 'OUTBOUND');
    expect(noTags?.custom_tags).toEqual([]);
    const unknown = listeners([...BOOKINFO, telemetry('m', 'istio-system', { tracing: [{ providers: [{ name: 'jaeger' }] }] })], PROVIDERS);
    expect(hcmTracing(unknown).every((t) => t.tracing === undefined)).toBe(true);
  });

  it("opentelemetry over HTTP: Istio's otelConfig (service name, http_service uri without scheme, cluster, timeout, headers)", () => {
    const ls = listeners([...BOOKINFO, telemetry('m', 'istio-system', { tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 5 }] })], PROVIDERS);
    expect(tracingOf(ls, 'OUTBOUND')?.provider).toEqual({
      name: 'envoy.tracers.opentelemetry',
      typed_config: {
        '@type': TYPE_URL.OPENTELEMETRY_CONFIG,
        service_name: 'productpage.default',
        http_service: {
          http_uri: { uri: 'otel-collector.observability.svc.cluster.local/v1/traces', cluster: 'outbound|4318||otel-collector.observability.svc.cluster.local', timeout: { seconds: '3' } },
          request_headers_to_add: [{ header: { key: 'x-tenant', value: 'weft' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        },
      },
    });
  });

  it('opentelemetry over gRPC is reported, not configured', () => {
    const snapshot = meshOf([...BOOKINFO, telemetry('m', 'istio-system', { tracing: [{ providers: [{ name: 'otel-grpc' }] }] })], PROVIDERS);
    const t = listenerTracingFor(snapshot, PRODUCTPAGE);
    expect(t.client).toBeUndefined();
    expect(t.warnings[0]).toMatch(/gRPC is not supported/);
  });

  it('defaultProviders.tracing alone turns tracing on at 1%', () => {
    const ls = listeners(BOOKINFO, { ...PROVIDERS, defaultProviders: { tracing: ['zipkin'] } });
    expect(tracingOf(ls, 'OUTBOUND')?.random_sampling).toEqual({ value: 1 });
  });

  it('workload level by targetRefs: a Telemetry naming a Gateway API gateway applies to its workload only', () => {
    const cfg = [
      ...BOOKINFO,
      telemetry('mesh', 'istio-system', { tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 1 }] }),
      telemetry('gw', 'istio-system', { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }], tracing: [{ randomSamplingPercentage: 100 }] }),
    ];
    const snapshot = meshOf(cfg, PROVIDERS);
    const edge = router({ istio: 'ingressgateway', 'gateway.networking.k8s.io/gateway-name': 'edge' });
    expect(tracingFor(snapshot, edge)?.client.randomSamplingPercentage).toBe(100);
    expect(tracingFor(snapshot, router())?.client.randomSamplingPercentage).toBe(1);
    expect(tracingFor(snapshot, sidecar('istio-system', { 'gateway.networking.k8s.io/gateway-name': 'other' }))?.client.randomSamplingPercentage).toBe(1);
  });

  it('gateways: CLIENT mode with spawn_upstream_span (PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY)', () => {
    const gatewayCfg: ConfigEntry[] = [
      ...BOOKINFO,
      meshWide,
      entry('Gateway', 'bookinfo-gateway', 'default', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
    ];
    const ls = listeners(gatewayCfg, PROVIDERS, router());
    const t = hcmTracing(ls);
    expect(t.length).toBeGreaterThan(0);
    expect(t[0]?.tracing).toMatchObject({ spawn_upstream_span: { value: true }, random_sampling: { value: 100 } });
  });
});
