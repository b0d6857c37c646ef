// The HTTP connection manager network filter for sidecar and gateway listeners (Istio buildHTTPConnectionManager):
// routes from RDS (outbound) or inline (inbound), and the HTTP filter chain [rbac →] fault → cors →
// router: authorization first (inbound and gateways), then the two per-route filters every
// VirtualService route may configure.

import { TYPE_URL } from '@weft/shared/xds';
import type { EnvoyNetworkFilter } from './filter-tcp-proxy.js';

/** The HTTP filters a sidecar HCM runs, in order. Fault and CORS are empty here and configured per
 *  route (typed_per_filter_config); the router must be last. Authorization (RBAC) filters go in front
 *  of them through {@link HcmOptions.authzFilters}; this constant is shared and never changes. */
export const SIDECAR_HTTP_FILTERS: readonly Record<string, unknown>[] = Object.freeze([
  { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE_URL.FAULT } },
  { name: 'envoy.filters.http.cors', typed_config: { '@type': TYPE_URL.CORS } },
  { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } },
]);

/** How an HCM gets its routes: by name over ADS, or inline. */
export type HcmRoutes = { readonly rds: string } | { readonly routeConfig: Readonly<Record<string, unknown>> };

/** What differs between the HCMs Weft builds. */
export interface HcmOptions {
  readonly statPrefix: string;
  readonly routes: HcmRoutes;
  /** Inbound HCMs name themselves `istio-envoy` and forward client cert details (Istio defaults).
   *  Gateway HCMs face clients outside the mesh: they use the peer address as the client address and
   *  sanitise then set x-forwarded-client-cert (Istio buildGatewayConnectionManager). */
  readonly direction: 'outbound' | 'inbound' | 'gateway';
  /** Accept HTTP/2 explicitly (inbound ports declared HTTP2 / gRPC). */
  readonly http2?: boolean;
  /** The workload's jwt_authn filter (RequestAuthentication) and RBAC HTTP filters (envoy.filters.http.rbac,
   *  AuthorizationPolicies), run before fault, CORS and the router, in this order (Istio puts
   *  authentication, then authorization first). Inbound and gateway HCMs only; absent or empty: none. */
  readonly authzFilters?: readonly Readonly<Record<string, unknown>>[];
}

/**
 * The envoy.filters.network.http_connection_manager filter. Like Istio: codec AUTO, no
 * use_remote_address except on gateways (the peer of a sidecar is its own app or another sidecar, so
 * x-forwarded-for is not rewritten), websocket upgrades allowed, no stream idle timeout, paths normalised with
 * escaped slashes kept. Access logs are added afterwards, to every listener (filter-access-log.ts).
 */
export function httpConnectionManager(opts: HcmOptions): EnvoyNetworkFilter {
  const routes =
    'rds' in opts.routes
      ? { rds: { route_config_name: opts.routes.rds, config_source: { ads: {}, initial_fetch_timeout: { seconds: '0' }, resource_api_version: 'V3' } } }
      : { route_config: opts.routes.routeConfig };
  const byDirection =
    opts.direction === 'inbound'
      ? { server_name: 'istio-envoy', forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { subject: { value: true }, dns: true, uri: true } }
      : opts.direction === 'gateway'
        ? { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { subject: { value: true }, cert: true, dns: true, uri: true } }
        : {};
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
      stat_prefix: opts.statPrefix,
      codec_type: 'AUTO',
      ...routes,
      http_filters: opts.authzFilters?.length ? [...opts.authzFilters, ...SIDECAR_HTTP_FILTERS] : SIDECAR_HTTP_FILTERS,
      use_remote_address: { value: opts.direction === 'gateway' },
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      stream_idle_timeout: { seconds: '0' },
      normalize_path: { value: true },
      path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
      ...byDirection,
      ...(opts.http2 ? { http2_protocol_options: {} } : {}),
    },
  };
}
