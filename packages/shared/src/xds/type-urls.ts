// The xDS v3 type URLs Weft speaks, the order a server pushes them in, and which ones have wildcard
// subscriptions. Names only: how resources are encoded lives in any.ts and load.ts.

const PREFIX = 'type.googleapis.com/';

/** Type URLs of the xDS resources and filter configs weftd produces and weft-proxy reads (`type.googleapis.com/<full name>`). */
export const TYPE_URL = {
  LISTENER: `${PREFIX}envoy.config.listener.v3.Listener`,
  ROUTE: `${PREFIX}envoy.config.route.v3.RouteConfiguration`,
  CLUSTER: `${PREFIX}envoy.config.cluster.v3.Cluster`,
  ENDPOINT: `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  SECRET: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`,
  HTTP_CONNECTION_MANAGER: `${PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  TCP_PROXY: `${PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  FILE_ACCESS_LOG: `${PREFIX}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
  ZIPKIN_CONFIG: `${PREFIX}envoy.config.trace.v3.ZipkinConfig`,
  OPENTELEMETRY_CONFIG: `${PREFIX}envoy.config.trace.v3.OpenTelemetryConfig`,
  TYPED_STRUCT: `${PREFIX}xds.type.v3.TypedStruct`,
  NETWORK_RBAC: `${PREFIX}envoy.extensions.filters.network.rbac.v3.RBAC`,
  ROUTER: `${PREFIX}envoy.extensions.filters.http.router.v3.Router`,
  HTTP_RBAC: `${PREFIX}envoy.extensions.filters.http.rbac.v3.RBAC`,
  JWT_AUTHN: `${PREFIX}envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication`,
  FAULT: `${PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  CORS: `${PREFIX}envoy.extensions.filters.http.cors.v3.Cors`,
  CORS_POLICY: `${PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  UPSTREAM_TLS_CONTEXT: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  DOWNSTREAM_TLS_CONTEXT: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  RAW_BUFFER: `${PREFIX}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`,
  TLS_INSPECTOR: `${PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  HTTP_INSPECTOR: `${PREFIX}envoy.extensions.filters.listener.http_inspector.v3.HttpInspector`,
  ORIGINAL_DST: `${PREFIX}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`,
  PREVIOUS_HOSTS_PREDICATE: `${PREFIX}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`,
  PREVIOUS_PRIORITIES_CONFIG: `${PREFIX}envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig`,
  HTTP_PROTOCOL_OPTIONS: `${PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
} as const;

/** Istio's stats filter config (the `istio.stats` HTTP filter's stats.PluginConfig, an istio/proxy proto
 *  Envoy's protos lack): weftd sends it as the `type_url` of an {@link TYPE_URL.TYPED_STRUCT}. */
export const ISTIO_STATS_CONFIG_TYPE_URL = `${PREFIX}stats.PluginConfig`;

/** One of the type URLs in {@link TYPE_URL}. */
export type KnownTypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];

/** The resource types served over ADS, in push order. The order is the xDS protocol's "make before
 *  break" sequencing (CDS, then EDS, then LDS, then RDS; Istio's PushOrder adds SDS last): when one
 *  snapshot changes several types, their responses are written in this order. */
export const PUSH_ORDER: readonly string[] = [TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT, TYPE_URL.LISTENER, TYPE_URL.ROUTE, TYPE_URL.SECRET];

/** Short names used in logs, metrics and `/debug/syncz` (Istio's `v3.GetShortType`). */
const SHORT_NAMES: ReadonlyMap<string, string> = new Map([
  [TYPE_URL.LISTENER, 'LDS'],
  [TYPE_URL.ROUTE, 'RDS'],
  [TYPE_URL.CLUSTER, 'CDS'],
  [TYPE_URL.ENDPOINT, 'EDS'],
  [TYPE_URL.SECRET, 'SDS'],
]);

/** `CDS`, `EDS`, `LDS`, `RDS`, `SDS`, or the type URL itself for anything else. */
export function shortTypeName(typeUrl: string): string {
  return SHORT_NAMES.get(typeUrl) ?? typeUrl;
}

/** Whether the type supports wildcard subscriptions. The xDS protocol defines them for Listener and
 *  Cluster only ("How the client specifies what resources to return"); every other type is always a
 *  named subscription, so an empty `resource_names` there means "nothing". */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl === TYPE_URL.LISTENER || typeUrl === TYPE_URL.CLUSTER;
}

/** Sorts type URLs into {@link PUSH_ORDER}; unknown types go last, alphabetically. */
export function sortByPushOrder(typeUrls: Iterable<string>): string[] {
  const rank = (t: string): number => {
    const i = PUSH_ORDER.indexOf(t);
    return i === -1 ? PUSH_ORDER.length : i;
  };
  return [...typeUrls].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}
