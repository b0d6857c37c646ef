// Load balancing, measured over one service with three instances (a, b, c) and its DestinationRule's
// `trafficPolicy.loadBalancer`: ROUND_ROBIN rotates exactly, RANDOM spreads evenly (±5 points over
// 3,000), LEAST_REQUEST avoids a slow instance.

import { describe, expect, it } from 'vitest';
import type { LoadBalancerSettings } from '@weft/shared';
import { checkShare } from './harness/binomial.js';
import { describeReport, runLoad } from './harness/load.js';
import { destinationRule } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh } from './harness/local-mesh.js';
import { ProxyProcess } from './harness/proxy-process.js';

const INSTANCES = ['a', 'b', 'c'] as const;
const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';

const mesh = useLocalMesh({ scenario: 'load-balancing', services: [{ name: 'reviews', versions: INSTANCES }], routing: () => [] });

/** Puts `loadBalancer` in force for reviews and waits until the proxy's cluster has `lbPolicy`. */
async function balanceWith(m: LocalMesh, loadBalancer: LoadBalancerSettings, lbPolicy: string): Promise<void> {
  await m.applyRouting([destinationRule('reviews', m.namespace, { host: 'reviews', trafficPolicy: { loadBalancer } })], {
    until: (dump) => ProxyProcess.entriesOf(dump, 'dynamic_active_clusters').some((e) => (e.cluster as { name?: string; lb_policy?: string } | undefined)?.name === CLUSTER && (e.cluster as { lb_policy?: string }).lb_policy === lbPolicy),
  });
  for (const i of INSTANCES) m.upstream('reviews', i).reset();
}

const countsOf = (byVersion: Readonly<Record<string, number>>): number[] => INSTANCES.map((i) => byVersion[i] ?? 0);

describe('load balancing', () => {
  it('ROUND_ROBIN gives each instance its turn: 300 requests, 100 each', async () => {
    const m = mesh();
    await balanceWith(m, { simple: 'ROUND_ROBIN' }, 'ROUND_ROBIN');
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews') }, 300, { concurrency: 10 });
    expect(report.failures, describeReport(report)).toEqual([]);
    const counts = countsOf(report.byVersion);
    expect(Math.max(...counts) - Math.min(...counts), describeReport(report)).toBeLessThanOrEqual(1);
  });

  it('RANDOM gives each instance a third ± 5 points of 3,000 requests', async () => {
    const m = mesh();
    await balanceWith(m, { simple: 'RANDOM' }, 'RANDOM');
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews') }, 3000, { concurrency: 20 });
    expect(report.failures, describeReport(report)).toEqual([]);
    // ±5 points at p = 1/3 over 3,000: each check fails by chance with p ≈ 6e-9.
    for (const count of countsOf(report.byVersion)) {
      const share = checkShare(count, report.total, 1 / 3, 0.05);
      expect(share.withinTolerance, `${share.summary}; ${describeReport(report)}`).toBe(true);
    }
    process.stdout.write(`RANDOM: ${JSON.stringify(report.byVersion)}\n`);
  });

  it('LEAST_REQUEST sends a slow instance far less than its third', async () => {
    const m = mesh();
    await balanceWith(m, { simple: 'LEAST_REQUEST' }, 'LEAST_REQUEST');
    m.upstream('reviews', 'c').behave(() => ({ delayMs: 100 }));
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews') }, 600, { concurrency: 10 });
    m.upstream('reviews', 'c').reset();
    expect(report.failures, describeReport(report)).toEqual([]);
    // Power of two choices: the slow instance, with requests piling up, wins only when both choices
    // land on it (1/9) or on a tie; round robin would give it 1/3.
    const slow = (report.byVersion.c ?? 0) / report.total;
    expect(slow, describeReport(report)).toBeLessThan(0.2);
    process.stdout.write(`LEAST_REQUEST with c slow: ${JSON.stringify(report.byVersion)}\n`);
  });
});
