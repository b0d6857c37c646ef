import { describe, expect, it } from 'vitest';
import { createEdfScheduler } from './edf-scheduler.js';
import { createLeastRequestChooser, leastRequestWeight } from './lb-least-request.js';
import { createRandomChooser } from './lb-random.js';
import { createRoundRobinChooser } from './lb-round-robin.js';
import type { Endpoint, HostChooser } from './picker.js';
import { seeded } from '../../test/seeded-random.js';

const ep = (port: number, weight = 1, active = 0): Endpoint => ({ host: '10.0.0.1', port, key: `10.0.0.1:${port}`, weight, locality: '//', active });

/** A fixed sequence of draws. */
function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

function counts(chooser: HostChooser, n: number, random: () => number): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const port = chooser.choose(random)?.port ?? -1;
    out.set(port, (out.get(port) ?? 0) + 1);
  }
  return out;
}

/** Five binomial standard deviations around n·p: a seeded run outside it means a real bias. */
function tolerance(n: number, p: number): number {
  return 5 * Math.sqrt(n * p * (1 - p));
}

describe('EDF scheduler', () => {
  it('serves entries in proportion to their weights, earliest deadline first, FIFO on ties', () => {
    const s = createEdfScheduler(['a', 'b', 'c'], (x) => ({ a: 1, b: 2, c: 1 })[x] ?? 0);
    const picks = Array.from({ length: 8 }, () => s.pickAndAdd((x) => ({ a: 1, b: 2, c: 1 })[x] ?? 0));
    // Deadlines: b 0.5; a, c, b at 1 in insertion order; b 1.5; then a, c, b at 2.
    expect(picks).toEqual(['b', 'a', 'c', 'b', 'b', 'a', 'c', 'b']);
  });

  it('drops entries whose weight becomes 0', () => {
    const s = createEdfScheduler(['a', 'b'], () => 1);
    s.pickAndAdd(() => 0);
    expect(s.size).toBe(1);
  });
});

describe('round robin', () => {
  it('visits every endpoint in turn from a random start when weights are equal', () => {
    const chooser = createRoundRobinChooser([ep(1), ep(2), ep(3)], () => 0.5);
    expect(Array.from({ length: 6 }, () => chooser.choose(Math.random)?.port)).toEqual([2, 3, 1, 2, 3, 1]);
  });

  it.each([
    [[1, 3], 400],
    [[5, 1, 2], 800],
    [[100, 1], 1010],
  ])('honours weights %j exactly over whole cycles (EDF)', (weights, n) => {
    const total = weights.reduce((a, b) => a + b, 0);
    const chooser = createRoundRobinChooser(
      weights.map((w, i) => ep(i + 1, w)),
      seeded(7),
    );
    const c = counts(chooser, n, Math.random);
    weights.forEach((w, i) => expect(Math.abs((c.get(i + 1) ?? 0) - (n * w) / total)).toBeLessThanOrEqual(1));
  });

  it('over nothing picks nothing', () => {
    expect(createRoundRobinChooser([], Math.random).choose(Math.random)).toBeUndefined();
  });
});

describe('least request', () => {
  it('takes the less loaded of two draws (the first wins ties)', () => {
    const busy = ep(1, 1, 5);
    const idle = ep(2);
    const chooser = createLeastRequestChooser([busy, idle], Math.random);
    expect(chooser.choose(sequence([0, 0.9]))?.port).toBe(2);
    expect(chooser.choose(sequence([0.9, 0]))?.port).toBe(2);
    expect(chooser.choose(sequence([0, 0]))?.port).toBe(1);
  });

  it('with choice_count 3 draws three times', () => {
    const hosts = [ep(1, 1, 3), ep(2, 1, 2), ep(3, 1, 1)];
    const chooser = createLeastRequestChooser(hosts, Math.random, { choiceCount: 3, activeRequestBias: 1 });
    expect(chooser.choose(sequence([0, 0.4, 0.9]))?.port).toBe(3);
  });

  it('sends little to a host with many requests in flight', () => {
    const hosts = [ep(1, 1, 50), ep(2), ep(3), ep(4)];
    const c = counts(createLeastRequestChooser(hosts, Math.random), 4000, seeded(3));
    // P2C picks host 1 only when both draws are host 1: 1/16 of picks.
    expect(c.get(1) ?? 0).toBeLessThan(4000 / 16 + tolerance(4000, 1 / 16));
  });

  it('with unequal weights follows weight / (active + 1) ^ bias', () => {
    const hosts = [ep(1, 1), ep(2, 3)];
    const c = counts(createLeastRequestChooser(hosts, seeded(1)), 4000, Math.random);
    expect(Math.abs((c.get(2) ?? 0) - 3000)).toBeLessThanOrEqual(1);
    expect(leastRequestWeight(ep(1, 4, 3), 1)).toBe(1);
    expect(leastRequestWeight(ep(1, 4, 3), 0)).toBe(4);
    expect(leastRequestWeight(ep(1, 4, 3), 2)).toBe(0.25);
  });
});

describe('random', () => {
  it('is uniform and ignores load_balancing_weight, as Envoy', () => {
    const n = 20_000;
    const c = counts(createRandomChooser([ep(1, 1), ep(2, 3), ep(3, 1)]), n, seeded(11));
    for (const port of [1, 2, 3]) expect(Math.abs((c.get(port) ?? 0) - n / 3)).toBeLessThan(tolerance(n, 1 / 3));
  });
});
