// RequestAuthentication (JWT) enforced end to end, measured: reviews runs behind its own weft-proxy; a
// RequestAuthentication and an AuthorizationPolicy requiring the request principal `<iss>/alice` are
// written into weftd's config directory and reach that sidecar's inbound listener as Envoy's jwt_authn
// filter followed by the RBAC filter. Through the client's proxy: a valid token is served (without its
// token reaching the app), no token is refused by RBAC (403), a tampered, expired or foreign token by
// the JWT filter (401, Envoy's body and www-authenticate). Keys are real (node:crypto); in the last case
// weftd fetches them from a jwksUri served by the test and inlines them, as istiod does.
//
// As in authorization.test.ts, a policy change replaces the sidecar's inbound chain: pooled connections
// keep the old chain until the sidecar's 1 s drain cuts them, so each case first waits until the new
// config answers on every connection, then measures.

import { once } from 'node:events';
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { describeReport, runLoad, type LoadReport } from './harness/load.js';
import { sleep, waitUntil } from './harness/wait-until.js';
import { authorizationPolicy, requestAuthentication, subsetsByVersion, virtualService, type MeshResource } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh } from './harness/local-mesh.js';

const mesh = useLocalMesh({
  scenario: 'jwt',
  services: [{ name: 'reviews', versions: ['v1'], sidecar: true, sidecarDrainDuration: '1s' }],
  routing: (m) => [subsetsByVersion('reviews', m.namespace, ['v1']), virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] })],
});

const POLICY_FILE = 'jwt.yaml';
const ISSUER = 'https://issuer.weft.example';

/** An RSA signing key (RS256) and its public JWK. */
function rsaKey(kid: string): { kid: string; privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}
const KEY = rsaKey('weft-e2e-1');
const FOREIGN_KEY = rsaKey('foreign-1');
const jwks = (...keys: { jwk: Record<string, unknown> }[]): string => JSON.stringify({ keys: keys.map((k) => k.jwk) });

/** A compact RS256 JWS of `claims`. */
function signJwt(claims: Record<string, unknown>, key = KEY): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${b64(claims)}`;
  return `${data}.${sign('sha256', Buffer.from(data), { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING }).toString('base64url')}`;
}
const now = (): number => Math.floor(Date.now() / 1000);
const token = (claims: Record<string, unknown> = {}, key = KEY): string => signJwt({ iss: ISSUER, sub: 'alice', iat: now(), exp: now() + 3600, ...claims }, key);
const tamper = (t: string): string => `${t.slice(0, -3)}${t.at(-3) === 'A' ? 'B' : 'A'}${t.slice(-2)}`;

/** What the test sends, and what it should get. */
interface Probe {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly path?: string;
  readonly status: number;
  /** The local reply's body (undefined: the app answers). */
  readonly body?: string;
}

const requireAlice = (m: LocalMesh): MeshResource =>
  authorizationPolicy('require-jwt', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, action: 'ALLOW', rules: [{ from: [{ source: { requestPrincipals: [`${ISSUER}/alice`] } }] }] });

/** Sends `count` requests per probe through the client's proxy, interleaved. */
async function send(m: LocalMesh, probes: readonly Probe[], count: number): Promise<LoadReport[]> {
  return Promise.all(probes.map((p) => runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: p.path ?? '/reviews/1', headers: p.headers }, count, { concurrency: 5 })));
}

const matches = (report: LoadReport, p: Probe, count: number): boolean =>
  report.byStatus[String(p.status)] === count && (p.body === undefined ? report.byVersion.v1 === count : report.results.every((r) => r.detail === p.body));

/** Writes the policies and waits until the reviews sidecar runs them on every pooled connection (the
 *  client's proxy is not affected: both kinds select reviews only). */
async function applyPolicies(m: LocalMesh, policies: readonly MeshResource[], inForce: readonly Probe[]): Promise<void> {
  const sidecar = m.sidecars.get('reviews/v1');
  if (!sidecar) throw new Error('no reviews sidecar');
  const clientBefore = await m.proxy.versions();
  await m.applyFile(POLICY_FILE, policies, { proxy: sidecar });
  expect(await m.proxy.versions(), 'the client proxy is not affected by policies selecting reviews').toBe(clientBefore);
  await sleep(1_200);
  let last = '';
  await waitUntil(
    'the new policies to be in force on every connection',
    async () => {
      const reports = await send(m, inForce, 10);
      last = reports.map(describeReport).join(' / ');
      return reports.every((r, i) => matches(r, inForce[i] as Probe, 10));
    },
    { timeoutMs: 20_000, intervalMs: 200, describe: () => last },
  );
  m.upstream('reviews', 'v1').seen.length = 0;
}

/** Checks one probe's report: every request got the probe's status, and its body when a local reply. */
function expectProbe(report: LoadReport, p: Probe, count: number): void {
  expect(report.byStatus, `${p.name}: ${describeReport(report)}`).toEqual({ [String(p.status)]: count });
  if (p.body === undefined) expect(report.byVersion, p.name).toEqual({ v1: count });
  else expect(new Set(report.results.map((r) => r.detail)), p.name).toEqual(new Set([p.body]));
}

const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

/** One request through the client's proxy, as an app using it as its HTTP proxy sends it. */
function rawRequest(m: LocalMesh, path: string, headers: Record<string, string>): Promise<{ status: number; wwwAuthenticate: string | undefined }> {
  const authority = m.authority('reviews');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: m.proxy.outboundPort, path: `http://${authority}${path}`, headers: { host: authority, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, wwwAuthenticate: res.headers['www-authenticate'] }));
    });
    req.on('error', reject);
    req.end();
  });
}
const N = 40;

describe('RequestAuthentication on a sidecar (client proxy → reviews proxy inbound jwt_authn → RBAC → app)', () => {
  it('valid token 200 (token stripped), no token 403 (RBAC), tampered / expired / foreign-issuer tokens 401', async () => {
    const m = mesh();
    const good = token();
    const probes: Probe[] = [
      { name: 'valid token', headers: bearer(good), status: 200 },
      { name: 'no token', headers: {}, status: 403, body: 'RBAC: access denied' },
      { name: 'tampered signature', headers: bearer(tamper(good)), status: 401, body: 'Jwt verification fails' },
      { name: 'expired', headers: bearer(token({ iat: now() - 7200, exp: now() - 3600 })), status: 401, body: 'Jwt is expired' },
      { name: 'another issuer', headers: bearer(signJwt({ iss: 'https://foreign.example', sub: 'alice', exp: now() + 3600 }, FOREIGN_KEY)), status: 401, body: 'Jwt issuer is not configured' },
      { name: 'valid token of another subject', headers: bearer(token({ sub: 'bob' })), status: 403, body: 'RBAC: access denied' },
    ];
    const ra = requestAuthentication('jwt', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, jwtRules: [{ issuer: ISSUER, jwks: jwks(KEY) }] });
    await applyPolicies(m, [ra, requireAlice(m)], probes.slice(0, 3));

    const app = m.upstream('reviews', 'v1');
    const reports = await send(m, probes, N);
    probes.forEach((p, i) => expectProbe(reports[i] as LoadReport, p, N));
    // Measured at the app: exactly the valid requests arrived, none with its token.
    expect(app.seen).toHaveLength(N);
    expect(app.seen.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
  });

  it('a 401 carries Envoy\'s www-authenticate; forwardOriginalToken and outputPayloadToHeader reach the app', async () => {
    const m = mesh();
    const good = token();
    const ra = requestAuthentication('jwt', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, jwtRules: [{ issuer: ISSUER, jwks: jwks(KEY), forwardOriginalToken: true, outputPayloadToHeader: 'x-jwt-payload' }] });
    await applyPolicies(m, [ra, requireAlice(m)], [{ name: 'valid', headers: bearer(good), status: 200 }, { name: 'tampered', headers: bearer(tamper(good)), status: 401, body: 'Jwt verification fails' }]);
    const app = m.upstream('reviews', 'v1');
    const [served] = await send(m, [{ name: 'valid', headers: bearer(good), status: 200 }], N);
    expectProbe(served as LoadReport, { name: 'valid', headers: {}, status: 200 }, N);
    expect(app.seen).toHaveLength(N);
    for (const r of app.seen) {
      expect(r.headers.authorization).toBe(`Bearer ${good}`);
      expect(r.headers['x-jwt-payload']).toBe(good.split('.')[1]);
    }
    // One raw request for the headers of a 401 as the client gets it (relayed by the client's proxy).
    const res = await rawRequest(m, '/reviews/9', bearer(tamper(good)));
    expect(res.status).toBe(401);
    expect(res.wwwAuthenticate).toBe(`Bearer realm="http://${m.authority('reviews')}/reviews/9", error="invalid_token"`);
  });

  describe('keys from a jwksUri (weftd fetches and inlines them)', () => {
    let jwksServer: Server | undefined;
    afterAll(async () => {
      if (!jwksServer) return;
      jwksServer.closeAllConnections();
      await new Promise((r) => jwksServer?.close(r));
    });

    it('valid token 200 and bad token 401 with the keys weftd fetched; an unreachable jwksUri refuses every token', async () => {
      const m = mesh();
      let fetches = 0;
      jwksServer = createServer((_req, res) => {
        fetches++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(jwks(KEY));
      });
      jwksServer.listen(0, '127.0.0.1');
      await once(jwksServer, 'listening');
      const uri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
      const good = token();
      const ra = requestAuthentication('jwt', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, jwtRules: [{ issuer: ISSUER, jwksUri: uri }] });
      const probes: Probe[] = [
        { name: 'valid', headers: bearer(good), status: 200 },
        { name: 'tampered', headers: bearer(tamper(good)), status: 401, body: 'Jwt verification fails' },
      ];
      await applyPolicies(m, [ra, requireAlice(m)], probes);
      const reports = await send(m, probes, N);
      probes.forEach((p, i) => expectProbe(reports[i] as LoadReport, p, N));
      // Fetched by weftd once, not per request or per proxy.
      expect(fetches).toBe(1);

      // A jwksUri nobody answers: weftd inlines a key nobody can sign for (Istio's fail-closed), so the
      // valid token is refused too; requests without a token still reach RBAC.
      const down = requestAuthentication('jwt', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, jwtRules: [{ issuer: ISSUER, jwksUri: 'http://127.0.0.1:9/jwks.json', timeout: '1s' }] });
      const failClosed: Probe[] = [
        { name: 'valid token, keys unreachable', headers: bearer(good), status: 401, body: 'Jwt verification fails' },
        { name: 'no token', headers: {}, status: 403, body: 'RBAC: access denied' },
      ];
      await applyPolicies(m, [down, requireAlice(m)], failClosed);
      const after = await send(m, failClosed, N);
      failClosed.forEach((p, i) => expectProbe(after[i] as LoadReport, p, N));
      expect(m.upstream('reviews', 'v1').seen).toHaveLength(0);
    });
  });
});
