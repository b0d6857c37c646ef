// The API end to end on a real port: two proxies' stats pages scraped by weft-ui (or a Prometheus HTTP
// API answering the same numbers) and weftd's debug API, each a real HTTP server standing in for it.

import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ConfigResponse, DetailResponse, ErrorsResponse, GraphResponse, NamespacesResponse, ProxiesResponse } from '../api-types.js';
import { createServer } from './create-server.js';
import { createWeftdClient } from './mesh/weftd-client.js';
import { createPrometheusSource } from './metrics/prometheus-source.js';
import { createScrapeSource } from './metrics/scrape-source.js';
import { TRAFFIC_LABELS } from './metrics/traffic-series.js';
import { istioText, startFakeServer, type FakeServer, type FixtureSeries } from './mesh-fixtures.test-fixtures.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

const resource = (kind: string, name: string, spec: Record<string, unknown>) => ({
  kind,
  apiVersion: 'networking.istio.io/v1',
  namespace: 'default',
  name,
  origin: { file: `/mesh/${kind}.yaml`, line: 3 },
  resource: { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace: 'default' }, spec },
});
const CONFIGZ = [
  resource('VirtualService', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 90 }, { destination: { host: 'reviews', subset: 'v9' }, weight: 10 }] }] }),
  resource('DestinationRule', 'reviews', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
  resource('DestinationRule', 'bad', { host: 'ratings', trafficPolicy: { tls: { mode: 'MUTUAL_ISTIO' } } }),
  resource('WorkloadEntry', 'reviews-v1', { address: '127.0.10.3', labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'bookinfo-reviews' }),
];
const REGISTRYZ = [
  { hostname: 'reviews.default.svc.cluster.local', namespace: 'default', ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }], endpoints: [{ address: '127.0.10.3', port: 9080, labels: { app: 'reviews', version: 'v1' }, workload: 'reviews-v1' }] },
  { hostname: 'ratings.default.svc.cluster.local', namespace: 'default', ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }], endpoints: [] },
];
const SYNCZ = [
  { proxy: 'sidecar~127.0.10.1~productpage-v1.default~default.svc.cluster.local', connection_id: 'c1', connected_at: '2026-01-01T00:00:00.000Z', proxy_type: 'sidecar', resources: { [CDS]: { sent: 'a', acked: 'a' }, [LDS]: { sent: 'b', acked: 'b' }, [RDS]: { sent: 'c', acked: 'x', lastError: 'route bad' } } },
];

/** productpage's sidecar (client side) and reviews-v1's (server side), their counters set by `phase`. */
function proxyPages(phase: () => number): { client: () => string; server: () => string } {
  const n = (x: number) => x * phase();
  const client: () => FixtureSeries[] = () => [
    { labels: { destination_workload: 'reviews-v1', destination_version: 'v1' }, count: n(90), latencies: Array.from({ length: n(90) }, () => 20) },
    { labels: { destination_workload: 'reviews-v2', destination_version: 'v2' }, count: n(9) },
    { labels: { destination_workload: 'reviews-v2', destination_version: 'v2', response_code: '503', response_flags: 'UF' }, count: n(1) },
  ];
  const server: () => FixtureSeries[] = () => [{ labels: { reporter: 'destination', destination_workload: 'reviews-v1', connection_security_policy: 'mutual_tls' }, count: n(90) }];
  return { client: () => istioText(client()), server: () => istioText(server()) };
}

async function fake(routes: Record<string, () => unknown>): Promise<FakeServer> {
  const s = await startFakeServer(routes);
  closers.push(() => s.close());
  return s;
}

async function startUi(source: 'scrape' | 'prometheus'): Promise<string> {
  let phase = 1;
  const pages = proxyPages(() => phase);
  const weftd = await fake({ '/debug/configz': () => CONFIGZ, '/debug/registryz': () => REGISTRYZ, '/debug/syncz': () => SYNCZ });
  let metrics;
  if (source === 'scrape') {
    const client = await fake({ '/stats/prometheus': pages.client });
    const server = await fake({ '/stats/prometheus': pages.server });
    const scraper = createScrapeSource({ targets: [`${client.url}/stats/prometheus`, `${server.url}/stats/prometheus`], intervalMs: 60_000 });
    await scraper.scrapeNow();
    await new Promise((r) => setTimeout(r, 600));
    phase = 2;
    await scraper.scrapeNow();
    metrics = scraper;
  } else {
    // A Prometheus answering rate() with the increase of one phase over 10 s.
    const vector = (text: string, buckets: boolean) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(buckets ? 'istio_request_duration_milliseconds_bucket{' : 'istio_requests_total{'))
        .map((l) => {
          const metric: Record<string, string> = {};
          for (const m of l.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) if ((TRAFFIC_LABELS as readonly string[]).includes(m[1] as string) || m[1] === 'le') metric[m[1] as string] = m[2] as string;
          return { metric, value: [0, String(Number(l.slice(l.lastIndexOf(' ') + 1)) / 10)] };
        });
    const { createServer: createHttp } = await import('node:http');
    const server = createHttp((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      const buckets = q.includes('_bucket');
      const result = [...vector(pages.client(), buckets), ...vector(pages.server(), buckets)];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    metrics = createPrometheusSource({ url: `http://127.0.0.1:${port}` });
  }
  const app: FastifyInstance = await createServer({ webRoot: '/nonexistent', metrics, weftd: createWeftdClient(weftd.url) });
  closers.push(() => app.close());
  return app.listen({ port: 0, host: '127.0.0.1' });
}

const get = async <T>(base: string, path: string): Promise<T> => {
  const res = await fetch(`${base}${path}`);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
};

describe.each(['scrape', 'prometheus'] as const)('weft-ui API with metrics from %s', (source) => {
  it('draws the graph with the 90/10 split, the error edge, p99 and the mTLS edge', async () => {
    const base = await startUi(source);
    const g = await get<GraphResponse>(base, '/api/graph?view=versionedApp&duration=1m');
    expect(g.source.kind).toBe(source);
    const v1 = g.edges.find((e) => e.target === 'vapp:default:reviews:v1');
    const v2 = g.edges.find((e) => e.target === 'vapp:default:reviews:v2');
    expect(v1?.sharePct).toBeCloseTo(90, 5);
    expect(v2?.sharePct).toBeCloseTo(10, 5);
    expect(v2?.errorPct).toBeCloseTo(10, 5);
    expect(v1?.mtls).toBe(true);
    expect(v1?.p99Ms).toBeGreaterThan(10);
    expect(v1?.p99Ms).toBeLessThanOrEqual(25);
    expect(g.nodes.find((n) => n.id === 'vapp:default:reviews:v1')?.badges).toEqual(['virtualService']);
  });

  it('answers namespaces, the workload detail and errors by response flag', async () => {
    const base = await startUi(source);
    const ns = await get<NamespacesResponse>(base, '/api/namespaces?duration=5m');
    expect(ns.namespaces.map((n) => n.name)).toEqual(['default']);
    expect(ns.namespaces[0]?.health).toBe('degraded');
    const wl = await get<DetailResponse>(base, '/api/workloads/default/reviews-v1');
    expect(wl.inbound.summary.rps).toBeGreaterThan(0);
    expect(wl.inbound.peers.map((p) => p.name)).toEqual(['productpage-v1.default']);
    expect(wl.inbound.points).toHaveLength(30);
    expect(wl.facts).toContainEqual({ label: 'Address', value: '127.0.10.3' });
    const svc = await get<DetailResponse>(base, '/api/services/default/reviews');
    expect(svc.config.map((c) => `${c.kind}/${c.name}`)).toEqual(['VirtualService/reviews', 'DestinationRule/reviews']);
    expect(svc.inbound.summary.errorPct).toBeCloseTo(1, 5);
    const errors = await get<ErrorsResponse>(base, '/api/errors');
    expect(errors.byFlag.map((f) => f.flags)).toEqual(['UF']);
    expect(errors.rows[0]).toMatchObject({ flags: 'UF', code: '503', source: 'productpage-v1.default', destination: 'reviews-v2.default', description: 'upstream connection failure' });
  });
});

describe('weft-ui API from weftd', () => {
  it('lists the config with YAML, validation and analysis findings', async () => {
    const base = await startUi('scrape');
    const { items } = await get<ConfigResponse>(base, '/api/config');
    const vs = items.find((i) => i.kind === 'VirtualService');
    expect(vs?.yaml).toContain('subset: v9');
    expect(vs?.origin).toBe('/mesh/VirtualService.yaml:3');
    expect(vs?.valid).toBe(false);
    expect(vs?.findings).toContainEqual({ severity: 'error', code: 'IST0101', path: 'spec.http[0].route[1].destination.subset', message: 'Referenced host+subset in destinationrule not found: "reviews+v9"' });
    const dr = items.find((i) => i.name === 'reviews' && i.kind === 'DestinationRule');
    expect(dr?.findings.map((f) => f.code)).toEqual(['IST0106']);
    const bad = items.find((i) => i.name === 'bad');
    expect(bad?.valid).toBe(false);
    expect(bad?.findings[0]?.message).toContain('MUTUAL_ISTIO');
    expect(items.find((i) => i.kind === 'WorkloadEntry')?.valid).toBe(true);
  });

  it("shows each proxy's xDS sync state as istioctl proxy-status words", async () => {
    const base = await startUi('scrape');
    const { proxies } = await get<ProxiesResponse>(base, '/api/proxies');
    expect(proxies).toEqual([
      { id: SYNCZ[0]?.proxy, type: 'sidecar', name: 'productpage-v1', namespace: 'default', connectedAt: '2026-01-01T00:00:00.000Z', sync: { CDS: 'SYNCED', LDS: 'SYNCED', EDS: 'NOT SENT', RDS: 'NACKED' }, lastError: 'RDS: route bad' },
    ]);
  });

  it('says which source failed with 502, and rejects a bad view or duration with 400', async () => {
    const app = await createServer({ webRoot: '/nonexistent', weftd: createWeftdClient('http://127.0.0.1:1') });
    closers.push(() => app.close());
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${base}/api/proxies`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toContain('cannot reach weftd at http://127.0.0.1:1');
    expect((await fetch(`${base}/api/graph?view=nope`)).status).toBe(400);
    expect((await fetch(`${base}/api/graph?duration=soon`)).status).toBe(400);
    const empty = await get<GraphResponse>(base, '/api/graph');
    expect(empty.nodes).toEqual([]);
  });
});
