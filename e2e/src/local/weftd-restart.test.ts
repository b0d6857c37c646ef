// weftd going away under load, measured: while 10 clients send a steady stream of requests, weftd is
// stopped (cleanly, then by a crash) and started again on the same xDS port; the proxy keeps serving
// its last good config while weftd is gone, reconnects, and then picks up a routing change; no request fails.

import { describe, expect, it } from 'vitest';
import { describeReport, startLoad, summarize } from './harness/load.js';
import { subsetsByVersion, virtualService, type MeshResource } from './harness/mesh-config.js';
import { useLocalMesh, type MeshNames } from './harness/local-mesh.js';
import { waitUntil } from './harness/wait-until.js';

const routeTo = (m: MeshNames, subset: string): MeshResource[] => [
  subsetsByVersion('reviews', m.namespace, ['v1', 'v2']),
  virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset } }] }] }),
];

const mesh = useLocalMesh({ scenario: 'weftd-restart', services: [{ name: 'reviews', versions: ['v1', 'v2'] }], routing: (m) => routeTo(m, 'v1') });

describe('weftd restart under load', () => {
  // The second case starts from the routing the first one left in force.
  it.each([
    ['stopped cleanly (SIGTERM)', 'SIGTERM', 'v1', 'v2'],
    ['crashed (SIGKILL)', 'SIGKILL', 'v2', 'v1'],
  ] as const)('weftd %s: traffic flows throughout, the proxy reconnects and takes the next change', async (_label, signal, current, nextSubset) => {
    const m = mesh();
    const load = startLoad(m.proxy.outboundPort, { authority: m.authority('reviews') }, { concurrency: 10, pauseMs: 10 });
    const sentAfter = (t: number, until = Infinity) => summarize(load.results().filter((r) => r.sentAtMs >= t && r.sentAtMs < until));
    const waitForMore = (t: number, n: number) => waitUntil(`${n} requests after ${Math.round(t)} ms`, () => sentAfter(t).total >= n, { timeoutMs: 20_000 });
    try {
      await waitForMore(0, 200);
      const port = await m.stopWeftd(signal);
      const downFrom = load.now();
      await waitUntil('the proxy to notice weftd is gone', async () => (await m.proxy.stats()).get('control_plane.connected_state') === 0);
      await waitForMore(downFrom, 200);
      // Still ready while disconnected: it serves its last good config, as Envoy does.
      expect((await fetch(`http://127.0.0.1:${m.proxy.healthPort}/healthz/ready`)).status).toBe(200);
      const downUntil = load.now();

      await m.startWeftd(port);
      const weftdUp = load.now();
      await m.waitForSync(30_000);
      const reconnected = load.now();
      expect((await m.proxy.stats()).get('control_plane.connected_state')).toBe(1);
      await m.applyRouting(routeTo(m, nextSubset));
      const changedFrom = load.now();
      await waitForMore(changedFrom, 300);

      const report = await load.stop();
      expect(report.failures, describeReport(report)).toEqual([]);
      const whileDown = sentAfter(downFrom, downUntil);
      expect(whileDown.byVersion, describeReport(whileDown)).toEqual({ [current]: whileDown.total });
      const afterChange = sentAfter(changedFrom);
      expect(afterChange.byVersion, describeReport(afterChange)).toEqual({ [nextSubset]: afterChange.total });
      const ms = (a: number, b: number): string => `${Math.round(b - a)} ms`;
      process.stdout.write(
        `weftd ${signal}: ${describeReport(report)}; ${whileDown.total} served while weftd was down; weftd back after ${ms(downFrom, weftdUp)}, proxy in sync ${ms(weftdUp, reconnected)} later, change applied in ${ms(reconnected, changedFrom)}\n`,
      );
    } finally {
      await load.stop();
    }
  });
});
