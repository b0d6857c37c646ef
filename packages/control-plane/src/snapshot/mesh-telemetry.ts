// The telemetry part of Istio's MeshConfig that Weft reads: enableTracing, defaultConfig.tracing
// (ProxyConfig.Tracing), extensionProviders and defaultProviders (istio/api mesh/v1alpha1/config.proto,
// proxy.proto). Types and defaults only: parsing the mesh config file is config/mesh-config-file.ts.

/** A custom span tag (Istio's Tracing.CustomTag of ProxyConfig, and Telemetry's). */
export interface CustomTagSpec {
  readonly literal?: { readonly value: string };
  readonly environment?: { readonly name: string; readonly defaultValue?: string };
  readonly header?: { readonly name: string; readonly defaultValue?: string };
}

/** Istio's ProxyConfig.Tracing (MeshConfig `defaultConfig.tracing`), the legacy tracing settings. */
export interface ProxyTracingConfig {
  /** Percentage of requests traced when no decision came with them (0.0–100.0; 0 or unset: Istio's
   *  PILOT_TRACE_SAMPLING, 1%). */
  readonly sampling?: number;
  /** The Zipkin collector as `host:port` (Istio's bootstrap builds a `zipkin` cluster to it). */
  readonly zipkin?: { readonly address: string };
  /** Longest `http.url` tag (Envoy's default 256). */
  readonly maxPathTagLength?: number;
  readonly customTags?: Readonly<Record<string, CustomTagSpec>>;
  /** Istio's canonical service, namespace and mesh tags (default true). */
  readonly enableIstioTags?: boolean;
}

/** Istio's MeshConfig.ExtensionProvider.ZipkinTracingProvider. */
export interface ZipkinProvider {
  /** The collector's service: a host name of the registry (`zipkin.istio-system.svc.cluster.local`),
   *  optionally `<namespace>/<host>`. */
  readonly service: string;
  readonly port: number;
  readonly maxTagLength?: number;
  /** 64-bit trace ids instead of Istio's default 128-bit ones. */
  readonly enable64bitTraceId?: boolean;
  /** Collector path (default `/api/v2/spans`). */
  readonly path?: string;
}

/** An HTTP header an exporter sends (Istio's ExtensionProvider.HttpHeader; `envName` is not read). */
export interface ProviderHeader {
  readonly name: string;
  readonly value: string;
}

/** Istio's MeshConfig.ExtensionProvider.OpenTelemetryTracingProvider. Weft exports over OTLP/HTTP only. */
export interface OpenTelemetryProvider {
  readonly service: string;
  readonly port: number;
  readonly maxTagLength?: number;
  /** OTLP/HTTP export (`path` default `/v1/traces`); without it Istio exports over gRPC, which
   *  weft-proxy does not do (see docs/architecture/proxy.md, "Tracing"). */
  readonly http?: { readonly path?: string; readonly timeout?: string; readonly headers?: readonly ProviderHeader[] };
}

/** One of Istio's MeshConfig.extensionProviders. Only the kinds Weft implements have a typed field;
 *  the others (`envoyFileAccessLog`, `envoyOtelAls`, ...) are kept as written in `other`. */
export interface ExtensionProvider {
  readonly name: string;
  readonly zipkin?: ZipkinProvider;
  readonly opentelemetry?: OpenTelemetryProvider;
  readonly prometheus?: Readonly<Record<string, unknown>>;
  /** Every other provider kind as written, by its field name. */
  readonly other?: Readonly<Record<string, unknown>>;
}

/** Istio's MeshConfig.DefaultProviders: provider names in force where no Telemetry names one. */
export interface DefaultProviders {
  readonly tracing?: readonly string[];
  readonly metrics?: readonly string[];
  readonly accessLogging?: readonly string[];
}

/** The name of Istio's built-in Prometheus provider (MeshConfig's default `defaultProviders.metrics`). */
export const PROMETHEUS_PROVIDER = 'prometheus';

/** Istio's PILOT_TRACE_SAMPLING default: 1% of the requests without a decision are traced. */
export const DEFAULT_TRACE_SAMPLING = 1.0;

/** The provider named `name` (case-insensitive, as Istio's fetchProvider), Istio's built-in
 *  `prometheus` when it is not declared. */
export function findExtensionProvider(providers: readonly ExtensionProvider[] | undefined, name: string): ExtensionProvider | undefined {
  const lower = name.toLowerCase();
  const found = (providers ?? []).find((p) => p.name.toLowerCase() === lower);
  if (found) return found;
  return lower === PROMETHEUS_PROVIDER ? { name: PROMETHEUS_PROVIDER, prometheus: {} } : undefined;
}
