// Canary release, measured: a VirtualService splitting reviews 90/10 between subsets v1 and v2 sends
// 1,000 requests through the client's proxy in the observed proportion (±5 points).

import { describe, expect, it } from 'vitest';
import { checkShare } from './harness/binomial.js';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';

const mesh = useLocalMesh({
  scenario: 'canary',
  services: [{ name: 'reviews', versions: ['v1', 'v2'] }],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1', 'v2']),
    virtualService('reviews', m.namespace, {
      hosts: ['reviews'],
      http: [
        {
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
            { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
          ],
        },
      ],
    }),
  ],
});

describe('canary 90/10', () => {
  it('sends 10% ± 5 points of 1,000 requests to v2 and the rest to v1, all answered', async () => {
    const m = mesh();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/reviews/1' }, 1000, { concurrency: 20 });
    expect(report.failures, describeReport(report)).toEqual([]);
    expect((report.byVersion.v1 ?? 0) + (report.byVersion.v2 ?? 0), describeReport(report)).toBe(1000);
    // ±5 points at p = 0.1 over 1,000 is more than 5σ: a correct proxy fails it with p ≈ 3e-7.
    const v2 = checkShare(report.byVersion.v2 ?? 0, report.total, 0.1, 0.05);
    expect(v2.withinTolerance, v2.summary).toBe(true);
    // The upstreams agree with what the client saw: each answered exactly its share, on the path asked.
    expect(m.upstream('reviews', 'v2').seen.length).toBe(report.byVersion.v2);
    expect(m.upstream('reviews', 'v1').seen.every((r) => r.path === '/reviews/1')).toBe(true);
    process.stdout.write(`canary: ${v2.summary}; ${describeReport(report)}\n`);
  });
});
