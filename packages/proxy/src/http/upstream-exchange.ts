// The protocol-agnostic seam on the upstream side: one request/response exchange with one endpoint,
// obtained from an UpstreamConnector (a connection pool). HTTP/1.1 keep-alive pools (src/http1/)
// implement it today; an HTTP/2 session pool implements the same contract.

import type { PeerHeaders } from '../telemetry/workload-info.js';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../balancer/picker.js';
import type { CompiledCluster } from '../compile/compile-cluster.js';
import type { HeaderBag } from '../compile/header-mutation.js';

/** Why an exchange failed, as retries, outlier detection and the rescue table see it. */
export type UpstreamFailure =
  /** No connection could be established (refused, unreachable, connect timeout): Envoy's UF. */
  | 'connect-failure'
  /** The connection or stream was reset or closed before the response was complete: UC. */
  | 'reset'
  /** The upstream sent something that is not valid HTTP: UPE. */
  | 'protocol-error'
  /** The cluster's circuit breaker refused to queue the request for a connection
   *  (max_pending_requests): 503 UO, never retried. */
  | 'overflow';

/**
 * The request head sent upstream. `headers` are end-to-end headers plus `host` (an HTTP/2 pool sends it
 * as `:authority`); a `content-length` in them fixes the body's framing, otherwise a body is sent
 * chunked (HTTP/1.1) or as DATA frames (HTTP/2).
 */
export interface UpstreamRequestHead {
  readonly method: string;
  readonly path: string;
  readonly headers: HeaderBag;
  /**
   * 'none': no body. 'full': the whole body is in {@link body} and is sent with the head; such a request
   * can be replayed, so a pool may resend it on a fresh connection when a reused one turns out to be
   * closed before any response byte (not counted as a retry). 'stream': chunks follow through
   * {@link UpstreamExchange.write} and {@link UpstreamExchange.end}.
   */
  readonly bodyMode: 'none' | 'full' | 'stream';
  /** The body when `bodyMode` is 'full'. */
  readonly body: readonly Buffer[];
  /** The Upgrade protocol to request (`websocket`), undefined for none. */
  readonly upgrade: string | undefined;
  /** Headers that describe the connection rather than the request (this proxy's peer metadata): an
   *  HTTP/1.1 connection sends them with its first request only (the peer remembers them for the
   *  connection), an HTTP/2 stream sends them every time. */
  readonly connectionHeaders?: PeerHeaders | undefined;
}

/**
 * What the exchange reports, in this order: at most one of {@link onHead} / {@link onUpgrade}, then for a
 * head any number of {@link onData} and one {@link onEnd}; or {@link onError} at any point instead of
 * what is left. Nothing is reported after onEnd, onError or {@link UpstreamExchange.abort}.
 * Informational (1xx) responses other than 101 are not reported.
 */
export interface UpstreamResponseHandler {
  /** The final response head. `headers` are end-to-end (hop-by-hop removed, `content-length` kept). */
  onHead(status: number, headers: HeaderBag): void;
  /** A body chunk. `transient`: a view of a read buffer reused once this call returns (see
   *  Http1ClientConnection.onRead); a handler that keeps it past the call copies it. */
  onData(chunk: Buffer, transient?: boolean): void;
  onEnd(trailers: HeaderBag | undefined): void;
  onError(failure: UpstreamFailure): void;
  /** The request body can take more after {@link UpstreamExchange.write} returned false. */
  onDrain(): void;
  /** The upstream accepted an upgrade (101): end-to-end `headers` of the 101 plus `upgrade` (the
   *  protocol switched to), and the raw stream, which now belongs to the caller; `head` holds bytes that followed the 101 head. */
  onUpgrade(headers: HeaderBag, stream: Duplex, head: Buffer): void;
}

/** One exchange in flight. */
export interface UpstreamExchange {
  /** Sends a chunk of a 'stream' body; false when the connection is full (wait for onDrain). */
  write(chunk: Buffer): boolean;
  /** Ends a 'stream' body. */
  end(trailers?: HeaderBag): void;
  /** Stops response body delivery (backpressure) until {@link resume}. */
  pause(): void;
  resume(): void;
  /** Gives up the exchange (timeout, downstream gone, retry): the connection is closed unless it can be
   *  reused safely. No callback follows. Idempotent. */
  abort(): void;
}

/** Where exchanges to one endpoint come from. */
export interface UpstreamConnector {
  /** Starts an exchange; it waits for a connection when the pool is at its limit. Failures arrive
   *  through `handler.onError`, never as throws. */
  request(head: UpstreamRequestHead, handler: UpstreamResponseHandler): UpstreamExchange;
}

/** The connectors of every endpoint, shared by all compiled configs so a swap keeps warm connections. */
export interface UpstreamConnectors {
  /** The connector of `endpoint` of `cluster` (which says the connect timeout, and later the protocol
   *  and limits), created on first use. */
  get(endpoint: Endpoint, cluster: CompiledCluster, protocol?: 'http1' | 'http2'): UpstreamConnector;
}
