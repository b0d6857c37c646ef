import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { TYPE_URL } from '@weft/shared/xds';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { BLACKHOLE, REVIEWS, edsCluster, httpListener, loadAssignment, routeConfig } from '../../test/mesh-fixtures.js';
import { outboundHttp, outboundTcp, staticCluster, virtualInbound, virtualOutbound } from '../listeners/sidecar-listeners.test-fixtures.js';
import { XdsTestServer, waitFor } from '../../test/xds-test-server.js';
import { defaultProxyConfig, type ProxyConfig } from '../config.js';
import { startProxy, type ProxyHandle } from './start-proxy.js';
import { canConnect } from '../../test/can-connect.js';

let xds: XdsTestServer | undefined;
let proxy: ProxyHandle | undefined;
let exits: number[] = [];

afterEach(async () => {
  await proxy?.close();
  await xds?.close();
  proxy = undefined;
  xds = undefined;
  exits = [];
});

async function start(overrides: Partial<ProxyConfig> = {}): Promise<ProxyHandle> {
  xds ??= await XdsTestServer.start();
  const logStream = new PassThrough();
  logStream.resume();
  // Loopback addresses of their own, so the LDS listeners these tests bind meet nothing else.
  const addresses = { workloadAddresses: ['127.0.0.32'], appAddress: '127.0.0.31', outboundAddress: '127.0.0.30' };
  proxy = await startProxy(defaultProxyConfig({ adminPort: 0, healthPort: 0, statsPort: 0, outboundPort: 0, discoveryAddress: xds.address, workloadName: 'reviews-v1', ...addresses, ...overrides }), {
    logStream,
    exit: (code) => exits.push(code),
    backoff: { initialMs: 20, maxMs: 100 },
    healthHost: '127.0.0.1',
  });
  return proxy;
}

async function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

/** weftd's capture-style outbound listener: bound by the proxy on its outbound address. */
const captureStyle = (listener: Record<string, unknown>): Record<string, unknown> => ({ ...listener, bind_to_port: { value: false } });

/** Whether `host:port` can be bound now. */
async function canBind(host: string, port: number): Promise<boolean> {
  const s = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, host, () => resolve(true));
  });
  if (ok) await new Promise((resolve) => s.close(resolve));
  return ok;
}

function serveMesh(s: XdsTestServer): void {
  s.set(TYPE_URL.CLUSTER, '1', [edsCluster(REVIEWS), BLACKHOLE]);
  s.set(TYPE_URL.ENDPOINT, '1', [loadAssignment(REVIEWS, ['10.0.0.7'])]);
  s.set(TYPE_URL.LISTENER, '1', [captureStyle(httpListener('0.0.0.0_9080', 9080, '9080'))]);
  s.set(TYPE_URL.ROUTE, '1', [routeConfig('9080', REVIEWS)]);
}

describe('startProxy', () => {
  it('answers on admin and health ports before any config, and goes LIVE once CDS and LDS arrive', async () => {
    const p = await start();
    expect(await get(p.adminPort, '/ready')).toMatchObject({ status: 503, body: 'INITIALIZING\n' });
    expect(await get(p.healthPort, '/healthz/ready')).toEqual({
      status: 503,
      body: 'config not received from XDS server (is weftd running?): cds updates: 0 successful, 0 rejected; lds updates: 0 successful, 0 rejected\n',
      type: 'text/plain; charset=utf-8',
    });

    if (!xds) throw new Error('no xds server');
    serveMesh(xds);
    await waitFor(async () => (await get(p.adminPort, '/ready')).status === 200, 'LIVE');
    expect(await get(p.adminPort, '/ready')).toMatchObject({ status: 200, body: 'LIVE\n' });
    expect(await get(p.healthPort, '/healthz/ready')).toMatchObject({ status: 200, body: '' });
    await waitFor(() => p.xds.snapshot().route.versionInfo === '1', 'routes');

    const dump = await get(p.adminPort, '/config_dump');
    expect(dump.type).toBe('application/json');
    const configs = (JSON.parse(dump.body) as { configs: { '@type': string; [k: string]: unknown }[] }).configs;
    expect(configs.map((c) => c['@type'].split('.').at(-1))).toEqual(['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'RoutesConfigDump']);
    expect(configs[0]).toMatchObject({ bootstrap: { node: { id: p.node.id }, admin: { address: { socket_address: { port_value: p.adminPort } } } } });
    expect(configs[1]).toMatchObject({ version_info: '1', dynamic_active_clusters: [{ cluster: { name: 'BlackHoleCluster' } }, { cluster: { name: REVIEWS } }] });

    expect((await get(p.adminPort, '/clusters')).body).toContain(`${REVIEWS}::10.0.0.7:9080::health_flags::healthy`);
    await waitFor(() => p.listeners.bindings().some((b) => b.state !== 'binding'), 'listener bound');
    const boundOrNot = p.listeners.bindings()[0]?.state === 'bound' ? '127.0.0.30:9080' : '0.0.0.0:9080';
    expect((await get(p.adminPort, '/listeners')).body).toBe(`0.0.0.0_9080::${boundOrNot}\n`);
    const stats = (await get(p.adminPort, '/stats')).body;
    expect(stats).toContain('cluster_manager.cds.update_success: 1\n');
    expect(stats).toContain('listener_manager.lds.update_success: 1\n');
    expect(stats).toContain('control_plane.connected_state: 1\n');
    expect(stats).toContain('server.state: 0\n');
    expect((await get(p.adminPort, '/stats?filter=^listener_manager')).body.split('\n').filter(Boolean).every((l) => l.startsWith('listener_manager.'))).toBe(true);
    expect((await get(p.adminPort, '/stats/prometheus')).body).toContain('# TYPE envoy_cluster_manager_cds_update_success counter\nenvoy_cluster_manager_cds_update_success{} 1\n');
    const memory = JSON.parse((await get(p.adminPort, '/memory')).body) as { allocated: string; heap_size: string; total_physical_bytes: string };
    expect(Number(memory.total_physical_bytes)).toBeGreaterThan(Number(memory.heap_size));
    expect(Number(memory.allocated)).toBeGreaterThan(0);
  });

  it('routes app traffic on the outbound port with the config from xDS, and follows EDS changes', async () => {
    const upstreams = await Promise.all(
      ['first', 'second'].map(async (name) => {
        const server = createHttpServer((_req, res) => res.end(name));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return { server, port: (server.address() as AddressInfo).port };
      }),
    );
    try {
      const p = await start();
      if (!xds || p.outboundPort === undefined) throw new Error('no xds server or outbound listener');
      const [first, second] = upstreams as [(typeof upstreams)[0], (typeof upstreams)[0]];
      xds.set(TYPE_URL.CLUSTER, '1', [edsCluster(REVIEWS)]);
      xds.set(TYPE_URL.ENDPOINT, '1', [loadAssignment(REVIEWS, ['127.0.0.1'], first.port)]);
      xds.set(TYPE_URL.LISTENER, '1', [captureStyle(httpListener('0.0.0.0_9080', 9080, '9080'))]);
      xds.set(TYPE_URL.ROUTE, '1', [routeConfig('9080', REVIEWS)]);
      await waitFor(() => p.compiled().routeConfigs.has('9080') && p.compiled().clusters.get(REVIEWS)?.endpoints.length === 1, 'compiled config');
      // fetch() drops a Host header, so undici's request carries it.
      const ask = async () => (await request(`http://127.0.0.1:${p.outboundPort}/`, { headers: { host: 'reviews:9080' } })).body.text();
      expect(await ask()).toBe('first');

      xds.set(TYPE_URL.ENDPOINT, '2', [loadAssignment(REVIEWS, ['127.0.0.1'], second.port)]);
      await waitFor(() => p.compiled().clusters.get(REVIEWS)?.endpoints[0]?.port === second.port, 'EDS update compiled');
      expect(await ask()).toBe('second');
      // The first endpoint left the config, so its pool went with it.
      expect(p.outboundPools?.size).toBe(1);
      // Both requests were counted, and the stats port serves them with Envoy's own stats.
      const scraped = await get(p.statsPort, '/stats/prometheus');
      expect(scraped.type).toBe('text/plain; version=0.0.4');
      expect(scraped.body).toMatch(/^istio_requests_total\{reporter="source",source_workload="reviews-v1",.*destination_service="reviews\.default\.svc\.cluster\.local",.*response_code="200",.*\} 2$/m);
      expect(scraped.body).toContain('# TYPE envoy_cluster_manager_cds_update_success counter');
      expect((await get(p.adminPort, '/stats/prometheus')).body).toContain(scraped.body.split('\n')[1] ?? 'missing');
      expect((await get(p.statsPort, '/config_dump')).status).toBe(404);
    } finally {
      for (const u of upstreams) {
        u.server.closeAllConnections();
        u.server.close();
      }
    }
  });

  it('binds inbound and per-service outbound listeners from LDS, forwards to the app, reports busy ports, and follows LDS updates', async () => {
    // Ports free on the proxy's three loopback addresses (app, workload, outbound).
    const free = async (): Promise<number> => {
      for (;;) {
        const s = createServer();
        await new Promise<void>((resolve) => s.listen(0, '127.0.0.31', resolve));
        const port = (s.address() as AddressInfo).port;
        await new Promise((resolve) => s.close(resolve));
        if (await Promise.all(['127.0.0.30', '127.0.0.32'].map((h) => canBind(h, port))).then((all) => all.every(Boolean))) return port;
      }
    };
    const appPort = await free();
    const servicePort = await free();
    const busyPort = await free();
    const app = createHttpServer((req, res) => res.end(`app: ${req.url}`));
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.31', resolve));
    const upstream = createHttpServer((_req, res) => res.end('reviews upstream'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(busyPort, '127.0.0.30', resolve));
    try {
      const p = await start();
      if (!xds) throw new Error('no xds server');
      // The proxy told weftd where its app listens.
      await waitFor(() => xds?.requests[0], 'first request');
      expect(xds.requests[0]?.metadata).toMatchObject({ WEFT_APP_ADDRESS: '127.0.0.31', INSTANCE_IPS: '127.0.0.32' });

      const upstreamPort = (upstream.address() as AddressInfo).port;
      // What weftd generates for that workload: the inbound cluster to the app address.
      xds.set(TYPE_URL.CLUSTER, '1', [staticCluster(`inbound|${appPort}||`, [['127.0.0.31', appPort]]), staticCluster(REVIEWS, [['127.0.0.1', upstreamPort]])]);
      xds.set(TYPE_URL.ROUTE, '1', [routeConfig(String(servicePort), REVIEWS)]);
      xds.set(TYPE_URL.LISTENER, '1', [virtualOutbound(), virtualInbound([{ port: appPort, http: true }]), outboundHttp(servicePort), outboundTcp('10.0.0.9', busyPort, REVIEWS)]);
      await waitFor(() => p.listeners.bindings().length === 3 && p.listeners.bindings().every((b) => b.state !== 'binding'), 'listeners bound');

      const inbound = await request(`http://127.0.0.32:${appPort}/hello`);
      expect(await inbound.body.text()).toBe('app: /hello');
      const outbound = await request(`http://127.0.0.30:${servicePort}/`, { headers: { host: 'reviews' } });
      expect(await outbound.body.text()).toBe('reviews upstream');

      expect((await get(p.adminPort, '/listeners')).body).toBe(
        [`0.0.0.0_${servicePort}::127.0.0.30:${servicePort}`, `10.0.0.9_${busyPort}::10.0.0.9:${busyPort}`, 'virtualInbound::127.0.0.32:' + appPort, 'virtualOutbound::0.0.0.0:15001', ''].join('\n'),
      );
      const dump = JSON.parse((await get(p.adminPort, '/config_dump?resource=dynamic_listeners')).body) as { configs: { name: string; error_state?: { details: string } }[] };
      expect(dump.configs.find((c) => c.name === `10.0.0.9_${busyPort}`)?.error_state).toEqual({ details: `cannot bind '127.0.0.30:${busyPort}': Address already in use` });
      expect(dump.configs.find((c) => c.name === 'virtualInbound')).not.toHaveProperty('error_state');

      // LDS without the outbound HTTP listener: its socket stops accepting.
      xds.set(TYPE_URL.LISTENER, '2', [virtualOutbound(), virtualInbound([{ port: appPort, http: true }])]);
      await waitFor(async () => !(await canConnect('127.0.0.30', servicePort)), 'outbound listener removed');
      expect(await (await request(`http://127.0.0.32:${appPort}/again`)).body.text()).toBe('app: /again');
    } finally {
      for (const s of [app, upstream]) s.closeAllConnections();
      await Promise.all([app, upstream, blocker].map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });

  it('keeps serving its last good config, and stays ready, while weftd is down', async () => {
    const p = await start();
    if (!xds) throw new Error('no xds server');
    serveMesh(xds);
    await waitFor(() => p.xds.snapshot().route.versionInfo === '1', 'config');
    await xds.close();
    xds = undefined;
    await waitFor(async () => (await get(p.adminPort, '/stats')).body.includes('control_plane.connected_state: 0'), 'disconnected');
    expect(await get(p.adminPort, '/ready')).toMatchObject({ status: 200, body: 'LIVE\n' });
    expect(await get(p.healthPort, '/healthz/ready')).toMatchObject({ status: 200 });
    expect((await get(p.adminPort, '/clusters')).body).toContain(`${REVIEWS}::observability_name::`);
    expect((await get(p.adminPort, '/stats')).body).toMatch(/cluster_manager\.cds\.update_failure: [1-9]/);
  });

  it("merges the app's own metrics after the proxy's on the merged metrics port (Istio's 15020)", async () => {
    const app = createHttpServer((req, res) => (req.url === '/metrics' ? res.end('# TYPE app_orders_total counter\napp_orders_total 7\n') : res.writeHead(404).end()));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    try {
      const appPort = (app.address() as AddressInfo).port;
      const p = await start({ mergedMetricsPort: 0, appMetrics: JSON.stringify({ scrape: 'true', port: String(appPort), path: '/metrics' }), appAddress: '127.0.0.1' });
      if (p.mergedMetricsPort === undefined) throw new Error('no merged metrics port');
      const merged = await get(p.mergedMetricsPort, '/stats/prometheus');
      expect(merged.status).toBe(200);
      expect(merged.body).toContain('# TYPE envoy_server_live gauge');
      expect(merged.body.endsWith('app_orders_total 7\n')).toBe(true);
      // The app gone: the proxy's metrics still answer.
      await new Promise<void>((resolve) => app.close(() => resolve()));
      const without = await get(p.mergedMetricsPort, '/stats/prometheus');
      expect(without.status).toBe(200);
      expect(without.body).toContain('envoy_server_live');
      expect(without.body).not.toContain('app_orders_total');
    } finally {
      app.close();
    }
  });

  it('lists and changes log levels on /logging (changes need POST)', async () => {
    const p = await start({ logLevel: 'warning' });
    expect(await get(p.adminPort, '/logging')).toMatchObject({ status: 200, body: 'active loggers:\n  admin: warning\n  config: warning\n  main: warning\n  upstream: warning\n' });
    expect(await get(p.adminPort, '/logging?level=debug')).toMatchObject({ status: 405, body: 'Method GET not allowed, POST required.\n' });
    expect((await get(p.adminPort, '/logging?config=debug', 'POST')).body).toContain('  config: debug\n  main: warning\n');
    expect((await get(p.adminPort, '/logging?level=info', 'POST')).body).toBe('active loggers:\n  admin: info\n  config: info\n  main: info\n  upstream: info\n');
    expect(await get(p.adminPort, '/logging?level=loud', 'POST')).toMatchObject({ status: 404, body: expect.stringContaining('usage: /logging?level=<level>') });
    expect(await get(p.adminPort, '/logging?nope=info', 'POST')).toMatchObject({ status: 404 });
  });

  it('answers unknown paths with the command list, and refuses GET /quitquitquit', async () => {
    const p = await start();
    const unknown = await get(p.adminPort, '/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatch(/^invalid path\. admin commands are:\n {2}\/help: /);
    expect((await get(p.adminPort, '/')).body).toContain('  /config_dump: dump current Envoy configs');
    expect(await get(p.adminPort, '/quitquitquit')).toMatchObject({ status: 405, body: 'Method GET not allowed, POST required.\n' });
    expect(exits).toEqual([]);
  });

  it('drains and exits through the exit hook on POST /quitquitquit', async () => {
    const p = await start();
    expect(await get(p.adminPort, '/quitquitquit', 'POST')).toMatchObject({ status: 200, body: 'OK\n' });
    await waitFor(() => exits.length > 0, 'exit');
    expect(exits).toEqual([0]);
    expect(p.lifecycle.state).toBe('DRAINING');
    await expect(fetch(`http://127.0.0.1:${p.adminPort}/ready`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${p.healthPort}/healthz/ready`)).rejects.toThrow();
  });

  it('fails to start when a port is taken, leaving nothing running', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await expect(start({ healthPort: taken })).rejects.toThrow(/EADDRINUSE/);
      expect(xds?.openStreams).toBe(0);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
