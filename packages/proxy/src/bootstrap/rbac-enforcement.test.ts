// Authorization end to end inside one sidecar: a proxy fed over xDS with inbound listeners carrying
// the RBAC filters weftd builds from AuthorizationPolicies (shapes restated: the proxy may not import
// the control plane), a real app behind it. HTTP denials are 403 `RBAC: access denied` before the app
// sees anything; TCP denials close the connection; bad RBAC config is NACKed and the last good kept.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { TYPE_URL } from '@weft/shared/xds';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { XdsTestServer, waitFor } from '../../test/xds-test-server.js';
import { defaultProxyConfig } from '../config.js';
import { staticCluster, virtualInbound, virtualOutbound, type FixtureAuthz } from '../listeners/sidecar-listeners.test-fixtures.js';
import type { RequestOutcome } from '../outbound/request-outcome.js';
import { startProxy, type ProxyHandle } from './start-proxy.js';
import { freePortOnAll } from '../../test/free-port.js';

// Loopback addresses of their own: outbound, app, workload.
const OUTBOUND_IP = '127.0.0.60';
const APP_IP = '127.0.0.61';
const WORKLOAD_IP = '127.0.0.62';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port free on the app address and the proxy's. */
const freeOnBoth = (): Promise<number> => freePortOnAll([APP_IP, WORKLOAD_IP]);

/** An HTTP app that counts the requests it serves. */
async function httpApp(): Promise<{ port: number; served: string[] }> {
  const port = await freeOnBoth();
  const served: string[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    served.push(`${req.method} ${req.url}`);
    res.end(`app: ${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(port, APP_IP, resolve));
  cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return { port, served };
}

/** A TCP echo app that counts its connections. */
async function tcpApp(): Promise<{ port: number; connections: () => number }> {
  const port = await freeOnBoth();
  let connections = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    connections++;
    s.on('data', (d: Buffer) => s.write(`echo ${d.toString()}`));
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, APP_IP, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port, connections: () => connections };
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

// The filters weftd builds (security/authz/build-rbac-filters.ts) for a few policies.
const ANY_PRINCIPAL = [{ and_ids: { ids: [{ any: true }] } }];
const httpRbac = (rules: object, extra: Record<string, unknown> = {}): object => ({ name: 'envoy.filters.http.rbac', typed_config: { '@type': TYPE_URL.HTTP_RBAC, rules, shadow_rules_stat_prefix: 'istio_dry_run_allow_', ...extra } });
const networkRbac = (rules: object): object => ({ name: 'envoy.filters.network.rbac', typed_config: { '@type': TYPE_URL.NETWORK_RBAC, rules, stat_prefix: 'tcp.', shadow_rules_stat_prefix: 'istio_dry_run_allow_' } });
const policy = (name: string, permission: object, principals: object[] = ANY_PRINCIPAL): Record<string, object> => ({ [`ns[default]-policy[${name}]-rule[0]`]: { permissions: [{ and_rules: { rules: [permission] } }], principals } });
/** DENY `paths` (prefix `/admin`). */
const DENY_ADMIN = httpRbac({ action: 'DENY', policies: policy('deny-admin', { or_rules: { rules: [{ url_path: { path: { prefix: '/admin' } } }] } }) });
/** ALLOW methods GET. */
const ALLOW_GET = httpRbac({ policies: policy('allow-get', { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }] } }) });
/** ALLOW with no rules: allow nothing (Istio's never-matching policy). */
const ALLOW_NOTHING_TCP = networkRbac({ policies: { 'ns[default]-policy[allow-nothing]-rule[0]': { permissions: [{ not_rule: { any: true } }], principals: [{ not_id: { any: true } }] } } });

async function serve(xds: XdsTestServer, proxy: ProxyHandle, version: string, http: { port: number; authz: FixtureAuthz }, tcp?: { port: number; authz: FixtureAuthz }): Promise<void> {
  const clusters = [staticCluster(`inbound|${http.port}||`, [[APP_IP, http.port]]), ...(tcp ? [staticCluster(`inbound|${tcp.port}||`, [[APP_IP, tcp.port]])] : [])];
  xds.set(TYPE_URL.CLUSTER, version, clusters);
  // One virtualInbound per authz set would collide on the name: HTTP and TCP ports share theirs.
  const authz: FixtureAuthz = { http: http.authz.http ?? [], network: tcp?.authz.network ?? [] };
  xds.set(TYPE_URL.LISTENER, version, [virtualOutbound(), virtualInbound([{ port: http.port, http: true }, ...(tcp ? [{ port: tcp.port, http: false }] : [])], authz)]);
  await waitFor(() => proxy.listeners.bindings().some((b) => b.listenerName === 'virtualInbound' && b.state === 'bound'), 'virtualInbound bound');
}

async function call(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string | undefined }> {
  const res = await request(`http://${WORKLOAD_IP}:${port}${path}`, { method, headers });
  return { status: res.statusCode, body: await res.body.text(), type: res.headers['content-type'] as string | undefined };
}

/** Connects, writes `text`, and reports what came back before the connection ended. */
function tcpExchange(port: number, text: string): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ host: WORKLOAD_IP, port });
    let reply = '';
    s.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes(text)) {
        s.end();
        resolve({ reply, closed: false });
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve({ reply, closed: true }));
    s.on('connect', () => s.write(text));
  });
}

describe('RBAC on inbound listeners', () => {
  it('answers denied requests 403 "RBAC: access denied" without reaching the app, and serves allowed ones', async () => {
    const app = await httpApp();
    const { proxy, xds, outcomes } = await startSidecar();
    await serve(xds, proxy, '1', { port: app.port, authz: { http: [DENY_ADMIN, ALLOW_GET] } });
    await waitFor(async () => (await call(app.port, '/ready').catch(() => undefined))?.status === 200, 'inbound served');
    app.served.length = 0;
    outcomes.length = 0;

    const results = [];
    for (const [path, method] of [['/hello', 'GET'], ['/admin/users', 'GET'], ['/hello', 'POST'], ['/admin', 'POST'], ['/products?id=1', 'GET']] as const) results.push({ path, method, ...(await call(app.port, path, method)) });
    expect(results).toEqual([
      { path: '/hello', method: 'GET', status: 200, body: 'app: GET /hello', type: undefined },
      { path: '/admin/users', method: 'GET', status: 403, body: 'RBAC: access denied', type: 'text/plain' },
      { path: '/hello', method: 'POST', status: 403, body: 'RBAC: access denied', type: 'text/plain' },
      { path: '/admin', method: 'POST', status: 403, body: 'RBAC: access denied', type: 'text/plain' },
      { path: '/products?id=1', method: 'GET', status: 200, body: 'app: GET /products?id=1', type: undefined },
    ]);
    // Measured at the app: exactly the two allowed requests arrived.
    expect(app.served).toEqual(['GET /hello', 'GET /products?id=1']);
    // Envoy sets no response flag for RBAC denials; nothing was sent upstream.
    const denied = outcomes.filter((o) => o.status === 403);
    expect(denied).toHaveLength(3);
    for (const o of denied) expect(o).toMatchObject({ responseFlags: '-', direction: 'inbound', attempts: 0, cluster: undefined });
  });

  it('enforces the same filters on HTTP/2 (h2c prior knowledge) connections', async () => {
    const app = await httpApp();
    const { proxy, xds } = await startSidecar();
    await serve(xds, proxy, '1', { port: app.port, authz: { http: [DENY_ADMIN, ALLOW_GET] } });
    await waitFor(async () => (await call(app.port, '/ready').catch(() => undefined))?.status === 200, 'inbound served');
    app.served.length = 0;
    const { connect: h2connect } = await import('node:http2');
    const session = h2connect(`http://${WORKLOAD_IP}:${app.port}`);
    cleanups.push(() => session.destroy());
    const h2 = (path: string, method = 'GET') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': path, ':method': method });
        let status = 0;
        let body = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => (body += d));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
        stream.end();
      });
    expect(await h2('/admin/x')).toEqual({ status: 403, body: 'RBAC: access denied' });
    expect(await h2('/ok', 'DELETE')).toEqual({ status: 403, body: 'RBAC: access denied' });
    expect(await h2('/ok')).toEqual({ status: 200, body: 'app: GET /ok' });
    expect(app.served).toEqual(['GET /ok']);
  });

  it('closes TCP connections an RBAC network filter denies before anything reaches the app, and proxies allowed ones', async () => {
    const app = await httpApp();
    const db = await tcpApp();
    const { proxy, xds } = await startSidecar();
    // A DENY for sources outside loopback: 127.0.0.x is allowed.
    const denyOutside = networkRbac({ action: 'DENY', policies: policy('deny-outside', { any: true }, [{ and_ids: { ids: [{ not_id: { direct_remote_ip: { address_prefix: '127.0.0.0', prefix_len: { value: 8 } } } }] } }]) });
    await serve(xds, proxy, '1', { port: app.port, authz: {} }, { port: db.port, authz: { network: [denyOutside] } });
    await waitFor(async () => !(await tcpExchange(db.port, 'ping')).closed, 'TCP served');
    const before = db.connections();
    expect(await tcpExchange(db.port, 'hello')).toEqual({ reply: 'echo hello', closed: false });
    expect(db.connections()).toBe(before + 1);

    await serve(xds, proxy, '2', { port: app.port, authz: {} }, { port: db.port, authz: { network: [ALLOW_NOTHING_TCP] } });
    await waitFor(async () => (await tcpExchange(db.port, 'ping')).closed, 'allow-nothing applied');
    const atDeny = db.connections();
    for (let i = 0; i < 5; i++) expect(await tcpExchange(db.port, `try ${i}`)).toEqual({ reply: '', closed: true });
    // Measured at the app: none of the five denied connections reached it.
    expect(db.connections()).toBe(atDeny);
  });

  it('reads remote_ip from the last x-forwarded-for address (use_remote_address false) and direct_remote_ip from the peer', async () => {
    const app = await httpApp();
    const { proxy, xds } = await startSidecar();
    const denyRemote = httpRbac({ action: 'DENY', policies: policy('deny-remote', { any: true }, [{ and_ids: { ids: [{ or_ids: { ids: [{ remote_ip: { address_prefix: '10.9.0.0', prefix_len: { value: 16 } } }] } }] } }]) });
    const denyDirect = httpRbac({ action: 'DENY', policies: policy('deny-direct', { any: true }, [{ and_ids: { ids: [{ or_ids: { ids: [{ direct_remote_ip: { address_prefix: '10.8.0.0', prefix_len: { value: 16 } } }] } }] } }]) });
    await serve(xds, proxy, '1', { port: app.port, authz: { http: [denyRemote, denyDirect] } });
    await waitFor(async () => (await call(app.port, '/ready').catch(() => undefined))?.status === 200, 'inbound served');
    expect((await call(app.port, '/', 'GET', { 'x-forwarded-for': '1.1.1.1, 10.9.0.5' })).status).toBe(403);
    expect((await call(app.port, '/', 'GET', { 'x-forwarded-for': '10.9.0.5, 1.1.1.1' })).status).toBe(200);
    // direct_remote_ip is the socket peer (127.0.0.1), whatever x-forwarded-for says.
    expect((await call(app.port, '/', 'GET', { 'x-forwarded-for': '10.8.0.5' })).status).toBe(200);
  });

  it('never enforces shadow (dry-run) rules, and reports them on the outcome', async () => {
    const app = await httpApp();
    const { proxy, xds, outcomes } = await startSidecar();
    const dryRunDeny = { name: 'envoy.filters.http.rbac', typed_config: { '@type': TYPE_URL.HTTP_RBAC, shadow_rules: { action: 'DENY', policies: policy('dry', { any: true }) }, shadow_rules_stat_prefix: 'istio_dry_run_deny_' } };
    await serve(xds, proxy, '1', { port: app.port, authz: { http: [dryRunDeny] } });
    await waitFor(async () => (await call(app.port, '/ready').catch(() => undefined))?.status === 200, 'inbound served');
    outcomes.length = 0;
    expect(await call(app.port, '/x')).toMatchObject({ status: 200, body: 'app: GET /x' });
    await waitFor(() => outcomes.length === 1, 'outcome');
    expect(outcomes[0]?.rbacShadow).toEqual({ istio_dry_run_deny_shadow_engine_result: 'denied', istio_dry_run_deny_shadow_effective_policy_id: 'ns[default]-policy[dry]-rule[0]' });
  });

  it('NACKs a listener whose RBAC config the engine cannot compile, and keeps enforcing the last good one', async () => {
    const app = await httpApp();
    const { proxy, xds } = await startSidecar();
    await serve(xds, proxy, '1', { port: app.port, authz: { http: [DENY_ADMIN] } });
    await waitFor(async () => (await call(app.port, '/admin').catch(() => undefined))?.status === 403, 'RBAC applied');

    // A URI template Envoy's uri_template_lib rejects (unclosed variable), and a network RBAC filter
    // without its required stat_prefix.
    const badTemplate = httpRbac({ action: 'DENY', policies: policy('bad', { uri_template: { name: 'uri-template-match', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: '/a/{x' } } }) });
    await serve(xds, proxy, '2', { port: app.port, authz: { http: [badTemplate] } });
    const nack = await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).find((r) => r.error_detail), 'LDS NACK');
    expect(nack.version_info).toBe('1');
    expect(nack.error_detail?.message).toMatch(/^listener 'virtualInbound': filter_chains\[\d+\]\.filters\[0\]\.http_filters\[0\]: RBAC filter envoy\.filters\.http\.rbac: rules\.policies\[ns\[default\]-policy\[bad\]-rule\[0\]\]/);
    expect(proxy.xds.snapshot().listener.failures.has('virtualInbound')).toBe(true);
    // The last good listener still decides.
    expect(await call(app.port, '/admin')).toMatchObject({ status: 403, body: 'RBAC: access denied' });
    expect(await call(app.port, '/other')).toMatchObject({ status: 200, body: 'app: GET /other' });

    const noStatPrefix = { name: 'envoy.filters.network.rbac', typed_config: { '@type': TYPE_URL.NETWORK_RBAC, rules: { policies: {} } } };
    const db = await tcpApp();
    await serve(xds, proxy, '3', { port: app.port, authz: { http: [DENY_ADMIN] } }, { port: db.port, authz: { network: [noStatPrefix] } });
    await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).find((r) => r.error_detail?.message.includes('stat_prefix')), 'second LDS NACK');
    expect(await call(app.port, '/admin')).toMatchObject({ status: 403 });
  });
});
