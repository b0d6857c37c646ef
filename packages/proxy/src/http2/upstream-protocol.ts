// Which HTTP version a cluster speaks upstream, read from the Cluster as weftd (and Istio) emit it:
// `typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']` with
// explicit_http_config (HTTP/2 for gRPC / HTTP2 ports and h2UpgradePolicy UPGRADE) or
// use_downstream_protocol_config (useClientProtocol), plus its connection settings.

import type { DownstreamProtocol } from '../http/downstream-request.js';
import { durationMs } from '../compile/duration.js';

/** The key of `typed_extension_protocol_options` Envoy reads HttpProtocolOptions from. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** 'downstream': the request's own protocol (Envoy's use_downstream_protocol_config). */
export type UpstreamProtocol = 'http1' | 'http2' | 'downstream';

/** How a cluster's upstream HTTP connections are made. */
export interface UpstreamHttpOptions {
  readonly protocol: UpstreamProtocol;
  /** common_http_protocol_options.idle_timeout; undefined leaves the pool's default. */
  readonly idleTimeoutMs: number | undefined;
  /** common_http_protocol_options.max_requests_per_connection; undefined for no limit. */
  readonly maxRequestsPerConnection: number | undefined;
  /** http2_protocol_options.max_concurrent_streams; undefined for the upstream's own limit. */
  readonly maxConcurrentStreams: number | undefined;
}

type Obj = Readonly<Record<string, unknown>>;

const objectAt = (o: Obj | undefined, key: string): Obj | undefined => {
  const v = o?.[key];
  return v !== null && typeof v === 'object' ? (v as Obj) : undefined;
};

function wrappedNumber(v: unknown): number | undefined {
  const raw = v !== null && typeof v === 'object' ? (v as { value?: unknown }).value : v;
  const n = typeof raw === 'string' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Reads a decoded Cluster (nested Any expanded to `{ '@type', ...fields }`, as unpackAny gives it).
 * HttpProtocolOptions: explicit_http_config with http2_protocol_options → 'http2', with
 * http_protocol_options → 'http1'; use_downstream_protocol_config → 'downstream'; auto_config →
 * 'http1' (ALPN needs TLS, which plaintext upstreams do not have). Without HttpProtocolOptions, the
 * deprecated Cluster fields: http2_protocol_options → 'http2', protocol_selection
 * USE_DOWNSTREAM_PROTOCOL → 'downstream'; otherwise Envoy's default, HTTP/1.1.
 */
export function upstreamHttpOptionsOf(cluster: unknown): UpstreamHttpOptions {
  const c = cluster !== null && typeof cluster === 'object' ? (cluster as Obj) : undefined;
  const hpo = objectAt(objectAt(c, 'typed_extension_protocol_options'), HTTP_PROTOCOL_OPTIONS_KEY);
  let protocol: UpstreamProtocol = 'http1';
  let h2: Obj | undefined;
  const common = objectAt(hpo, 'common_http_protocol_options') ?? objectAt(c, 'common_http_protocol_options');
  if (hpo) {
    const explicit = objectAt(hpo, 'explicit_http_config');
    const downstream = objectAt(hpo, 'use_downstream_protocol_config');
    if (explicit) {
      h2 = objectAt(explicit, 'http2_protocol_options');
      protocol = h2 ? 'http2' : 'http1';
    } else if (downstream) {
      h2 = objectAt(downstream, 'http2_protocol_options');
      protocol = 'downstream';
    }
  } else {
    h2 = objectAt(c, 'http2_protocol_options');
    if (h2) protocol = 'http2';
    else if (c?.protocol_selection === 'USE_DOWNSTREAM_PROTOCOL') protocol = 'downstream';
  }
  return Object.freeze({
    protocol,
    idleTimeoutMs: durationMs(common?.idle_timeout),
    maxRequestsPerConnection: wrappedNumber(common?.max_requests_per_connection),
    maxConcurrentStreams: wrappedNumber(h2?.max_concurrent_streams),
  });
}

/** The upstream protocol of a decoded Cluster (see {@link upstreamHttpOptionsOf}). */
export function upstreamProtocolOf(cluster: unknown): UpstreamProtocol {
  return upstreamHttpOptionsOf(cluster).protocol;
}

/**
 * The connection pool a request uses: HTTP/2 for an 'http2' cluster, or a 'downstream' one when the
 * request came over HTTP/2; HTTP/1.1 otherwise. An Upgrade request (WebSocket) always goes over
 * HTTP/1.1: the HTTP/2 pool does not speak extended CONNECT upstream.
 */
export function poolProtocolFor(protocol: UpstreamProtocol, downstream: DownstreamProtocol, upgrade: string | undefined): 'http1' | 'http2' {
  if (upgrade !== undefined) return 'http1';
  if (protocol === 'http2') return 'http2';
  return protocol === 'downstream' && downstream === 'HTTP/2' ? 'http2' : 'http1';
}
