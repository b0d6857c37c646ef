// The protocol-agnostic seam on the client side: one request received from downstream together with
// the sink its response goes to. HTTP/1.1 (src/http1/) implements it today; an HTTP/2 adapter
// (node:http2, h2c, gRPC) implements the same contract. Nothing here knows about framing.

import type { Duplex } from 'node:stream';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { WorkloadInfo } from '../telemetry/workload-info.js';

/**
 * Receives the chunks of a body in order. Chunks may be views into the connection's read buffers:
 * a receiver that keeps one past the call may do so (Node never reuses a socket's read buffer), but
 * must not modify it.
 */
export interface BodyReceiver {
  onData(chunk: Buffer): void;
  /** The body is complete. `trailers` when the protocol carried any (HTTP/1.1 chunked trailers, HTTP/2
   *  trailing HEADERS), lower-case names. */
  onEnd(trailers: HeaderBag | undefined): void;
}

/** Events from the downstream side to whoever handles the request; set once with {@link DownstreamRequest.listen}. */
export interface DownstreamListener {
  /** The response sink accepts data again after {@link DownstreamRequest.write} returned false. */
  onDrain(): void;
  /** The client went away (connection closed or stream reset) before the response was complete.
   *  Called at most once; nothing may be written afterwards. */
  onAbort(): void;
}

/** How the request arrived. */
export type DownstreamProtocol = 'HTTP/1.0' | 'HTTP/1.1' | 'HTTP/2';

/**
 * One downstream request and its response sink.
 *
 * The request part is read-only and parsed before the handler sees it. `headers` holds the
 * end-to-end request headers only: hop-by-hop headers (RFC 9110 §7.6.1: Connection and the headers it
 * names, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Expect, Trailer,
 * Proxy-Authorization) and Host / `:authority` are not in it; pseudo-headers neither. The handler owns
 * the object and may mutate it (it becomes the upstream request's headers).
 *
 * Body: nothing is delivered until {@link readBody} is called; until then the adapter holds the data
 * back (HTTP/1.1 sends `100 Continue` at that moment when the client asked for it).
 *
 * Response: {@link respond} once, then {@link write} any number of times, then {@link end} once.
 * {@link reset} instead cuts the stream at any point (HTTP/1.1 closes the connection, since nothing
 * else can be said after a partial response; HTTP/2 sends RST_STREAM). For an upgrade, {@link acceptUpgrade}
 * replaces all three. Every method is a no-op once the client has gone (see {@link DownstreamListener.onAbort}).
 */
export interface DownstreamRequest {
  readonly protocol: DownstreamProtocol;
  readonly scheme: 'http' | 'https';
  /** Upper-case as received (`GET`). */
  readonly method: string;
  /** Host header, `:authority`, or the authority of an absolute-form target, as received; '' when absent. */
  readonly authority: string;
  /** Origin-form path with its query (`/a?b=1`). */
  readonly path: string;
  readonly headers: HeaderBag;
  /** Whether a request body follows (a content length above 0, chunked, or an HTTP/2 stream left open). */
  readonly hasBody: boolean;
  /** The protocol named by an `Upgrade` request (lower-case, `websocket`), undefined when none.
   *  HTTP/1.1 only; an HTTP/2 extended CONNECT maps here too. */
  readonly upgrade: string | undefined;
  /** The downstream peer's IP (source-IP hashing, access logs); undefined when unknown. */
  readonly remoteAddress?: string | undefined;
  /** Request bytes received so far, head and body (Envoy's `request.total_size`, for istio_request_bytes). */
  readonly bytesReceived: number;
  /** Response bytes sent so far, head and body (`response.total_size`, for istio_response_bytes). */
  readonly bytesSent: number;
  /** The client's SPIFFE identity when the connection is mutual TLS (its verified certificate's URI
   *  SAN); undefined for plaintext or a client without a certificate. */
  readonly peerPrincipal: string | undefined;
  /** The peer workload the client's proxy introduced on this connection (Istio's metadata exchange,
   *  sent with a connection's first request); kept by the connection for its later requests. */
  connectionPeer: WorkloadInfo | undefined;

  /** Sets the listener for drain and abort events (once, before writing). When the client is already
   *  gone, `onAbort` is called at once. */
  listen(listener: DownstreamListener): void;
  /** Starts delivering the body to `receiver` (once). A request without a body ends at once. */
  readBody(receiver: BodyReceiver): void;
  /** Stops body delivery (backpressure) until {@link resumeBody}. */
  pauseBody(): void;
  resumeBody(): void;

  /** Whether {@link respond} (or {@link acceptUpgrade}) was called. */
  readonly responseStarted: boolean;
  /**
   * Sends the response head. A `content-length` in `headers` fixes the body length; without one the
   * adapter frames the body itself (HTTP/1.1 chunked, or until close for an HTTP/1.0 client).
   * `endStream` says no body follows (then {@link end} is implied). The adapter adds its framing and
   * connection headers; the caller never sets hop-by-hop headers.
   */
  respond(status: number, headers: HeaderBag, endStream: boolean): void;
  /** Sends a body chunk; false when the sink is full: wait for {@link DownstreamListener.onDrain}.
   *  `transient`: `chunk` is overwritten once this call returns, so the adapter copies it if it keeps it. */
  write(chunk: Buffer | string, transient?: boolean): boolean;
  /** Ends the response, with trailers where the protocol can carry them (dropped otherwise). */
  end(trailers?: HeaderBag): void;
  /** Cuts the response stream (upstream reset mid-body, timeout after the head was sent). */
  reset(): void;
  /**
   * Accepts an upgrade the upstream agreed to (HTTP/1.1 `101 Switching Protocols` with `headers`) and
   * hands over the raw byte stream of the connection; the adapter lets go of it. Bytes the client sent
   * after the request head are already in the stream. Returns undefined when the client is gone.
   */
  acceptUpgrade(headers: HeaderBag): Duplex | undefined;
}
