// The Picker of one compiled cluster: Envoy's host selection around an lb_policy. Per pick: choose a
// priority by its load, use all of its hosts in panic mode, else (with locality_weighted_lb_config) a
// locality, else its healthy (or degraded) hosts; then the policy's chooser picks within that list.
// Ring hash and maglev build one table per priority over the healthy hosts (all hosts in panic) and
// choose the priority from the request hash, as Envoy's ThreadAwareLoadBalancerBase. The host sets
// are rebuilt lazily on the first pick after outlier detection ejects or returns a host.

import { buildHostSets, createLocalityChooser, type HostSet } from './host-set.js';
import { createLeastRequestChooser, DEFAULT_LEAST_REQUEST, type LeastRequestSettings } from './lb-least-request.js';
import { createMaglev, DEFAULT_MAGLEV_TABLE_SIZE } from './lb-maglev.js';
import { createRandomChooser } from './lb-random.js';
import { createRingHash, DEFAULT_RING_HASH, type RingHashSettings } from './lb-ring-hash.js';
import { createRoundRobinChooser } from './lb-round-robin.js';
import type { Endpoint, HashChooser, HostChooser, HostHealth, PickContext, Picker, WeightedHost } from './picker.js';
import { choosePriority, computePriorityLoads, DEFAULT_PANIC_THRESHOLD, type PriorityLoads } from './priority-load.js';

/** The lb_policy values with a host-list picker here (ORIGINAL_DST has its own, lb-original-dst.ts). */
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV';

/** Everything a cluster picker is built from, fixed for its life. */
export interface ClusterPickerOptions {
  readonly policy: LbPolicy;
  readonly endpoints: readonly Endpoint[];
  /** Outlier detection's view; every host counts as not ejected when absent. */
  readonly health?: HostHealth;
  /** common_lb_config.healthy_panic_threshold in percent (Envoy's default 50; 0 disables panic). */
  readonly panicThreshold?: number;
  /** common_lb_config.locality_weighted_lb_config is set. */
  readonly localityWeighted?: boolean;
  readonly leastRequest?: LeastRequestSettings;
  readonly ringHash?: RingHashSettings;
  /** maglev_lb_config.table_size (a prime). */
  readonly maglevTableSize?: number;
  /** Draws starting points of round-robin schedules (default Math.random). */
  readonly seed?: () => number;
}

const TWO_32 = 2 ** 32;

/** A random 64-bit value from two draws of `random`. */
export function random64(random: () => number): bigint {
  return (BigInt(Math.floor(random() * TWO_32)) << 32n) | BigInt(Math.floor(random() * TWO_32));
}

const isHashPolicy = (p: LbPolicy): boolean => p === 'RING_HASH' || p === 'MAGLEV';

/** Normalized host weights of a list, optionally scaled by a locality's share (Envoy's
 *  normalizeHostWeights). */
function normalize(hosts: readonly Endpoint[], share: number, out: WeightedHost[]): void {
  const sum = hosts.reduce((a, h) => a + h.weight, 0);
  if (sum <= 0) return;
  for (const h of hosts) out.push({ endpoint: h, weight: (h.weight * share) / sum });
}

/** The weighted hosts a priority's hash table is built from: healthy hosts (all in panic), with
 *  locality weights applied when locality-weighted balancing is on (Envoy's normalizeWeights). */
export function hashTableHosts(set: HostSet, panic: boolean, localityWeighted: boolean): WeightedHost[] {
  const out: WeightedHost[] = [];
  const weighted = localityWeighted && set.localities.length > 0;
  if (!weighted) {
    normalize(panic ? set.all : set.healthyHosts, 1, out);
    return out;
  }
  const total = set.localities.reduce((a, l) => a + l.weight, 0);
  if (total === 0) return out;
  for (const l of set.localities) if (l.weight > 0) normalize(panic ? l.all : l.healthy, l.weight / total, out);
  return out;
}

interface ListState {
  readonly kind: 'list';
  readonly sets: readonly HostSet[];
  readonly loads: PriorityLoads;
  /** Per priority: choosers by host source, created on first use. */
  readonly choosers: Map<string, HostChooser>[];
  readonly healthyLocality: ((() => number | undefined) | undefined)[];
  readonly degradedLocality: ((() => number | undefined) | undefined)[];
  /** Every pick lands on priority 0's healthy hosts (it takes all the load, is not in panic, has no
   *  locality weighting and has healthy hosts): the common case, without the per-pick priority and
   *  source lookups. */
  readonly allHealthy0: boolean;
  /** That case's chooser once made: the same one as `choosers[0]`'s 'healthy' (one state). */
  healthy0: HostChooser | undefined;
}

interface HashState {
  readonly kind: 'hash';
  readonly sets: readonly HostSet[];
  readonly loads: PriorityLoads;
  /** Per priority, built on first use (a ring is 1024+ hashes). */
  readonly tables: (HashChooser | undefined)[];
}

/**
 * A picker for `options.policy` over `options.endpoints`. The returned picker reads `active` counts and
 * ejections live; everything else is fixed. `pick(random, ctx)` follows {@link PickContext}: `hash` feeds
 * ring hash and maglev (random when absent); `shouldSelectAnotherHost` with `hostSelectionRetryCount`
 * re-picks up to that many times.
 */
export function createClusterPicker(options: ClusterPickerOptions): Picker {
  const policy = options.policy;
  const endpoints = [...options.endpoints];
  const health = options.health;
  const panicThreshold = options.panicThreshold ?? DEFAULT_PANIC_THRESHOLD;
  const localityWeighted = options.localityWeighted ?? false;
  const seed = options.seed ?? Math.random;
  const leastRequest = options.leastRequest ?? DEFAULT_LEAST_REQUEST;
  const ringHash = options.ringHash ?? DEFAULT_RING_HASH;
  const maglevSize = options.maglevTableSize ?? DEFAULT_MAGLEV_TABLE_SIZE;
  const notEjected = (): boolean => false;

  let epoch = Number.NaN;
  let state: ListState | HashState | undefined;

  function build(): ListState | HashState {
    const sets = buildHostSets(endpoints, health ? (e) => health.isEjected(e) : notEjected);
    const loads = computePriorityLoads(sets, panicThreshold);
    if (isHashPolicy(policy)) return { kind: 'hash', sets, loads, tables: sets.map(() => undefined) };
    const healthyLocality = sets.map((s) => (localityWeighted ? createLocalityChooser(s, 'healthy') : undefined));
    const set0 = sets[0];
    return {
      kind: 'list',
      sets,
      loads,
      choosers: sets.map(() => new Map()),
      healthyLocality,
      degradedLocality: sets.map((s) => (localityWeighted ? createLocalityChooser(s, 'degraded') : undefined)),
      allHealthy0: set0 !== undefined && loads.healthy[0] === 100 && !loads.panic[0] && healthyLocality[0] === undefined && set0.healthyHosts.length > 0,
      healthy0: undefined,
    };
  }

  function current(): ListState | HashState {
    const e = health ? health.refresh() : 0;
    if (state === undefined || e !== epoch) {
      state = build();
      epoch = e;
    }
    return state;
  }

  function chooserFor(hosts: readonly Endpoint[]): HostChooser {
    switch (policy) {
      case 'LEAST_REQUEST':
        return createLeastRequestChooser(hosts, seed, leastRequest);
      case 'RANDOM':
        return createRandomChooser(hosts);
      default:
        return createRoundRobinChooser(hosts, seed);
    }
  }

  /** One pick from a list-based state (Envoy's EdfLoadBalancerBase::chooseHostOnce). */
  function pickFromList(s: ListState, random: () => number): Endpoint | undefined {
    const point = Math.floor(random() * 100) + 1;
    if (s.allHealthy0) {
      // All the load on priority 0's healthy hosts (no panic, no localities): the chooser is known.
      let chooser = s.healthy0;
      if (chooser === undefined) {
        chooser = chooserFor((s.sets[0] as HostSet).healthyHosts);
        (s.choosers[0] as Map<string, HostChooser>).set('healthy', chooser);
        s.healthy0 = chooser;
      }
      return chooser.choose(random);
    }
    const { priority, degraded } = choosePriority(s.loads, point);
    const set = s.sets[priority];
    if (!set) return undefined;
    let source: string;
    let hosts: readonly Endpoint[];
    if (s.loads.panic[priority]) {
      source = 'all';
      hosts = set.all;
    } else {
      const locality = (degraded ? s.degradedLocality[priority] : s.healthyLocality[priority])?.();
      const loc = locality === undefined ? undefined : set.localities[locality];
      if (loc) {
        source = `${degraded ? 'd' : 'h'}${locality}`;
        hosts = degraded ? loc.degraded : loc.healthy;
      } else {
        source = degraded ? 'degraded' : 'healthy';
        hosts = degraded ? set.degradedHosts : set.healthyHosts;
      }
    }
    if (hosts.length === 0) return undefined;
    const choosers = s.choosers[priority] as Map<string, HostChooser>;
    let chooser = choosers.get(source);
    if (!chooser) {
      chooser = chooserFor(hosts);
      choosers.set(source, chooser);
    }
    return chooser.choose(random);
  }

  function tableFor(s: HashState, priority: number): HashChooser | undefined {
    let table = s.tables[priority];
    if (table) return table;
    const set = s.sets[priority];
    if (!set) return undefined;
    const hosts = hashTableHosts(set, s.loads.panic[priority] ?? false, localityWeighted);
    table = policy === 'MAGLEV' ? createMaglev(hosts, maglevSize) : createRingHash(hosts, ringHash);
    s.tables[priority] = table;
    return table;
  }

  return Object.freeze({
    policy,
    pick(random: () => number, ctx?: PickContext): Endpoint | undefined {
      if (endpoints.length === 0) return undefined;
      const s = current();
      const attempts = 1 + Math.max(0, ctx?.hostSelectionRetryCount ?? 0);
      const reject = ctx?.shouldSelectAnotherHost;
      if (s.kind === 'hash') {
        // One hash for the priority and every attempt (Envoy's ThreadAwareLoadBalancerBase).
        const h = ctx?.hash ?? random64(random);
        const { priority } = choosePriority(s.loads, Number(h % 100n) + 1);
        const table = tableFor(s, priority);
        let host: Endpoint | undefined;
        for (let i = 0; i < attempts; i++) {
          host = table?.choose(h, i);
          if (!host || !reject?.call(ctx, host)) return host;
        }
        return host;
      }
      let host: Endpoint | undefined;
      for (let i = 0; i < attempts; i++) {
        host = pickFromList(s, random);
        if (!host || !reject?.call(ctx, host)) return host;
      }
      return host;
    },
  });
}
