import { describe, expect, it } from 'vitest';
import { createClusterPicker, type LbPolicy } from './cluster-picker.js';
import type { EdsHealth, Endpoint, HostHealth, Picker } from './picker.js';
import { seeded } from '../../test/seeded-random.js';

interface EpOptions {
  readonly priority?: number;
  readonly locality?: string;
  readonly localityWeight?: number;
  readonly edsHealth?: EdsHealth;
}

const ep = (i: number, o: EpOptions = {}): Endpoint => ({
  host: `10.0.0.${i}`,
  port: 80,
  key: `10.0.0.${i}:80`,
  weight: 1,
  locality: o.locality ?? 'r/z/',
  priority: o.priority ?? 0,
  localityWeight: o.localityWeight ?? 0,
  edsHealth: o.edsHealth ?? 'healthy',
  active: 0,
});

/** An in-memory HostHealth: a set of ejected keys and a counter bumped on every change. */
class Ejections implements HostHealth {
  readonly #ejected = new Set<string>();
  #epoch = 0;
  eject(...ids: number[]): this {
    for (const i of ids) this.#ejected.add(`10.0.0.${i}:80`);
    this.#epoch++;
    return this;
  }
  restore(...ids: number[]): this {
    for (const i of ids) this.#ejected.delete(`10.0.0.${i}:80`);
    this.#epoch++;
    return this;
  }
  refresh(): number {
    return this.#epoch;
  }
  isEjected(e: Endpoint): boolean {
    return this.#ejected.has(e.key);
  }
}

/** Picks `n` times; counts by last address octet (0 for no pick). */
function tally(picker: Picker, n: number, seed = 1): Map<number, number> {
  const random = seeded(seed);
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const id = Number(picker.pick(random)?.host.split('.')[3] ?? 0);
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

const POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];
const four = (): Endpoint[] => [ep(1), ep(2), ep(3), ep(4)];

describe('cluster picker: health and panic', () => {
  it.each(POLICIES)('%s never returns an ejected host while half or more are healthy', (policy) => {
    const health = new Ejections().eject(2, 4);
    const picked = tally(createClusterPicker({ policy, endpoints: four(), health }), 2000);
    expect([...picked.keys()].sort()).toEqual([1, 3]);
  });

  it.each(POLICIES)('%s routes to every host in panic (fewer than 50%% healthy)', (policy) => {
    const health = new Ejections().eject(1, 2, 3);
    const picked = tally(createClusterPicker({ policy, endpoints: four(), health }), 2000);
    expect([...picked.keys()].sort()).toEqual([1, 2, 3, 4]);
  });

  it.each(POLICIES)('%s with healthy_panic_threshold 0 finds no host when all are ejected', (policy) => {
    const health = new Ejections().eject(1, 2, 3, 4);
    expect(createClusterPicker({ policy, endpoints: four(), health, panicThreshold: 0 }).pick(Math.random)).toBeUndefined();
  });

  it('leaves EDS-unhealthy hosts out, and uses them in panic', () => {
    const endpoints = [ep(1), ep(2, { edsHealth: 'unhealthy' })];
    expect([...tally(createClusterPicker({ policy: 'ROUND_ROBIN', endpoints }), 100).keys()]).toEqual([1]);
    const mostlyBad = [ep(1), ep(2, { edsHealth: 'unhealthy' }), ep(3, { edsHealth: 'unhealthy' })];
    expect([...tally(createClusterPicker({ policy: 'ROUND_ROBIN', endpoints: mostlyBad }), 100).keys()].sort()).toEqual([1, 2, 3]);
  });

  it('sees ejections and returns on the next pick', () => {
    const health = new Ejections();
    const picker = createClusterPicker({ policy: 'ROUND_ROBIN', endpoints: four(), health });
    health.eject(3);
    expect(tally(picker, 100).get(3)).toBeUndefined();
    health.restore(3);
    expect(tally(picker, 100).get(3)).toBe(25);
  });

  it('picks nothing from an empty cluster', () => {
    expect(createClusterPicker({ policy: 'LEAST_REQUEST', endpoints: [] }).pick(Math.random)).toBeUndefined();
  });
});

describe('cluster picker: priorities and localities', () => {
  const twoLevels = (): Endpoint[] => [ep(1), ep(2), ep(3, { priority: 1 }), ep(4, { priority: 1 })];

  it('keeps all traffic on priority 0 while it is healthy', () => {
    expect([...tally(createClusterPicker({ policy: 'ROUND_ROBIN', endpoints: twoLevels() }), 1000).keys()].sort()).toEqual([1, 2]);
  });

  it('spills 30% to priority 1 when half of priority 0 is ejected (50% × 1.4 = 70% availability)', () => {
    const n = 10_000;
    const picked = tally(createClusterPicker({ policy: 'ROUND_ROBIN', endpoints: twoLevels(), health: new Ejections().eject(2) }), n);
    expect(picked.get(2)).toBeUndefined();
    const p1 = (picked.get(3) ?? 0) + (picked.get(4) ?? 0);
    expect(Math.abs(p1 - 0.3 * n)).toBeLessThan(5 * Math.sqrt(n * 0.3 * 0.7));
  });

  it('with locality_weighted_lb_config splits by locality weight (scaled by availability)', () => {
    const endpoints = [ep(1, { locality: 'a//', localityWeight: 1 }), ep(2, { locality: 'b//', localityWeight: 3 }), ep(3, { locality: 'b//', localityWeight: 3 })];
    const picked = tally(createClusterPicker({ policy: 'ROUND_ROBIN', endpoints, localityWeighted: true }), 4000);
    expect(picked.get(1)).toBe(1000);
    expect((picked.get(2) ?? 0) + (picked.get(3) ?? 0)).toBe(3000);
    // Half of b ejected: b's effective weight is 3 × min(1, 1.4 × 0.5) = 2.1 against a's 1.
    const ejected = tally(createClusterPicker({ policy: 'ROUND_ROBIN', endpoints, localityWeighted: true, health: new Ejections().eject(3) }), 3100);
    expect(ejected.get(1)).toBe(1000);
    expect(ejected.get(2)).toBe(2100);
  });

  it('builds hash tables with locality weights', () => {
    const endpoints = [ep(1, { locality: 'a//', localityWeight: 1 }), ep(2, { locality: 'b//', localityWeight: 3 })];
    const picked = tally(createClusterPicker({ policy: 'MAGLEV', endpoints, localityWeighted: true }), 10_000);
    expect(Math.abs((picked.get(2) ?? 0) - 7500)).toBeLessThan(300);
  });
});

describe('cluster picker: hashing and host reselection', () => {
  it.each(['RING_HASH', 'MAGLEV'] as const)('%s sends a hash to one host and spreads picks without a hash', (policy) => {
    const picker = createClusterPicker({ policy, endpoints: four() });
    const first = picker.pick(Math.random, { hash: 0x1234_5678_9abc_def0n });
    for (let i = 0; i < 50; i++) expect(picker.pick(Math.random, { hash: 0x1234_5678_9abc_def0n })).toBe(first);
    expect(tally(picker, 2000).size).toBe(4);
  });

  it.each(POLICIES)('%s re-picks when shouldSelectAnotherHost rejects a host', (policy) => {
    const picker = createClusterPicker({ policy, endpoints: [ep(1), ep(2)] });
    const random = seeded(5);
    let other = 0;
    for (let i = 0; i < 64; i++) {
      const e = picker.pick(random, { hash: BigInt(i) * 0x9e3779b97f4a7c15n, hostSelectionRetryCount: 5, shouldSelectAnotherHost: (h) => h.key === '10.0.0.1:80' });
      if (e?.key === '10.0.0.2:80') other++;
    }
    // Round robin alternates; the others land on host 1 six times running with odds of about 1/64.
    if (policy === 'ROUND_ROBIN') expect(other).toBe(64);
    else expect(other).toBeGreaterThanOrEqual(58);
    // Without the predicate, host 1 gets about half.
    expect(tally(picker, 1000).get(1)).toBeGreaterThan(350);
  });
});
