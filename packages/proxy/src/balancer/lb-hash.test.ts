import { describe, expect, it } from 'vitest';
import { random64 } from './cluster-picker.js';
import { createMaglev, isPrime } from './lb-maglev.js';
import { createRingHash } from './lb-ring-hash.js';
import type { Endpoint, HashChooser, WeightedHost } from './picker.js';
import { seeded } from '../../test/seeded-random.js';

const ep = (i: number): Endpoint => ({ host: `10.0.0.${i}`, port: 9080, key: `10.0.0.${i}:9080`, weight: 1, locality: '//', active: 0 });

/** Hosts 1..n with `weights` (default equal), normalized. */
function hosts(n: number, weights: readonly number[] = []): WeightedHost[] {
  const w = Array.from({ length: n }, (_, i) => weights[i] ?? 1);
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x, i) => ({ endpoint: ep(i + 1), weight: x / sum }));
}

const KEYS = 20_000;
const keys = (() => {
  const r = seeded(42);
  return Array.from({ length: KEYS }, () => random64(r));
})();

function shares(chooser: HashChooser): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) {
    const key = chooser.choose(k, 0)?.key ?? 'none';
    out.set(key, (out.get(key) ?? 0) + 1 / KEYS);
  }
  return out;
}

// Ring hash gets 256 entries per host whatever the host count (minimum 256 × N), so adding a host
// keeps every old entry; with a fixed minimum the per-host count shrinks and old hosts lose points
// too (see the ring-hash-only test below).
const TABLES: readonly [string, (h: readonly WeightedHost[]) => HashChooser][] = [
  ['ring hash', (h) => createRingHash(h, { minRingSize: 256 * h.length, maxRingSize: 8 * 1024 * 1024 })],
  ['maglev', (h) => createMaglev(h)],
];

describe.each(TABLES)('%s', (_name, build) => {
  it('sends the same hash to the same host, across rebuilds of the same host set', () => {
    const set = hosts(5);
    const a = build(set);
    const b = build(hosts(5));
    for (const k of keys.slice(0, 500)) {
      expect(set.map((h) => h.endpoint)).toContain(a.choose(k, 0));
      expect(b.choose(k, 0)?.key).toBe(a.choose(k, 0)?.key);
    }
  });

  it('spreads hashes evenly over equal hosts', () => {
    const s = shares(build(hosts(4)));
    expect(s.size).toBe(4);
    // A 1024-entry ring gives each of 4 hosts 256 points: its share varies by about 1/sqrt(256) = 6%
    // relative; maglev's table differs by at most one entry per host. 25% relative is a real bias.
    for (const share of s.values()) expect(Math.abs(share - 0.25)).toBeLessThan(0.0625);
  });

  it('honours load_balancing_weight', () => {
    const s = shares(build(hosts(2, [1, 3])));
    expect(Math.abs((s.get('10.0.0.2:9080') ?? 0) - 0.75)).toBeLessThan(0.06);
  });

  it('remaps about 1/N of the keys when a host is added, all of them to the new host', () => {
    const before = build(hosts(4));
    const after = build(hosts(5));
    let moved = 0;
    let movedElsewhere = 0;
    for (const k of keys) {
      const a = before.choose(k, 0)?.key;
      const b = after.choose(k, 0)?.key;
      if (a === b) continue;
      moved++;
      if (b !== '10.0.0.5:9080') movedElsewhere++;
    }
    expect(Math.abs(moved / KEYS - 1 / 5)).toBeLessThan(0.06);
    // Consistent hashing: a key only moves to the new host (maglev allows a little churn elsewhere).
    expect(movedElsewhere / KEYS).toBeLessThan(0.02);
  });

  it('picks nothing from no hosts', () => {
    expect(build([]).choose(1n, 0)).toBeUndefined();
  });
});

describe('ring hash', () => {
  it.each([
    // 3 equal hosts: the lightest gets ceil(1/3 × 1024) = 342 entries, 1026 in all.
    [3, 1024, 8 * 1024 * 1024, 1026],
    [4, 1024, 8 * 1024 * 1024, 1024],
    [4, 1024, 100, 100],
    [2, 10, 8 * 1024 * 1024, 10],
  ])('%i hosts, minimum %i, maximum %i: %i entries', (n, min, max, size) => {
    expect(createRingHash(hosts(n), { minRingSize: min, maxRingSize: max }).size).toBe(size);
  });

  it('with the default 1024 minimum, adding a 5th host also moves keys between old hosts (Envoy does the same)', () => {
    const before = createRingHash(hosts(4));
    const after = createRingHash(hosts(5));
    const moved = keys.filter((k) => before.choose(k, 0)?.key !== after.choose(k, 0)?.key).length / KEYS;
    // 1/5 to the new host, plus the arcs of the ~20% of entries each old host loses (256 → 205).
    expect(moved).toBeGreaterThan(0.2);
    expect(moved).toBeLessThan(0.4);
  });

  it('gives another entry for a retry attempt', () => {
    const ring = createRingHash(hosts(3), { minRingSize: 3, maxRingSize: 3 });
    const first = keys.map((k) => ring.choose(k, 0)?.key);
    const retried = keys.map((k) => ring.choose(k, 1)?.key);
    // One entry per host: the next entry is always another host.
    expect(first.every((k, i) => k !== retried[i])).toBe(true);
  });
});

describe('maglev', () => {
  it('fills the whole table, equal hosts within one entry of each other', () => {
    const m = createMaglev(hosts(3));
    expect(m.table.length).toBe(65537);
    const c = new Map<string, number>();
    for (const e of m.table) c.set(e.key, (c.get(e.key) ?? 0) + 1);
    const values = [...c.values()];
    expect(values.reduce((a, b) => a + b, 0)).toBe(65537);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  });

  it('gives weighted hosts slots in proportion, on a small prime table', () => {
    const m = createMaglev(hosts(2, [1, 2]), 7);
    expect(m.table.filter((e) => e.key === '10.0.0.2:9080').length).toBeGreaterThanOrEqual(4);
    expect(m.table.every((e) => e !== undefined)).toBe(true);
  });

  it.each([
    [65537, true],
    [7, true],
    [65536, false],
    [1, false],
  ])('isPrime(%i) is %s', (n, prime) => {
    expect(isPrime(n)).toBe(prime);
  });
});
