// RANDOM within one host list, as Envoy's RandomLoadBalancer: a uniform draw that ignores
// load_balancing_weight (Envoy applies weights to localities and priorities, not to random picks).
// Also the cumulative-weight helpers route-action.ts uses for weighted clusters.

import type { Endpoint, HostChooser } from './picker.js';

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

/** A uniform random chooser over `hosts`. */
export function createRandomChooser(hosts: readonly Endpoint[]): HostChooser {
  const list = [...hosts];
  return { choose: (random) => (list.length === 0 ? undefined : list[Math.floor(random() * list.length)]) };
}
