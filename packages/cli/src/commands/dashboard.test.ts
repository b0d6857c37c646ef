// `weftctl dashboard` in-process against a state file pointing at stand-in servers for weftd and a
// proxy's stats page (real HTTP servers on port 0), starting the built weft-ui binary.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dashboardArgs } from '../local/dashboard.js';
import { captureIo } from '../local/test-io.test-fixtures.js';
import type { MeshState } from '../local/up-lock.js';
import { runDashboard } from './dashboard.js';

let dir: string;
const servers: Server[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weftctl-dashboard-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function serve(routes: Record<string, string>): Promise<string> {
  const server = createServer((req, res) => {
    const body = routes[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': body.startsWith('[') || body.startsWith('{') ? 'application/json' : 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function writeState(extra: Partial<MeshState>): Promise<void> {
  const state: MeshState = { pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z', phase: 'ready', configDir: join(dir, 'mesh'), logsDir: join(dir, 'logs'), ...extra };
  await writeFile(join(dir, 'up.json'), JSON.stringify(state));
}

describe('weftctl dashboard', () => {
  it('says no mesh runs when there is no state file (exit 1)', async () => {
    const c = captureIo();
    expect(await runDashboard({ stateDir: dir, signal: new AbortController().signal }, c.io)).toBe(1);
    expect(c.err()).toContain('no mesh is running');
  });

  it('prints the URL of the weft-ui that weftctl up started, and starts nothing', async () => {
    const ui = await serve({ '/api/health': '{"status":"ok"}' });
    await writeState({ debugUrl: 'http://127.0.0.1:1', dashboardUrl: ui });
    const c = captureIo();
    expect(await runDashboard({ stateDir: dir, signal: new AbortController().signal }, c.io)).toBe(0);
    expect(c.out()).toBe(`${ui}\n`);
  });

  it('starts weft-ui on the mesh of up.json (weftd and the proxies to scrape), prints its URL and stops on abort', async () => {
    const weftd = await serve({ '/debug/syncz': JSON.stringify([{ proxy: 'sidecar~127.0.10.1~productpage-v1.default~default.svc.cluster.local', connection_id: '1', connected_at: '2026-01-01T00:00:00.000Z', resources: {} }]) });
    const stats = await serve({ '/stats/prometheus': 'istio_requests_total{reporter="source",source_workload="a",destination_workload="b",response_code="200"} 1\n' });
    await writeState({ debugUrl: weftd, processes: [{ name: 'proxy-productpage-v1', pid: 1, log: '/dev/null', statsUrl: `${stats}/stats/prometheus` }] });
    const controller = new AbortController();
    const c = captureIo();
    let url = '';
    const done = runDashboard({ stateDir: dir, port: 0, signal: controller.signal, onUrl: (u) => (url = u) }, c.io);
    await expect.poll(() => url, { timeout: 20_000 }).not.toBe('');
    const proxies = (await (await fetch(`${url}/api/proxies`)).json()) as { proxies: { name: string }[] };
    expect(proxies.proxies.map((p) => p.name)).toEqual(['productpage-v1']);
    const status = (await (await fetch(`${url}/api/status`)).json()) as { metrics: { kind: string; targets: string[] } };
    expect(status.metrics).toMatchObject({ kind: 'scrape', targets: [`${stats}/stats/prometheus`] });
    controller.abort();
    expect(await done).toBe(0);
    expect(c.out()).toBe(`${url}\n`);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });

  it.each([
    [{ weftdUrl: 'http://w', prometheusUrl: 'http://p', statsUrls: ['http://s'] }, ['--host', '127.0.0.1', '--port', '20001', '--weftd-url', 'http://w', '--prometheus-url', 'http://p']],
    [{ weftdUrl: 'http://w', statsUrls: ['http://s1', 'http://s2'] }, ['--host', '127.0.0.1', '--port', '20001', '--weftd-url', 'http://w', '--scrape', 'http://s1', '--scrape', 'http://s2']],
  ])('passes weft-ui Prometheus when there is one, else the proxies to scrape (%j)', (sources, want) => {
    expect(dashboardArgs(sources, '127.0.0.1', 20001)).toEqual(want);
  });
});
