import { describe, expect, it } from 'vitest';
import { packAny, unpackAny } from './any.js';
import { formatProtoDuration, toProtoJson } from './proto-json.js';
import { TYPE_URL } from './type-urls.js';

/** Packs then decodes, so the input is exactly what a proxy holds after reading the wire. */
function wire(typeUrl: string, message: object): Record<string, unknown> {
  const back = unpackAny(packAny(typeUrl, message));
  if (!back.ok) throw new Error(back.error);
  return back.message;
}

describe('toProtoJson', () => {
  it.each([
    ['0', 0, '0s'],
    ['5', 0, '5s'],
    ['1', 500_000_000, '1.500s'],
    ['0', 1_000, '0.000001s'],
    ['2', 1, '2.000000001s'],
    ['-3', 0, '-3s'],
  ])('formats a Duration of %s s + %i ns as %s', (seconds, nanos, text) => {
    expect(formatProtoDuration(seconds, nanos)).toBe(text);
  });

  it('renders a cluster the way Envoy prints it in /config_dump', () => {
    const cluster = wire(TYPE_URL.CLUSTER, {
      name: 'outbound|9080||reviews.default.svc.cluster.local',
      type: 'EDS',
      connect_timeout: { seconds: '10', nanos: 0 },
      per_connection_buffer_limit_bytes: { value: 32768 },
      circuit_breakers: { thresholds: [{ max_retries: { value: 3 }, track_remaining: true }] },
      metadata: { filter_metadata: { istio: { fields: { services: { listValue: { values: [{ structValue: { fields: { host: { stringValue: 'reviews' } } } }] } } } } } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': TYPE_URL.HTTP_PROTOCOL_OPTIONS,
          common_http_protocol_options: { idle_timeout: { seconds: '3600' } },
          use_downstream_protocol_config: { http_protocol_options: {} },
        },
      },
    });
    expect(toProtoJson(TYPE_URL.CLUSTER, cluster)).toEqual({
      name: 'outbound|9080||reviews.default.svc.cluster.local',
      type: 'EDS',
      connect_timeout: '10s',
      per_connection_buffer_limit_bytes: 32768,
      circuit_breakers: { thresholds: [{ max_retries: 3, track_remaining: true }] },
      metadata: { filter_metadata: { istio: { services: [{ host: 'reviews' }] } } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': TYPE_URL.HTTP_PROTOCOL_OPTIONS,
          common_http_protocol_options: { idle_timeout: '3600s' },
          use_downstream_protocol_config: { http_protocol_options: {} },
        },
      },
    });
  });

  it('renders an unset wrapper value as its default and an unloaded Any as base64', () => {
    const listener = wire(TYPE_URL.LISTENER, { name: 'l', per_connection_buffer_limit_bytes: {} });
    expect(toProtoJson(TYPE_URL.LISTENER, listener)).toEqual({ name: 'l', per_connection_buffer_limit_bytes: 0 });
    const unknownAny = { name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: { type_url: 'type.googleapis.com/x.Y', value: Uint8Array.from([8, 1]) } }] }] };
    expect(toProtoJson(TYPE_URL.LISTENER, unknownAny)).toEqual({ name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/x.Y', value: 'CAE=' } }] }] });
  });

  it('refuses a type URL that is not loaded', () => {
    expect(() => toProtoJson('type.googleapis.com/nope.Nope', {})).toThrow(/not a loaded/);
  });
});
