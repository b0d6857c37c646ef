// `weftctl up`, the whole local mesh from the built CLI: it seeds a new config directory, reports ready,
// the bookinfo productpage answers through its own sidecar (details and reviews in the page) and through
// the ingress gateway, a second `up` says one is running, and SIGINT leaves no process behind.

import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryPath } from './harness/binaries.js';
import { findLeftoverProcesses, spawnNodeProcess } from './harness/child-processes.js';
import { waitUntil } from './harness/wait-until.js';
import { isAlive, startUpMesh, stopUpMesh, type UpMesh, type UpStateFile } from './harness/weftctl-up.js';
import { findPrometheus } from '@weft/cli';

const PROMETHEUS = findPrometheus() !== undefined;

let mesh: UpMesh | undefined;
let dir: string;
let configDir: string;
let stateDir: string;
let state: UpStateFile | undefined;
let sidecarPort = 0;

/** GET through an explicit HTTP proxy (absolute-form request-target), as the sample's apps do. */
function getThroughProxy(proxyPort: number, url: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, path: url, headers: { host: target.host }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  mesh = await startUpMesh('weft-e2e-up-');
  ({ dir, configDir, stateDir, state, sidecarPort } = mesh);
}, 180_000);

afterAll(async () => {
  // Whatever happened above: stop weftctl, then anything of this run still alive (grandchildren too).
  await stopUpMesh(mesh);
}, 60_000);

describe('weftctl up', () => {
  it('seeds the new config directory with the sample and its gateway', async () => {
    expect((await readdir(configDir)).sort()).toEqual(['destination-rules.yaml', 'gateway.yaml', 'services.yaml', 'workloads.yaml']);
    expect(state?.phase).toBe('ready');
    // weftd, 6 sidecars, the gateway and 6 programs, the dashboard, and Prometheus where it is installed (CI installs it).
    expect(state?.processes?.map((p) => p.name).sort()).toEqual(
      ['weftd', 'istio-ingressgateway', 'weft-ui', ...['productpage-v1', 'details-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'ratings-v1'].flatMap((w) => [w, `proxy-${w}`]), ...(PROMETHEUS ? ['prometheus'] : [])].sort(),
    );
    for (const p of state?.processes ?? []) expect(existsSync(join(stateDir, 'logs', `${p.name}.log`)), p.name).toBe(true);
  });

  it("serves the productpage through productpage's own sidecar, with details and reviews", async () => {
    const res = await getThroughProxy(sidecarPort, 'http://productpage:9080/productpage');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Simple Bookstore App');
    expect(res.body).toContain('ISBN-10'); // from details
    expect(res.body).toMatch(/Reviews served by:.*reviews-v[123]/s); // from reviews
    expect(res.body).not.toContain('currently unavailable');
  });

  it('serves the productpage through the ingress gateway', async () => {
    expect(state?.gatewayUrl).toBe('http://127.0.10.100:8080/productpage');
    const res = await fetch('http://127.0.10.100:8080/productpage', { signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain('ISBN-10');
    expect(body).toMatch(/Reviews served by:.*reviews-v[123]/s);
  });

  it('starts Prometheus scraping every proxy and weftd (or says how to install it)', async () => {
    const output = mesh?.up.output() ?? '';
    if (!PROMETHEUS) {
      expect(output).toContain('Prometheus is not installed');
      return;
    }
    const url = /Prometheus: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
    expect(url, output).toBeDefined();
    // 6 sidecars and the gateway (job envoy-stats) and weftd, each scraped and up.
    await waitUntil('every target up', async () => {
      const body = (await (await fetch(`${url}/api/v1/query?query=up`)).json()) as { data: { result: { metric: { job: string }; value: [number, string] }[] } };
      const up = body.data.result.filter((r) => r.value[1] === '1');
      return (up.filter((r) => r.metric.job === 'envoy-stats').length === 7 && up.some((r) => r.metric.job === 'weftd')) || undefined;
    }, { timeoutMs: 20_000 });
  });

  it('says a mesh is running, with its URL, when started a second time', async () => {
    const second = spawnNodeProcess('weftctl up (second)', binaryPath('cli', 'weftctl'), ['up', '--config-dir', join(dir, 'other')], { WEFT_STATE_DIR: stateDir });
    const exit = await second.exited;
    expect(exit.code, second.output()).toBe(0);
    expect(second.output()).toContain(`a mesh is already running (pid ${mesh?.up.pid}`);
    expect(second.output()).toContain('http://127.0.10.100:8080/productpage');
    expect(existsSync(join(dir, 'other')), 'the second up must not seed anything').toBe(false);
  });

  it('refuses to start a second mesh from another state dir, on the busy addresses, starting nothing', async () => {
    const other = spawnNodeProcess('weftctl up (other state dir)', binaryPath('cli', 'weftctl'), ['up', '--config-dir', join(dir, 'other-state-config')], { WEFT_STATE_DIR: join(dir, 'other-state') });
    const exit = await other.exited;
    expect(exit.code, other.output()).toBe(1);
    expect(other.output()).toMatch(/127\.0\.1[01]\.\d+:\d+ is already in use/);
    expect(other.output()).toContain('stopped 0 processes');
    // The running mesh is untouched.
    expect((await fetch('http://127.0.10.100:8080/productpage', { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
  });

  it('stops every process on SIGINT and removes its state file', async () => {
    const pids = (state?.processes ?? []).map((p) => p.pid);
    expect(pids.length).toBe(PROMETHEUS ? 16 : 15);
    const exit = await mesh?.up.stop('SIGINT', 20_000);
    expect(exit, mesh?.up.output()).toEqual({ code: 0, signal: null });
    await waitUntil('every child to be gone', () => pids.every((pid) => !isAlive(pid)) || undefined, { timeoutMs: 5000, describe: () => `alive: ${pids.filter(isAlive).join(' ')}` });
    expect(findLeftoverProcesses()).toEqual([]);
    expect(existsSync(join(stateDir, 'up.json'))).toBe(false);
  });

  it('stops what it started when interrupted half-way through start-up', async () => {
    const again = spawnNodeProcess('weftctl up (interrupted)', binaryPath('cli', 'weftctl'), ['up', '--config-dir', join(dir, 'interrupted')], { WEFT_STATE_DIR: join(dir, 'state2') });
    // weftd is up and the proxies are being started: interrupt there.
    await waitUntil('weftd to be started', async () => /"xdsAddress"/.test(await readFile(join(dir, 'state2', 'up.json'), 'utf8').catch(() => '')) || undefined, { timeoutMs: 60_000, describe: () => again.output() });
    const exit = await again.stop('SIGINT', 20_000);
    expect(exit.code, again.output()).not.toBeNull();
    expect(again.output()).toMatch(/stopped \d+ processes/);
    await waitUntil('no process of this run left', () => findLeftoverProcesses().length === 0 || undefined, { timeoutMs: 5000, describe: () => findLeftoverProcesses().join(' ') });
    expect(existsSync(join(dir, 'state2', 'up.json'))).toBe(false);
  });
});
