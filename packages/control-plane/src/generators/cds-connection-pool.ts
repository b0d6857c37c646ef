// DestinationRule connectionPool → a cluster's circuit breakers, connect timeout, TCP keepalive and
// HTTP protocol options (Istio applyConnectionPool, applyH2Upgrade, applyTCPKeepalive in
// cluster_traffic_policy.go). Load balancing, outlier detection and TLS live in their own files.

import type { ConnectionPoolSettings, TrafficPolicy } from '@weft/shared';
import { TYPE_URL } from '@weft/shared/xds';
import type { Protocol } from '../registry/model.js';

/** The key of `typed_extension_protocol_options` Envoy reads HttpProtocolOptions from. */
const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
import { durationFromNanos, parseDurationNanos, toEnvoyDuration } from './route-duration.js';

/** Envoy's circuit-breaker defaults (1024 connections, 3 retries...) trip under normal mesh load;
 *  Istio sets every threshold to the maximum and lets users lower them. */
const MAX_UINT32 = 4_294_967_295;

/** How the cluster talks HTTP upstream, before connection-pool settings. */
export type UpstreamHttp = 'none' | 'http1' | 'http2';

/** The upstream HTTP version Istio picks for a port: HTTP2 and gRPC ports always speak h2; other HTTP
 *  ports HTTP/1.1 unless h2UpgradePolicy is UPGRADE (the mesh default is DO_NOT_UPGRADE); non-HTTP
 *  ports none, unless UPGRADE says the user knows the port is HTTP (Istio trusts it too). */
export function upstreamHttpFor(protocol: Protocol, pool: ConnectionPoolSettings | undefined): UpstreamHttp {
  if (protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-WEB') return 'http2';
  if (pool?.http?.h2UpgradePolicy === 'UPGRADE') return 'http2';
  return protocol === 'HTTP' ? 'http1' : 'none';
}

const seconds = (text: string | undefined): number | undefined => {
  const n = text === undefined ? undefined : parseDurationNanos(text);
  return n === undefined ? undefined : Number(n / 1_000_000_000n);
};

/** `upstream_connection_options.tcp_keepalive` from tcp.tcpKeepalive: SO_KEEPALIVE with the given
 *  probes / time / interval (whole seconds, as Envoy takes them). */
function tcpKeepalive(pool: ConnectionPoolSettings | undefined): Record<string, unknown> | undefined {
  const ka = pool?.tcp?.tcpKeepalive;
  if (!ka) return undefined;
  const time = seconds(ka.time);
  const interval = seconds(ka.interval);
  return {
    tcp_keepalive: {
      ...(ka.probes ? { keepalive_probes: { value: ka.probes } } : {}),
      ...(time !== undefined ? { keepalive_time: { value: time } } : {}),
      ...(interval !== undefined ? { keepalive_interval: { value: interval } } : {}),
    },
  };
}

/** circuit_breakers thresholds: Istio's maxima, lowered by http1MaxPendingRequests,
 *  http2MaxRequests, maxRetries and tcp.maxConnections; retryBudget adds a retry budget. */
function circuitBreakers(pool: ConnectionPoolSettings | undefined, retryBudget: TrafficPolicy['retryBudget']): Record<string, unknown> {
  const http = pool?.http;
  const threshold: Record<string, unknown> = {
    max_connections: { value: pool?.tcp?.maxConnections || MAX_UINT32 },
    max_pending_requests: { value: http?.http1MaxPendingRequests || MAX_UINT32 },
    max_requests: { value: http?.http2MaxRequests || MAX_UINT32 },
    max_retries: { value: http?.maxRetries || MAX_UINT32 },
    track_remaining: true,
  };
  if (retryBudget) {
    threshold.retry_budget = {
      ...(retryBudget.percent != null ? { budget_percent: { value: retryBudget.percent } } : {}),
      ...(retryBudget.minRetryConcurrency ? { min_retry_concurrency: { value: retryBudget.minRetryConcurrency } } : {}),
    };
  }
  return { thresholds: [threshold] };
}

/**
 * `typed_extension_protocol_options` with an HttpProtocolOptions, or undefined when the cluster
 * needs none (a TCP cluster without HTTP settings). common_http_protocol_options carries
 * idle_timeout (http.idleTimeout, else tcp.idleTimeout), max_requests_per_connection and
 * max_connection_duration; the protocol is explicit h2 or HTTP/1.1, or the downstream's when
 * useClientProtocol is set.
 */
function httpProtocolOptions(pool: ConnectionPoolSettings | undefined, http: UpstreamHttp): Record<string, unknown> | undefined {
  const idle = toEnvoyDuration(pool?.http?.idleTimeout ?? pool?.tcp?.idleTimeout);
  const maxDuration = toEnvoyDuration(pool?.tcp?.maxConnectionDuration);
  const maxRequests = pool?.http?.maxRequestsPerConnection;
  const common = {
    ...(idle ? { idle_timeout: idle } : {}),
    ...(maxRequests ? { max_requests_per_connection: { value: maxRequests } } : {}),
    ...(maxDuration ? { max_connection_duration: maxDuration } : {}),
  };
  const hasCommon = Object.keys(common).length > 0;
  // HTTP/1.1 is Envoy's default: without settings there is nothing to say (Istio sends none either).
  if (http !== 'http2' && !hasCommon && !pool?.http?.useClientProtocol) return undefined;
  const keepalive = pool?.http?.http2KeepAlive;
  const h2: Record<string, unknown> = {
    ...(pool?.http?.maxConcurrentStreams ? { max_concurrent_streams: { value: pool.http.maxConcurrentStreams } } : {}),
    ...(keepalive?.interval || keepalive?.timeout
      ? {
          connection_keepalive: {
            ...(toEnvoyDuration(keepalive.interval) ? { interval: toEnvoyDuration(keepalive.interval) } : {}),
            ...(toEnvoyDuration(keepalive.timeout) ? { timeout: toEnvoyDuration(keepalive.timeout) } : {}),
          },
        }
      : {}),
  };
  const protocol = pool?.http?.useClientProtocol
    ? { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: h2 } }
    : { explicit_http_config: http === 'http2' ? { http2_protocol_options: h2 } : { http_protocol_options: {} } };
  return {
    [HTTP_PROTOCOL_OPTIONS_KEY]: {
      '@type': TYPE_URL.HTTP_PROTOCOL_OPTIONS,
      ...(hasCommon ? { common_http_protocol_options: common } : {}),
      ...protocol,
    },
  };
}

/** The cluster fields the connection pool decides: connect_timeout (tcp.connectTimeout, else the
 *  mesh default), circuit_breakers, upstream_connection_options, typed_extension_protocol_options. */
export function connectionPoolFields(
  policy: Pick<TrafficPolicy, 'connectionPool' | 'retryBudget'> | undefined,
  http: UpstreamHttp,
  defaultConnectTimeoutMs: number,
): Record<string, unknown> {
  const pool = policy?.connectionPool;
  const connectTimeout = toEnvoyDuration(pool?.tcp?.connectTimeout) ?? durationFromNanos(BigInt(defaultConnectTimeoutMs) * 1_000_000n);
  const keepalive = tcpKeepalive(pool);
  const options = httpProtocolOptions(pool, http);
  return {
    connect_timeout: connectTimeout,
    circuit_breakers: circuitBreakers(pool, policy?.retryBudget),
    ...(keepalive ? { upstream_connection_options: keepalive } : {}),
    ...(options ? { typed_extension_protocol_options: options } : {}),
  };
}
