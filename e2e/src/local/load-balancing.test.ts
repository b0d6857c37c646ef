// Load balancing, measured over one service with three instances (a, b, c) and its DestinationRule's
// `trafficPolicy.loadBalancer`: ROUND_ROBIN rotates exactly, RANDOM spreads evenly (±5 points over
// 3,000), LEAST_REQUEST avoids a slow instance, and consistent hashing (ring hash, maglev) on a header,
// a query parameter or the source IP keeps every key on one instance while spreading keys over all three.

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

  /** How a request carries its hash key. */
  interface KeyCarrier {
    readonly headers?: Readonly<Record<string, string>>;
    readonly path?: string;
    readonly localAddress?: string;
  }
  /** One consistent-hash case: the policy, how many keys, and how request i carries key i % keys. */
  interface HashCase {
    readonly loadBalancer: LoadBalancerSettings;
    readonly lbPolicy: string;
    readonly keys: number;
    /** ± tolerance on each instance's share of the keys (flake probability checked by checkShare). */
    readonly tolerance: number;
    readonly carry: (m: LocalMesh, key: number) => KeyCarrier;
  }
  const byHeader = (_: LocalMesh, key: number): KeyCarrier => ({ headers: { 'x-user': `user-${key}` } });
  const HASH_CASES: ReadonlyArray<readonly [string, HashCase]> = [
    ['RING_HASH on header x-user', { loadBalancer: { consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 1024 } } }, lbPolicy: 'RING_HASH', keys: 300, tolerance: 0.15, carry: byHeader }],
    ['MAGLEV on header x-user', { loadBalancer: { consistentHash: { httpHeaderName: 'x-user', maglev: { tableSize: 65537 } } }, lbPolicy: 'MAGLEV', keys: 300, tolerance: 0.15, carry: byHeader }],
    ['MAGLEV on query parameter user', { loadBalancer: { consistentHash: { httpQueryParameterName: 'user', maglev: { tableSize: 1031 } } }, lbPolicy: 'MAGLEV', keys: 300, tolerance: 0.15, carry: (_, key) => ({ path: `/reviews?user=u${key}&page=1` }) }],
    // Each key a source address of the mesh's /24 (.100 to .189): the client binds it before connecting.
    ['RING_HASH on the source IP', { loadBalancer: { consistentHash: { useSourceIp: true, ringHash: {} } }, lbPolicy: 'RING_HASH', keys: 90, tolerance: 0.25, carry: (m, key) => ({ localAddress: m.subnet.host(100 + key) }) }],
  ];

  it.each(HASH_CASES)('%s keeps each key on one instance and spreads keys over all three', async (name, c) => {
    const m = mesh();
    await balanceWith(m, c.loadBalancer, c.lbPolicy);
    // Each key three times, interleaved with the others, over 10 connections.
    const shapes = Array.from({ length: c.keys }, (_, key) => c.carry(m, key));
    const report = await runLoad(
      m.proxy.outboundPort,
      {
        authority: m.authority('reviews'),
        path: (i) => shapes[i % c.keys]?.path ?? '/',
        headers: (i) => shapes[i % c.keys]?.headers ?? {},
        localAddress: (i) => shapes[i % c.keys]?.localAddress ?? '127.0.0.1',
      },
      c.keys * 3,
      { concurrency: 10 },
    );
    expect(report.failures, describeReport(report)).toEqual([]);
    const instancesOf = new Map<number, Set<string>>();
    for (const r of report.results) instancesOf.set(r.index % c.keys, (instancesOf.get(r.index % c.keys) ?? new Set()).add(r.version ?? '?'));
    const split = [...instancesOf.entries()].filter(([, v]) => v.size !== 1).map(([key, v]) => `${key}: ${[...v].join(',')}`);
    expect(split, 'keys sent to more than one instance').toEqual([]);
    // Every instance holds about a third of the keys. The hash is not a coin, but keys and host addresses
    // are arbitrary, so a binomial model fits; the tolerance also absorbs the ring's own imbalance (a few
    // points at 1,024 entries).
    const keysPer = INSTANCES.map((i) => [...instancesOf.values()].filter((v) => v.has(i)).length);
    for (const n of keysPer) {
      const share = checkShare(n, c.keys, 1 / 3, c.tolerance);
      expect(share.withinTolerance, `keys per instance ${keysPer.join('/')}: ${share.summary}`).toBe(true);
    }
    process.stdout.write(`${name}: keys per instance ${keysPer.join('/')}, requests ${JSON.stringify(report.byVersion)}\n`);
  });
});
