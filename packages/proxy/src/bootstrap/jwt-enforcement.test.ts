// RequestAuthentication end to end inside one sidecar: a proxy fed over xDS with an inbound HCM that
// carries the jwt_authn filter weftd builds (shapes restated: the proxy may not import the control
// plane) before an RBAC filter requiring a request principal, a real app behind it. Bad tokens are 401
// before RBAC runs, missing ones reach RBAC (403), good ones reach the app without their token; h2c gets
// the same; a jwt_authn config weft-proxy cannot enforce is NACKed and the last good one kept.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { PassThrough } from 'node:stream';
import { TYPE_URL } from '@weft/shared/xds';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { XdsTestServer, waitFor } from '../../test/xds-test-server.js';
import { defaultProxyConfig } from '../config.js';
import { jwksOf, nowSeconds, signJwt, tamper, testKey } from '../jwt/jwt.test-fixtures.js';
import { staticCluster, virtualInbound, virtualOutbound } from '../listeners/sidecar-listeners.test-fixtures.js';
import type { RequestOutcome } from '../outbound/request-outcome.js';
import { startProxy, type ProxyHandle } from './start-proxy.js';
import { freePortOnAll } from '../../test/free-port.js';

const OUTBOUND_IP = '127.0.0.63';
const APP_IP = '127.0.0.64';
const WORKLOAD_IP = '127.0.0.65';
const ISSUER = 'https://issuer.example';
const KEY = testKey('ES256');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port free on the app address and the proxy's. */
const freeOnBoth = (): Promise<number> => freePortOnAll([APP_IP, WORKLOAD_IP]);

/** An HTTP app that records what it received, Authorization and payload headers included. */
async function httpApp(): Promise<{ port: number; served: { url: string; authorization?: string; payload?: string }[] }> {
  const port = await freeOnBoth();
  const served: { url: string; authorization?: string; payload?: string }[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    served.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(req.headers['x-jwt-payload'] ? { payload: String(req.headers['x-jwt-payload']) } : {}) });
    res.end(`app: ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(port, APP_IP, resolve));
  cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return { port, served };
}

async function startSidecar(): Promise<{ proxy: ProxyHandle; xds: XdsTestServer; outcomes: RequestOutcome[] }> {
  const xds = await XdsTestServer.start();
  const logStream = new PassThrough();
  logStream.resume();
  const outcomes: RequestOutcome[] = [];
  const proxy = await startProxy(
    defaultProxyConfig({ adminPort: 0, healthPort: 0, statsPort: 0, outboundPort: 0, discoveryAddress: xds.address, workloadName: 'reviews-v1', workloadAddresses: [WORKLOAD_IP], appAddress: APP_IP, outboundAddress: OUTBOUND_IP }),
    { logStream, exit: () => undefined, backoff: { initialMs: 20, maxMs: 100 }, healthHost: '127.0.0.1', onOutcome: (o) => outcomes.push(o) },
  );
  cleanups.push(
    () => xds.close(),
    () => proxy.close(),
  );
  return { proxy, xds, outcomes };
}

/** The jwt_authn filter weftd builds for one JWTRule (security/authn/build-jwt-filter.ts). */
const jwtFilter = (provider: Record<string, unknown> = {}): object => ({
  name: 'envoy.filters.http.jwt_authn',
  typed_config: {
    '@type': TYPE_URL.JWT_AUTHN,
    providers: { 'origins-0': { issuer: ISSUER, local_jwks: { inline_string: jwksOf(KEY) }, payload_in_metadata: 'payload', normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'scope'] }, ...provider } },
    rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } } }],
    bypass_cors_preflight: true,
  },
});
/** The RBAC filter weftd builds for `requestPrincipals: ["<iss>/alice"]` (Istio's golden shape). */
const jwtClaim = (claim: string, exact: string): object => ({ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: claim }], value: { string_match: { exact } } } });
const REQUIRE_ALICE = {
  name: 'envoy.filters.http.rbac',
  typed_config: {
    '@type': TYPE_URL.HTTP_RBAC,
    rules: { policies: { 'ns[default]-policy[require-jwt]-rule[0]': { permissions: [{ and_rules: { rules: [{ any: true }] } }], principals: [{ and_ids: { ids: [{ or_ids: { ids: [{ and_ids: { ids: [jwtClaim('iss', ISSUER), jwtClaim('sub', 'alice')] } }] } }] } }] } } },
    shadow_rules_stat_prefix: 'istio_dry_run_allow_',
  },
};

async function serve(xds: XdsTestServer, proxy: ProxyHandle, version: string, port: number, http: readonly object[]): Promise<void> {
  xds.set(TYPE_URL.CLUSTER, version, [staticCluster(`inbound|${port}||`, [[APP_IP, port]])]);
  xds.set(TYPE_URL.LISTENER, version, [virtualOutbound(), virtualInbound([{ port, http: true }], { http })]);
  await waitFor(() => proxy.listeners.bindings().some((b) => b.listenerName === 'virtualInbound' && b.state === 'bound'), 'virtualInbound bound');
}

async function call(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; auth: string | undefined }> {
  const res = await request(`http://${WORKLOAD_IP}:${port}${path}`, { headers });
  return { status: res.statusCode, body: await res.body.text(), auth: res.headers['www-authenticate'] as string | undefined };
}

const token = (claims: Record<string, unknown> = {}): string => signJwt({ iss: ISSUER, sub: 'alice', exp: nowSeconds() + 600, ...claims }, KEY);

describe('jwt_authn on inbound listeners, before RBAC', () => {
  it('401 for bad tokens, 403 (RBAC) without a token, 200 with a good one; the app never sees the token', async () => {
    const app = await httpApp();
    const { proxy, xds, outcomes } = await startSidecar();
    await serve(xds, proxy, '1', app.port, [jwtFilter(), REQUIRE_ALICE]);
    const good = token();
    await waitFor(async () => (await call(app.port, '/ready', { authorization: `Bearer ${good}` }).catch(() => undefined))?.status === 200, 'inbound served');
    app.served.length = 0;
    outcomes.length = 0;

    const realm = (path: string): string => `Bearer realm="http://${WORKLOAD_IP}:${app.port}${path}", error="invalid_token"`;
    expect(await call(app.port, '/a', { authorization: `Bearer ${good}` })).toEqual({ status: 200, body: 'app: /a', auth: undefined });
    expect(await call(app.port, '/b')).toEqual({ status: 403, body: 'RBAC: access denied', auth: undefined });
    expect(await call(app.port, '/c', { authorization: `Bearer ${tamper(good)}` })).toEqual({ status: 401, body: 'Jwt verification fails', auth: realm('/c') });
    expect(await call(app.port, '/d', { authorization: `Bearer ${token({ exp: nowSeconds() - 3600 })}` })).toEqual({ status: 401, body: 'Jwt is expired', auth: realm('/d') });
    expect(await call(app.port, '/e', { authorization: `Bearer ${token({ iss: 'https://other.example' })}` })).toEqual({ status: 401, body: 'Jwt issuer is not configured', auth: realm('/e') });
    // A valid token of another subject: authenticated, but not the principal RBAC wants.
    expect(await call(app.port, '/f', { authorization: `Bearer ${token({ sub: 'bob' })}` })).toMatchObject({ status: 403, body: 'RBAC: access denied' });
    // Query-parameter tokens work too, and the parameter is gone upstream.
    expect(await call(app.port, `/g?x=1&access_token=${good}`)).toMatchObject({ status: 200, body: 'app: /g?x=1' });

    // Measured at the app: only the two good requests arrived, neither with its token.
    expect(app.served).toEqual([{ url: '/a' }, { url: '/g?x=1' }]);
    // Envoy sets no response flag for jwt_authn denials; nothing went upstream.
    const refused = outcomes.filter((o) => o.status === 401);
    expect(refused).toHaveLength(3);
    for (const o of refused) expect(o).toMatchObject({ responseFlags: '-', attempts: 0, cluster: undefined });
  });

  it('forwards the token and the payload header when the rule says so', async () => {
    const app = await httpApp();
    const { proxy, xds } = await startSidecar();
    await serve(xds, proxy, '1', app.port, [jwtFilter({ forward: true, forward_payload_header: 'x-jwt-payload' })]);
    const good = token();
    await waitFor(async () => (await call(app.port, '/ready').catch(() => undefined))?.status === 200, 'inbound served');
    app.served.length = 0;
    expect(await call(app.port, '/x', { authorization: `Bearer ${good}`, 'x-jwt-payload': 'forged' })).toMatchObject({ status: 200 });
    expect(app.served).toEqual([{ url: '/x', authorization: `Bearer ${good}`, payload: good.split('.')[1] }]);
  });

  it('verifies on HTTP/2 (h2c) connections too', async () => {
    const app = await httpApp();
    const { proxy, xds } = await startSidecar();
    await serve(xds, proxy, '1', app.port, [jwtFilter(), REQUIRE_ALICE]);
    await waitFor(async () => (await call(app.port, '/ready').catch(() => undefined))?.status === 403, 'inbound served');
    const { connect: h2connect } = await import('node:http2');
    const session = h2connect(`http://${WORKLOAD_IP}:${app.port}`);
    cleanups.push(() => session.destroy());
    const h2 = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': path, ...headers });
        let status = 0;
        let body = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (body += d));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
        stream.end();
      });
    expect(await h2('/ok', { authorization: `Bearer ${token()}` })).toEqual({ status: 200, body: 'app: /ok' });
    expect(await h2('/bad', { authorization: `Bearer ${tamper(token())}` })).toEqual({ status: 401, body: 'Jwt verification fails' });
    expect(await h2('/none')).toEqual({ status: 403, body: 'RBAC: access denied' });
  });

  it('NACKs a jwt_authn config it cannot enforce (remote_jwks, or placed after RBAC), and keeps the last good one', async () => {
    const app = await httpApp();
    const { proxy, xds } = await startSidecar();
    await serve(xds, proxy, '1', app.port, [jwtFilter(), REQUIRE_ALICE]);
    await waitFor(async () => (await call(app.port, '/x', { authorization: `Bearer ${tamper(token())}` }).catch(() => undefined))?.status === 401, 'JWT applied');

    const remote = { name: 'envoy.filters.http.jwt_authn', typed_config: { '@type': TYPE_URL.JWT_AUTHN, providers: { p: { issuer: ISSUER, remote_jwks: { http_uri: { uri: 'https://issuer.example/jwks', cluster: 'outbound|443||issuer.example', timeout: { seconds: '5' } } } } } } };
    xds.set(TYPE_URL.LISTENER, '2', [virtualOutbound(), virtualInbound([{ port: app.port, http: true }], { http: [remote] })]);
    const nack = await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).find((r) => r.error_detail), 'LDS NACK');
    expect(nack.version_info).toBe('1');
    expect(nack.error_detail?.message).toMatch(/http_filters\[0\]: jwt_authn filter envoy\.filters\.http\.jwt_authn: providers\[p\]\.remote_jwks: remote_jwks is not supported by weft-proxy/);

    xds.set(TYPE_URL.LISTENER, '3', [virtualOutbound(), virtualInbound([{ port: app.port, http: true }], { http: [REQUIRE_ALICE, jwtFilter()] })]);
    await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).some((r) => r.error_detail?.message.includes('before the RBAC filters')), 'second LDS NACK');
    // The last good listener still decides.
    expect(await call(app.port, '/x', { authorization: `Bearer ${tamper(token())}` })).toMatchObject({ status: 401 });
    expect(await call(app.port, '/y', { authorization: `Bearer ${token()}` })).toMatchObject({ status: 200 });
  });
});
