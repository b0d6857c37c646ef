// Retries, measured: an upstream failing half of all attempts with 503 is hidden from the app by
// `retries: {attempts: 2, retryOn: 5xx}` (every request succeeds), the upstream sees each try numbered by
// `x-envoy-attempt-count`, a request that keeps failing gets the upstream's last 503 after 3 tries, and a
// per-try timeout turns a hung first try into a quick second one. Retries go to another host (Istio's
// previous_hosts retry host predicate): a failing instance rarely sees a request's retry.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';
import type { SeenRequest } from './harness/upstream-server.js';

const mesh = useLocalMesh({
  scenario: 'retries',
  // v2 only serves /spread, the route over both instances.
  services: [{ name: 'reviews', versions: ['v1', 'v2'] }],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1', 'v2'], { loadBalancer: { simple: 'RANDOM' } }),
    virtualService('reviews', m.namespace, {
      hosts: ['reviews'],
      http: [
        { name: 'spread', match: [{ uri: { prefix: '/spread' } }], route: [{ destination: { host: 'reviews' } }], retries: { attempts: 2, retryOn: '5xx' } },
        { name: 'per-try', match: [{ uri: { prefix: '/per-try' } }], route: [{ destination: { host: 'reviews', subset: 'v1' } }], retries: { attempts: 2, perTryTimeout: '200ms', retryOn: '5xx' } },
        { name: 'default', route: [{ destination: { host: 'reviews', subset: 'v1' } }], retries: { attempts: 2, retryOn: '5xx' } },
      ],
    }),
  ],
});

/** The upstream fails (503) or stalls (5 s) the first n tries of a request, n from the request's headers. */
function failFirstTries(r: SeenRequest): { status?: number; delayMs?: number } {
  if (r.attempt <= Number(r.headers['x-fail-tries'] ?? 0)) return { status: 503 };
  if (r.attempt <= Number(r.headers['x-stall-tries'] ?? 0)) return { delayMs: 5000 };
  return {};
}

const count = (values: readonly number[]): Record<number, number> => values.reduce<Record<number, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});

describe('retries', () => {
  it('recovers every request from an upstream failing 50% of attempts with 503', async () => {
    const m = mesh();
    const upstream = m.upstream('reviews', 'v1');
    upstream.reset();
    upstream.behave(failFirstTries);
    // In each group of 4 requests the upstream fails 0, 1, 1 and 2 tries, so they take 1, 2, 2 and 3
    // tries: 8 tries, 4 of them 503, exactly half. Two retries cover the worst case.
    const failures = [0, 1, 1, 2];
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), headers: (i) => ({ 'x-fail-tries': String(failures[i % 4]) }) }, 400, { concurrency: 10 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 400 });
    expect(upstream.seen.length).toBe(800);
    expect(upstream.seen.filter((r) => r.status === 503).length).toBe(400);
    // The upstream saw each try's number: every request once as try 1, three in four as try 2, one in four as try 3.
    expect(count(upstream.seen.map((r) => r.attempt))).toEqual({ 1: 400, 2: 300, 3: 100 });
    process.stdout.write(`retries: ${describeReport(report)}; upstream tries ${JSON.stringify(count(upstream.seen.map((r) => r.attempt)))}, 503s ${upstream.seen.filter((r) => r.status === 503).length}\n`);
  });

  it('gives up after attempts + 1 tries and relays the upstream 503', async () => {
    const m = mesh();
    const upstream = m.upstream('reviews', 'v1');
    upstream.reset();
    upstream.behave(failFirstTries);
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), headers: { 'x-fail-tries': '99' } }, 20, { concurrency: 5 });
    // The 503 is the upstream's own answer (its version header came through), not a local reply.
    expect(report.byStatus, describeReport(report)).toEqual({ '503': 20 });
    expect(report.byVersion).toEqual({ v1: 20 });
    expect(count(upstream.seen.map((r) => r.attempt))).toEqual({ 1: 20, 2: 20, 3: 20 });
  });

  it('retries a try that exceeds perTryTimeout, within about one per-try timeout', async () => {
    const m = mesh();
    const upstream = m.upstream('reviews', 'v1');
    upstream.reset();
    upstream.behave(failFirstTries);
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/per-try', headers: { 'x-stall-tries': '1' } }, 20, { concurrency: 10 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 20 });
    const latencies = report.results.map((r) => r.latencyMs);
    // 200 ms per-try timeout, then Envoy's first back-off (< 25 ms), then a fast try; generous slack above.
    expect(Math.min(...latencies)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...latencies)).toBeLessThan(1500);
    expect(count(upstream.seen.map((r) => r.attempt))).toEqual({ 1: 20, 2: 20 });
  });

  it('sends retries to another instance than the ones already tried (previous_hosts)', async () => {
    const m = mesh();
    const [healthy, failing] = [m.upstream('reviews', 'v1'), m.upstream('reviews', 'v2')];
    healthy.reset();
    failing.reset();
    failing.behave(() => ({ status: 503 }));
    // RANDOM balancing with Istio's previous_hosts predicate and host_selection_retry_max_attempts 5:
    // a retry is re-drawn up to 5 times while it picks a host already tried, so it still lands on the
    // failing instance with probability 2^-6 (Envoy's semantics: the predicate is a bounded re-draw,
    // not a guarantee). Without the predicate it would land there half the time.
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/spread' }, 200, { concurrency: 10 });
    const tries = `failing instance saw tries ${JSON.stringify(count(failing.seen.map((r) => r.attempt)))}, healthy ${JSON.stringify(count(healthy.seen.map((r) => r.attempt)))}`;
    const firstTries = failing.seen.filter((r) => r.attempt === 1).length;
    const retriesOnFailing = failing.seen.length - firstTries;
    expect(firstTries, tries).toBeGreaterThan(50);
    // Retries reaching the failing instance: about firstTries / 64 (≈ 1.5) with the predicate, about
    // firstTries / 2 without. Binomial(n ≤ 150, 1/64) reaches 12 with probability < 1e-5.
    expect(retriesOnFailing, tries).toBeLessThan(12);
    // A request fails only when all three tries land there (1/2 × 1/64 × 1/64 per request, 0.025
    // expected over 200): at most 2 of 200 fail with probability > 1 − 1e-5.
    const failed = 200 - (report.byStatus['200'] ?? 0);
    expect(failed, `${describeReport(report)}; ${tries}`).toBeLessThanOrEqual(2);
    process.stdout.write(`retries to another host: ${tries}\n`);
  });
});
