import type { HTTPMatchRequest } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { packRoute } from './lds-rds.test-fixtures.js';
import { isCatchAllMatch, matchAppliesTo, translateRouteMatch } from './route-match.js';

const route = (match: object) => ({ match, route: { cluster: 'c' } });

describe('translateRouteMatch', () => {
  it.each<[string, HTTPMatchRequest | undefined, object]>([
    ['no match → catch-all prefix /', undefined, { prefix: '/' }],
    ['uri exact → path', { uri: { exact: '/login' } }, { path: '/login', case_sensitive: { value: true } }],
    ['uri prefix → prefix', { uri: { prefix: '/api' } }, { prefix: '/api' }],
    ['uri regex → safe_regex', { uri: { regex: '/v[0-9]+/.*' } }, { safe_regex: { regex: '/v[0-9]+/.*' } }],
    ['ignoreUriCase → case_sensitive false', { uri: { prefix: '/API' }, ignoreUriCase: true }, { prefix: '/API', case_sensitive: { value: false } }],
    ['method exact → :method header', { method: { exact: 'GET' } }, { prefix: '/', headers: [{ name: ':method', string_match: { exact: 'GET' } }] }],
    ['authority prefix → :authority header', { authority: { prefix: 'reviews' } }, { headers: [{ name: ':authority', string_match: { prefix: 'reviews' } }] }],
    ['scheme regex → :scheme header', { scheme: { regex: 'https?' } }, { headers: [{ name: ':scheme', string_match: { safe_regex: { regex: 'https?' } } }] }],
    ['header exact', { headers: { 'end-user': { exact: 'jason' } } }, { headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }],
    ['header with empty match → present_match', { headers: { 'x-debug': {} } }, { headers: [{ name: 'x-debug', present_match: true }] }],
    ['header regex "*" → present_match', { headers: { 'x-debug': { regex: '*' } } }, { headers: [{ name: 'x-debug', present_match: true }] }],
    [
      'withoutHeaders exact → invert_match + treat_missing_header_as_empty',
      { withoutHeaders: { 'end-user': { exact: 'jason' } } },
      { headers: [{ name: 'end-user', string_match: { exact: 'jason' }, invert_match: true, treat_missing_header_as_empty: true }] },
    ],
    ['withoutHeaders presence → inverted present_match', { withoutHeaders: { 'x-debug': {} } }, { headers: [{ name: 'x-debug', present_match: true, invert_match: true }] }],
    ['queryParams exact and presence', { queryParams: { v: { exact: '2' }, debug: {} } }, { query_parameters: [{ name: 'v', string_match: { exact: '2' } }, { name: 'debug', present_match: true }] }],
    ['queryParams regex', { queryParams: { id: { regex: '[0-9]+' } } }, { query_parameters: [{ name: 'id', string_match: { safe_regex: { regex: '[0-9]+' } } }] }],
  ])('%s', (_label, match, want) => {
    const got = translateRouteMatch(match);
    expect(got).toMatchObject(want);
    packRoute(route(got));
  });

  it('sorts header matchers by name, then :method, :authority, :scheme', () => {
    const got = translateRouteMatch({ headers: { zeta: { exact: '1' }, alpha: { exact: '2' } }, withoutHeaders: { mid: { exact: '3' } }, scheme: { exact: 'http' }, method: { exact: 'GET' } });
    expect(got.headers?.map((h) => h.name)).toEqual(['alpha', 'mid', 'zeta', ':method', ':scheme']);
  });

  it('turns JWT claim headers into dynamic metadata matchers', () => {
    const got = translateRouteMatch({ headers: { '@request.auth.claims.group': { exact: 'admin' } }, withoutHeaders: { '@request.auth.claims[a][b]': { exact: 'x' } } });
    expect(got.headers).toBeUndefined();
    expect(got.dynamic_metadata).toMatchObject([
      { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'group' }] },
      { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'a' }, { key: 'b' }], invert: true },
    ]);
    packRoute(route(got));
  });
});

describe('isCatchAllMatch', () => {
  it.each<[string, HTTPMatchRequest | undefined, boolean]>([
    ['no match', undefined, true],
    ['prefix /', { uri: { prefix: '/' } }, true],
    ['regex .*', { uri: { regex: '.*' } }, true],
    ['prefix / with a header', { uri: { prefix: '/' }, headers: { a: { exact: 'b' } } }, false],
    ['prefix /api', { uri: { prefix: '/api' } }, false],
    ['prefix / with a query param', { queryParams: { a: {} } }, false],
  ])('%s → %s', (_l, match, want) => expect(isCatchAllMatch(translateRouteMatch(match))).toBe(want));
});

describe('matchAppliesTo', () => {
  const source = { gateways: new Set(['mesh']), labels: { app: 'reviews', version: 'v2' }, namespace: 'default' };
  it.each<[string, HTTPMatchRequest | undefined, number, boolean]>([
    ['no match', undefined, 9080, true],
    ['port equal to the listener port', { port: 9080 }, 9080, true],
    ['port of another listener', { port: 9081 }, 9080, false],
    ['sourceLabels subset of the proxy labels', { sourceLabels: { app: 'reviews' } }, 9080, true],
    ['sourceLabels the proxy lacks', { sourceLabels: { app: 'reviews', version: 'v1' } }, 9080, false],
    ['sourceNamespace of the proxy', { sourceNamespace: 'default' }, 9080, true],
    ['another sourceNamespace', { sourceNamespace: 'prod' }, 9080, false],
    ['gateways including mesh (sourceLabels then ignored, as Istio)', { gateways: ['mesh'], sourceLabels: { app: 'x' } }, 9080, true],
    ['gateways without mesh', { gateways: ['default/gw'] }, 9080, false],
  ])('%s → %s', (_l, match, port, want) => expect(matchAppliesTo(match, source, port)).toBe(want));
});
