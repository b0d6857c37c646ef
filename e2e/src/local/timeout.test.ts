// Request timeouts, measured: with `timeout: 400ms` on the route, requests to an upstream that takes 3 s
// get Envoy's 504 `upstream request timeout` (flag UT) after 400 ms and well before the upstream would
// answer; fast requests on the same route are unaffected.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';

const TIMEOUT_MS = 400;
/** Scheduling slack on a busy two-core machine; far below the upstream's 3 s. */
const MARGIN_MS = 600;

const mesh = useLocalMesh({
  scenario: 'timeout',
  services: [{ name: 'reviews', versions: ['v1'] }],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1']),
    virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }], timeout: `${TIMEOUT_MS}ms` }] }),
  ],
});

describe('route timeout', () => {
  it(`answers 504 UT between ${TIMEOUT_MS} and ${TIMEOUT_MS + MARGIN_MS} ms when the upstream takes 3 s`, async () => {
    const m = mesh();
    const upstream = m.upstream('reviews', 'v1');
    upstream.behave((r) => (r.path === '/slow' ? { delayMs: 3000 } : {}));
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/slow' }, 20, { concurrency: 10 });
    expect(report.byStatus, describeReport(report)).toEqual({ '504': 20 });
    expect(report.byFlag).toEqual({ UT: 20 });
    expect(new Set(report.results.map((r) => r.detail))).toEqual(new Set(['upstream request timeout']));
    const latencies = report.results.map((r) => Math.round(r.latencyMs)).sort((a, b) => a - b);
    expect(latencies[0], `latencies ${latencies.join(',')}`).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(latencies.at(-1), `latencies ${latencies.join(',')}`).toBeLessThanOrEqual(TIMEOUT_MS + MARGIN_MS);
    // A timeout is not retried by Istio's default retry policy: each request reached the upstream once.
    expect(upstream.seen.filter((r) => r.path === '/slow').map((r) => r.attempt)).toEqual(new Array(20).fill(1));
    process.stdout.write(`timeout: 504 UT after ${latencies[0]}..${latencies.at(-1)} ms (timeout ${TIMEOUT_MS} ms)\n`);
  });

  it('lets requests that finish in time through on the same route', async () => {
    const m = mesh();
    m.upstream('reviews', 'v1').behave((r) => (r.path === '/slow' ? { delayMs: 3000 } : r.path === '/ok' ? { delayMs: 100 } : {}));
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/ok' }, 50, { concurrency: 10 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 50 });
  });
});
