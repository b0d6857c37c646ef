import { describe, expect, it } from 'vitest';
import type { RedirectAction, Route, RouteConfiguration, VirtualHost } from './envoy-shapes.js';
import { redirectLocation, resolveRouteAction, rewritePath, type ActionInput } from './route-action.js';

function actionInput(path: string, host = 'bookinfo.com', scheme = 'http', headers: Record<string, string> = {}): ActionInput {
  return {
    path,
    host,
    scheme,
    headers: new Map([[':authority', host], [':path', path], [':method', 'GET'], [':scheme', scheme], ...Object.entries(headers)]),
  };
}

describe('rewritePath', () => {
  it('returns nothing when no rewrite is configured (an empty prefix_rewrite is none)', () => {
    expect(rewritePath('/v1', '/v1', undefined, undefined)).toBeUndefined();
    expect(rewritePath('/v1', '/v1', '', undefined)).toBeUndefined();
  });

  it.each<[string, string, string, string | undefined, { pattern: { regex: string }; substitution: string } | undefined, string]>([
    ['prefix swap keeps the rest and the query', '/v1/api/x?q=1', '/v1/api', '/api/v2', undefined, '/api/v2/x?q=1'],
    ['prefix to root', '/ratings/1', '/ratings', '/', undefined, '//1'],
    ['case-insensitive match replaces the matched length', '/API/x', '/api', '/v2', undefined, '/v2/x'],
    ['path match replaces the whole path', '/login?x', '/login', '/signin', undefined, '/signin?x'],
    ['regex rewrite on the path only', '/service/foo/v1?x=1', '/service/foo/v1', undefined, { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' }, '/v1/instance/foo?x=1'],
  ])('%s', (_, path, matched, prefix, regex, want) => {
    expect(rewritePath(path, matched, prefix, regex)).toBe(want);
  });
});

describe('redirectLocation (Http::Utility::newUri)', () => {
  it.each<[string, RedirectAction, ActionInput, number, string]>([
    ['path redirect, default 301', { path_redirect: '/v1/bookRatings' }, actionInput('/v1/getProductRatings'), 301, 'http://bookinfo.com/v1/bookRatings'],
    ['path redirect keeps the query', { path_redirect: '/new' }, actionInput('/old?a=1'), 301, 'http://bookinfo.com/new?a=1'],
    ['path redirect with its own query wins, even over strip_query', { path_redirect: '/new?b=2', strip_query: true }, actionInput('/old?a=1'), 301, 'http://bookinfo.com/new?b=2'],
    ['strip_query', { strip_query: true }, actionInput('/old?a=1'), 301, 'http://bookinfo.com/old'],
    ['host redirect drops the request port', { host_redirect: 'newratings.default.svc.cluster.local' }, actionInput('/r', 'ratings:9080'), 301, 'http://newratings.default.svc.cluster.local/r'],
    ['port redirect replaces the port', { port_redirect: 8443 }, actionInput('/r', 'ratings:9080'), 301, 'http://ratings:8443/r'],
    ['https redirect strips :80', { https_redirect: true }, actionInput('/r', 'a.com:80'), 301, 'https://a.com/r'],
    ['https redirect keeps a non-default port', { https_redirect: true }, actionInput('/r', 'a.com:8080'), 301, 'https://a.com:8080/r'],
    ['scheme_redirect beats https_redirect', { scheme_redirect: 'http', https_redirect: true }, actionInput('/r', 'a.com:443', 'https'), 301, 'http://a.com/r'],
    ['prefix rewrite', { prefix_rewrite: '/v2' }, actionInput('/v1/x?q'), 301, 'http://bookinfo.com/v2/x?q'],
    ['response codes by name', { response_code: 'PERMANENT_REDIRECT', path_redirect: '/x' }, actionInput('/'), 308, 'http://bookinfo.com/x'],
    ['response codes by number', { response_code: 2, path_redirect: '/x' }, actionInput('/'), 303, 'http://bookinfo.com/x'],
    ['FOUND', { response_code: 'FOUND' }, actionInput('/p'), 302, 'http://bookinfo.com/p'],
    ['TEMPORARY_REDIRECT', { response_code: 'TEMPORARY_REDIRECT' }, actionInput('/p'), 307, 'http://bookinfo.com/p'],
  ])('%s', (_, r, input, status, location) => {
    const matched = input.path.split('?')[0] === '/v1/x' ? '/v1' : (input.path.split('?')[0] ?? '/');
    expect(redirectLocation(r, input, matched)).toEqual({ status, location });
  });
});

describe('resolveRouteAction', () => {
  const rc: RouteConfiguration = {
    name: '9080',
    request_headers_to_add: [{ header: { key: 'x-level', value: 'route-config' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
    typed_per_filter_config: { 'envoy.filters.http.cors': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy', allow_credentials: { value: false } } },
  };
  const vh: VirtualHost = {
    name: 'reviews',
    domains: ['*'],
    retry_policy: { retry_on: 'connect-failure', num_retries: 2 },
    request_headers_to_add: [{ header: { key: 'x-vh', value: 'yes' } }],
    request_headers_to_remove: ['x-drop-by-vh'],
  };

  it('exposes a forwarding route with its settings, rewrites and the headers sent upstream', () => {
    const route: Route = {
      name: 'r',
      match: { prefix: '/v1' },
      route: {
        cluster: 'outbound|9080|v1|reviews.default.svc.cluster.local',
        prefix_rewrite: '/v2',
        host_rewrite_literal: 'reviews.prod',
        timeout: { seconds: '3', nanos: 500_000_000 },
        request_mirror_policies: [{ cluster: 'outbound|9080|v3|reviews.default.svc.cluster.local', runtime_fraction: { default_value: { numerator: 10 } } }],
      },
      request_headers_to_add: [
        { header: { key: 'x-level', value: 'route' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-append', value: 'b' }, append: { value: true } },
        { header: { key: 'x-absent', value: 'new' }, append_action: 'ADD_IF_ABSENT' },
        { header: { key: 'x-keep', value: 'new' }, append_action: 'ADD_IF_ABSENT' },
        { header: { key: 'x-only-if', value: 'new' }, append_action: 'OVERWRITE_IF_EXISTS' },
      ],
      request_headers_to_remove: ['x-drop'],
      typed_per_filter_config: {
        'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', abort: { http_status: 503 } },
      },
    };
    const out = resolveRouteAction(route, vh, rc, '/v1', actionInput('/v1/reviews/1', 'reviews:9080', 'http', { 'x-drop': '1', 'x-drop-by-vh': '1', 'x-append': 'a', 'x-keep': 'old' }));
    expect(out.cluster).toBe('outbound|9080|v1|reviews.default.svc.cluster.local');
    expect(out.rewrittenPath).toBe('/v2/reviews/1');
    expect(out.rewrittenHost).toBe('reviews.prod');
    expect(out.timeoutMs).toBe(3500);
    expect(out.retryPolicy).toEqual({ retry_on: 'connect-failure', num_retries: 2 });
    expect(out.requestMirrorPolicies).toHaveLength(1);
    expect(out.fault).toMatchObject({ abort: { http_status: 503 } });
    expect(out.cors).toMatchObject({ allow_credentials: { value: false } });
    expect(out.requestHeadersToAdd.map((h) => `${h.level}:${h.key}`)).toEqual([
      'route:x-level',
      'route:x-append',
      'route:x-absent',
      'route:x-keep',
      'route:x-only-if',
      'virtual-host:x-vh',
      'route-config:x-level',
    ]);
    expect(out.upstreamHeaders).toMatchObject({
      ':authority': 'reviews.prod',
      ':path': '/v2/reviews/1',
      // The route configuration is evaluated last and wins on overwrite.
      'x-level': 'route-config',
      'x-append': 'a,b',
      'x-absent': 'new',
      'x-keep': 'old',
      'x-vh': 'yes',
    });
    expect(out.upstreamHeaders).not.toHaveProperty('x-drop');
    expect(out.upstreamHeaders).not.toHaveProperty('x-drop-by-vh');
    expect(out.upstreamHeaders).not.toHaveProperty('x-only-if');
  });

  it('defaults the timeout to 15 s and lets a route retry policy win over the virtual host', () => {
    const out = resolveRouteAction({ match: { prefix: '/' }, route: { cluster: 'c', retry_policy: { num_retries: 5 } } }, vh, {}, '/', actionInput('/'));
    expect(out.timeoutMs).toBe(15_000);
    expect(out.retryPolicy).toEqual({ num_retries: 5 });
    expect(resolveRouteAction({ match: { prefix: '/' }, route: { cluster: 'c', timeout: { seconds: 0 } } }, {}, {}, '/', actionInput('/')).timeoutMs).toBe(0);
  });

  it('lists every weighted cluster with its weight and own settings', () => {
    const out = resolveRouteAction(
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: 'v1', weight: { value: 50 }, request_headers_to_add: [{ header: { key: 'x-v', value: '1' } }] },
              { name: 'v3', weight: 50 },
            ],
          },
        },
      },
      {},
      {},
      '/',
      actionInput('/'),
    );
    expect(out.weightedClusters?.map((c) => [c.name, c.weight])).toEqual([
      ['v1', 50],
      ['v3', 50],
    ]);
    expect(out.weightedClusters?.[0]?.requestHeadersToAdd).toEqual([{ key: 'x-v', value: '1', appendAction: 'APPEND_IF_EXISTS_OR_ADD', level: 'weighted-cluster' }]);
    expect(out.cluster).toBeUndefined();
  });

  it('finds fault config by its type when the key is not the canonical filter name', () => {
    const out = resolveRouteAction(
      { match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { fault: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', delay: {} } } },
      {},
      {},
      '/',
      actionInput('/'),
    );
    expect(out.fault).toMatchObject({ delay: {} });
  });

  it('answers direct responses with status and body', () => {
    expect(resolveRouteAction({ match: { prefix: '/' }, direct_response: { status: 503, body: { inline_string: 'down' } } }, {}, {}, '/', actionInput('/')).directResponse).toEqual({ status: 503, body: 'down' });
    expect(resolveRouteAction({ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_bytes: btoa('hi') } } }, {}, {}, '/', actionInput('/')).directResponse).toEqual({ status: 200, body: 'hi' });
    expect(resolveRouteAction({ match: { prefix: '/' }, direct_response: { status: 204 } }, {}, {}, '/', actionInput('/')).directResponse).toEqual({ status: 204 });
  });
});
