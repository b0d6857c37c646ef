// Config changes under load, measured: while 10 clients send a steady stream of requests, the routing
// moves reviews from v1 to v2, then to a 50/50 split, then the v1 instance moves to a new address; every
// request succeeds, and each change holds for every request sent after the proxy reported it.

import { describe, expect, it } from 'vitest';
import { describeReport, startLoad, summarize } from './harness/load.js';
import { subsetsByVersion, virtualService, type MeshResource } from './harness/mesh-config.js';
import { useLocalMesh, type MeshNames } from './harness/local-mesh.js';
import { waitUntil } from './harness/wait-until.js';

const routeTo = (m: MeshNames, weights: Readonly<Record<string, number>>): MeshResource[] => [
  subsetsByVersion('reviews', m.namespace, ['v1', 'v2']),
  virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: Object.entries(weights).map(([subset, weight]) => ({ destination: { host: 'reviews', subset }, weight })) }] }),
];

const mesh = useLocalMesh({ scenario: 'config-change', services: [{ name: 'reviews', versions: ['v1', 'v2'] }], routing: (m) => routeTo(m, { v1: 100 }) });

describe('config change under load', () => {
  it('shifts traffic v1 → v2 → 50/50 and moves an endpoint with zero failed requests', async () => {
    const m = mesh();
    const load = startLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/reviews/1' }, { concurrency: 10, pauseMs: 10 });
    const sentAfter = (t: number, until = Infinity) => summarize(load.results().filter((r) => r.sentAtMs >= t && r.sentAtMs < until));
    const waitForMore = (t: number, n: number) => waitUntil(`${n} requests after ${Math.round(t)} ms`, () => sentAfter(t).total >= n, { timeoutMs: 20_000 });
    try {
      await waitForMore(0, 200);

      await m.applyRouting(routeTo(m, { v2: 100 }));
      const allV2From = load.now();
      await waitForMore(allV2From, 300);
      // A phase ends when the next change starts being written: requests after that may see either.
      const allV2Until = load.now();

      await m.applyRouting(routeTo(m, { v1: 50, v2: 50 }));
      const splitFrom = load.now();
      await waitForMore(splitFrom, 400);
      const splitUntil = load.now();

      const oldV1 = await m.moveInstance('reviews', 'v1');
      const movedFrom = load.now();
      const oldV1Seen = oldV1.seen.length;
      await waitForMore(movedFrom, 400);
      // The old instance gets nothing once the proxy runs the new endpoints; it can go now.
      expect(oldV1.seen.length).toBe(oldV1Seen);
      await oldV1.drain();
      await waitForMore(load.now(), 200);

      const report = await load.stop();
      expect(report.failures, describeReport(report)).toEqual([]);
      const v2Phase = sentAfter(allV2From, allV2Until);
      expect(v2Phase.byVersion, describeReport(v2Phase)).toEqual({ v2: v2Phase.total });
      const splitPhase = sentAfter(splitFrom, splitUntil);
      // Both subsets answer a 50/50 split (400 requests: the chance of one side getting none is 2^-399).
      expect(Object.keys(splitPhase.byVersion).sort(), describeReport(splitPhase)).toEqual(['v1', 'v2']);
      expect(m.upstream('reviews', 'v1').seen.length).toBeGreaterThan(0);
      process.stdout.write(`config change under load: ${describeReport(report)}\n`);
    } finally {
      await load.stop();
    }
  });
});
