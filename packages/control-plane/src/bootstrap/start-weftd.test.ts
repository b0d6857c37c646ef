// weftd end to end in-process: a real config directory, the real ADS server on port 0 with a real
// gRPC client, the debug server over real HTTP.

import { once } from 'node:events';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { WeftError } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { unpackAny, TYPE_URL } from '@weft/shared/xds';
import { AdsTestClient, type WireResponse } from '../../test/ads-test-client.js';
import { clusterName, servicesGenerator } from '../../test/services-generator.js';
import { defaultWeftdConfig, type WeftdConfig } from '../config.js';
import { startWeftd, type StartOptions, type WeftdHandle } from './start-weftd.js';

const { CLUSTER: CDS, ENDPOINT: EDS, LISTENER: LDS, ROUTE: RDS } = TYPE_URL;
const NODE = 'sidecar~127.0.0.11~productpage-v1.default~default.svc.cluster.local';

const serviceEntry = (name: string, ports: number[] = [9080]) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
spec:
  hosts:
  - ${name}.default.svc.cluster.local
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
${ports.map((p) => `  - number: ${p}\n    name: http-${p}\n    protocol: HTTP\n`).join('')}  workloadSelector:
    labels:
      app: ${name}
`;
const workloadEntry = (name: string, app: string, address: string) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: ${name}
spec:
  address: ${address}
  labels:
    app: ${app}
`;
const virtualService = (host: string, weight: string | number = 100) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${host}
spec:
  hosts:
  - ${host}
  http:
  - route:
    - destination:
        host: ${host}
      weight: ${weight}
`;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Running {
  weftd: WeftdHandle;
  dir: string;
  logs: { level: number; msg: string; [k: string]: unknown }[];
  connect(nodeId?: string): AdsTestClient;
  get(path: string): Promise<Response>;
  json<T = unknown>(path: string): Promise<T>;
}

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'weftd-')));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

function quickConfig(overrides: Partial<WeftdConfig>): WeftdConfig {
  return defaultWeftdConfig({ xdsPort: 0, debugPort: 0, debounceAfterMs: 20, debounceMaxMs: 500, watchSettleMs: 20, logLevel: 'debug', ...overrides });
}

async function run(files: Record<string, string>, options: StartOptions = {}): Promise<Running> {
  const dir = await configDir(files);
  const logs: Running['logs'] = [];
  const logStream = new Writable({ write: (chunk: Buffer, _e, cb) => (logs.push(JSON.parse(chunk.toString())), cb()) });
  const weftd = await startWeftd(quickConfig({ configDir: dir }), { logStream, ...options });
  cleanups.push(() => weftd.close());
  const get = (path: string) => fetch(`http://${weftd.debugAddress}${path}`);
  return {
    weftd,
    dir,
    logs,
    connect(nodeId = NODE) {
      const c = new AdsTestClient(weftd.xdsAddress, nodeId);
      cleanups.push(() => c.close());
      return c;
    },
    get,
    json: async <T,>(path: string) => (await (await get(path)).json()) as T,
  };
}

const BOOKINFO = {
  'services.yaml': `${serviceEntry('reviews')}---\n${serviceEntry('ratings')}`,
  'workloads.yaml': `${workloadEntry('reviews-v1', 'reviews', '127.0.0.21')}---\n${workloadEntry('ratings-v1', 'ratings', '127.0.0.31')}`,
  'reviews-vs.yaml': virtualService('reviews'),
};

function names(response: WireResponse): string[] {
  return response.resources.map((r) => {
    const u = unpackAny(r);
    if (!u.ok) throw new Error(u.error);
    return String(u.message.name ?? u.message.cluster_name);
  });
}

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('weftd', () => {
  it('answers every xDS type with what the real generators make of the config directory', async () => {
    const w = await run(BOOKINFO);
    const client = w.connect();
    client.send(CDS);
    client.send(LDS);
    client.send(EDS, { resource_names: [clusterName('reviews.default.svc.cluster.local', 9080)] });
    client.send(RDS, { resource_names: ['9080'] });
    const received = new Map<string, string[]>();
    for (const type of [CDS, LDS, EDS, RDS]) {
      const response = await client.next(type);
      expect(response.version_info).toMatch(/^[0-9a-f]{16}$/);
      // Whatever the generators produce must be valid Envoy: every resource decodes.
      received.set(type, names(response));
    }
    expect(received.get(CDS)).toContain(clusterName('reviews.default.svc.cluster.local', 9080));
    expect(received.get(EDS)).toEqual([clusterName('reviews.default.svc.cluster.local', 9080)]);
  });

  it('serves a config directory: ready, configz and registryz', async () => {
    const w = await run(BOOKINFO);
    expect((await w.get('/ready')).status).toBe(200);
    const configz = await w.json<{ kind: string; namespace: string; name: string; origin: { file: string; line: number } }[]>('/debug/configz');
    expect(configz.map((e) => [e.kind, e.namespace, e.name, e.origin.file.slice(w.dir.length + 1), e.origin.line])).toEqual([
      ['ServiceEntry', 'default', 'ratings', 'services.yaml', 18],
      ['ServiceEntry', 'default', 'reviews', 'services.yaml', 1],
      ['VirtualService', 'default', 'reviews', 'reviews-vs.yaml', 1],
      ['WorkloadEntry', 'default', 'ratings-v1', 'workloads.yaml', 10],
      ['WorkloadEntry', 'default', 'reviews-v1', 'workloads.yaml', 1],
    ]);
    const registryz = await w.json<{ hostname: string; endpoints: { address: string; port: number; workload: string }[] }[]>('/debug/registryz');
    expect(registryz.map((s) => [s.hostname, s.endpoints.map((e) => `${e.address}:${e.port} ${e.workload}`)])).toEqual([
      ['ratings.default.svc.cluster.local', ['127.0.0.31:9080 WorkloadEntry/default/ratings-v1']],
      ['reviews.default.svc.cluster.local', ['127.0.0.21:9080 WorkloadEntry/default/reviews-v1']],
    ]);
  });

  it('pushes an edit of a watched file to a connected proxy within a second', async () => {
    const w = await run(BOOKINFO, { generate: servicesGenerator });
    const client = w.connect();
    client.send(CDS);
    const first = await client.next(CDS);
    client.ack(first);
    expect(names(first).sort()).toEqual([clusterName('ratings.default.svc.cluster.local', 9080), clusterName('reviews.default.svc.cluster.local', 9080)]);

    const started = Date.now();
    await writeFile(join(w.dir, 'services.yaml'), `${serviceEntry('reviews', [9080, 9090])}---\n${serviceEntry('ratings')}`);
    const next = await client.next(CDS, 3000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(next.version_info).not.toBe(first.version_info);
    expect(names(next)).toContain(clusterName('reviews.default.svc.cluster.local', 9090));
  });

  it('rejects an invalid file with a log line naming file:line:col, resource and field, and keeps its last good resources', async () => {
    const w = await run(BOOKINFO);
    const file = join(w.dir, 'reviews-vs.yaml');
    await writeFile(file, virtualService('reviews', 'fifty'));
    const line = await eventually(() => w.logs.find((l) => l.level === 50 && l.file === file));
    expect(line.msg.startsWith(`${file}:12:7: VirtualService default/reviews: spec.http[0].route[0].weight: `)).toBe(true);
    expect(line).toMatchObject({ line: 12, column: 7, kind: 'VirtualService', namespace: 'default', name: 'reviews', field: 'spec.http[0].route[0].weight' });

    const configz = await w.json<{ kind: string; name: string; resource: { spec: { http: { route: { weight: unknown }[] }[] } } }[]>('/debug/configz');
    const vs = configz.find((e) => e.kind === 'VirtualService');
    expect(vs?.resource.spec.http[0]?.route[0]?.weight).toBe(100);
    expect(await (await w.get('/metrics')).text()).toContain('pilot_total_rejected_configs{type="VirtualService",name="default/reviews"} 1');
  });

  it('shows sent and ACKed versions in /debug/syncz, and a NACK with the reject counters', async () => {
    const w = await run(BOOKINFO, { generate: servicesGenerator });
    const client = w.connect();
    client.send(CDS);
    const cds = await client.next(CDS);
    const acked = once(w.weftd.ads, 'ack');
    client.ack(cds);
    await acked;
    interface Sync {
      proxy: string;
      cluster_sent?: string;
      cluster_acked?: string;
      resources: Record<string, { lastError?: string }>;
    }
    let syncz = await w.json<Sync[]>('/debug/syncz');
    expect(syncz).toEqual([expect.objectContaining({ proxy: NODE, istio_version: '1.22.0', cluster_sent: cds.version_info, cluster_acked: cds.version_info })]);

    // A config change the proxy rejects: the NACK is recorded and counted.
    await writeFile(join(w.dir, 'services.yaml'), `${serviceEntry('reviews', [9080, 9090])}---\n${serviceEntry('ratings')}`);
    const bad = await client.next(CDS);
    const nacked = once(w.weftd.ads, 'nack');
    client.nack(bad, 'cluster outbound|9090 rejected', cds.version_info);
    await nacked;
    syncz = await w.json<Sync[]>('/debug/syncz');
    expect(syncz[0]).toMatchObject({ cluster_sent: bad.version_info, cluster_acked: cds.version_info });
    expect(syncz[0]?.resources[CDS]?.lastError).toBe('cluster outbound|9090 rejected');
    const metrics = await (await w.get('/metrics')).text();
    expect(metrics).toContain('pilot_xds_cds_reject 1');
    expect(metrics).toContain('pilot_total_xds_rejects{type="cds"} 1');
  });

  it('exports the pilot_* metrics with live values', async () => {
    const w = await run(BOOKINFO, { generate: servicesGenerator });
    const client = w.connect();
    client.send(CDS);
    await client.next(CDS);
    const metrics = await (await w.get('/metrics')).text();
    expect(metrics).toContain('pilot_xds{version="1.22.0"} 1');
    expect(metrics).toContain('pilot_services 2');
    expect(metrics).toContain('pilot_virt_services 1');
    expect(metrics).toMatch(/pilot_xds_pushes\{type="cds"\} [1-9]/);
    expect(metrics).toContain('pilot_push_triggers{type="proxy"} 1');
    for (const name of ['pilot_proxy_convergence_time_bucket', 'pilot_xds_push_time_bucket', 'pilot_xds_send_time_bucket', 'pilot_total_rejected_configs', 'pilot_xds_lds_reject']) {
      expect(metrics).toContain(name);
    }
  });

  it('takes config from memory too', async () => {
    const w = await run({});
    const result = w.weftd.memory.apply({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews' }, spec: { host: 'reviews' } });
    expect(result.ok).toBe(true);
    const configz = await w.json<{ name: string; origin: { source: string } }[]>('/debug/configz');
    expect(configz).toEqual([expect.objectContaining({ name: 'reviews', origin: { source: 'memory' } })]);
  });

  it('fails to start on a missing config directory, and on a port in use, stopping what it started', async () => {
    const dir = await configDir({});
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(startWeftd(quickConfig({ configDir: join(dir, 'missing') }), { logStream: quiet })).rejects.toThrow(WeftError);
    const first = await startWeftd(quickConfig({ configDir: dir }), { logStream: quiet });
    cleanups.push(() => first.close());
    await expect(startWeftd(quickConfig({ configDir: dir, debugPort: first.debugPort }), { logStream: quiet })).rejects.toThrow(/EADDRINUSE/);
  });

  it('closes cleanly: streams end, the ports are released, close is idempotent', async () => {
    const w = await run(BOOKINFO, { generate: servicesGenerator });
    const client = w.connect();
    client.send(CDS);
    await client.next(CDS);
    await Promise.all([w.weftd.close(), w.weftd.close()]);
    expect((await client.status).code).toBe(14); // UNAVAILABLE: reconnect elsewhere
    await expect(w.get('/ready')).rejects.toThrow();
    expect(w.logs.some((l) => l.msg === 'weftd stopped')).toBe(true);
  });
});
