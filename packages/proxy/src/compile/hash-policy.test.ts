import { describe, expect, it } from 'vitest';
import { hex64, xxHash64, xxHash64Concat } from '../balancer/xxhash64.js';
import { combineHashes, compileHashPolicy, cookieValue, queryParameter, type CookieGeneration } from './hash-policy.js';
import { createRouteRequest, type RouteRequest } from './route-request.js';

const req = (path: string, headers: RouteRequest['headers'] = {}): RouteRequest => createRouteRequest('GET', 'reviews:9080', path, headers);
const hasher = (policies: unknown[]) => {
  const h = compileHashPolicy(policies);
  if (!h) throw new Error('no hasher');
  return h;
};

describe('hash policy', () => {
  it.each<[string, unknown[], RouteRequest, string | undefined, bigint | undefined]>([
    ['header', [{ header: { header_name: 'x-user' } }], req('/', { 'x-user': 'alice' }), undefined, xxHash64('alice')],
    ['header name is case-insensitive', [{ header: { header_name: 'X-User' } }], req('/', { 'x-user': 'alice' }), undefined, xxHash64('alice')],
    ['missing header: no hash', [{ header: { header_name: 'x-user' } }], req('/'), undefined, undefined],
    ['repeated header: sorted values hashed together', [{ header: { header_name: 'x-user' } }], req('/', { 'x-user': ['b', 'a'] }), undefined, xxHash64Concat(['a', 'b'])],
    ['pseudo-header :authority', [{ header: { header_name: ':authority' } }], req('/'), undefined, xxHash64('reviews:9080')],
    ['header with regex_rewrite', [{ header: { header_name: ':path', regex_rewrite: { pattern: { regex: '^/(\\w+)/.*$' }, substitution: '\\1' } } }], req('/users/42'), undefined, xxHash64('users')],
    ['cookie', [{ cookie: { name: 'session' } }], req('/', { cookie: 'a=1; session=xyz; b=2' }), undefined, xxHash64('xyz')],
    ['quoted cookie', [{ cookie: { name: 'session' } }], req('/', { cookie: 'session="xyz"' }), undefined, xxHash64('xyz')],
    ['missing cookie without ttl: no hash', [{ cookie: { name: 'session' } }], req('/', { cookie: 'other=1' }), undefined, undefined],
    ['source ip', [{ connection_properties: { source_ip: true } }], req('/'), '10.1.2.3', xxHash64('10.1.2.3')],
    ['source ip of a v4-mapped address', [{ connection_properties: { source_ip: true } }], req('/'), '::ffff:10.1.2.3', xxHash64('10.1.2.3')],
    ['source ip off yields nothing', [{ connection_properties: { source_ip: false } }, { header: { header_name: 'x-a' } }], req('/'), '10.1.2.3', undefined],
    ['query parameter', [{ query_parameter: { name: 'user' } }], req('/p?a=1&user=bob'), undefined, xxHash64('bob')],
    ['query parameter without a value', [{ query_parameter: { name: 'user' } }], req('/p?user'), undefined, xxHash64('')],
    ['query parameter absent', [{ query_parameter: { name: 'user' } }], req('/p?a=1'), undefined, undefined],
    ['combination: rotate and xor', [{ header: { header_name: 'x-a' } }, { header: { header_name: 'x-b' } }], req('/', { 'x-a': '1', 'x-b': '2' }), undefined, combineHashes(xxHash64('1'), xxHash64('2'))],
    ['combination skips policies without a value', [{ header: { header_name: 'x-a' } }, { header: { header_name: 'x-b' } }], req('/', { 'x-b': '2' }), undefined, xxHash64('2')],
    ['terminal stops once a hash exists', [{ header: { header_name: 'x-a' }, terminal: true }, { header: { header_name: 'x-b' } }], req('/', { 'x-a': '1', 'x-b': '2' }), undefined, xxHash64('1')],
    ['terminal without a hash goes on', [{ header: { header_name: 'x-a' }, terminal: true }, { header: { header_name: 'x-b' } }], req('/', { 'x-b': '2' }), undefined, xxHash64('2')],
  ])('%s', (_name, policies, request, remote, expected) => {
    expect(hasher(policies)(request, remote)).toBe(expected);
  });

  it('combines as Envoy: (h <<< 1) ^ next, 64-bit', () => {
    expect(combineHashes(undefined, 5n)).toBe(5n);
    expect(combineHashes(0x8000_0000_0000_0001n, 0n)).toBe(3n);
    // Two equal policies do not cancel out.
    expect(combineHashes(7n, 7n)).not.toBe(0n);
  });

  it('generates a cookie when it has a ttl and the request has none', () => {
    const h = hasher([{ cookie: { name: 'session', ttl: { seconds: '3600' }, path: '/', attributes: [{ name: 'SameSite', value: 'Lax' }, { name: 'Secure' }] } }]);
    const gen: CookieGeneration = { remote: '10.1.2.3:5555', local: '10.0.0.1:15001', setCookies: [] };
    const value = hex64(xxHash64('10.1.2.3:5555' + '10.0.0.1:15001'));
    expect(h(req('/'), '10.1.2.3', gen)).toBe(xxHash64(value));
    expect(gen.setCookies).toEqual([`session="${value}"; Max-Age=3600; Path=/; SameSite=Lax; Secure; HttpOnly`]);
    // The next request carries the cookie and lands on the same hash.
    expect(h(req('/', { cookie: `session="${value}"` }), '10.9.9.9')).toBe(xxHash64(value));
    // Without the connection's addresses there is nothing to generate from.
    expect(h(req('/'), '10.1.2.3')).toBeUndefined();
  });

  it('a session cookie (ttl 0) has no Max-Age', () => {
    const gen: CookieGeneration = { remote: 'a', local: 'b', setCookies: [] };
    hasher([{ cookie: { name: 's', ttl: {} } }])(req('/'), undefined, gen);
    expect(gen.setCookies[0]).toMatch(/^s="[0-9a-f]{16}"; HttpOnly$/);
  });

  it('compiles nothing from an empty or unusable list', () => {
    expect(compileHashPolicy(undefined)).toBeUndefined();
    expect(compileHashPolicy([])).toBeUndefined();
    expect(compileHashPolicy([{ filter_state: { key: 'x' } }])).toBeUndefined();
  });

  it('parses cookies and query strings as Envoy does', () => {
    expect(cookieValue(req('/', { cookie: ['x=1', ' y=2;z=3'] }), 'z')).toBe('3');
    expect(cookieValue(req('/', { cookie: 'broken; y=2' }), 'broken')).toBe('');
    expect(queryParameter('a=%20b&a=c', 'a')).toBe('%20b');
  });
});
