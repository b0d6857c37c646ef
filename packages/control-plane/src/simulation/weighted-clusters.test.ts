import { describe, expect, it } from 'vitest';
import { clusterShares, pickWeightedCluster } from './weighted-clusters.js';

const fiftyFifty = [
  { name: 'v1', weight: 50 },
  { name: 'v3', weight: 50 },
];
const ninetyTen = [
  { name: 'v1', weight: 90 },
  { name: 'v2', weight: 10 },
];

describe('pickWeightedCluster (random % total, cumulative ranges)', () => {
  it.each([
    [fiftyFifty, 0, 'v1'],
    [fiftyFifty, 49, 'v1'],
    [fiftyFifty, 50, 'v3'],
    [fiftyFifty, 99, 'v3'],
    [fiftyFifty, 100, 'v1'],
    [ninetyTen, 89, 'v1'],
    [ninetyTen, 90, 'v2'],
    [ninetyTen, 2n ** 64n - 1n, 'v1'], // (2^64-1) % 100 = 15
    [ninetyTen, 2n ** 64n - 21n, 'v2'], // (2^64-21) % 100 = 95
  ])('%j with %s → %s', (clusters, random, want) => {
    expect(pickWeightedCluster(clusters, random)?.name).toBe(want);
  });

  it('skips zero weights and gives up when all are zero', () => {
    expect(pickWeightedCluster([{ name: 'a', weight: 0 }, { name: 'b', weight: 3 }], 0)?.name).toBe('b');
    expect(pickWeightedCluster([{ name: 'a', weight: 0 }], 7)).toBeUndefined();
  });

  it('distributes a full cycle of random values exactly by weight', () => {
    const clusters = [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 2 },
      { name: 'c', weight: 7 },
    ];
    const counts = new Map<string, number>();
    for (let r = 0; r < 1000; r++) {
      const name = pickWeightedCluster(clusters, r)?.name ?? '';
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ a: 100, b: 200, c: 700 });
  });
});

describe('clusterShares', () => {
  it('turns weights into percentages, summing repeated names', () => {
    expect(Object.fromEntries(clusterShares([{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }, { name: 'a', weight: 4 }]))).toEqual({ a: 62.5, b: 37.5 });
  });
});
