// Tracing on the real request path: an outbound listener (CLIENT span) in front of an inbound one
// (SERVER span) in front of an app that echoes the headers it got, on real sockets, with a real
// collector on port 0. Checks propagation in both header styles, the sampling decisions, the parent /
// child links, the span names and Envoy's and Istio's tags, gateways' upstream spans, and OTLP export.

import { once } from 'node:events';
import http from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TYPE_URL } from '@weft/shared/xds';
import { compileConfig } from '../compile/compile-config.js';
import { createHttpConnectionHandler } from '../outbound/http-connection.js';
import { UpstreamPools } from '../outbound/upstream-pools.js';
import { SpanExporters } from './span-exporter.js';
import { HcmTracer } from './tracer.js';
import { compileHcmTracing } from './tracing-config.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Span = { traceId: string; id: string; parentId?: string; kind: string; name: string; tags: Record<string, string>; localEndpoint: Record<string, string>; duration: number; timestamp: number };

async function listen(server: http.Server | ReturnType<typeof createServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A collector keeping every span (Zipkin JSON arrays, or OTLP bodies as they are). */
async function collector(): Promise<{ port: number; spans: Span[]; bodies: unknown[]; paths: string[] }> {
  const c = { port: 0, spans: [] as Span[], bodies: [] as unknown[], paths: [] as string[] };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as unknown;
      c.paths.push(req.url ?? '');
      c.bodies.push(body);
      if (Array.isArray(body)) c.spans.push(...(body as Span[]));
      res.writeHead(202).end();
    });
  });
  c.port = await listen(server);
  cleanups.push(() => new Promise((r) => server.close(r)));
  return c;
}

/** The app: answers `status` with the headers it received. */
async function app(status = 200): Promise<number> {
  const server = http.createServer((req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.headers));
  });
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return listen(server);
}

const staticCluster = (name: string, port: number) => ({ name, type: 'STATIC', connect_timeout: { seconds: '1' }, load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] } });
const OPERATION = 'reviews.default.svc.cluster.local:9080/*';
const routeConfig = (name: string, cluster: string, operation?: string) => ({
  name,
  virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster }, ...(operation ? { decorator: { operation } } : {}) }] }],
});

/** weftd's HCM tracing, for the Zipkin provider through cluster `zipkin`. */
const zipkinTracing = (sampling: number, extra: Record<string, unknown> = {}) => ({
  provider: { name: 'envoy.tracers.zipkin', typed_config: { '@type': TYPE_URL.ZIPKIN_CONFIG, collector_cluster: 'zipkin', collector_endpoint: '/api/v2/spans', trace_id_128bit: true, shared_span_context: { value: false }, collector_endpoint_version: 'HTTP_JSON', collector_hostname: 'zipkin' } },
  client_sampling: { value: 100 },
  random_sampling: { value: sampling },
  overall_sampling: { value: 100 },
  custom_tags: [
    { tag: 'istio.canonical_service', literal: { value: 'productpage' } },
    { tag: 'istio.mesh_id', literal: { value: 'mesh1' } },
    { tag: 'istio.namespace', literal: { value: 'default' } },
    { tag: 'user', request_header: { name: 'end-user', default_value: 'anonymous' } },
    { tag: 'home', environment: { name: 'WEFT_TEST_TAG', default_value: 'none' } },
    { tag: 'istio.authorization.dry_run.allow_policy.name', metadata: { kind: { request: {} }, metadata_key: { key: 'envoy.filters.http.rbac', path: [{ key: 'istio_dry_run_allow_shadow_effective_policy_id' }] } } },
  ],
  ...extra,
});

interface Hop {
  readonly port: number;
}

/** One listener: `direction`, routing everything to `upstreamPort` under route config `name`. */
async function hop(opts: { direction: 'outbound' | 'inbound'; upstreamPort: number; collectorPort: number; tracing: Record<string, unknown>; nodeId: string; cluster: string; operation?: string }): Promise<Hop> {
  const config = compileConfig({ clusters: [staticCluster(opts.cluster, opts.upstreamPort), staticCluster('zipkin', opts.collectorPort), staticCluster('otel', opts.collectorPort)], routeConfigurations: [routeConfig('rc', opts.cluster, opts.operation)] });
  const compiled = compileHcmTracing(opts.tracing, { WEFT_TEST_TAG: 'from-env' });
  if (!compiled.ok || !compiled.tracing) throw new Error(`tracing: ${compiled.ok ? 'none' : compiled.problems.join('; ')}`);
  const exporters = new SpanExporters(
    { serviceName: `${opts.nodeId.split('~')[2]}`, address: '127.0.0.1' },
    (name) => {
      const e = config.clusters.get(name)?.picker.pick(Math.random);
      return e ? { host: e.host, port: e.port } : undefined;
    },
    undefined,
    { minFlushSpans: 100, flushIntervalMs: 20, maxBufferedSpans: 1000 },
  );
  const pools = new UpstreamPools();
  const serve = createHttpConnectionHandler({ config: () => config, pools, direction: opts.direction, routeConfigName: 'rc', tracing: new HcmTracer(compiled.tracing, opts.direction, exporters, { nodeId: opts.nodeId, zone: '' }) });
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    serve(s);
  });
  const port = await listen(server);
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    await pools.close();
    await exporters.close();
  });
  return { port };
}

/** client → outbound (CLIENT span) → inbound (SERVER span) → app. */
async function twoHops(sampling: number, appStatus = 200, extra: Record<string, unknown> = {}) {
  const c = await collector();
  const appPort = await app(appStatus);
  const inbound = await hop({ direction: 'inbound', upstreamPort: appPort, collectorPort: c.port, tracing: zipkinTracing(sampling, extra), nodeId: 'sidecar~127.0.0.21~reviews-v1.default~default.svc.cluster.local', cluster: 'inbound|9080||', operation: 'reviews.default.svc.cluster.local:9080/*' });
  const outbound = await hop({ direction: 'outbound', upstreamPort: inbound.port, collectorPort: c.port, tracing: zipkinTracing(sampling, extra), nodeId: 'sidecar~127.0.0.11~productpage-v1.default~default.svc.cluster.local', cluster: 'outbound|9080||reviews.default.svc.cluster.local', operation: OPERATION });
  return { c, outbound };
}

/** GET through `port` with `headers`; the app's echo of the headers it received, and the status. */
async function get(port: number, headers: Record<string, string> = {}, path = '/reviews/1'): Promise<{ status: number; seen: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host: 'reviews:9080', 'user-agent': 'tracing-test', ...headers }, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, seen: JSON.parse(text) as Record<string, string> }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function spansOf(c: { spans: Span[] }, count: number): Promise<Span[]> {
  const deadline = Date.now() + 3000;
  while (c.spans.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // Nothing more arrives.
  await new Promise((r) => setTimeout(r, 60));
  return c.spans;
}

describe('a sampled request through two proxies', () => {
  it('starts a trace: a CLIENT span, its SERVER child, the app sees the server span; names and tags as Envoy and Istio set them', async () => {
    const { c, outbound } = await twoHops(100);
    const { status, seen } = await get(outbound.port, { 'end-user': 'jason' });
    expect(status).toBe(200);
    const spans = await spansOf(c, 2);
    expect(spans).toHaveLength(2);
    const client = spans.find((s) => s.kind === 'CLIENT') as Span;
    const server = spans.find((s) => s.kind === 'SERVER') as Span;
    expect(client.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.traceId).toBe(client.traceId);
    expect(client.parentId).toBeUndefined();
    expect(server.parentId).toBe(client.id);
    // The app sees the inbound span's context in both styles, and never the decorator header.
    expect(seen['x-b3-traceid']).toBe(client.traceId);
    expect(seen['x-b3-spanid']).toBe(server.id);
    expect(seen['x-b3-parentspanid']).toBe(client.id);
    expect(seen['x-b3-sampled']).toBe('1');
    expect(seen.traceparent).toBe(`00-${client.traceId}-${server.id}-01`);
    expect(seen['x-envoy-decorator-operation']).toBeUndefined();
    // The route decorator names both spans (the inbound one through x-envoy-decorator-operation).
    expect(client.name).toBe(OPERATION);
    expect(server.name).toBe(OPERATION);
    expect(client.localEndpoint).toEqual({ serviceName: 'productpage-v1.default', ipv4: '127.0.0.1' });
    expect(client.tags).toMatchObject({
      component: 'proxy',
      node_id: 'sidecar~127.0.0.11~productpage-v1.default~default.svc.cluster.local',
      'guid:x-request-id': seen['x-request-id'],
      'http.url': 'http://reviews:9080/reviews/1',
      'http.method': 'GET',
      'http.protocol': 'HTTP/1.1',
      'http.status_code': '200',
      downstream_cluster: '-',
      user_agent: 'tracing-test',
      'peer.address': '127.0.0.1',
      response_flags: '-',
      upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      'upstream_cluster.name': 'outbound|9080||reviews.default.svc.cluster.local',
      'istio.canonical_service': 'productpage',
      'istio.mesh_id': 'mesh1',
      'istio.namespace': 'default',
      user: 'jason',
      home: 'from-env',
    });
    expect(Number(client.tags.request_size)).toBeGreaterThan(0);
    expect(Number(client.tags.response_size)).toBeGreaterThan(0);
    expect(client.tags.upstream_address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(client.tags.error).toBeUndefined();
    expect(server.tags.upstream_cluster).toBe('inbound|9080||');
    expect(server.tags['guid:x-request-id']).toBe(seen['x-request-id']);
    expect(client.duration).toBeGreaterThanOrEqual(server.duration);
  });

  it('joins a W3C trace: same trace id, the caller span as parent, tracestate passed on', async () => {
    const { c, outbound } = await twoHops(0);
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { seen } = await get(outbound.port, { traceparent: `00-${trace}-00f067aa0ba902b7-01`, tracestate: 'vendor=opaque' });
    const spans = await spansOf(c, 2);
    expect(spans).toHaveLength(2);
    const client = spans.find((s) => s.kind === 'CLIENT') as Span;
    expect(client.traceId).toBe(trace);
    expect(client.parentId).toBe('00f067aa0ba902b7');
    expect(seen.tracestate).toBe('vendor=opaque');
    expect(seen.traceparent?.startsWith(`00-${trace}-`)).toBe(true);
  });

  it('joins a B3 trace (single header, 64-bit id) and rewrites the b3 header', async () => {
    const { c, outbound } = await twoHops(0);
    const { seen } = await get(outbound.port, { b3: '463ac35c9f6413ad-a2fb4a1d1a96d312-1' });
    const spans = await spansOf(c, 2);
    expect(spans.map((s) => s.traceId)).toEqual(['463ac35c9f6413ad', '463ac35c9f6413ad']);
    expect(spans.find((s) => s.kind === 'CLIENT')?.parentId).toBe('a2fb4a1d1a96d312');
    const server = spans.find((s) => s.kind === 'SERVER') as Span;
    expect(seen.b3).toBe(`463ac35c9f6413ad-${server.id}-1-${server.parentId}`);
    expect(seen.traceparent).toBe(`00-0000000000000000463ac35c9f6413ad-${server.id}-01`);
  });

  it('marks 5xx answers error=true', async () => {
    const { c, outbound } = await twoHops(100, 503);
    await get(outbound.port);
    const spans = await spansOf(c, 2);
    expect(spans.map((s) => [s.tags['http.status_code'], s.tags.error])).toEqual([
      ['503', 'true'],
      ['503', 'true'],
    ]);
  });
});

describe('sampling', () => {
  it("follows the caller's decision not to sample: no span, sampled=0 passed on", async () => {
    const { c, outbound } = await twoHops(100);
    const { seen } = await get(outbound.port, { 'x-b3-traceid': '463ac35c9f6413ad463ac35c9f6413ad', 'x-b3-spanid': 'a2fb4a1d1a96d312', 'x-b3-sampled': '0' });
    expect(seen['x-b3-sampled']).toBe('0');
    expect(seen['x-b3-traceid']).toBe('463ac35c9f6413ad463ac35c9f6413ad');
    expect(seen.traceparent?.endsWith('-00')).toBe(true);
    expect(await spansOf(c, 0)).toEqual([]);
  });

  it('0% samples nothing new, yet starts a context; x-envoy-force-trace samples', async () => {
    const { c, outbound } = await twoHops(0);
    const { seen } = await get(outbound.port);
    expect(seen['x-b3-sampled']).toBe('0');
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await spansOf(c, 0)).toEqual([]);
    await get(outbound.port, { 'x-envoy-force-trace': 'true' });
    expect(await spansOf(c, 2)).toHaveLength(2);
  });

  it('random sampling decides by x-request-id, the same way at every proxy', async () => {
    const { c, outbound } = await twoHops(50);
    // 0x00001388 = 5000: 5000 % 10000 is not below 5000; 0x00000fa0 = 4000 is.
    const out = await get(outbound.port, { 'x-request-id': '00001388-0000-4000-8000-000000000000' });
    const kept = await get(outbound.port, { 'x-request-id': '00000fa0-0000-4000-8000-000000000000' });
    expect(out.seen['x-b3-sampled']).toBe('0');
    expect(kept.seen['x-b3-sampled']).toBe('1');
    const spans = await spansOf(c, 2);
    expect(new Set(spans.map((s) => s.tags['guid:x-request-id']))).toEqual(new Set(['00000fa0-0000-4000-8000-000000000000']));
  });

  it('measures the rate: 25% of 400 requests without ids', async () => {
    const { c, outbound } = await twoHops(25);
    let sampled = 0;
    for (let i = 0; i < 400; i++) if ((await get(outbound.port)).seen['x-b3-sampled'] === '1') sampled++;
    // Binomial(400, 0.25): mean 100, sd 8.7; ±5 sd.
    expect(sampled).toBeGreaterThan(56);
    expect(sampled).toBeLessThan(144);
    expect(await spansOf(c, sampled * 2)).toHaveLength(sampled * 2);
  });
});

describe('gateways (spawn_upstream_span) and OTLP', () => {
  it('a gateway reports a SERVER span and a CLIENT child for the upstream request', async () => {
    const c = await collector();
    const appPort = await app();
    const gw = await hop({ direction: 'outbound', upstreamPort: appPort, collectorPort: c.port, tracing: zipkinTracing(100, { spawn_upstream_span: { value: true } }), nodeId: 'router~127.0.0.40~gw.istio-system~istio-system.svc.cluster.local', cluster: 'outbound|9080||productpage.default.svc.cluster.local', operation: 'productpage.default.svc.cluster.local:9080/*' });
    const { seen } = await get(gw.port, {}, '/productpage');
    const spans = await spansOf(c, 2);
    const server = spans.find((s) => s.kind === 'SERVER') as Span;
    const client = spans.find((s) => s.kind === 'CLIENT') as Span;
    expect(server.parentId).toBeUndefined();
    expect(server.name).toBe('productpage.default.svc.cluster.local:9080/*');
    expect(client.parentId).toBe(server.id);
    expect(client.name).toBe('router outbound|9080||productpage.default.svc.cluster.local egress');
    expect(seen['x-b3-spanid']).toBe(client.id);
    expect(seen['x-b3-parentspanid']).toBe(server.id);
    // Egress carries the decorator on (the next hop names its span with it).
    expect(seen['x-envoy-decorator-operation']).toBe('productpage.default.svc.cluster.local:9080/*');
  });

  it('an OpenTelemetry provider exports OTLP/HTTP JSON with its service name and reads traceparent first', async () => {
    const c = await collector();
    const appPort = await app();
    const tracing = {
      provider: { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': TYPE_URL.OPENTELEMETRY_CONFIG, service_name: 'productpage.default', http_service: { http_uri: { uri: 'otel.observability/v1/traces', cluster: 'otel', timeout: { seconds: '2' } } } } },
      random_sampling: { value: 100 },
    };
    const h = await hop({ direction: 'outbound', upstreamPort: appPort, collectorPort: c.port, tracing, nodeId: 'sidecar~127.0.0.11~productpage-v1.default~default.svc.cluster.local', cluster: 'outbound|9080||reviews.default.svc.cluster.local', operation: OPERATION });
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    await get(h.port, { traceparent: `00-${trace}-00f067aa0ba902b7-01`, 'x-b3-traceid': 'a'.repeat(32), 'x-b3-spanid': 'b'.repeat(16), 'x-b3-sampled': '1' });
    const deadline = Date.now() + 3000;
    while (c.bodies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(c.paths).toEqual(['/v1/traces']);
    const body = c.bodies[0] as { resourceSpans: { resource: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    expect(body.resourceSpans[0]?.resource).toEqual({ attributes: [{ key: 'service.name', value: { stringValue: 'productpage.default' } }] });
    const span = body.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(span).toMatchObject({ traceId: trace, parentSpanId: '00f067aa0ba902b7', kind: 3, name: OPERATION });
  });
});
