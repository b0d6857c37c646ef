// Compiles an HTTP connection manager's `tracing` (Envoy's HttpConnectionManager.Tracing with a
// `provider` of type ZipkinConfig or OpenTelemetryConfig) into what the tracer reads per request:
// sampling percentages, custom tags, the path tag length, and where spans go. Once per listener
// update; validation uses the same function to NACK what cannot be compiled.

import { TYPE_URL } from '@weft/shared/xds';

/** Where one tracer's spans go and how they are encoded. */
export interface CollectorTarget {
  /** `zipkin`: Zipkin v2 JSON (POST collector_endpoint); `otlp`: OTLP/HTTP with JSON encoding. */
  readonly format: 'zipkin' | 'otlp';
  /** The cluster whose endpoints receive the spans (resolved like any other cluster). */
  readonly cluster: string;
  /** Host header of the export requests ('' : the endpoint's address). */
  readonly host: string;
  readonly path: string;
  /** Extra request headers (OpenTelemetry http_service request_headers_to_add). */
  readonly headers: readonly (readonly [string, string])[];
  readonly timeoutMs: number;
  /** OTLP resource `service.name` (OpenTelemetryConfig service_name); Zipkin uses the node's cluster. */
  readonly serviceName: string | undefined;
}

/** One custom tag: a value known at compile time, a request header, or RBAC dynamic metadata. */
export type CustomTag =
  | { readonly tag: string; readonly kind: 'literal'; readonly value: string }
  | { readonly tag: string; readonly kind: 'header'; readonly name: string; readonly defaultValue: string | undefined }
  | { readonly tag: string; readonly kind: 'rbac-metadata'; readonly key: string; readonly defaultValue: string | undefined };

/** An HCM's tracing, compiled. */
export interface CompiledTracing {
  readonly collector: CollectorTarget;
  /** Percentages (0–100): requests with `x-client-trace-id`, requests without a decision, all. */
  readonly clientSampling: number;
  readonly randomSampling: number;
  readonly overallSampling: number;
  /** Longest `http.url` tag (Envoy's default 256). */
  readonly maxPathTagLength: number;
  readonly customTags: readonly CustomTag[];
  /** spawn_upstream_span: a SERVER span for the downstream request and a CLIENT one for the upstream. */
  readonly spawnUpstreamSpan: boolean;
  /** Zipkin trace_id_128bit (OpenTelemetry ids are always 128-bit). */
  readonly traceId128: boolean;
  /** Read `traceparent` before B3 (the OpenTelemetry tracer). */
  readonly w3cFirst: boolean;
  /** Identity of the collector target, for sharing one exporter between listeners. */
  readonly collectorKey: string;
}

/** Compiled tracing, or the reasons it cannot be (a NACK). `tracing` undefined: nothing traced. */
export type TracingCompileResult = { readonly ok: true; readonly tracing: CompiledTracing | undefined } | { readonly ok: false; readonly problems: readonly string[] };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An envoy.type.v3.Percent (absent: 100, Envoy's default for the three sampling fields). */
function percent(v: unknown): number {
  const value = obj(v)?.value;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : 100;
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 100;
}

function wrappedNumber(v: unknown, fallback: number): number {
  const value = obj(v)?.value;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function durationMs(v: unknown, fallback: number): number {
  const d = obj(v);
  if (!d) return fallback;
  const ms = Number(d.seconds ?? 0) * 1000 + Number(d.nanos ?? 0) / 1e6;
  return Number.isFinite(ms) && ms > 0 ? ms : fallback;
}

/** The RBAC filter's dynamic metadata namespace, the only one weft-proxy keeps per request. */
const RBAC_METADATA = 'envoy.filters.http.rbac';

function customTags(list: unknown, env: Readonly<Record<string, string | undefined>>, problems: string[]): CustomTag[] {
  const out: CustomTag[] = [];
  for (const [i, raw] of (Array.isArray(list) ? list : []).entries()) {
    const t = obj(raw) ?? {};
    const tag = str(t.tag) ?? '';
    if (tag === '') {
      problems.push(`tracing.custom_tags[${i}]: tag: value length must be at least 1 characters`);
      continue;
    }
    const literal = obj(t.literal);
    const environment = obj(t.environment);
    const header = obj(t.request_header);
    const metadata = obj(t.metadata);
    if (literal) out.push({ tag, kind: 'literal', value: str(literal.value) ?? '' });
    else if (environment) {
      // Envoy reads the environment once, when the config is loaded.
      const value = env[str(environment.name) ?? ''] ?? str(environment.default_value);
      if (value !== undefined && value !== '') out.push({ tag, kind: 'literal', value });
    } else if (header) out.push({ tag, kind: 'header', name: (str(header.name) ?? '').toLowerCase(), defaultValue: str(header.default_value) || undefined });
    else if (metadata) {
      const key = obj(metadata.metadata_key);
      const path = Array.isArray(key?.path) ? key.path : [];
      const segment = str(obj(path[0])?.key);
      // Request metadata of the RBAC filter (Istio's dry-run tags); other metadata is never set here.
      if (str(key?.key) === RBAC_METADATA && obj(obj(metadata.kind)?.request) && path.length === 1 && segment) out.push({ tag, kind: 'rbac-metadata', key: segment, defaultValue: str(metadata.default_value) || undefined });
      else if (str(metadata.default_value)) out.push({ tag, kind: 'literal', value: str(metadata.default_value) ?? '' });
    } else problems.push(`tracing.custom_tags[${i}]: one of literal, environment, request_header, metadata is required`);
  }
  return out;
}

/** `host` and path of an OpenTelemetry http_uri (`host[:port]/path`, with or without a scheme). */
function splitUri(uri: string): { host: string; path: string } {
  const noScheme = uri.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = noScheme.indexOf('/');
  return slash < 0 ? { host: noScheme, path: '/' } : { host: noScheme.slice(0, slash), path: noScheme.slice(slash) };
}

function collectorOf(provider: Obj, problems: string[]): { collector: CollectorTarget; traceId128: boolean; w3cFirst: boolean } | undefined {
  const config = obj(provider.typed_config) ?? {};
  const type = str(config['@type']);
  const name = str(provider.name) ?? '';
  if (type === TYPE_URL.ZIPKIN_CONFIG) {
    const cluster = str(config.collector_cluster) ?? '';
    const path = str(config.collector_endpoint) ?? '';
    if (cluster === '') problems.push('tracing.provider: ZipkinConfig.collector_cluster: value length must be at least 1 characters');
    if (path === '') problems.push('tracing.provider: ZipkinConfig.collector_endpoint: value length must be at least 1 characters');
    const version = config.collector_endpoint_version;
    if (version !== undefined && version !== 'HTTP_JSON' && version !== 1) problems.push(`tracing.provider: ZipkinConfig.collector_endpoint_version ${String(version)} is not supported by weft-proxy (HTTP_JSON only)`);
    const collector: CollectorTarget = { format: 'zipkin', cluster, host: str(config.collector_hostname) ?? '', path: path || '/api/v2/spans', headers: [], timeoutMs: 5000, serviceName: undefined };
    return { collector, traceId128: config.trace_id_128bit === true, w3cFirst: false };
  }
  if (type === TYPE_URL.OPENTELEMETRY_CONFIG) {
    const http = obj(config.http_service);
    if (!http) {
      problems.push('tracing.provider: OpenTelemetryConfig: only http_service (OTLP/HTTP) is supported by weft-proxy, not grpc_service');
      return undefined;
    }
    const uri = obj(http.http_uri) ?? {};
    const cluster = str(uri.cluster) ?? '';
    if (cluster === '') problems.push('tracing.provider: OpenTelemetryConfig.http_service.http_uri.cluster: value length must be at least 1 characters');
    const { host, path } = splitUri(str(uri.uri) ?? '');
    const headers: [string, string][] = [];
    for (const h of Array.isArray(http.request_headers_to_add) ? http.request_headers_to_add : []) {
      const header = obj(obj(h)?.header);
      if (header && str(header.key)) headers.push([(str(header.key) ?? '').toLowerCase(), str(header.value) ?? '']);
    }
    const collector: CollectorTarget = { format: 'otlp', cluster, host, path, headers, timeoutMs: durationMs(uri.timeout, 5000), serviceName: str(config.service_name) || undefined };
    return { collector, traceId128: true, w3cFirst: true };
  }
  problems.push(`tracing.provider: Didn't find a registered implementation for '${name}' with type URL: '${type ?? ''}'`);
  return undefined;
}

/**
 * Compiles `tracing` (the decoded HttpConnectionManager.Tracing, or undefined). Without a `provider`
 * nothing is traced: Envoy would use its bootstrap tracer, and weft-proxy's bootstrap has none.
 * `env` resolves `environment` custom tags, once, as Envoy does.
 */
export function compileHcmTracing(tracing: unknown, env: Readonly<Record<string, string | undefined>> = process.env): TracingCompileResult {
  const t = obj(tracing);
  const provider = obj(t?.provider);
  if (!t || !provider) return { ok: true, tracing: undefined };
  const problems: string[] = [];
  const target = collectorOf(provider, problems);
  const tags = customTags(t.custom_tags, env, problems);
  if (problems.length > 0 || !target) return { ok: false, problems };
  const { collector } = target;
  return {
    ok: true,
    tracing: Object.freeze({
      collector,
      clientSampling: percent(t.client_sampling),
      randomSampling: percent(t.random_sampling),
      overallSampling: percent(t.overall_sampling),
      maxPathTagLength: wrappedNumber(t.max_path_tag_length, 256),
      customTags: Object.freeze(tags),
      spawnUpstreamSpan: obj(t.spawn_upstream_span)?.value === true,
      traceId128: target.traceId128,
      w3cFirst: target.w3cFirst,
      collectorKey: JSON.stringify(collector),
    }),
  };
}
