// ROUND_ROBIN: endpoints in turn, starting at a random offset so that many proxies do not all begin
// with the same host. Weights are not applied yet (Envoy's weighted round robin is an EDF schedule).

import type { Endpoint, Picker } from './picker.js';

/** A round-robin picker over a fixed endpoint list. */
export function createRoundRobinPicker(endpoints: readonly Endpoint[], random: () => number = Math.random): Picker {
  const list = Object.freeze([...endpoints]);
  let next = Math.floor(random() * list.length);
  return Object.freeze({
    policy: 'ROUND_ROBIN',
    pick(): Endpoint | undefined {
      if (list.length === 0) return undefined;
      const e = list[next % list.length];
      next = (next + 1) % list.length;
      return e;
    },
  });
}
