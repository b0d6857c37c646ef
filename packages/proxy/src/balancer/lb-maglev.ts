// MAGLEV, Envoy's maglev table (maglev_lb.cc, Maglev paper §3.4): hosts sorted by their `host:port`
// key each get a permutation of the table from offset = xxHash64(key) % size and
// skip = xxHash64(key, seed 1) % (size - 1) + 1, and take turns claiming their next free slot, a host of
// weight w claiming in w / max_weight of the rounds. A request goes to table[hash % size].

import type { Endpoint, HashChooser, WeightedHost } from './picker.js';
import { xxHash64 } from './xxhash64.js';

/** The maglev paper's recommended (and Envoy's default) table size; must be prime. */
export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;

/** Whether `n` is prime (Envoy rejects a maglev table size that is not). */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

const MASK64 = (1n << 64n) - 1n;

/** A maglev table of `tableSize` (prime) over `hosts` (normalized weights). Empty when `hosts` is. */
export function createMaglev(hosts: readonly WeightedHost[], tableSize: number = DEFAULT_MAGLEV_TABLE_SIZE): HashChooser & { readonly table: readonly Endpoint[] } {
  if (hosts.length === 0) return { table: [], choose: () => undefined };
  const size = BigInt(tableSize);
  // A stable order: the table is filled in turn, so the order decides the assignment.
  const sorted = [...hosts].sort((a, b) => (a.endpoint.key < b.endpoint.key ? -1 : a.endpoint.key > b.endpoint.key ? 1 : 0));
  const maxWeight = Math.max(...hosts.map((h) => h.weight));
  const entries = sorted.map(({ endpoint, weight }) => ({
    endpoint,
    weight,
    offset: Number(xxHash64(endpoint.key) % size),
    skip: Number(xxHash64(endpoint.key, 1n) % (size - 1n)) + 1,
    target: 0,
    next: 0,
  }));
  const table = new Array<Endpoint | undefined>(tableSize).fill(undefined);
  let filled = 0;
  for (let iteration = 1; filled < tableSize; iteration++) {
    for (const e of entries) {
      if (filled >= tableSize) break;
      // A host of maximum weight claims a slot every round; one of a third of it every third round.
      if (iteration * e.weight < e.target) continue;
      e.target += maxWeight;
      let c = (e.offset + e.skip * e.next) % tableSize;
      while (table[c] !== undefined) {
        e.next++;
        c = (e.offset + e.skip * e.next) % tableSize;
      }
      table[c] = e.endpoint;
      e.next++;
      filled++;
    }
  }
  const full = table as Endpoint[];
  return {
    table: full,
    choose(hash: bigint, attempt: number): Endpoint | undefined {
      // For a retry host predicate, flip many bits of the hash to land somewhere else.
      const h = attempt > 0 ? hash ^ ((MASK64 - BigInt(attempt) + 1n) & MASK64) : hash;
      return full[Number(h % size)];
    },
  };
}
