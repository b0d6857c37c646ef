// The state of every cluster that outlives one compiled config: circuit-breaker counters, outlier
// detection and per-endpoint stats (requests in flight included), keyed by cluster name and endpoint
// key. compileConfig reads and prunes it; the request path mutates it through the compiled cluster.

import { performance } from 'node:perf_hooks';
import { ClusterCircuitBreaker } from './circuit-breaker.js';
import { createHostStats, type HostStats } from './host-stats.js';
import { ClusterOutlierDetector } from './outlier-detector.js';

/** Injection points, for tests. */
export interface ClusterRuntimeOptions {
  /** Monotonic milliseconds (default performance.now). */
  readonly clock?: () => number;
  /** Uniform in [0, 1) (default Math.random): outlier enforcement percentages and jitter. */
  readonly random?: () => number;
}

/** The live state of one cluster name. */
export class ClusterLiveState {
  readonly name: string;
  readonly breaker = new ClusterCircuitBreaker();
  readonly outlier: ClusterOutlierDetector;
  readonly #hosts = new Map<string, HostStats>();

  constructor(name: string, clock: () => number, random: () => number) {
    this.name = name;
    this.outlier = new ClusterOutlierDetector(clock, random);
  }

  /** The stats of endpoint `key`, created at zero on first use. */
  hostStats(key: string): HostStats {
    let s = this.#hosts.get(key);
    if (!s) {
      s = createHostStats();
      this.#hosts.set(key, s);
    }
    return s;
  }

  /** Every endpoint's stats, by endpoint key (admin reads). */
  hosts(): IterableIterator<[string, HostStats]> {
    return this.#hosts.entries();
  }

  /** The stats of endpoint `key` if it has any (admin reads; never creates). */
  peekHostStats(key: string): HostStats | undefined {
    return this.#hosts.get(key);
  }

  /** Forgets the stats of endpoints not in `keys` (they left the cluster; Envoy drops their stats).
   *  Requests still in flight to them keep their own reference and finish normally. */
  retainHosts(keys: ReadonlySet<string>): void {
    for (const key of this.#hosts.keys()) if (!keys.has(key)) this.#hosts.delete(key);
  }

  /** Forgets one endpoint's stats (an idle original-destination host). */
  releaseHost(key: string): void {
    this.#hosts.delete(key);
  }
}

/**
 * Every cluster's live state. One long-lived instance per proxy, passed to each compileConfig /
 * compileSnapshot so that counters and ejections survive config updates.
 */
export class ClusterRuntime {
  readonly clock: () => number;
  readonly random: () => number;
  readonly #clusters = new Map<string, ClusterLiveState>();

  constructor(options: ClusterRuntimeOptions = {}) {
    this.clock = options.clock ?? (() => performance.now());
    this.random = options.random ?? Math.random;
  }

  /** The state of cluster `name`, created on first use. */
  cluster(name: string): ClusterLiveState {
    let c = this.#clusters.get(name);
    if (!c) {
      c = new ClusterLiveState(name, this.clock, this.random);
      this.#clusters.set(name, c);
    }
    return c;
  }

  /** Every cluster's state (admin reads). */
  clusters(): IterableIterator<ClusterLiveState> {
    return this.#clusters.values();
  }

  /** The state of cluster `name` if it exists (admin reads; never creates). */
  get(name: string): ClusterLiveState | undefined {
    return this.#clusters.get(name);
  }

  /** Drops the state of clusters not in `names` (removed by CDS, as Envoy drops a removed cluster). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.#clusters.keys()) if (!names.has(name)) this.#clusters.delete(name);
  }

  get size(): number {
    return this.#clusters.size;
  }
}
