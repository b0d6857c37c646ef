// LEAST_REQUEST within one host list, as Envoy's LeastRequestLoadBalancer: with equal weights, draw
// choice_count hosts at random (default 2, "power of two choices") and keep the one with the fewest
// requests in flight (the first draw wins ties); with unequal weights, an EDF schedule whose weights are
// load_balancing_weight / (active + 1) ^ active_request_bias, read each time a host is picked.

import { createEdfScheduler } from './edf-scheduler.js';
import { weightsAreEqual } from './lb-round-robin.js';
import type { Endpoint, HostChooser } from './picker.js';

/** least_request_lb_config. */
export interface LeastRequestSettings {
  /** choice_count, Envoy's default 2. */
  readonly choiceCount: number;
  /** active_request_bias, Envoy's default 1.0 (0 makes it weighted round robin). */
  readonly activeRequestBias: number;
}

export const DEFAULT_LEAST_REQUEST: LeastRequestSettings = Object.freeze({ choiceCount: 2, activeRequestBias: 1 });

/** Envoy's hostWeight for least request: weight / (active + 1) ^ bias. */
export function leastRequestWeight(e: Endpoint, bias: number): number {
  if (bias === 0) return e.weight;
  const n = e.active + 1;
  return bias === 1 ? e.weight / n : e.weight / Math.pow(n, bias);
}

/** A least-request chooser over `hosts`; `active` counts come from the runtime. */
export function createLeastRequestChooser(hosts: readonly Endpoint[], random: () => number, settings: LeastRequestSettings = DEFAULT_LEAST_REQUEST): HostChooser {
  const list = [...hosts];
  if (list.length === 0) return { choose: () => undefined };
  if (list.length === 1) return { choose: () => list[0] };
  if (weightsAreEqual(list)) {
    const choices = Math.max(2, settings.choiceCount);
    return {
      choose(r: () => number): Endpoint | undefined {
        let best = list[Math.floor(r() * list.length)] as Endpoint;
        for (let i = 1; i < choices; i++) {
          const other = list[Math.floor(r() * list.length)] as Endpoint;
          if (other.active < best.active) best = other;
        }
        return best;
      },
    };
  }
  const bias = settings.activeRequestBias;
  const weightOf = (e: Endpoint): number => leastRequestWeight(e, bias);
  const edf = createEdfScheduler(list, weightOf, Math.floor(random() * list.length));
  return { choose: () => edf.pickAndAdd(weightOf) };
}
