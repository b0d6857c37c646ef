// RANDOM: a weighted random choice, with the cumulative weights computed once per endpoint set.

import type { Endpoint, Picker } from './picker.js';

/** Index of the first cumulative weight above `point` (binary search). */
export function weightedIndex(cumulative: readonly number[], point: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] ?? 0) > point) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Running sums of `weights`, for {@link weightedIndex}. */
export function cumulativeWeights(weights: readonly number[]): readonly number[] {
  let sum = 0;
  return Object.freeze(weights.map((w) => (sum += w)));
}

/** A weighted random picker. */
export function createRandomPicker(endpoints: readonly Endpoint[]): Picker {
  const list = Object.freeze([...endpoints]);
  const cumulative = cumulativeWeights(list.map((e) => e.weight));
  const total = cumulative[cumulative.length - 1] ?? 0;
  return Object.freeze({
    policy: 'RANDOM',
    pick(random: () => number): Endpoint | undefined {
      if (list.length === 0) return undefined;
      return list[weightedIndex(cumulative, random() * total)];
    },
  });
}
