// Upstream connection pools, one per (endpoint, cluster, protocol) as Envoy keeps one per host per
// cluster: each pool answers to its cluster's circuit breaker. Shared by every compiled config so that
// a config swap keeps warm connections; pools of endpoints that left the config stay until `retain`
// drains them.

import type { Endpoint } from '../balancer/picker.js';
import type { CompiledCluster } from '../compile/compile-cluster.js';
import type { UpstreamConnector, UpstreamConnectors } from '../http/upstream-exchange.js';
import { Http1Pool } from '../http1/http1-pool.js';
import { Http2SessionPool } from '../http2/http2-session-pool.js';

type Pool = Http1Pool | Http2SessionPool;

/** Connection pools by endpoint key (`host:port`), then cluster name and protocol. */
export class UpstreamPools implements UpstreamConnectors {
  readonly #byEndpoint = new Map<string, Map<string, Pool>>();
  #size = 0;

  /** The pool of `endpoint` for `cluster` and `protocol`, created on first use with the cluster's
   *  connect timeout, HTTP protocol options and circuit breaker. */
  get(endpoint: Endpoint, cluster: CompiledCluster, protocol: 'http1' | 'http2' = 'http1'): UpstreamConnector {
    let pools = this.#byEndpoint.get(endpoint.key);
    if (!pools) this.#byEndpoint.set(endpoint.key, (pools = new Map()));
    const tls = cluster.tlsFor?.(endpoint);
    const base = protocol === 'http1' ? cluster.name : `h2:${cluster.name}`;
    // Pools of one endpoint differ by TLS settings too: a config change that turns mTLS on or off
    // (PeerAuthentication, DestinationRule) must not reuse the other kind of connection.
    const key = tls === undefined ? base : `${base}|${tls.key}`;
    let pool = pools.get(key);
    if (!pool) {
      const http = cluster.upstreamHttp;
      const common = { host: endpoint.host, port: endpoint.port, connectTimeoutMs: cluster.connectTimeoutMs, idleTimeoutMs: http.idleTimeoutMs, maxConnections: cluster.breaker.maxConnections, tls };
      pool =
        protocol === 'http2'
          ? new Http2SessionPool({ ...common, maxConcurrentStreams: http.maxConcurrentStreams, maxRequestsPerConnection: http.maxRequestsPerConnection })
          : new Http1Pool({ ...common, breaker: cluster.breaker, endpoint, maxRequestsPerConnection: http.maxRequestsPerConnection });
      pools.set(key, pool);
      this.#size++;
    }
    return pool;
  }

  /** Drops the pools of endpoints whose key is not in `keys` (after a config swap removed them).
   *  Requests in flight on them finish first, as Envoy drains a removed host's connections. */
  async retain(keys: ReadonlySet<string>): Promise<void> {
    const drop: Pool[] = [];
    for (const [k, pools] of this.#byEndpoint) {
      if (keys.has(k)) continue;
      this.#byEndpoint.delete(k);
      this.#size -= pools.size;
      drop.push(...pools.values());
    }
    await Promise.all(drop.map((p) => p.drain()));
  }

  /** Number of pools open (for tests and stats). */
  get size(): number {
    return this.#size;
  }

  /** Destroys every pool, cutting requests in flight (the proxy is shutting down). */
  async close(): Promise<void> {
    const all = [...this.#byEndpoint.values()].flatMap((pools) => [...pools.values()]);
    this.#byEndpoint.clear();
    this.#size = 0;
    for (const p of all) p.destroy();
  }
}
