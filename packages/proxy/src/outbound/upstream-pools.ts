// One HTTP/1.1 keep-alive pool per upstream endpoint address, shared by every compiled config so that a
// config swap keeps warm connections. Pools of endpoints that left the config stay until `retain`
// drains them.

import type { Endpoint } from '../balancer/picker.js';
import type { CompiledCluster } from '../compile/compile-cluster.js';
import type { UpstreamConnector, UpstreamConnectors } from '../http/upstream-exchange.js';
import { Http1Pool } from '../http1/http1-pool.js';

/** Connection pools by endpoint key (`host:port`). */
export class UpstreamPools implements UpstreamConnectors {
  readonly #pools = new Map<string, Http1Pool>();

  /** The pool of `endpoint`, created on first use with `cluster`'s connect timeout. */
  get(endpoint: Endpoint, cluster: CompiledCluster): UpstreamConnector {
    let pool = this.#pools.get(endpoint.key);
    if (!pool) {
      // resilience hook: connection limit — the cluster's breaker gives max_connections here.
      pool = new Http1Pool({ host: endpoint.host, port: endpoint.port, connectTimeoutMs: cluster.connectTimeoutMs });
      this.#pools.set(endpoint.key, pool);
    }
    return pool;
  }

  /** Drops the pools whose key is not in `keys` (after a config swap removed their endpoints).
   *  Requests in flight on them finish first, as Envoy drains a removed host's connections. */
  async retain(keys: ReadonlySet<string>): Promise<void> {
    const drop = [...this.#pools].filter(([k]) => !keys.has(k));
    for (const [k] of drop) this.#pools.delete(k);
    await Promise.all(drop.map(([, p]) => p.drain()));
  }

  /** Number of pools open (for tests and stats). */
  get size(): number {
    return this.#pools.size;
  }

  /** Destroys every pool, cutting requests in flight (the proxy is shutting down). */
  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    for (const p of all) p.destroy();
  }
}
