// Span export against a real HTTP collector on port 0: Zipkin v2 JSON and OTLP/HTTP JSON bodies, the
// batching (a full batch leaves at once, a partial one after the flush interval), the collector's path,
// Host and extra headers, endpoints picked at send time, and failures dropped and counted.

import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FinishedSpan } from './span-encoding.js';
import { SpanExporters } from './span-exporter.js';
import type { CollectorTarget } from './tracing-config.js';

interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  readonly at: number;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function collector(status = 202): Promise<{ port: number; received: Received[]; next(): Promise<Received> }> {
  const received: Received[] = [];
  const waiters: ((r: Received) => void)[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body: JSON.parse(text) as unknown, at: Date.now() };
      received.push(r);
      waiters.shift()?.(r);
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    next: () => new Promise<Received>((resolve) => waiters.push(resolve)),
  };
}

const span = (i: number, extra: Partial<FinishedSpan> = {}): FinishedSpan => ({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: `00f067aa0ba902${String(i).padStart(2, '0')}`,
  parentId: i === 0 ? undefined : '00f067aa0ba90200',
  name: `reviews.default.svc.cluster.local:9080/*`,
  kind: i % 2 === 0 ? 'SERVER' : 'CLIENT',
  startUs: 1_700_000_000_000_000 + i,
  durationUs: 1500,
  tags: { 'http.status_code': '200', component: 'proxy' },
  ...extra,
});

const zipkinTarget = (cluster: string): CollectorTarget => ({ format: 'zipkin', cluster, host: 'zipkin.istio-system.svc.cluster.local', path: '/api/v2/spans', headers: [], timeoutMs: 2000, serviceName: undefined });

function exportersTo(port: number, settings = { minFlushSpans: 5, flushIntervalMs: 150, maxBufferedSpans: 100 }): SpanExporters {
  const exporters = new SpanExporters({ serviceName: 'productpage.default', address: '127.0.0.1' }, (cluster) => (cluster === 'gone' ? undefined : { host: '127.0.0.1', port }), undefined, settings);
  cleanups.push(() => exporters.close());
  return exporters;
}

describe('Zipkin export', () => {
  it('sends a full batch at once as Zipkin v2 JSON to collector_endpoint with the collector host', async () => {
    const c = await collector();
    const e = exportersTo(c.port).get('z', zipkinTarget('outbound|9411||zipkin'));
    const got = c.next();
    const started = Date.now();
    for (let i = 0; i < 5; i++) e.add(span(i));
    const r = await got;
    expect(r.at - started).toBeLessThan(140);
    expect(r.path).toBe('/api/v2/spans');
    expect(r.headers.host).toBe('zipkin.istio-system.svc.cluster.local');
    expect(r.headers['content-type']).toBe('application/json');
    const body = r.body as Record<string, unknown>[];
    expect(body).toHaveLength(5);
    expect(body[0]).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      id: '00f067aa0ba90200',
      kind: 'SERVER',
      name: 'reviews.default.svc.cluster.local:9080/*',
      timestamp: 1_700_000_000_000_000,
      duration: 1500,
      localEndpoint: { serviceName: 'productpage.default', ipv4: '127.0.0.1' },
      tags: { 'http.status_code': '200', component: 'proxy' },
    });
    expect(body[1]?.parentId).toBe('00f067aa0ba90200');
    await e.close();
    expect(e.stats).toEqual({ spansSent: 5, spansDropped: 0, reportsSent: 1, reportsFailed: 0 });
  });

  it('sends a partial batch after the flush interval, never on the caller path', async () => {
    const c = await collector();
    const e = exportersTo(c.port).get('z', zipkinTarget('outbound|9411||zipkin'));
    const got = c.next();
    const started = Date.now();
    e.add(span(0));
    e.add(span(1));
    expect(c.received).toHaveLength(0);
    const r = await got;
    expect(r.at - started).toBeGreaterThanOrEqual(140);
    expect(r.body as unknown[]).toHaveLength(2);
  });

  it('drops and counts spans when the cluster has no endpoint, the collector fails, or the buffer is full', async () => {
    const c = await collector(500);
    const exporters = exportersTo(c.port, { minFlushSpans: 100, flushIntervalMs: 50, maxBufferedSpans: 3 });
    const none = exporters.get('gone', zipkinTarget('gone'));
    none.add(span(0));
    await none.close();
    expect(none.stats).toMatchObject({ spansDropped: 1, reportsFailed: 1 });
    const failing = exporters.get('z', zipkinTarget('outbound|9411||zipkin'));
    for (let i = 0; i < 4; i++) failing.add(span(i));
    await failing.close();
    expect(failing.stats).toEqual({ spansSent: 0, spansDropped: 4, reportsSent: 0, reportsFailed: 1 });
  });
});

describe('OTLP/HTTP export', () => {
  it("sends an ExportTraceServiceRequest in OTLP's JSON encoding with the provider's headers", async () => {
    const c = await collector(200);
    const target: CollectorTarget = { format: 'otlp', cluster: 'outbound|4318||otel', host: 'otel.observability.svc.cluster.local', path: '/v1/traces', headers: [['x-tenant', 'weft']], timeoutMs: 2000, serviceName: 'productpage.default' };
    const e = exportersTo(c.port).get('o', target);
    const got = c.next();
    e.add(span(0, { tags: { 'http.status_code': '503', error: 'true' } }));
    e.add(span(1, { traceId: '00f067aa0ba902b7' }));
    e.flush();
    const r = await got;
    expect(r.path).toBe('/v1/traces');
    expect(r.headers['x-tenant']).toBe('weft');
    expect(r.headers.host).toBe('otel.observability.svc.cluster.local');
    const body = r.body as { resourceSpans: { resource: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    expect(body.resourceSpans[0]?.resource).toEqual({ attributes: [{ key: 'service.name', value: { stringValue: 'productpage.default' } }] });
    const [server, client] = body.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    expect(server).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba90200',
      name: 'reviews.default.svc.cluster.local:9080/*',
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000001500000',
      attributes: [
        { key: 'http.status_code', value: { stringValue: '503' } },
        { key: 'error', value: { stringValue: 'true' } },
      ],
      status: { code: 2 },
    });
    expect(client).toMatchObject({ kind: 3, parentSpanId: '00f067aa0ba90200', traceId: '000000000000000000f067aa0ba902b7' });
  });
});
