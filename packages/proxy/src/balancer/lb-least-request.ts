// LEAST_REQUEST: Envoy's default for equal weights, the power of two choices: draw two endpoints at
// random and take the one with fewer requests in flight (ties go to the first draw).

import type { Endpoint, Picker } from './picker.js';

/** A least-request (P2C) picker; `active` counts come from the forwarder. */
export function createLeastRequestPicker(endpoints: readonly Endpoint[]): Picker {
  const list = Object.freeze([...endpoints]);
  return Object.freeze({
    policy: 'LEAST_REQUEST',
    pick(random: () => number): Endpoint | undefined {
      if (list.length <= 1) return list[0];
      const a = list[Math.floor(random() * list.length)] as Endpoint;
      const b = list[Math.floor(random() * list.length)] as Endpoint;
      return b.active < a.active ? b : a;
    },
  });
}
