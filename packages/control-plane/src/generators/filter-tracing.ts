// The HTTP connection manager's `tracing` field, as Istio builds it (pilot/pkg/networking/core/
// tracing.go: configureTracingFromTelemetry, buildHCMTracing, zipkinConfig, otelConfig, buildServiceTags),
// and the collector clusters it names. Which Telemetry applies is snapshot/lookup-tracing.ts's.

import { TYPE_URL } from '@weft/shared/xds';
import type { EnvoyResource } from './types.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { canonicalServiceOf, tracingFor, type TracingSpec } from '../snapshot/lookup-tracing.js';
import { DEFAULT_TRACE_SAMPLING, type CustomTagSpec, type ProxyTracingConfig } from '../snapshot/mesh-telemetry.js';
import { outboundClusterName } from './cluster-names.js';
import { toEnvoyDuration } from './route-duration.js';

/** envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing. */
export type HcmTracing = Readonly<Record<string, unknown>>;

/** A cluster a tracer sends spans to: Istio's bootstrap `zipkin` cluster for the legacy tracer, or
 *  `outbound|<port>||<host>` for an extension provider (Istio's LookupCluster name). */
export interface CollectorCluster {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** The tracing of a proxy's listeners by Istio listener class, and the collectors they send to. */
export interface ListenerTracing {
  /** Outbound listeners (Istio's CLIENT mode). */
  readonly client: HcmTracing | undefined;
  /** A sidecar's inbound listeners (SERVER mode). */
  readonly server: HcmTracing | undefined;
  readonly collectors: readonly CollectorCluster[];
  /** Why a configured tracer was left out (provider kinds Weft does not export to). */
  readonly warnings: readonly string[];
}

/** Envoy's tracer names (Istio's envoyZipkin, envoyOpenTelemetry). */
export const ZIPKIN_TRACER = 'envoy.tracers.zipkin';
export const OPENTELEMETRY_TRACER = 'envoy.tracers.opentelemetry';
/** Istio's bootstrap cluster of the legacy MeshConfig Zipkin tracer. */
export const LEGACY_ZIPKIN_CLUSTER = 'zipkin';
/** Zipkin's v2 span API (Istio: "envoy deprecated v1 support"). */
export const ZIPKIN_V2_PATH = '/api/v2/spans';
/** OTLP/HTTP's trace path. */
export const OTLP_TRACES_PATH = '/v1/traces';

/** The RBAC shadow-rule tags Istio adds to every span (optionalPolicyTags): dry-run AuthorizationPolicy
 *  results, read from the `envoy.filters.http.rbac` dynamic metadata. */
const DRY_RUN_TAGS: readonly [string, string][] = [
  ['istio.authorization.dry_run.allow_policy.name', 'istio_dry_run_allow_shadow_effective_policy_id'],
  ['istio.authorization.dry_run.allow_policy.result', 'istio_dry_run_allow_shadow_engine_result'],
  ['istio.authorization.dry_run.deny_policy.name', 'istio_dry_run_deny_shadow_effective_policy_id'],
  ['istio.authorization.dry_run.deny_policy.result', 'istio_dry_run_deny_shadow_engine_result'],
];

const dryRunTag = ([tag, key]: [string, string]): Record<string, unknown> => ({
  tag,
  metadata: { kind: { request: {} }, metadata_key: { key: 'envoy.filters.http.rbac', path: [{ key }] } },
});

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Istio's buildServiceTags (canonical revision and service, mesh id, namespace, cluster id) and the
 *  dry-run policy tags. */
function istioTags(proxy: ProxyView): Record<string, unknown>[] {
  const canonical = canonicalServiceOf(proxy);
  const literal = (tag: string, value: string): Record<string, unknown> => ({ tag, literal: { value } });
  return [
    literal('istio.canonical_revision', canonical.revision),
    literal('istio.canonical_service', canonical.service),
    literal('istio.mesh_id', str(proxy.metadata.MESH_ID) ?? 'unknown'),
    literal('istio.namespace', proxy.namespace || 'default'),
    literal('istio.cluster_id', str(proxy.metadata.CLUSTER_ID) ?? 'unknown'),
    ...DRY_RUN_TAGS.map(dryRunTag),
  ];
}

/** Envoy CustomTags of Istio's literal / environment / request-header tags. */
function customTags(tags: Readonly<Record<string, CustomTagSpec>> | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [tag, spec] of Object.entries(tags ?? {})) {
    if (spec.literal) out.push({ tag, literal: { value: spec.literal.value } });
    else if (spec.environment) out.push({ tag, environment: { name: spec.environment.name, ...(spec.environment.defaultValue !== undefined ? { default_value: spec.environment.defaultValue } : {}) } });
    else if (spec.header) out.push({ tag, request_header: { name: spec.header.name, ...(spec.header.defaultValue !== undefined ? { default_value: spec.header.defaultValue } : {}) } });
  }
  return out;
}

/** Istio's configureCustomTags: the Istio tags (unless turned off), then the provider's (Telemetry)
 *  tags or else the mesh's, sorted by tag name. */
function allTags(proxy: ProxyView, istio: boolean, telemetryTags: Readonly<Record<string, CustomTagSpec>> | undefined, meshTracing: ProxyTracingConfig | undefined): Record<string, unknown>[] {
  const tags = istio ? istioTags(proxy) : [];
  const extra = telemetryTags !== undefined && Object.keys(telemetryTags).length > 0 ? telemetryTags : meshTracing?.customTags;
  tags.push(...customTags(extra));
  return tags.sort((a, b) => ((a.tag as string) < (b.tag as string) ? -1 : (a.tag as string) > (b.tag as string) ? 1 : 0));
}

/** Istio's proxyConfigSamplingValue: defaultConfig.tracing.sampling when set (above 100 counts as 1),
 *  else PILOT_TRACE_SAMPLING (1%). */
function meshSampling(tracing: ProxyTracingConfig | undefined): number {
  const s = tracing?.sampling;
  if (s === undefined || s === 0) return DEFAULT_TRACE_SAMPLING;
  return s > 100 ? 1.0 : s;
}

/** Istio's configureSampling: client and overall sampling at 100%, random sampling as given. */
const sampling = (percent: number): Record<string, unknown> => ({ client_sampling: { value: 100 }, random_sampling: { value: percent }, overall_sampling: { value: 100 } });

/** `host` and `port` of `host:port` (`[v6]:port` too); undefined when there is no port. */
function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address.trim());
  if (!m || !m[1]) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1], port } : undefined;
}

/** Istio's LookupCluster name for a provider's `service` (`<namespace>/<host>` or `<host>`) and port. */
function providerCollector(service: string, port: number): CollectorCluster {
  const slash = service.indexOf('/');
  const host = slash >= 0 ? service.slice(slash + 1) : service;
  return { name: outboundClusterName(port, undefined, host), host, port };
}

/** Istio's zipkinConfig (the form for proxies before Istio 1.29: collector cluster, endpoint and host). */
function zipkinConfig(collector: CollectorCluster, path: string | undefined, traceId128: boolean): Record<string, unknown> {
  return {
    '@type': TYPE_URL.ZIPKIN_CONFIG,
    collector_cluster: collector.name,
    collector_endpoint: path || ZIPKIN_V2_PATH,
    trace_id_128bit: traceId128,
    shared_span_context: { value: false },
    collector_endpoint_version: 'HTTP_JSON',
    collector_hostname: collector.host,
  };
}

/** The provider part of one spec (Istio configureFromProviderConfig): the tracer, its collector, its
 *  max tag length; or why it cannot be configured. */
function providerTracing(spec: TracingSpec, proxy: ProxyView): { fields: Record<string, unknown>; collector: CollectorCluster } | { warning: string } {
  const provider = spec.provider;
  if (provider?.zipkin) {
    const z = provider.zipkin;
    const collector = providerCollector(z.service, z.port);
    return {
      collector,
      fields: {
        provider: { name: ZIPKIN_TRACER, typed_config: zipkinConfig(collector, z.path, z.enable64bitTraceId !== true) },
        ...(z.maxTagLength ? { max_path_tag_length: { value: z.maxTagLength } } : {}),
      },
    };
  }
  if (provider?.opentelemetry) {
    const o = provider.opentelemetry;
    if (!o.http) return { warning: `tracing provider '${provider.name}': OpenTelemetry over gRPC is not supported by weft-proxy (set \`http\` for OTLP/HTTP)` };
    const collector = providerCollector(o.service, o.port);
    const path = o.http.path || OTLP_TRACES_PATH;
    const timeout = o.http.timeout !== undefined ? toEnvoyDuration(o.http.timeout) : undefined;
    const headers = (o.http.headers ?? []).map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }));
    const config = {
      '@type': TYPE_URL.OPENTELEMETRY_CONFIG,
      // Istio: the node's cluster (`<canonical service>.<namespace>`), the producer of the spans.
      service_name: `${canonicalServiceOf(proxy).service}.${proxy.namespace}`,
      http_service: {
        // Istio joins the host and the path without a scheme (url.JoinPath(hostname, path)).
        http_uri: { uri: `${collector.host}${path.startsWith('/') ? '' : '/'}${path}`, cluster: collector.name, ...(timeout ? { timeout } : {}) },
        ...(headers.length > 0 ? { request_headers_to_add: headers } : {}),
      },
    };
    return {
      collector,
      fields: { provider: { name: OPENTELEMETRY_TRACER, typed_config: config }, ...(o.maxTagLength ? { max_path_tag_length: { value: o.maxTagLength } } : {}) },
    };
  }
  return { warning: `tracing provider '${provider?.name ?? ''}' is not a tracer weft-proxy exports to (zipkin, opentelemetry with http)` };
}

/**
 * The HCM tracing of one Telemetry spec (Istio configureTracingFromTelemetry): none when disabled;
 * otherwise the provider, sampling (Telemetry's randomSamplingPercentage, else the mesh's), the
 * custom tags and, on gateways, `spawn_upstream_span` (Istio's PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY).
 */
function telemetryTracing(spec: TracingSpec, proxy: ProxyView, meshTracing: ProxyTracingConfig | undefined, gateway: boolean, collectors: Map<string, CollectorCluster>, warnings: Set<string>): HcmTracing | undefined {
  if (spec.disabled) return undefined;
  const built = providerTracing(spec, proxy);
  if ('warning' in built) {
    warnings.add(built.warning);
    return undefined;
  }
  collectors.set(built.collector.name, built.collector);
  const maxPath = built.fields.max_path_tag_length === undefined && meshTracing?.maxPathTagLength ? { max_path_tag_length: { value: meshTracing.maxPathTagLength } } : {};
  return Object.freeze({
    ...(gateway ? { spawn_upstream_span: { value: true } } : {}),
    ...built.fields,
    ...sampling(spec.randomSamplingPercentage ?? meshSampling(meshTracing)),
    custom_tags: allTags(proxy, spec.enableIstioTags, spec.customTags, meshTracing),
    ...maxPath,
  });
}

/**
 * The legacy MeshConfig tracer (Istio's path when no Telemetry applies): with enableTracing (default
 * true) and a `defaultConfig.tracing.zipkin.address`, every HCM samples at defaultConfig.tracing.sampling
 * with Istio's tags and the mesh's custom tags. Istio's bootstrap holds that Zipkin tracer and its
 * `zipkin` STRICT_DNS cluster; weftd writes no bootstrap, so the tracer goes in the HCM's `provider` and
 * the cluster comes over CDS. Without an address Envoy would have no tracer, so nothing is set.
 */
function legacyTracing(snapshot: MeshSnapshot, proxy: ProxyView, collectors: Map<string, CollectorCluster>): HcmTracing | undefined {
  const { mesh } = snapshot;
  const tracing = mesh.defaultConfig?.tracing;
  if (mesh.enableTracing === false || !tracing?.zipkin?.address) return undefined;
  const address = splitAddress(tracing.zipkin.address);
  if (!address) return undefined;
  const collector: CollectorCluster = { name: LEGACY_ZIPKIN_CLUSTER, ...address };
  collectors.set(collector.name, collector);
  return Object.freeze({
    provider: { name: ZIPKIN_TRACER, typed_config: zipkinConfig(collector, undefined, true) },
    ...sampling(meshSampling(tracing)),
    custom_tags: allTags(proxy, tracing.enableIstioTags !== false, undefined, tracing),
    ...(tracing.maxPathTagLength ? { max_path_tag_length: { value: tracing.maxPathTagLength } } : {}),
  });
}

const NO_TRACING: ListenerTracing = Object.freeze({ client: undefined, server: undefined, collectors: Object.freeze([]), warnings: Object.freeze([]) });

/** The tracing of `proxy`'s listeners (see {@link withTracing}) and the collector clusters it needs
 *  (see {@link collectorClusters}). Gateways have CLIENT listeners only. */
export function listenerTracingFor(snapshot: MeshSnapshot, proxy: ProxyView): ListenerTracing {
  const collectors = new Map<string, CollectorCluster>();
  const warnings = new Set<string>();
  const telemetry = tracingFor(snapshot, proxy);
  const gateway = proxy.type === 'router';
  let client: HcmTracing | undefined;
  let server: HcmTracing | undefined;
  if (telemetry === undefined) {
    client = legacyTracing(snapshot, proxy, collectors);
    server = client;
  } else {
    const meshTracing = snapshot.mesh.defaultConfig?.tracing;
    client = telemetryTracing(telemetry.client, proxy, meshTracing, gateway, collectors, warnings);
    server = gateway ? undefined : telemetryTracing(telemetry.server, proxy, meshTracing, false, collectors, warnings);
  }
  if (client === undefined && server === undefined && warnings.size === 0) return NO_TRACING;
  return { client, server, collectors: [...collectors.values()], warnings: [...warnings] };
}

function withHcmTracing(filter: unknown, tracing: HcmTracing): unknown {
  const f = filter as { typed_config?: Record<string, unknown> };
  if (f.typed_config?.['@type'] !== TYPE_URL.HTTP_CONNECTION_MANAGER) return filter;
  return { ...f, typed_config: { ...f.typed_config, tracing } };
}

function chainWithTracing(chain: unknown, tracing: HcmTracing): unknown {
  const c = chain as { filters?: readonly unknown[] };
  if (!(c.filters ?? []).some((f) => (f as { typed_config?: Record<string, unknown> }).typed_config?.['@type'] === TYPE_URL.HTTP_CONNECTION_MANAGER)) return chain;
  return { ...c, filters: (c.filters ?? []).map((f) => withHcmTracing(f, tracing)) };
}

/**
 * `listeners` with `tracing` set on every HTTP connection manager of their filter chains (and default
 * chains): INBOUND listeners get the SERVER tracing, the others (outbound, gateways) the CLIENT one, as
 * Istio's listener classes. Without tracing the listeners are returned as they are (the same objects).
 */
export function withTracing(listeners: EnvoyResource[], tracing: ListenerTracing): EnvoyResource[] {
  if (tracing.client === undefined && tracing.server === undefined) return listeners;
  return listeners.map((l) => {
    const chosen = l.traffic_direction === 'INBOUND' ? tracing.server : tracing.client;
    if (chosen === undefined) return l;
    const chains = l.filter_chains as readonly unknown[] | undefined;
    return {
      ...l,
      ...(chains ? { filter_chains: chains.map((c) => chainWithTracing(c, chosen)) } : {}),
      ...(l.default_filter_chain ? { default_filter_chain: chainWithTracing(l.default_filter_chain, chosen) } : {}),
    };
  });
}

/** Istio's bootstrap `zipkin` cluster shape (STRICT_DNS, round robin, IPv4, 1 s connect timeout),
 *  STATIC for an IP literal, for a collector no other cluster of the proxy already serves. */
function collectorClusterResource(c: CollectorCluster): EnvoyResource {
  const ip = /^\d{1,3}(\.\d{1,3}){3}$/.test(c.host) || c.host.includes(':');
  return {
    name: c.name,
    type: ip ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: { seconds: '1' },
    lb_policy: 'ROUND_ROBIN',
    ...(ip ? {} : { dns_lookup_family: 'V4_ONLY' }),
    load_assignment: { cluster_name: c.name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: c.host, port_value: c.port } } } }] }] },
  };
}

/**
 * `clusters` plus a cluster for each collector they lack. A provider naming a service of the registry
 * the proxy sees already has its `outbound|<port>||<host>` cluster (EDS, resolved like any other);
 * otherwise weftd adds a STRICT_DNS cluster to `host:port` (STATIC for an IP), as Istio's bootstrap
 * does for the legacy tracer, where Istio itself would leave the provider unconfigured.
 */
export function collectorClusters(clusters: EnvoyResource[], collectors: readonly CollectorCluster[]): EnvoyResource[] {
  if (collectors.length === 0) return clusters;
  const names = new Set(clusters.map((c) => c.name));
  const missing = collectors.filter((c) => !names.has(c.name));
  return missing.length === 0 ? clusters : [...clusters, ...missing.map(collectorClusterResource)];
}
