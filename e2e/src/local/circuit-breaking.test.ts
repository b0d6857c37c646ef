// Circuit breaking, as Istio's circuit-breaking task shows it: a DestinationRule connectionPool of one
// connection (tcp.maxConnections 1), one pending request (http.http1MaxPendingRequests 1) and one request
// per connection, in front of a slow upstream. Concurrent requests beyond one in flight and one waiting
// get Envoy's 503 UO local reply (`x-envoy-overloaded: true`, body `... reset reason: overflow`) at once and
// never reach the upstream; the two admitted ones are answered; requests one at a time never overflow.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { destinationRule } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';
import { ProxyProcess } from './harness/proxy-process.js';
import { waitUntil } from './harness/wait-until.js';

const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
/** How long the upstream holds each request: long enough for every concurrent request to arrive. */
const HOLD_MS = 400;

const mesh = useLocalMesh({
  scenario: 'circuit-breaking',
  services: [{ name: 'reviews', versions: ['v1'] }],
  routing: (m) => [
    destinationRule('reviews', m.namespace, {
      host: 'reviews',
      trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } } },
    }),
  ],
});

interface BreakerShape {
  readonly name?: string;
  readonly circuit_breakers?: { readonly thresholds?: ReadonlyArray<{ readonly max_connections?: number; readonly max_pending_requests?: number }> };
}

describe('circuit breaking (connection pool overflow)', () => {
  it('answers 503 UO at once to requests beyond one on the connection and one pending', async () => {
    const m = mesh();
    await waitUntil('the cluster to carry the connection pool limits', async () =>
      ProxyProcess.entriesOf(await m.proxy.configDump(), 'dynamic_active_clusters').some((e) => {
        const c = e.cluster as BreakerShape | undefined;
        const t = c?.circuit_breakers?.thresholds?.[0];
        return c?.name === CLUSTER && t?.max_connections === 1 && t.max_pending_requests === 1;
      }),
    );
    const upstream = m.upstream('reviews', 'v1');
    upstream.reset();
    upstream.behave(() => ({ delayMs: HOLD_MS }));

    // First one request, on the only connection once the upstream holds it; then nine at once. Envoy
    // counts a request waiting for a connection to open as pending too, so the nine are sent only when
    // the first one's connection is up and the pending slot is free.
    const shape = { authority: m.authority('reviews'), path: '/productpage' };
    const first = runLoad(m.proxy.outboundPort, shape, 1, { concurrency: 1 });
    await waitUntil('the upstream to hold the first request', () => upstream.seen.length === 1, { intervalMs: 5 });
    const concurrency = 9;
    const report = await runLoad(m.proxy.outboundPort, shape, concurrency, { concurrency });
    const firstReport = await first;
    expect(firstReport.byStatus, describeReport(firstReport)).toEqual({ '200': 1 });
    const overflows = report.results.filter((r) => r.flag === 'UO');
    // One of the nine takes the pending slot and is answered after the first; the other eight overflow.
    expect(overflows.length, describeReport(report)).toBe(concurrency - 1);
    expect(report.byStatus['200'], describeReport(report)).toBe(1);
    for (const o of overflows) {
      expect(o.status).toBe(503);
      expect(o.detail).toBe('upstream connect error or disconnect/reset before headers. reset reason: overflow');
      // A local reply without waiting for the upstream, and never retried onto it.
      expect(o.latencyMs, describeReport(report)).toBeLessThan(HOLD_MS);
    }
    // The admitted one waited for the first to finish (one connection, one request per connection).
    const admitted = report.results.find((r) => r.status === 200);
    expect(admitted?.latencyMs, describeReport(report)).toBeGreaterThan(HOLD_MS);
    expect(upstream.seen.length, describeReport(report)).toBe(2);
    // Envoy's router marks an overflow (a dropped request) with x-envoy-overloaded: true.
    expect(overflows.filter((o) => !o.overloaded).length, 'overflow replies without x-envoy-overloaded: true').toBe(0);
    process.stdout.write(`circuit breaking, 1 then ${concurrency} at once: ${describeReport(report)}; admitted after ${Math.round(admitted?.latencyMs ?? 0)} ms\n`);
  });

  it('never overflows requests sent one at a time', async () => {
    const m = mesh();
    const upstream = m.upstream('reviews', 'v1');
    upstream.reset();
    upstream.behave(() => ({ delayMs: 5 }));
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews') }, 30, { concurrency: 1 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 30 });
    expect(upstream.seen.length).toBe(30);
  });

  it('admits about one request in flight and one pending out of three concurrent clients (Istio task, fortio -c 3)', async () => {
    const m = mesh();
    const upstream = m.upstream('reviews', 'v1');
    upstream.reset();
    upstream.behave(() => ({ delayMs: 20 }));
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews') }, 60, { concurrency: 3 });
    const ok = report.byStatus['200'] ?? 0;
    const overflows = report.byFlag.UO ?? 0;
    expect(ok + overflows, describeReport(report)).toBe(60);
    // Both outcomes occur: the breaker neither admits everything nor refuses everything.
    expect(ok, describeReport(report)).toBeGreaterThan(0);
    expect(overflows, describeReport(report)).toBeGreaterThan(0);
    expect(upstream.seen.length).toBe(ok);
    process.stdout.write(`circuit breaking, 3 clients: ${describeReport(report)}\n`);
  });
});
