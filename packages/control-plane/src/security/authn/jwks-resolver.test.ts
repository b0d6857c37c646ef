// The JWKS resolver against a real HTTP server on port 0: one fetch per key set (cached), a refresh that
// finds new keys reports them (reordered keys are no change), a failed fetch leaves the key set
// unresolved and is retried in the background, OpenID discovery, status and timeout failures.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { jwksDiffer, jwksKey, JwksResolver, type JwksRef, type JwksResolverOptions } from './jwks-resolver.js';

const KEYS_A = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'a', e: 'AQAB', n: 'aaa' }] });
const KEYS_B = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'b', e: 'AQAB', n: 'bbb' }] });

interface JwksServer {
  readonly base: string;
  /** Requests per path. */
  readonly hits: Map<string, number>;
  /** What each path answers: [status, body], or 'hang' (never answers). */
  readonly routes: Map<string, [number, string] | 'hang'>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function jwksServer(): Promise<JwksServer> {
  const hits = new Map<string, number>();
  const routes = new Map<string, [number, string] | 'hang'>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path) ?? [404, 'not found'];
    if (route === 'hang') return;
    res.writeHead(route[0], { 'content-type': 'application/json' }).end(route[1]);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, routes };
}

function resolver(options: JwksResolverOptions = {}): { r: JwksResolver; changes: JwksRef[][] } {
  const r = new JwksResolver({ retryIntervalMs: 5, refreshRetries: 1, ...options });
  const changes: JwksRef[][] = [];
  r.subscribe((c) => changes.push([...c]));
  cleanups.push(() => r.close());
  return { r, changes };
}

const until = async (check: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('JwksResolver', () => {
  it('fetches a key set once and serves it from the cache afterwards', async () => {
    const s = await jwksServer();
    s.routes.set('/jwks', [200, KEYS_A]);
    const { r } = resolver();
    const want = [{ issuer: 'iss', jwksUri: `${s.base}/jwks`, timeoutMs: 1000 }];
    const first = r.resolve(want);
    expect(first).toBeInstanceOf(Promise);
    // Two callers while the fetch is in flight share it.
    const second = r.resolve(want);
    await Promise.all([first, second]);
    expect(r.keys.get(jwksKey('iss', `${s.base}/jwks`))).toBe(KEYS_A);
    expect(r.resolve(want)).toBeUndefined();
    expect(s.hits.get('/jwks')).toBe(1);
    expect(r.stats.fetchSuccess).toBe(1);
  });

  it('keeps the key map object while nothing changes, and replaces it when keys change', async () => {
    const s = await jwksServer();
    s.routes.set('/jwks', [200, KEYS_A]);
    const { r, changes } = resolver();
    await r.resolve([{ issuer: 'iss', jwksUri: `${s.base}/jwks`, timeoutMs: 1000 }]);
    const before = r.keys;
    // Same keys, different order and spacing: no change (Istio compareJWKSResponse).
    s.routes.set('/jwks', [200, `{ "keys": [ {"n":"aaa","e":"AQAB","kid":"a","kty":"RSA"} ] }`]);
    expect(await r.refresh()).toBe(false);
    expect(changes).toEqual([]);
    // Rotated keys: reported, and the map is new.
    s.routes.set('/jwks', [200, KEYS_B]);
    await r.refresh();
    expect(changes).toEqual([[{ issuer: 'iss', jwksUri: `${s.base}/jwks` }]]);
    expect(r.keys).not.toBe(before);
    expect(r.keys.get(jwksKey('iss', `${s.base}/jwks`))).toBe(KEYS_B);
    expect(r.stats.keyChanges).toBe(1);
  });

  it('refreshes on its timer (PILOT_JWT_PUB_KEY_REFRESH_INTERVAL) and reports new keys', async () => {
    const s = await jwksServer();
    s.routes.set('/jwks', [200, KEYS_A]);
    const { r, changes } = resolver({ refreshIntervalMs: 30 });
    await r.resolve([{ issuer: 'iss', jwksUri: `${s.base}/jwks`, timeoutMs: 1000 }]);
    s.routes.set('/jwks', [200, KEYS_B]);
    await until(() => changes.length > 0);
    expect(r.keys.get(jwksKey('iss', `${s.base}/jwks`))).toBe(KEYS_B);
    expect(s.hits.get('/jwks') ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('leaves a key set it cannot fetch unresolved, retries it in the background and reports it once fetched', async () => {
    const s = await jwksServer();
    s.routes.set('/jwks', [503, 'unavailable']);
    const { r, changes } = resolver({ retryIntervalMs: 20, refreshRetries: 50 });
    const want = [{ issuer: 'iss', jwksUri: `${s.base}/jwks`, timeoutMs: 1000 }];
    await r.resolve(want);
    expect(r.keys.has(jwksKey('iss', `${s.base}/jwks`))).toBe(false);
    // Known (failed) entries are not fetched again on the main flow: the background retry owns them.
    expect(r.resolve(want)).toBeUndefined();
    expect(r.stats.fetchFail).toBeGreaterThanOrEqual(1);
    s.routes.set('/jwks', [200, KEYS_A]);
    await until(() => changes.length > 0);
    expect(changes[0]).toEqual([{ issuer: 'iss', jwksUri: `${s.base}/jwks` }]);
    expect(r.keys.get(jwksKey('iss', `${s.base}/jwks`))).toBe(KEYS_A);
  });

  it('gives up a fetch after the rule timeout', async () => {
    const s = await jwksServer();
    s.routes.set('/slow', 'hang');
    const { r } = resolver({ refreshRetries: 0 });
    const started = Date.now();
    await r.resolve([{ issuer: 'iss', jwksUri: `${s.base}/slow`, timeoutMs: 100 }]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.keys.size).toBe(0);
  });

  it('keeps the previous keys when a refresh answers something that is not JSON', async () => {
    const s = await jwksServer();
    s.routes.set('/jwks', [200, KEYS_A]);
    const { r, changes } = resolver();
    await r.resolve([{ issuer: 'iss', jwksUri: `${s.base}/jwks`, timeoutMs: 1000 }]);
    s.routes.set('/jwks', [200, '<html>oops</html>']);
    expect(await r.refresh()).toBe(true);
    expect(changes).toEqual([]);
    expect(r.keys.get(jwksKey('iss', `${s.base}/jwks`))).toBe(KEYS_A);
  });

  it('finds jwks_uri through OpenID discovery when a rule names only the issuer', async () => {
    const s = await jwksServer();
    s.routes.set('/issuer/.well-known/openid-configuration', [200, JSON.stringify({ issuer: `${s.base}/issuer`, jwks_uri: `${s.base}/certs` })]);
    s.routes.set('/certs', [200, KEYS_B]);
    const { r } = resolver();
    await r.resolve([{ issuer: `${s.base}/issuer/`, jwksUri: '', timeoutMs: 1000 }]);
    expect(r.keys.get(jwksKey(`${s.base}/issuer/`, ''))).toBe(KEYS_B);
  });

  it('drops entries no longer used or refreshed within the eviction time', async () => {
    const s = await jwksServer();
    s.routes.set('/jwks', [200, KEYS_A]);
    let now = 1_000_000;
    const { r } = resolver({ now: () => now, evictionMs: 1000 });
    await r.resolve([{ issuer: 'iss', jwksUri: `${s.base}/jwks`, timeoutMs: 1000 }]);
    now += 2000;
    await r.refresh();
    expect(r.keys.size).toBe(0);
    // Wanted again: fetched again.
    await r.resolve([{ issuer: 'iss', jwksUri: `${s.base}/jwks`, timeoutMs: 1000 }]);
    expect(s.hits.get('/jwks')).toBe(2);
  });
});

describe('jwksDiffer (Istio compareJWKSResponse)', () => {
  it.each([
    [KEYS_A, KEYS_A, false],
    [KEYS_A, KEYS_B, true],
    [JSON.stringify({ keys: [{ kid: 'a', n: '1' }, { kid: 'b', n: '2' }] }), JSON.stringify({ keys: [{ kid: 'b', n: '2' }, { kid: 'a', n: '1' }] }), false],
    ['not json', KEYS_A, true],
    [KEYS_A, 'not json', 'unparseable'],
    [KEYS_A, '{"other":1}', true],
  ])('%s → %s: %s', (a, b, expected) => {
    expect(jwksDiffer(a, b)).toBe(expected);
  });
});
