// Fault injection, measured: `fault.delay` of 300 ms on 10% of requests delays 10% ± 5 points of 1,000,
// and `fault.abort` with 503 on 20% aborts 20% ± 5 points of 2,000 with Envoy's local reply (flag FI)
// without reaching the upstream; the other requests pass untouched.

import { describe, expect, it } from 'vitest';
import { checkShare } from './harness/binomial.js';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';

const DELAY_MS = 300;

const mesh = useLocalMesh({
  scenario: 'fault-injection',
  services: [{ name: 'reviews', versions: ['v1'] }],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1']),
    virtualService('reviews', m.namespace, {
      hosts: ['reviews'],
      http: [
        { name: 'delay', match: [{ uri: { prefix: '/delay' } }], fault: { delay: { percentage: { value: 10 }, fixedDelay: `${DELAY_MS}ms` } }, route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
        { name: 'abort', match: [{ uri: { prefix: '/abort' } }], fault: { abort: { percentage: { value: 20 }, httpStatus: 503 } }, route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      ],
    }),
  ],
});

describe('fault injection', () => {
  it('delays 10% ± 5 points of 1,000 requests by the fixed delay', async () => {
    const m = mesh();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/delay' }, 1000, { concurrency: 25 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 1000 });
    // A delayed request cannot take less than the delay; an undelayed one takes a few ms (the risk of
    // one taking 300 ms on a busy machine is what the 5-point tolerance absorbs).
    const delayed = report.results.filter((r) => r.latencyMs >= DELAY_MS).length;
    // ±5 points at p = 0.1 over 1,000: a correct proxy fails this with p ≈ 3e-7.
    const share = checkShare(delayed, report.total, 0.1, 0.05);
    expect(share.withinTolerance, share.summary).toBe(true);
    process.stdout.write(`fault delay: ${share.summary}\n`);
  });

  it('aborts 20% ± 5 points of 2,000 requests with a local 503 (FI) that never reaches the upstream', async () => {
    const m = mesh();
    const upstream = m.upstream('reviews', 'v1');
    upstream.reset();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/abort' }, 2000, { concurrency: 25 });
    const aborted = report.byFlag.FI ?? 0;
    expect(report.byStatus['503'], describeReport(report)).toBe(aborted);
    expect(report.byStatus['200']).toBe(2000 - aborted);
    expect(new Set(report.failures.map((f) => f.detail))).toEqual(new Set(['fault filter abort']));
    // ±5 points at p = 0.2 over 2,000: a correct proxy fails this with p ≈ 3e-8.
    const share = checkShare(aborted, report.total, 0.2, 0.05);
    expect(share.withinTolerance, share.summary).toBe(true);
    // Aborted requests stop at the proxy (and Istio's default retry policy does not retry a fault).
    expect(upstream.seen.length).toBe(2000 - aborted);
    process.stdout.write(`fault abort: ${share.summary}\n`);
  });
});
