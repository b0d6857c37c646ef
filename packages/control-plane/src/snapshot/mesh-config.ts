// Mesh-wide settings (Istio's MeshConfig subset Weft uses), with Istio's defaults.

import type { DefaultProviders, ExtensionProvider, ProxyTracingConfig } from './mesh-telemetry.js';

/** Mesh-wide settings. */
export interface MeshConfig {
  /** Namespace whose policies apply mesh-wide (Istio: `istio-system`). */
  readonly rootNamespace: string;
  /** SPIFFE trust domain (Istio: `cluster.local`). */
  readonly trustDomain: string;
  /** Other trust domains that name the same identities (Istio MeshConfig.trustDomainAliases): an
   *  AuthorizationPolicy principal of any of them is expanded to all of them. Default none. */
  readonly trustDomainAliases?: readonly string[];
  /** DNS suffix of in-mesh service names (Istio: `cluster.local`). */
  readonly domainSuffix: string;
  /** What sidecars do with traffic to unknown destinations (Istio: ALLOW_ANY). */
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** Istio's enableAutoMtls (default true). */
  readonly enableAutoMtls: boolean;
  /** Default connect timeout of clusters in ms (Istio: 10 s). */
  readonly connectTimeoutMs: number;
  /** Default exportTo for services, VirtualServices, DestinationRules (Istio: `*`). */
  readonly defaultExportTo: readonly string[];
  /** Where Gateway `credentialName`s resolve: `<credentialsDir>/<credentialName>/{tls.crt,tls.key,ca.crt}`
   *  (weftd --credentials-dir). Unset: `credentialName` servers are skipped with a warning. */
  readonly credentialsDir?: string;
  /** Istio's accessLogFile: where every proxy writes its Envoy access log (`/dev/stdout`, a file path);
   *  unset or '' turns the MeshConfig access log off (Istio's default profile). Telemetry resources
   *  (`accessLogging`) take over where they apply. */
  readonly accessLogFile?: string;
  /** Istio's accessLogEncoding: TEXT (default) or JSON. */
  readonly accessLogEncoding?: 'TEXT' | 'JSON';
  /** Istio's accessLogFormat: a format string (TEXT) or a JSON object of format strings (JSON); unset
   *  or '': Istio's default format of that encoding. */
  readonly accessLogFormat?: string;
  /** Istio's enableTracing: the legacy `defaultConfig.tracing` applies where no Telemetry speaks
   *  (default true). Read from the mesh config file (weftd --mesh-config), as the four below. */
  readonly enableTracing?: boolean;
  /** Istio's defaultConfig (ProxyConfig); only `tracing` is read. */
  readonly defaultConfig?: { readonly tracing?: ProxyTracingConfig };
  /** Istio's extensionProviders (tracing: zipkin, opentelemetry; metrics: prometheus). */
  readonly extensionProviders?: readonly ExtensionProvider[];
  /** Istio's defaultProviders. */
  readonly defaultProviders?: DefaultProviders;
}

/** Istio's defaults. */
export const DEFAULT_MESH_CONFIG: MeshConfig = Object.freeze({
  rootNamespace: 'istio-system',
  trustDomain: 'cluster.local',
  domainSuffix: 'cluster.local',
  outboundTrafficPolicy: 'ALLOW_ANY',
  enableAutoMtls: true,
  connectTimeoutMs: 10_000,
  defaultExportTo: Object.freeze(['*']),
});
