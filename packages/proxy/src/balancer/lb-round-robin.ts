// ROUND_ROBIN within one host list, as Envoy's RoundRobinLoadBalancer: plain rotation from a random
// start when every weight is equal, an EDF schedule (weighted round robin) when they differ.

import { createEdfScheduler } from './edf-scheduler.js';
import type { Endpoint, HostChooser } from './picker.js';

/** Whether every host of `hosts` has the same load_balancing_weight (Envoy then skips EDF). */
export function weightsAreEqual(hosts: readonly Endpoint[]): boolean {
  const first = hosts[0]?.weight;
  return hosts.every((h) => h.weight === first);
}

/** A round-robin chooser over `hosts`; `random` only picks the starting point. */
export function createRoundRobinChooser(hosts: readonly Endpoint[], random: () => number): HostChooser {
  const list = [...hosts];
  if (list.length === 0) return { choose: () => undefined };
  if (weightsAreEqual(list)) {
    let next = Math.floor(random() * list.length);
    return {
      choose(): Endpoint | undefined {
        const e = list[next];
        next = next + 1 === list.length ? 0 : next + 1;
        return e;
      },
    };
  }
  const weightOf = (e: Endpoint): number => e.weight;
  const edf = createEdfScheduler(list, weightOf, Math.floor(random() * list.length));
  return { choose: () => edf.pickAndAdd(weightOf) };
}
