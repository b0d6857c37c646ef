// The keep-alive connection pool of one upstream endpoint: idle connections are reused last-in
// first-out (the warmest first, so surplus ones age out), new ones are opened up to a limit, and
// requests wait in order for a connection. Idle connections close after a timeout, or earlier when
// the upstream announced a shorter `Keep-Alive: timeout`.

import { connect, type Socket } from 'node:net';
import type { Endpoint } from '../balancer/picker.js';
import type { CircuitBreaker } from '../cluster/cluster-state.js';
import type { UpstreamConnector, UpstreamExchange, UpstreamRequestHead, UpstreamResponseHandler } from '../http/upstream-exchange.js';
import type { UpstreamTls } from '../tls/upstream-tls.js';
import { Http1ClientConnection, Http1ClientExchange, type ClientConnectionOwner } from './http1-client-connection.js';
import { sharedReadBuffer } from './read-buffer.js';

/** Settings of one pool. */
export interface Http1PoolOptions {
  readonly host: string;
  readonly port: number;
  /** The cluster's connect_timeout; 0 for none. */
  readonly connectTimeoutMs: number;
  /** Most connections open or opening at once (Envoy's max_connections default, 1024). */
  readonly maxConnections?: number;
  /** How long an unused connection is kept (default 60 s). */
  readonly idleTimeoutMs?: number | undefined;
  /** The cluster's circuit breaker: a request waiting for a connection takes a pending slot
   *  (max_pending_requests, else it fails with 'overflow'), a connection a connection slot
   *  (max_connections over the whole cluster, else requests wait for one that frees up). */
  readonly breaker?: CircuitBreaker;
  /** The endpoint this pool serves, for the breaker's per-host accounting. */
  readonly endpoint?: Endpoint;
  /** TLS on its connections (the cluster's transport socket for this endpoint); absent: plaintext. */
  readonly tls?: UpstreamTls | undefined;
  /** Requests a connection serves before it is closed (the cluster's max_requests_per_connection,
   *  DestinationRule maxRequestsPerConnection); 0 or absent: no limit. */
  readonly maxRequestsPerConnection?: number | undefined;
}

/** Counts, for stats and tests. */
export interface Http1PoolStats {
  readonly open: number;
  readonly connecting: number;
  readonly idle: number;
  readonly queued: number;
}

/** Envoy's default circuit breaker max_connections. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** A connection is given up this long before the upstream's announced keep-alive timeout, as undici does. */
const KEEP_ALIVE_MARGIN_MS = 1000;

/** HTTP/1.1 connections to one endpoint. */
export class Http1Pool implements UpstreamConnector, ClientConnectionOwner {
  readonly #all = new Set<Http1ClientConnection>();
  /** Idle connections, the most recently used last. */
  readonly #idle: Http1ClientConnection[] = [];
  /** Requests waiting for a connection, first come first served. */
  readonly #queue: Http1ClientExchange[] = [];
  /** Requests to resend on a connection never used before (a reused one was found closed). */
  readonly #fresh: Http1ClientExchange[] = [];
  #connecting = 0;
  #draining = false;
  #drained: (() => void) | undefined;
  #sweep: NodeJS.Timeout | undefined;
  readonly #maxConnections: number;
  readonly #idleTimeoutMs: number;
  /** Queued requests holding a max_pending_requests slot. */
  readonly #pendingSlots = new Set<Http1ClientExchange>();
  /** Connections holding a max_connections slot. */
  readonly #connectionSlots = new Set<Http1ClientConnection>();
  readonly #dequeue = (ex: Http1ClientExchange): void => {
    if (this.#remove(this.#queue, ex)) this.#leftQueue(ex);
    else this.#remove(this.#fresh, ex);
  };

  constructor(private readonly options: Http1PoolOptions) {
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  get stats(): Http1PoolStats {
    return { open: this.#all.size - this.#connecting, connecting: this.#connecting, idle: this.#idle.length, queued: this.#queue.length + this.#fresh.length };
  }

  request(head: UpstreamRequestHead, handler: UpstreamResponseHandler): UpstreamExchange {
    const ex = new Http1ClientExchange(head, handler);
    ex.onDequeue = this.#dequeue;
    const conn = this.#takeIdle();
    if (conn) {
      conn.assign(ex);
      return ex;
    }
    // The request waits for a connection: it holds a pending slot until it leaves the queue
    // (assigned, failed or aborted). Without one it fails as Envoy's pool overflow does, after this
    // call has returned the exchange.
    const breaker = this.options.breaker;
    if (breaker) {
      if (!breaker.tryStartPending()) {
        queueMicrotask(() => ex.fail('overflow'));
        return ex;
      }
      this.#pendingSlots.add(ex);
    }
    this.#queue.push(ex);
    if (this.#connecting < this.#queue.length + this.#fresh.length) this.#open();
    return ex;
  }

  /** Stops taking new work once the queue is empty: idle connections close now, busy ones when their
   *  exchange ends. Resolves when every connection is closed. */
  drain(): Promise<void> {
    this.#draining = true;
    for (const conn of this.#idle.splice(0)) conn.socket.destroy();
    return new Promise((resolve) => {
      this.#drained = resolve;
      this.#checkDrained();
    });
  }

  /** Cuts everything: waiting requests fail with 'reset', connections are destroyed. */
  destroy(): void {
    this.#draining = true;
    for (const ex of this.#queue) this.#leftQueue(ex);
    for (const ex of [...this.#queue.splice(0), ...this.#fresh.splice(0)]) ex.fail('reset');
    for (const conn of [...this.#all]) conn.socket.destroy();
    this.#checkDrained();
  }

  #open(): void {
    if (this.#all.size >= this.#maxConnections) return;
    // max_connections counts the cluster's connections over all hosts: at the limit the request
    // stays queued (pending) until a connection of this pool frees up.
    const breaker = this.options.breaker;
    if (breaker && !breaker.tryOpenConnection(this.options.endpoint)) return;
    const tls = this.options.tls;
    // A TLS connection is usable once its handshake and peer checks passed ('secureConnect'); a failed
    // handshake ends it before that, which counts as a connect failure (Envoy's UF).
    // Plaintext connections read into the shared buffer (read-buffer.ts, Http1ClientConnection.onRead).
    // (The callback runs after the connect, when `conn` is set.)
    const socket: Socket = tls
      ? tls.connect(this.options.host, this.options.port)
      : connect({ host: this.options.host, port: this.options.port, noDelay: true, onread: { buffer: sharedReadBuffer(), callback: (n: number, buf: Uint8Array): boolean => conn.onRead(n, buf as Buffer) } });
    if (tls) socket.setNoDelay(true);
    const conn: Http1ClientConnection = new Http1ClientConnection(socket, this, this.options.connectTimeoutMs, tls ? 'secureConnect' : 'connect', !tls);
    if (breaker) this.#connectionSlots.add(conn);
    this.#all.add(conn);
    this.#connecting++;
  }

  #takeIdle(): Http1ClientConnection | undefined {
    const idle = this.#idle;
    while (idle.length > 0) {
      const conn = idle.pop() as Http1ClientConnection;
      if (conn.isClosed) continue;
      if (this.#expired(conn, performance.now())) {
        conn.socket.destroy();
        continue;
      }
      return conn;
    }
    return undefined;
  }

  #expired(conn: Http1ClientConnection, now: number): boolean {
    const limit = conn.keepAliveMs > 0 ? Math.min(this.#idleTimeoutMs, conn.keepAliveMs - KEEP_ALIVE_MARGIN_MS) : this.#idleTimeoutMs;
    return now - conn.idleSince >= limit;
  }

  connected(conn: Http1ClientConnection): void {
    this.#connecting--;
    this.#dispatch(conn);
  }

  released(conn: Http1ClientConnection, reusable: boolean): void {
    const limit = this.options.maxRequestsPerConnection;
    // At the limit the connection is closed, as Envoy's pool does once it has served that many.
    if (reusable && limit !== undefined && limit > 0 && conn.served >= limit) {
      conn.socket.destroy();
      return;
    }
    if (reusable) this.#dispatch(conn);
  }

  closed(conn: Http1ClientConnection, retry: Http1ClientExchange | undefined): void {
    if (!this.#all.delete(conn)) return;
    if (this.#connectionSlots.delete(conn)) this.options.breaker?.closeConnection(this.options.endpoint);
    if (!conn.isConnected) {
      this.#connecting--;
      // The connection opened for the oldest waiter failed: that waiter fails (Envoy's UF).
      const waiter = this.#fresh.shift() ?? this.#queue.shift();
      if (waiter) {
        this.#leftQueue(waiter);
        waiter.fail('connect-failure');
      }
    } else this.#remove(this.#idle, conn);
    if (retry) this.#fresh.push(retry);
    const waiting = this.#queue.length + this.#fresh.length;
    if (waiting > this.#connecting) this.#open();
    this.#checkDrained();
  }

  #dispatch(conn: Http1ClientConnection): void {
    const ex = (conn.served === 0 ? this.#fresh.shift() : undefined) ?? this.#queue.shift();
    if (ex) {
      this.#leftQueue(ex);
      conn.assign(ex);
      return;
    }
    if (this.#draining) {
      conn.socket.destroy();
      return;
    }
    conn.idleSince = performance.now();
    this.#idle.push(conn);
    this.#sweep ??= setInterval(() => this.#sweepIdle(), 1000).unref();
  }

  #sweepIdle(): void {
    const now = performance.now();
    // Oldest first: LIFO reuse leaves the least used at the bottom.
    while (this.#idle.length > 0 && this.#expired(this.#idle[0] as Http1ClientConnection, now)) (this.#idle.shift() as Http1ClientConnection).socket.destroy();
    if (this.#idle.length === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  /** Gives back the pending slot of a request leaving the queue. */
  #leftQueue(ex: Http1ClientExchange): void {
    if (this.#pendingSlots.delete(ex)) this.options.breaker?.endPending();
  }

  #remove(list: Http1ClientExchange[] | Http1ClientConnection[], item: Http1ClientExchange | Http1ClientConnection): boolean {
    const i = (list as unknown[]).indexOf(item);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  #checkDrained(): void {
    if (!this.#draining || this.#all.size > 0 || this.#queue.length > 0 || this.#fresh.length > 0) return;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    const done = this.#drained;
    this.#drained = undefined;
    done?.();
  }
}
