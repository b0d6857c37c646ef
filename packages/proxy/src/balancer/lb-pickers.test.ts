import { describe, expect, it } from 'vitest';
import { createLeastRequestPicker } from './lb-least-request.js';
import { createRandomPicker } from './lb-random.js';
import { createRoundRobinPicker } from './lb-round-robin.js';
import type { Endpoint } from './picker.js';

const ep = (port: number, weight = 1): Endpoint => ({ host: '10.0.0.1', port, key: `10.0.0.1:${port}`, weight, locality: '//', active: 0 });

/** A deterministic random sequence. */
function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

describe('pickers', () => {
  it('round robin visits every endpoint in turn', () => {
    const picker = createRoundRobinPicker([ep(1), ep(2), ep(3)], () => 0);
    expect(Array.from({ length: 6 }, () => picker.pick(Math.random)?.port)).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('round robin over nothing picks nothing', () => {
    expect(createRoundRobinPicker([]).pick(Math.random)).toBeUndefined();
  });

  it('random follows the weights', () => {
    const picker = createRandomPicker([ep(1, 1), ep(2, 3)]);
    expect([0, 0.24, 0.26, 0.99].map((r) => picker.pick(() => r)?.port)).toEqual([1, 1, 2, 2]);
  });

  it('least request takes the less loaded of two draws', () => {
    const busy = ep(1);
    busy.active = 5;
    const idle = ep(2);
    const picker = createLeastRequestPicker([busy, idle]);
    expect(picker.pick(sequence([0, 0.9]))?.port).toBe(2);
    expect(picker.pick(sequence([0.9, 0]))?.port).toBe(2);
    expect(picker.pick(sequence([0, 0]))?.port).toBe(1);
  });
});
