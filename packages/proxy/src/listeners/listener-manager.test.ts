import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotOf } from '../../test/snapshot-of.js';
import { waitFor } from '../../test/xds-test-server.js';
import { compileSnapshot, type CompiledConfig } from '../compile/compile-config.js';
import { createLogRegistry } from '../log/logger.js';
import { createHttpConnectionHandler } from '../outbound/http-connection.js';
import { UpstreamPools } from '../outbound/upstream-pools.js';
import type { TcpOutcome } from '../tcp/tcp-outcome.js';
import type { ListenerShape } from '../xds-client/envoy-shapes.js';
import { appSockets } from './app-address.js';
import { ListenerManager } from './listener-manager.js';
import { planListenerBindings, type PlanSettings } from './listener-plan.js';
import { outboundHttp, outboundShared, outboundTcp, staticCluster, virtualInbound } from './sidecar-listeners.test-fixtures.js';
import { canConnect as accepts } from '../../test/can-connect.js';
import { freePort } from '../../test/free-port.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Listens on `host:0` and returns the port. */
async function listenOn(server: Server | HttpServer, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  if ('closeAllConnections' in server) cleanups.push(() => server.closeAllConnections());
  return (server.address() as AddressInfo).port;
}

/** A TCP app that echoes with a prefix, so tests see which app answered. */
const echoApp = (prefix: string): Server =>
  createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', (d: Buffer) => s.write(`${prefix}${d.toString()}`));
    s.on('end', () => s.end());
  });


interface Rig {
  readonly manager: ListenerManager;
  readonly tcpOutcomes: TcpOutcome[];
  readonly logLines: string[];
  /** Plans and applies `resources` (decoded through the xDS client's own steps). */
  apply(resources: { listener?: Record<string, unknown>[]; cluster?: Record<string, unknown>[]; route?: Record<string, unknown>[] }): Promise<void>;
}

function rig(settings: Omit<PlanSettings, 'reserved'>, drainMs = 60_000): Rig {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const logger = createLogRegistry('debug', stream).get('config');
  let compiled: CompiledConfig = compileSnapshot(snapshotOf({}));
  const pools = new UpstreamPools();
  const tcpOutcomes: TcpOutcome[] = [];
  const manager = new ListenerManager({
    logger,
    drainMs,
    config: () => compiled,
    onTcpOutcome: (o) => tcpOutcomes.push(o),
    http: (o) => createHttpConnectionHandler({ config: () => compiled, pools, routeConfigName: o.routeConfigName, direction: o.direction, upgradeTypes: o.upgradeTypes }),
  });
  cleanups.push(() => manager.close(), () => pools.close());
  return {
    manager,
    tcpOutcomes,
    logLines: lines,
    async apply(resources) {
      const snapshot = snapshotOf(resources);
      compiled = compileSnapshot(snapshot);
      const listeners = [...snapshot.listener.resources.values()].map((r) => r.message as ListenerShape);
      await manager.update(planListenerBindings(listeners, { ...settings, reserved: appSockets(compiled) }));
    },
  };
}

function dial(host: string, port: number): Socket {
  const s = connect({ host, port, allowHalfOpen: true });
  s.on('error', () => undefined);
  cleanups.push(() => s.destroy());
  return s;
}

/** Sends `text` on `s` and waits for the next chunk back. */
function ask(s: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    s.once('data', (d: Buffer) => resolve(d.toString()));
    s.once('close', () => reject(new Error('closed')));
    s.write(text);
  });
}

/** Resolves when the proxy ended the connection (FIN or reset). */
function closed(s: Socket): Promise<void> {
  if (s.closed || s.readableEnded) return Promise.resolve();
  s.resume();
  return new Promise((resolve) => {
    s.once('end', () => resolve());
    s.once('close', () => resolve());
  });
}

describe('ListenerManager', () => {
  it('binds the inbound ports of virtualInbound on the workload address and forwards to the app', async () => {
    const tcpPort = await freePort('127.0.0.11');
    const tcpApp = await listenOn(echoApp('app:'), '127.0.0.11', tcpPort);
    const httpPort = await freePort('127.0.0.11');
    const httpApp = createHttpServer((req, res) => res.end(`app saw ${req.method} ${req.url} host=${req.headers.host}`));
    await listenOn(httpApp, '127.0.0.11', httpPort);
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.1' });
    await r.apply({
      listener: [virtualInbound([{ port: tcpPort, http: false }, { port: httpPort, http: true }])],
      cluster: [staticCluster(`inbound|${tcpPort}||`, [['127.0.0.11', tcpApp]]), staticCluster(`inbound|${httpPort}||`, [['127.0.0.11', httpPort]])],
    });
    expect(r.manager.bindings().map((b) => `${b.listenerName} ${b.address} ${b.state}`).sort()).toEqual([`virtualInbound 127.0.0.10:${httpPort} bound`, `virtualInbound 127.0.0.10:${tcpPort} bound`].sort());

    const client = dial('127.0.0.10', tcpPort);
    expect(await ask(client, 'hi')).toBe('app:hi');
    client.end();
    await closed(client);
    expect(r.tcpOutcomes[0]).toMatchObject({ listener: 'virtualInbound', filterChain: `0.0.0.0_${tcpPort}`, cluster: `inbound|${tcpPort}||`, upstreamHost: `127.0.0.11:${tcpPort}`, responseFlags: '-' });

    const res = await request(`http://127.0.0.10:${httpPort}/ping?x=1`, { headers: { host: 'reviews.default.svc.cluster.local:9080' } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('app saw GET /ping?x=1 host=reviews.default.svc.cluster.local:9080');
  });

  it('refuses to bind where the app listens (same address as the workload), with a warning', async () => {
    const port = await freePort('127.0.0.12');
    await listenOn(echoApp('app:'), '127.0.0.12', port);
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.12'], outboundAddress: '127.0.0.1' });
    await r.apply({ listener: [virtualInbound([{ port, http: false }])], cluster: [staticCluster(`inbound|${port}||`, [['127.0.0.12', port]])] });
    expect(r.manager.bindings()).toEqual([]);
    expect(r.logLines.some((l) => l.includes(`[warning][config] listener 'virtualInbound': not bound on 127.0.0.12:${port}: the app listens there`))).toBe(true);
    const client = dial('127.0.0.12', port);
    expect(await ask(client, 'direct')).toBe('app:direct');
  });

  it('routes a per-service outbound HTTP listener by Host through the RDS config its HCM names', async () => {
    const reviews = createHttpServer((_req, res) => res.end('reviews'));
    const ratings = createHttpServer((_req, res) => res.end('ratings'));
    const reviewsPort = await listenOn(reviews, '127.0.0.1');
    const ratingsPort = await listenOn(ratings, '127.0.0.1');
    const port = await freePort('127.0.0.3');
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.3' });
    const vh = (host: string, cluster: string) => ({ name: `${host}:${port}`, domains: [host, `${host}:${port}`], routes: [{ match: { prefix: '/' }, route: { cluster, timeout: { seconds: '0' } } }] });
    await r.apply({
      listener: [outboundHttp(port)],
      cluster: [staticCluster('reviews', [['127.0.0.1', reviewsPort]]), staticCluster('ratings', [['127.0.0.1', ratingsPort]])],
      route: [{ name: String(port), virtual_hosts: [vh('reviews', 'reviews'), vh('ratings', 'ratings')] }],
    });
    const get = async (host: string) => {
      const res = await request(`http://127.0.0.3:${port}/`, { headers: { host } });
      return `${res.statusCode} ${await res.body.text()}`;
    };
    expect(await get(`reviews:${port}`)).toBe('200 reviews');
    expect(await get('ratings')).toBe('200 ratings');
    expect(await get('unknown')).toBe('404 ');
  });

  it('proxies a TCP service listener to its weighted clusters', async () => {
    const a = await listenOn(echoApp('a:'), '127.0.0.1');
    const b = await listenOn(echoApp('b:'), '127.0.0.1');
    const port = await freePort('127.0.0.3');
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.3' });
    await r.apply({
      listener: [outboundTcp('10.0.0.5', port, [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }])],
      cluster: [staticCluster('a', [['127.0.0.1', a]]), staticCluster('b', [['127.0.0.1', b]])],
    });
    const seen = { a: 0, b: 0 };
    for (let i = 0; i < 200; i++) {
      const s = dial('127.0.0.3', port);
      const answer = await ask(s, 'x');
      seen[answer[0] as 'a' | 'b']++;
      s.destroy();
    }
    // Math.random draws: 200 connections at 75/25 stay within ±12 points far beyond 1e-4 odds.
    expect(seen.a + seen.b).toBe(200);
    expect(Math.abs(seen.a / 200 - 0.75)).toBeLessThan(0.12);
  });

  it('tells HTTP from other bytes on a port shared by HTTP and TCP services (HTTP inspector)', async () => {
    const web = createHttpServer((req, res) => res.end(`web ${req.url}`));
    const webPort = await listenOn(web, '127.0.0.1');
    let rawGot = '';
    const raw = createServer({ allowHalfOpen: true }, (s) => {
      s.on('data', (d: Buffer) => {
        rawGot += d.toString();
        s.write(`raw:${d.toString()}`);
      });
      s.on('end', () => s.end());
    });
    const rawPort = await listenOn(raw, '127.0.0.1');
    const port = await freePort('127.0.0.3');
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.3' });
    await r.apply({
      listener: [outboundShared(port, { cidr: '10.9.0.0/16', cluster: 'db' }, 'raw')],
      cluster: [staticCluster('web', [['127.0.0.1', webPort]]), staticCluster('raw', [['127.0.0.1', rawPort]]), staticCluster('db', [['127.0.0.1', rawPort]])],
      route: [{ name: String(port), virtual_hosts: [{ name: 'web', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'web', timeout: { seconds: '0' } } }] }] }],
    });
    const res = await request(`http://127.0.0.3:${port}/page`, { headers: { host: 'web' } });
    expect(await res.body.text()).toBe('web /page');
    const s = dial('127.0.0.3', port);
    expect(await ask(s, '\x00binary')).toBe('raw:\x00binary');
    // A client that ends before the inspector could decide: its bytes still reach the upstream.
    rawGot = '';
    const early = dial('127.0.0.3', port);
    early.end('GE');
    await closed(early);
    await waitFor(() => rawGot === 'GE', 'early bytes upstream');
  });

  it('keeps connections of unchanged listeners and chains across updates; drains the rest', async () => {
    const app = await listenOn(echoApp('v1:'), '127.0.0.1');
    const app2 = await listenOn(echoApp('v2:'), '127.0.0.1');
    const [p1, p2, p3] = [await freePort('127.0.0.3'), await freePort('127.0.0.3'), await freePort('127.0.0.3')] as [number, number, number];
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.3' }, 400);
    const clusters = [staticCluster('v1', [['127.0.0.1', app]]), staticCluster('v2', [['127.0.0.1', app2]])];
    await r.apply({ listener: [outboundTcp('10.0.0.1', p1, 'v1'), outboundTcp('10.0.0.2', p2, 'v1')], cluster: clusters });
    const stays = dial('127.0.0.3', p1);
    const goes = dial('127.0.0.3', p2);
    expect(await ask(stays, 'a')).toBe('v1:a');
    expect(await ask(goes, 'b')).toBe('v1:b');

    // Listener 1 unchanged; listener 2 changed (cluster v2) in place on the same socket; listener 3 new.
    await r.apply({ listener: [outboundTcp('10.0.0.1', p1, 'v1'), outboundTcp('10.0.0.2', p2, 'v2'), outboundTcp('10.0.0.3', p3, 'v2')], cluster: clusters });
    expect(await ask(stays, 'c')).toBe('v1:c');
    expect(await ask(goes, 'd')).toBe('v1:d');
    const fresh = dial('127.0.0.3', p2);
    expect(await ask(fresh, 'e')).toBe('v2:e');
    expect(await ask(dial('127.0.0.3', p3), 'f')).toBe('v2:f');
    expect(r.logLines.some((l) => l.includes(`listener '10.0.0.2_${p2}' updated in place on 127.0.0.3:${p2}`))).toBe(true);
    // The connection of the changed chain is cut when the drain ends; the others go on.
    await closed(goes);
    expect(await ask(stays, 'g')).toBe('v1:g');
    expect(await ask(fresh, 'h')).toBe('v2:h');
  });

  it('stops accepting on a removed listener, drains its connections, and rebinds a changed port', async () => {
    const app = await listenOn(echoApp('app:'), '127.0.0.1');
    const [p1, p2] = [await freePort('127.0.0.3'), await freePort('127.0.0.3')] as [number, number];
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.3' }, 300);
    const cluster = [staticCluster('app', [['127.0.0.1', app]])];
    await r.apply({ listener: [outboundTcp('10.0.0.1', p1, 'app')], cluster });
    const open = dial('127.0.0.3', p1);
    expect(await ask(open, 'x')).toBe('app:x');

    await r.apply({ listener: [outboundTcp('10.0.0.1', p2, 'app')], cluster });
    expect(await accepts('127.0.0.3', p1)).toBe(false);
    expect(await ask(dial('127.0.0.3', p2), 'y')).toBe('app:y');
    expect(r.manager.bindings().map((b) => `${b.listenerName} ${b.address} ${b.state} ${b.connections}`).sort()).toEqual([`10.0.0.1_${p1} 127.0.0.3:${p1} draining 1`, `10.0.0.1_${p2} 127.0.0.3:${p2} bound 1`].sort());
    // Still served during the drain, cut at its end.
    expect(await ask(open, 'z')).toBe('app:z');
    await closed(open);
    await waitFor(() => r.manager.bindings().length === 1, 'the drained socket to go');
    expect(r.manager.bindings().map((b) => b.address)).toEqual([`127.0.0.3:${p2}`]);
  });

  it('reports a busy port (log and bindings), keeps the others, and binds it on a later update once free', async () => {
    const app = await listenOn(echoApp('app:'), '127.0.0.1');
    const busy = await freePort('127.0.0.3');
    const other = await freePort('127.0.0.3');
    const blocker = createServer();
    await listenOn(blocker, '127.0.0.3', busy);
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.3' });
    const resources = { listener: [outboundTcp('10.0.0.1', busy, 'app'), outboundTcp('10.0.0.2', other, 'app')], cluster: [staticCluster('app', [['127.0.0.1', app]])] };
    await r.apply(resources);
    expect(r.manager.bindings()).toEqual([
      { listenerName: `10.0.0.1_${busy}`, address: `127.0.0.3:${busy}`, role: 'outbound', state: 'failed', error: `cannot bind '127.0.0.3:${busy}': Address already in use`, connections: 0 },
      { listenerName: `10.0.0.2_${other}`, address: `127.0.0.3:${other}`, role: 'outbound', state: 'bound', connections: 0 },
    ]);
    expect(r.logLines.filter((l) => l.includes(`cannot bind '127.0.0.3:${busy}'`))).toHaveLength(1);
    expect(await ask(dial('127.0.0.3', other), 'ok')).toBe('app:ok');

    await new Promise((resolve) => blocker.close(resolve));
    await r.apply(resources);
    expect(r.manager.bindings().map((b) => b.state)).toEqual(['bound', 'bound']);
    expect(await ask(dial('127.0.0.3', busy), 'now')).toBe('app:now');
  });

  it('knows its own sockets, so an ORIGINAL_DST connection cannot loop into the proxy', async () => {
    const port = await freePort('127.0.0.3');
    const r = rig({ mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.3' });
    // A VIP listener whose service is PassthroughCluster, with the VIP being the proxy's own socket.
    await r.apply({ listener: [{ ...outboundTcp('127.0.0.3', port, 'PassthroughCluster') }], cluster: [{ name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: { seconds: '1' } }] });
    expect(r.manager.isOwnAddress('127.0.0.3', port)).toBe(true);
    expect(r.manager.isOwnAddress('127.0.0.4', port)).toBe(false);
    const s = dial('127.0.0.3', port);
    s.resume();
    await closed(s);
    expect(r.tcpOutcomes[0]).toMatchObject({ cluster: 'PassthroughCluster', responseFlags: 'UH' });
  });
});
