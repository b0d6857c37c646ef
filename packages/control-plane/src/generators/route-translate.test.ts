import type { Destination, HTTPRoute, VirtualServiceSpec } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { MeshService } from '../registry/model.js';
import { packRoute } from './lds-rds.test-fixtures.js';
import { defaultOutboundRoute, translateHttpRoute, translateVirtualServiceRoutes, type HttpRouteContext } from './route-translate.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const svc = (hostname: string, ports: number[]): MeshService => ({
  hostname,
  namespace: 'default',
  ports: ports.map((port) => ({ name: `http-${port}`, port, protocol: 'HTTP' })),
  addresses: [],
  resolution: 'STATIC',
  location: 'MESH_INTERNAL',
  exportTo: ['*'],
  origin: 'test',
});
const services = new Map([
  [REVIEWS, svc(REVIEWS, [9080])],
  ['multi.default.svc.cluster.local', svc('multi.default.svc.cluster.local', [8080, 8443])],
]);
const ctx: HttpRouteContext = {
  listenPort: 9080,
  source: { gateways: new Set(['mesh']), labels: { app: 'productpage' }, namespace: 'default' },
  serviceOf: (h) => services.get(h),
};
const vsOf = (http: HTTPRoute[]) => ({ name: 'reviews', namespace: 'default', spec: { hosts: [REVIEWS], http } });
const dest = (host: string, extra: Partial<Destination> = {}): Destination => ({ host, ...extra });
/** Translates one HTTPRoute (first match or none), packs it, returns it. */
function one(http: HTTPRoute, c: HttpRouteContext = ctx): Record<string, unknown> {
  const r = translateHttpRoute(vsOf([http]), http, http.match?.[0], c);
  if (!r) throw new Error('no route');
  packRoute(r);
  return r as Record<string, unknown>;
}
const action = (r: Record<string, unknown>) => r.route as Record<string, unknown>;

describe('destinations', () => {
  it.each<[string, HTTPRoute, object]>([
    ['subset → outbound|9080|v2|host', { route: [{ destination: dest(REVIEWS, { subset: 'v2' }) }] }, { cluster: `outbound|9080|v2|${REVIEWS}` }],
    ['explicit port wins', { route: [{ destination: dest(REVIEWS, { port: { number: 9999 } }) }] }, { cluster: `outbound|9999||${REVIEWS}` }],
    ['the only port of the service', { route: [{ destination: dest('ratings.default.svc.cluster.local') }] }, { cluster: 'outbound|9080||ratings.default.svc.cluster.local' }],
    ['several ports and none given → the listener port', { route: [{ destination: dest('multi.default.svc.cluster.local') }] }, { cluster: 'outbound|9080||multi.default.svc.cluster.local' }],
    [
      'weights → weighted_clusters, 0-weight dropped',
      {
        route: [
          { destination: dest(REVIEWS, { subset: 'v1' }), weight: 80 },
          { destination: dest(REVIEWS, { subset: 'v3' }), weight: 20 },
          { destination: dest(REVIEWS, { subset: 'v2' }), weight: 0 },
        ],
      },
      {
        weighted_clusters: {
          clusters: [
            { name: `outbound|9080|v1|${REVIEWS}`, weight: { value: 80 } },
            { name: `outbound|9080|v3|${REVIEWS}`, weight: { value: 20 } },
          ],
        },
      },
    ],
  ])('%s', (_l, http, want) => {
    expect(action(one(http))).toMatchObject(want);
  });

  it('names routes after the HTTPRoute and its match', () => {
    const http: HTTPRoute = { name: 'r', match: [{ name: 'jason', headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: dest(REVIEWS) }] };
    expect(one(http).name).toBe('r.jason');
    expect(one({ name: 'r', route: [{ destination: dest(REVIEWS) }] }).name).toBe('r');
  });

  it('uses the DestinationRule hash policy and then retries without previous_hosts', () => {
    const hashPolicyOf = (d: Destination) => (d.subset === 'v1' ? { header: { header_name: 'x-user' } } : undefined);
    const r = action(one({ route: [{ destination: dest(REVIEWS, { subset: 'v1' }) }] }, { ...ctx, hashPolicyOf }));
    expect(r.hash_policy).toEqual([{ header: { header_name: 'x-user' } }]);
    expect(r.retry_policy).not.toHaveProperty('retry_host_predicate');
  });
});

describe('rewrite, redirect, direct response', () => {
  it.each<[string, HTTPRoute, object]>([
    ['uri rewrite → prefix_rewrite', { rewrite: { uri: '/v2' }, route: [{ destination: dest(REVIEWS) }] }, { route: { prefix_rewrite: '/v2' } }],
    ['authority rewrite → host_rewrite_literal', { rewrite: { authority: 'new.example.com' }, route: [{ destination: dest(REVIEWS) }] }, { route: { host_rewrite_literal: 'new.example.com' } }],
    [
      'uriRegexRewrite → regex_rewrite',
      { rewrite: { uriRegexRewrite: { match: '^/old/(.*)', rewrite: '/new/\\1' } }, route: [{ destination: dest(REVIEWS) }] },
      { route: { regex_rewrite: { pattern: { regex: '^/old/(.*)' }, substitution: '/new/\\1' } } },
    ],
    ['redirect with defaults → 301', { redirect: { uri: '/new', authority: 'other' } }, { redirect: { path_redirect: '/new', host_redirect: 'other', response_code: 'MOVED_PERMANENTLY' } }],
    ['redirect code 302, scheme and port', { redirect: { uri: '/x', redirectCode: 302, scheme: 'https', port: 8443 } }, { redirect: { response_code: 'FOUND', scheme_redirect: 'https', port_redirect: 8443 } }],
    ['redirect code 307', { redirect: { uri: '/x', redirectCode: 307 } }, { redirect: { response_code: 'TEMPORARY_REDIRECT' } }],
    ['redirect code 308', { redirect: { uri: '/x', redirectCode: 308 } }, { redirect: { response_code: 'PERMANENT_REDIRECT' } }],
    ['redirect derivePort FROM_REQUEST_PORT → listener port', { redirect: { uri: '/x', derivePort: 'FROM_REQUEST_PORT' } }, { redirect: { port_redirect: 9080 } }],
    ['directResponse with a string body', { directResponse: { status: 503, body: { string: 'down' } } }, { direct_response: { status: 503, body: { inline_string: 'down' } } }],
  ])('%s', (_l, http, want) => {
    expect(one(http)).toMatchObject(want);
  });

  it('drops :80 for an http redirect and skips unsupported redirect codes', () => {
    expect(one({ redirect: { uri: '/x', port: 80 } }).redirect).not.toHaveProperty('port_redirect');
    expect(translateHttpRoute(vsOf([]), { redirect: { uri: '/x', redirectCode: 399 } }, undefined, ctx)).toBeUndefined();
  });

  it('directResponse with base64 bytes → inline_bytes', () => {
    const r = one({ directResponse: { status: 200, body: { bytes: Buffer.from('hi').toString('base64') } } });
    expect(Buffer.from((r.direct_response as { body: { inline_bytes: Uint8Array } }).body.inline_bytes).toString()).toBe('hi');
  });
});

describe('headers', () => {
  it('translates set/add/remove on requests and responses, set before add', () => {
    const r = one({
      headers: { request: { set: { 'x-b': '1', 'x-a': '2' }, add: { 'x-c': '3' }, remove: ['x-old', ':path'] }, response: { set: { 'x-r': 'y' }, remove: ['server'] } },
      route: [{ destination: dest(REVIEWS) }],
    });
    expect(r.request_headers_to_add).toEqual([
      { header: { key: 'x-a', value: '2' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-b', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-c', value: '3' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
    ]);
    expect(r.request_headers_to_remove).toEqual(['x-old']);
    expect(r.response_headers_to_add).toEqual([{ header: { key: 'x-r', value: 'y' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    expect(r.response_headers_to_remove).toEqual(['server']);
  });

  it('turns a set of :authority / host into a host rewrite, not a header', () => {
    const r = one({ headers: { request: { set: { host: 'h.example.com' } } }, route: [{ destination: dest(REVIEWS) }] });
    expect(r).not.toHaveProperty('request_headers_to_add');
    expect(action(r).host_rewrite_literal).toBe('h.example.com');
  });

  it('puts per-destination headers on weighted clusters and after route headers for one destination', () => {
    const weighted = one({
      route: [
        { destination: dest(REVIEWS, { subset: 'v1' }), weight: 50, headers: { request: { set: { 'x-v': '1' } }, response: { remove: ['x-internal'] } } },
        { destination: dest(REVIEWS, { subset: 'v2' }), weight: 50, headers: { request: { set: { ':authority': 'v2.reviews' } } } },
      ],
    });
    expect((action(weighted).weighted_clusters as { clusters: object[] }).clusters).toMatchObject([
      { request_headers_to_add: [{ header: { key: 'x-v', value: '1' } }], response_headers_to_remove: ['x-internal'] },
      { host_rewrite_literal: 'v2.reviews' },
    ]);
    const single = one({ headers: { request: { add: { 'x-a': '1' } } }, route: [{ destination: dest(REVIEWS), headers: { request: { set: { 'x-a': '2' } } } }] });
    expect((single.request_headers_to_add as { header: { value: string } }[]).map((h) => h.header.value)).toEqual(['1', '2']);
  });
});

describe('timeout and retries', () => {
  it.each<[string, HTTPRoute, object]>([
    ['no timeout → 0 (disabled, Istio default)', { route: [{ destination: dest(REVIEWS) }] }, { timeout: { seconds: '0' }, max_grpc_timeout: { seconds: '0' } }],
    ['timeout 1.5s', { timeout: '1.5s', route: [{ destination: dest(REVIEWS) }] }, { timeout: { seconds: '1', nanos: 500_000_000 }, max_grpc_timeout: { seconds: '1', nanos: 500_000_000 } }],
    ['timeout 250ms', { timeout: '250ms', route: [{ destination: dest(REVIEWS) }] }, { timeout: { seconds: '0', nanos: 250_000_000 } }],
    [
      'no retries → Istio default policy',
      { route: [{ destination: dest(REVIEWS) }] },
      {
        retry_policy: {
          retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
          num_retries: { value: 2 },
          retriable_status_codes: [503],
          retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
          host_selection_retry_max_attempts: '5',
        },
      },
    ],
    [
      'custom retries',
      { retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,503,504' }, route: [{ destination: dest(REVIEWS) }] },
      { retry_policy: { num_retries: { value: 3 }, per_try_timeout: { seconds: '2' }, retry_on: 'gateway-error,connect-failure,retriable-status-codes', retriable_status_codes: [503, 504] } },
    ],
    [
      'retryOn without codes drops the default codes',
      { retries: { attempts: 1, retryOn: '5xx' }, route: [{ destination: dest(REVIEWS) }] },
      { retry_policy: { retry_on: '5xx', num_retries: { value: 1 } } },
    ],
    [
      'retryRemoteLocalities and backoff',
      { retries: { attempts: 2, retryRemoteLocalities: true, backoff: '100ms' }, route: [{ destination: dest(REVIEWS) }] },
      { retry_policy: { retry_priority: { name: 'envoy.retry_priorities.previous_priorities' }, retry_back_off: { base_interval: { seconds: '0', nanos: 100_000_000 } } } },
    ],
  ])('%s', (_l, http, want) => {
    expect(action(one(http))).toMatchObject(want);
  });

  it('attempts 0 disables retries; retryIgnorePreviousHosts false drops the predicate', () => {
    expect(action(one({ retries: { attempts: 0 }, route: [{ destination: dest(REVIEWS) }] }))).not.toHaveProperty('retry_policy');
    expect(action(one({ retries: { attempts: 2, retryOn: '5xx' }, route: [{ destination: dest(REVIEWS) }] })).retry_policy).not.toHaveProperty('retriable_status_codes');
    const r = action(one({ retries: { attempts: 2, retryIgnorePreviousHosts: false }, route: [{ destination: dest(REVIEWS) }] }));
    expect(r.retry_policy).not.toHaveProperty('retry_host_predicate');
  });
});

describe('fault, mirror, cors', () => {
  const fault = (r: Record<string, unknown>) => (r.typed_per_filter_config as Record<string, Record<string, unknown>>)['envoy.filters.http.fault'];
  it.each<[string, HTTPRoute['fault'], object]>([
    ['fixed delay with percentage → MILLION', { delay: { fixedDelay: '7s', percentage: { value: 100 } } }, { delay: { fixed_delay: { seconds: '7' }, percentage: { numerator: 1_000_000, denominator: 'MILLION' } } }],
    ['fractional percentage 0.1', { delay: { fixedDelay: '5s', percentage: { value: 0.1 } } }, { delay: { percentage: { numerator: 1000, denominator: 'MILLION' } } }],
    ['legacy integer percent → HUNDRED', { delay: { fixedDelay: '1s', percent: 50 } }, { delay: { percentage: { numerator: 50, denominator: 'HUNDRED' } } }],
    ['abort http status', { abort: { httpStatus: 500, percentage: { value: 50 } } }, { abort: { http_status: 500, percentage: { numerator: 500_000, denominator: 'MILLION' } } }],
    ['abort grpc status by name', { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 10 } } }, { abort: { grpc_status: 14 } }],
  ])('%s', (_l, f, want) => {
    expect(fault(one({ fault: f, route: [{ destination: dest(REVIEWS) }] }))).toMatchObject({ '@type': expect.stringContaining('HTTPFault'), ...want });
  });

  it('leaves out unsupported faults (exponentialDelay, http2Error)', () => {
    const r = one({ fault: { delay: { exponentialDelay: '1s' }, abort: { http2Error: 'x' } }, route: [{ destination: dest(REVIEWS) }] });
    expect(r).not.toHaveProperty('typed_per_filter_config');
  });

  it.each<[string, HTTPRoute, object[]]>([
    ['mirror without percentage → 100% over HUNDRED', { mirror: dest(REVIEWS, { subset: 'v2' }) }, [{ cluster: `outbound|9080|v2|${REVIEWS}`, runtime_fraction: { default_value: { numerator: 100, denominator: 'HUNDRED' } }, trace_sampled: { value: false } }]],
    ['mirrorPercentage → MILLION', { mirror: dest(REVIEWS), mirrorPercentage: { value: 25.5 } }, [{ runtime_fraction: { default_value: { numerator: 255_000, denominator: 'MILLION' } } }]],
    ['mirrorPercentage 0 → no mirroring', { mirror: dest(REVIEWS), mirrorPercentage: { value: 0 } }, []],
    [
      'mirrors list',
      { mirrors: [{ destination: dest(REVIEWS, { subset: 'v3' }), percentage: { value: 5 } }, { destination: dest('ratings.default.svc.cluster.local') }] },
      [{ cluster: `outbound|9080|v3|${REVIEWS}`, runtime_fraction: { default_value: { numerator: 50_000 } } }, { cluster: 'outbound|9080||ratings.default.svc.cluster.local' }],
    ],
  ])('%s', (_l, http, want) => {
    const r = action(one({ ...http, route: [{ destination: dest(REVIEWS) }] }));
    expect(r.request_mirror_policies ?? []).toMatchObject(want);
  });

  it('translates corsPolicy into the CORS filter per-route config', () => {
    const r = one({
      corsPolicy: { allowOrigins: [{ exact: 'https://a.example' }, { regex: 'https://.*\\.b\\.example' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-a'], exposeHeaders: ['x-b'], maxAge: '24h', allowCredentials: true },
      route: [{ destination: dest(REVIEWS) }],
    });
    expect((r.typed_per_filter_config as Record<string, unknown>)['envoy.filters.http.cors']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allow_origin_string_match: [{ exact: 'https://a.example' }, { safe_regex: { regex: 'https://.*\\.b\\.example' } }],
      allow_methods: 'GET,POST',
      allow_headers: 'x-a',
      expose_headers: 'x-b',
      max_age: '86400',
      allow_credentials: { value: true },
      filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
      forward_not_matching_preflights: { value: true },
    });
    const legacy = one({ corsPolicy: { allowOrigin: ['*'], unmatchedPreflights: 'IGNORE' }, route: [{ destination: dest(REVIEWS) }] });
    expect((legacy.typed_per_filter_config as Record<string, unknown>)['envoy.filters.http.cors']).toMatchObject({ allow_origin_string_match: [{ exact: '*' }], forward_not_matching_preflights: { value: false } });
  });
});

describe('translateVirtualServiceRoutes', () => {
  const spec = (http: HTTPRoute[]): VirtualServiceSpec => ({ hosts: [REVIEWS], http });
  const to = (subset: string): HTTPRoute['route'] => [{ destination: dest(REVIEWS, { subset }) }];
  const clusters = (http: HTTPRoute[], c: HttpRouteContext = ctx) =>
    translateVirtualServiceRoutes({ name: 'vs', namespace: 'default', spec: spec(http) }, c).map((r) => (r.route as { cluster?: string } | undefined)?.cluster ?? 'other');

  it('emits one route per match, in order, and a route without match as catch-all', () => {
    expect(clusters([{ match: [{ headers: { u: { exact: 'a' } } }, { uri: { prefix: '/b' } }], route: to('v2') }, { route: to('v1') }])).toEqual([
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v1|${REVIEWS}`,
    ]);
  });

  it('stops after a catch-all route', () => {
    expect(clusters([{ route: to('v1') }, { route: to('v2') }])).toEqual([`outbound|9080|v1|${REVIEWS}`]);
    expect(clusters([{ match: [{ uri: { prefix: '/' } }, { uri: { prefix: '/x' } }], route: to('v1') }, { route: to('v2') }])).toEqual([`outbound|9080|v1|${REVIEWS}`]);
  });

  it('keeps only matches whose sourceLabels fit the proxy and whose port is the listener port', () => {
    const http: HTTPRoute[] = [
      { match: [{ sourceLabels: { app: 'reviews' } }], route: to('v2') },
      { match: [{ port: 9081 }], route: to('v3') },
      { route: to('v1') },
    ];
    expect(clusters(http)).toEqual([`outbound|9080|v1|${REVIEWS}`]);
    // For a proxy with the labels, the sourceLabels-only match is a catch-all: nothing follows it.
    expect(clusters(http, { ...ctx, source: { ...ctx.source, labels: { app: 'reviews' } } })).toEqual([`outbound|9080|v2|${REVIEWS}`]);
  });
});

describe('defaultOutboundRoute', () => {
  it('routes everything to outbound|port||host with default retries and no timeout', () => {
    const r = defaultOutboundRoute(REVIEWS, 9080, { connection_properties: { source_ip: true } });
    packRoute(r);
    expect(r).toMatchObject({
      name: 'default',
      match: { prefix: '/' },
      route: { cluster: `outbound|9080||${REVIEWS}`, timeout: { seconds: '0' }, retry_policy: { num_retries: { value: 2 } }, hash_policy: [{ connection_properties: { source_ip: true } }] },
      decorator: { operation: `${REVIEWS}:9080/*` },
    });
  });
});
