import { describe, expect, it } from 'vitest';
import type { Route, RouteMatch, VirtualHost } from './envoy-shapes.js';
import { parseQuery } from './header-match.js';
import { matchRoute, matchRouteCriteria, UnsupportedEnvoyConfig, type RouteMatchInput } from './route-match.js';
import { InvalidEnvoyConfig } from './string-match.js';

function input(path: string, headers: Record<string, string> = {}, extra: Partial<RouteMatchInput> = {}): RouteMatchInput {
  return { path, method: 'GET', headers: new Map(Object.entries(headers)), query: parseQuery(path), tls: 'plaintext', ...extra };
}

describe('path specifiers', () => {
  it.each<[string, RouteMatch, string, string | undefined]>([
    ['prefix', { prefix: '/api' }, '/api/v1', '/api'],
    ['prefix is not segment-aware', { prefix: '/api' }, '/apiary', '/api'],
    ['prefix ignores the query', { prefix: '/a?x' }, '/a?x=1', undefined],
    ['prefix case-sensitive by default', { prefix: '/API' }, '/api/v1', undefined],
    ['prefix case-insensitive', { prefix: '/API', case_sensitive: { value: false } }, '/api/v1', '/API'],
    ['case_sensitive as a bare bool', { prefix: '/API', case_sensitive: false }, '/Api', '/API'],
    ['path exact', { path: '/login' }, '/login', '/login'],
    ['path exact ignores the query', { path: '/login' }, '/login?next=/', '/login'],
    ['path exact, longer', { path: '/login' }, '/login/x', undefined],
    ['path case-insensitive', { path: '/Login', case_sensitive: { value: false } }, '/LOGIN', '/Login'],
    ['regex is a full match on the path', { safe_regex: { regex: '/reviews/\\d+' } }, '/reviews/12?x=1', '/reviews/12'],
    ['regex does not search', { safe_regex: { regex: '/reviews/\\d+' } }, '/v1/reviews/12', undefined],
    ['regex ignores case_sensitive', { safe_regex: { regex: '/a' }, case_sensitive: { value: false } }, '/A', undefined],
    ['path_separated_prefix, exact', { path_separated_prefix: '/api' }, '/api', '/api'],
    ['path_separated_prefix, segment', { path_separated_prefix: '/api' }, '/api/v1', '/api'],
    ['path_separated_prefix, query', { path_separated_prefix: '/api' }, '/api?x', '/api'],
    ['path_separated_prefix, not a segment', { path_separated_prefix: '/api' }, '/apiary', undefined],
    ['connect_matcher on GET', { connect_matcher: {} }, '/', undefined],
  ])('%s', (_, m, path, want) => {
    expect(matchRouteCriteria(m, input(path), [])).toBe(want);
  });

  it('matches CONNECT with connect_matcher', () => {
    expect(matchRouteCriteria({ connect_matcher: {} }, input('/', {}, { method: 'CONNECT' }), [])).toBe('/');
  });

  it('treats a match without path specifier as invalid and path_match_policy as unsupported', () => {
    expect(() => matchRouteCriteria({ headers: [] }, input('/'), [])).toThrow(InvalidEnvoyConfig);
    expect(() => matchRouteCriteria({ path_match_policy: { '@type': 'x.UriTemplateMatchConfig' } }, input('/'), [])).toThrow(UnsupportedEnvoyConfig);
  });
});

describe('other criteria are ANDed with the path', () => {
  it.each<[string, RouteMatch, RouteMatchInput, boolean]>([
    ['header matches', { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }, input('/', { 'end-user': 'jason' }), true],
    ['header does not', { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }, input('/', { 'end-user': 'mike' }), false],
    [
      'all headers must match',
      { prefix: '/', headers: [{ name: 'a', present_match: true }, { name: 'b', present_match: true }] },
      input('/', { a: '1' }),
      false,
    ],
    ['query parameter', { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, input('/?v=2'), true],
    ['query parameter mismatch', { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, input('/?v=3'), false],
    ['grpc needs the gRPC content-type', { prefix: '/', grpc: {} }, input('/', { 'content-type': 'application/json' }), false],
    ['grpc', { prefix: '/', grpc: {} }, input('/', { 'content-type': 'application/grpc+proto' }), true],
    ['tls_context presented on plaintext', { prefix: '/', tls_context: { presented: { value: true } } }, input('/'), false],
    ['tls_context presented on mTLS', { prefix: '/', tls_context: { presented: { value: true } } }, input('/', {}, { tls: 'mtls' }), true],
    ['tls_context not presented on plaintext', { prefix: '/', tls_context: { presented: { value: false } } }, input('/'), true],
  ])('%s', (_, m, req, want) => {
    expect(matchRouteCriteria(m, req, []) !== undefined).toBe(want);
  });

  it('ignores runtime_fraction but says so', () => {
    const notes: string[] = [];
    const m: RouteMatch = { prefix: '/', runtime_fraction: { default_value: { numerator: 10, denominator: 'HUNDRED' }, runtime_key: 'k' } };
    expect(matchRouteCriteria(m, input('/'), notes)).toBe('/');
    expect(notes).toEqual(['runtime_fraction 10/HUNDRED ignored: treated as matching']);
  });
});

describe('matchRoute: the first matching route wins', () => {
  const route = (name: string, match: RouteMatch): Route => ({ name, match, route: { cluster: name } });
  const vh: VirtualHost = {
    name: 'reviews',
    domains: ['*'],
    routes: [
      route('jason', { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }),
      route('broad', { prefix: '/' }),
      // Never reached: `broad` catches everything first, as Envoy would.
      route('specific', { path: '/reviews/1' }),
    ],
  };

  it.each([
    ['/reviews/1', { 'end-user': 'jason' }, 'jason', 0],
    ['/reviews/1', {}, 'broad', 1],
  ])('%s %j → %s', (path, headers, name, index) => {
    const m = matchRoute(vh, input(path, headers), []);
    expect(m?.route.name).toBe(name);
    expect(m?.index).toBe(index);
  });

  it('returns nothing when no route matches, and only keeps notes of the winning route', () => {
    const notes: string[] = [];
    const partial: VirtualHost = {
      routes: [
        { match: { prefix: '/a', runtime_fraction: { default_value: { numerator: 1 } } }, route: { cluster: 'a' } },
        { match: { prefix: '/b' }, route: { cluster: 'b' } },
      ],
    };
    expect(matchRoute(partial, input('/c'), notes)).toBeUndefined();
    expect(matchRoute(partial, input('/b'), notes)?.index).toBe(1);
    expect(notes).toEqual([]);
  });
});
