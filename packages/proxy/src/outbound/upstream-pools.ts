// One undici Pool (keep-alive connections) per upstream endpoint address, shared by every compiled
// config so that a config swap keeps warm connections. Pools of endpoints that left the config stay
// until `retain` closes them.

import { Pool } from 'undici';
import type { Endpoint } from '../balancer/picker.js';

/** Connection pools by endpoint key (`host:port`). */
export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();

  /** The pool of `endpoint`, created on first use with the cluster's connect timeout. */
  get(endpoint: Endpoint, connectTimeoutMs: number): Pool {
    let pool = this.#pools.get(endpoint.key);
    if (!pool) {
      pool = new Pool(`http://${endpoint.key}`, { connect: { timeout: connectTimeoutMs }, keepAliveTimeout: 60_000 });
      this.#pools.set(endpoint.key, pool);
    }
    return pool;
  }

  /** Closes the pools whose key is not in `keys` (after a config swap removed their endpoints).
   *  Requests in flight on them finish first, as Envoy drains a removed host's connections. */
  async retain(keys: ReadonlySet<string>): Promise<void> {
    const drop = [...this.#pools].filter(([k]) => !keys.has(k));
    for (const [k] of drop) this.#pools.delete(k);
    await Promise.all(drop.map(([, p]) => p.close()));
  }

  /** Number of pools open (for tests and stats). */
  get size(): number {
    return this.#pools.size;
  }

  /** Destroys every pool, cutting requests in flight (the proxy is shutting down). */
  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(all.map((p) => p.destroy()));
  }
}
