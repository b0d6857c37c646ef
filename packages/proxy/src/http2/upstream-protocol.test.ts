import { packAny, TYPE_URL, unpackAny } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { HTTP_PROTOCOL_OPTIONS_KEY, poolProtocolFor, upstreamHttpOptionsOf, upstreamProtocolOf } from './upstream-protocol.js';

/** A Cluster as weftd's cds-connection-pool.ts writes it, through the wire and back (unpackAny). */
function decoded(options: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cluster = {
    name: 'outbound|9090||grpc.default.svc.cluster.local',
    type: 'EDS',
    connect_timeout: { seconds: '10' },
    ...(options ? { typed_extension_protocol_options: { [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': TYPE_URL.HTTP_PROTOCOL_OPTIONS, ...options } } } : {}),
    ...extra,
  };
  const back = unpackAny(packAny(TYPE_URL.CLUSTER, cluster));
  if (!back.ok) throw new Error(back.error);
  return back.message;
}

describe('upstreamHttpOptionsOf', () => {
  it.each([
    ['gRPC / HTTP2 port (explicit h2)', 'http2', { explicit_http_config: { http2_protocol_options: {} } }],
    ['HTTP port with settings (explicit HTTP/1.1)', 'http1', { common_http_protocol_options: { idle_timeout: { seconds: '30' } }, explicit_http_config: { http_protocol_options: {} } }],
    ['useClientProtocol', 'downstream', { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } }],
    ['auto_config (needs ALPN)', 'http1', { auto_config: { http_protocol_options: {}, http2_protocol_options: {} } }],
    ['no HttpProtocolOptions (Envoy default)', 'http1', undefined],
  ] as [string, string, Record<string, unknown> | undefined][])('%s → %s', (_name, want, options) => {
    expect(upstreamProtocolOf(decoded(options))).toBe(want);
  });

  it('reads the connection settings weftd derives from a DestinationRule connectionPool', () => {
    const cluster = decoded({
      common_http_protocol_options: { idle_timeout: { seconds: '15' }, max_requests_per_connection: { value: 100 } },
      explicit_http_config: { http2_protocol_options: { max_concurrent_streams: { value: 50 } } },
    });
    expect(upstreamHttpOptionsOf(cluster)).toEqual({ protocol: 'http2', idleTimeoutMs: 15_000, maxRequestsPerConnection: 100, maxConcurrentStreams: 50 });
  });

  it('falls back to the deprecated Cluster fields', () => {
    expect(upstreamProtocolOf(decoded(undefined, { http2_protocol_options: {} }))).toBe('http2');
    expect(upstreamProtocolOf(decoded(undefined, { protocol_selection: 'USE_DOWNSTREAM_PROTOCOL' }))).toBe('downstream');
  });

  it('takes anything that is not a cluster as HTTP/1.1', () => {
    expect(upstreamHttpOptionsOf(undefined)).toEqual({ protocol: 'http1', idleTimeoutMs: undefined, maxRequestsPerConnection: undefined, maxConcurrentStreams: undefined });
    expect(upstreamProtocolOf({ typed_extension_protocol_options: { [HTTP_PROTOCOL_OPTIONS_KEY]: 'x' } })).toBe('http1');
  });
});

describe('poolProtocolFor', () => {
  it.each([
    ['http2', 'HTTP/1.1', undefined, 'http2'],
    ['http2', 'HTTP/2', 'websocket', 'http1'],
    ['http1', 'HTTP/2', undefined, 'http1'],
    ['downstream', 'HTTP/2', undefined, 'http2'],
    ['downstream', 'HTTP/1.1', undefined, 'http1'],
    ['downstream', 'HTTP/1.0', undefined, 'http1'],
  ] as const)('cluster %s, downstream %s, upgrade %s → %s', (protocol, downstream, upgrade, want) => {
    expect(poolProtocolFor(protocol, downstream, upgrade)).toBe(want);
  });
});
