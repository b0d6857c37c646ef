// RING_HASH, Envoy's ketama-style ring (ring_hash_lb.cc): each host gets ring entries at
// xxHash64("<host:port>_<i>") in proportion to its normalized weight, scaled so the lightest host has a
// whole number of entries and the ring holds at least minimum_ring_size (default 1024) and at most
// maximum_ring_size (default 8M) entries. A request goes to the first entry at or after its hash.

import type { Endpoint, HashChooser, WeightedHost } from './picker.js';
import { xxHash64 } from './xxhash64.js';

/** ring_hash_lb_config. */
export interface RingHashSettings {
  readonly minRingSize: number;
  readonly maxRingSize: number;
}

export const DEFAULT_MIN_RING_SIZE = 1024;
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;
export const DEFAULT_RING_HASH: RingHashSettings = Object.freeze({ minRingSize: DEFAULT_MIN_RING_SIZE, maxRingSize: DEFAULT_MAX_RING_SIZE });

/** A ring over `hosts` (normalized weights). Empty when `hosts` is. */
export function createRingHash(hosts: readonly WeightedHost[], settings: RingHashSettings = DEFAULT_RING_HASH): HashChooser & { readonly size: number } {
  if (hosts.length === 0) return { size: 0, choose: () => undefined };
  const minWeight = Math.min(...hosts.map((h) => h.weight));
  // Scale so the least-weighted host gets a whole number of entries, capped by the maximum size.
  const scale = Math.min(Math.ceil(minWeight * settings.minRingSize) / minWeight, settings.maxRingSize);
  const hashes: bigint[] = [];
  const owners: Endpoint[] = [];
  // Running sums keep fractional shares stable across hosts (Envoy's current/target hashes).
  let current = 0;
  let target = 0;
  for (const { endpoint, weight } of hosts) {
    target += scale * weight;
    for (let i = 0; current < target; i++, current++) {
      hashes.push(xxHash64(`${endpoint.key}_${i}`));
      owners.push(endpoint);
    }
  }
  const order = hashes.map((_, i) => i).sort((a, b) => {
    const x = hashes[a] as bigint;
    const y = hashes[b] as bigint;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const ring = BigUint64Array.from(order.map((i) => hashes[i] as bigint));
  const hostAt = order.map((i) => owners[i] as Endpoint);
  const n = ring.length;
  return {
    size: n,
    choose(h: bigint, attempt: number): Endpoint | undefined {
      // Ported from ketama_get_server as Envoy does; the signed bounds matter (highp may reach -1).
      let lowp = 0;
      let highp = n;
      let midp = 0;
      for (;;) {
        midp = Math.trunc((lowp + highp) / 2);
        if (midp === n) {
          midp = 0;
          break;
        }
        const midval = ring[midp] as bigint;
        const midval1 = midp === 0 ? 0n : (ring[midp - 1] as bigint);
        if (h <= midval && h > midval1) break;
        if (midval < h) lowp = midp + 1;
        else highp = midp - 1;
        if (lowp > highp) {
          midp = 0;
          break;
        }
      }
      // A retry host predicate asks again: behave as if this entry were not on the ring.
      if (attempt > 0) midp = (midp + attempt) % n;
      return hostAt[midp];
    },
  };
}
