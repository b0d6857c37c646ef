// Serves one downstream HTTP/2 connection with prior knowledge (h2c) on node:http2: each stream becomes a
// DownstreamRequest (pseudo-headers to method, authority, path and scheme; body with flow control;
// response head, data and trailers; RST_STREAM to cut it). TLS (h2 by ALPN) and extended CONNECT
// (WebSocket over HTTP/2) are not handled here.

import { constants, performServerHandshake, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream, type Settings } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { BodyReceiver, DownstreamListener, DownstreamRequest } from '../http/downstream-request.js';
import { readHeaders, readRequestHead, toHttp2Headers } from './http2-headers.js';
import { spiffePeerOf } from '../tls/peer-identity.js';
import type { WorkloadInfo } from '../telemetry/workload-info.js';

/** Settings of {@link serveHttp2Connection}. */
export interface Http2ServerOptions {
  /** Serves one request; called when its HEADERS arrived (the body follows). */
  readonly onRequest: (req: DownstreamRequest) => void;
  /** SETTINGS sent to the client (node:http2 defaults otherwise: 64 KiB windows, unlimited streams). */
  readonly settings?: Settings;
  /** A connection without frames for this long is closed with GOAWAY (Envoy's HCM idle_timeout
   *  default, 1 h); 0 for never. */
  readonly idleTimeoutMs?: number;
}

/** One served connection. */
export interface Http2ServerConnection {
  readonly session: ServerHttp2Session;
  /** Sends GOAWAY: streams in flight finish, new ones are refused, then the connection closes. */
  close(): void;
  /** Closes the connection at once, resetting streams in flight. */
  destroy(): void;
}

const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

/** One request stream. Every method is a no-op once the stream is closed or the response is done. */
class Http2DownstreamRequest implements DownstreamRequest {
  readonly protocol = 'HTTP/2';
  readonly scheme: 'http' | 'https';
  readonly method: string;
  readonly authority: string;
  readonly path: string;
  readonly headers: HeaderBag;
  readonly hasBody: boolean;
  /** Extended CONNECT is not enabled (SETTINGS_ENABLE_CONNECT_PROTOCOL), so no request upgrades. */
  readonly upgrade: string | undefined = undefined;
  responseStarted = false;
  /** Header bytes (names and values, as HPACK sees them before compression) and body bytes. */
  bytesReceived: number;
  bytesSent = 0;
  /** HTTP/2 clients introduce themselves on every stream: nothing is kept per connection. */
  connectionPeer: WorkloadInfo | undefined = undefined;
  get peerPrincipal(): string | undefined {
    const socket = this.stream.session?.socket;
    return socket ? spiffePeerOf(socket) : undefined;
  }
  get remoteAddress(): string | undefined {
    return this.stream.session?.socket?.remoteAddress;
  }

  #listener: DownstreamListener | undefined = undefined;
  #receiver: BodyReceiver | undefined = undefined;
  #requestTrailers: HeaderBag | undefined = undefined;
  #requestEnded: boolean;
  /** end() or reset() was called (or a bodiless response was sent): the handler is done with it. */
  #responseDone = false;
  #aborted = false;
  /** The response carries no body on the wire (HEAD, 204, 304): writes are dropped. */
  #bodiless = false;
  /** A head with `grpc-status` (a trailers-only response) held until end() so it can go out with
   *  END_STREAM, which is how gRPC clients recognise one. */
  #held: { status: number; headers: HeaderBag } | undefined = undefined;
  #trailers: HeaderBag | undefined = undefined;
  /** The client sent `expect: 100-continue` (the header itself is hop-by-hop and not forwarded). */
  readonly #expectContinue: boolean;

  constructor(
    readonly stream: ServerHttp2Stream,
    h: IncomingHttpHeaders,
  ) {
    const head = readRequestHead(h);
    this.scheme = head.scheme;
    this.method = head.method;
    this.authority = head.authority;
    this.path = head.path;
    this.headers = head.headers;
    this.hasBody = !stream.endAfterHeaders;
    this.bytesReceived = headerBytes(h);
    this.#requestEnded = stream.endAfterHeaders;
    this.#expectContinue = h.expect === '100-continue';
    // Errors are reported again by 'close', which is where the stream's end is handled.
    stream.on('error', noop);
    stream.on('close', () => this.#closed());
    stream.on('drain', () => {
      if (!this.#responseDone) this.#listener?.onDrain();
    });
    stream.on('trailers', (t: IncomingHttpHeaders) => {
      this.#requestTrailers = readHeaders(t);
    });
    stream.on('end', () => {
      // node:http2 also ends the readable side of a stream the client reset: that body is cut, and
      // 'close' reports the abort.
      if (stream.aborted) return;
      this.#requestEnded = true;
      this.#receiver?.onEnd(this.#requestTrailers);
    });
    stream.on('wantTrailers', () => {
      try {
        stream.sendTrailers(toHttp2Headers({}, this.#trailers));
      } catch {
        // A trailer value node:http2 cannot encode (it came from outside): the response is cut.
        stream.destroy(new Error('invalid response trailers'));
        return;
      }
      this.#completed();
    });
  }

  listen(listener: DownstreamListener): void {
    this.#listener = listener;
    if (this.#aborted) listener.onAbort();
  }

  readBody(receiver: BodyReceiver): void {
    if (this.#receiver) return;
    this.#receiver = receiver;
    if (!this.hasBody) {
      receiver.onEnd(undefined);
      return;
    }
    // Envoy answers `Expect: 100-continue` itself when the body is wanted.
    if (this.#expectContinue && !this.responseStarted && !this.stream.closed) this.stream.additionalHeaders({ ':status': 100 });
    // A paused stream keeps at most its high-water mark; HTTP/2 flow control holds the client back.
    this.stream.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      receiver.onData(chunk);
    });
  }

  pauseBody(): void {
    if (this.#receiver) this.stream.pause();
  }

  resumeBody(): void {
    if (this.#receiver) this.stream.resume();
  }

  respond(status: number, headers: HeaderBag, endStream: boolean): void {
    if (this.responseStarted || this.#aborted) return;
    this.responseStarted = true;
    this.#bodiless = this.method === 'HEAD' || status === 204 || status === 304;
    if (endStream || this.#bodiless) {
      this.#sendHead(status, headers, true);
      return;
    }
    if (headers['grpc-status'] !== undefined) {
      this.#held = { status, headers };
      return;
    }
    this.#sendHead(status, headers, false);
  }

  write(chunk: Buffer | string, transient = false): boolean {
    if (!this.responseStarted || this.#responseDone || this.#aborted || this.#bodiless) return true;
    if (this.#held) this.#flushHeld();
    this.bytesSent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    // The stream queues what it cannot send at once.
    return this.stream.write(transient && typeof chunk !== 'string' ? Buffer.from(chunk) : chunk);
  }

  end(trailers?: HeaderBag): void {
    if (!this.responseStarted || this.#responseDone || this.#aborted) return;
    this.#responseDone = true;
    if (this.#bodiless) return;
    const held = this.#held;
    if (held) {
      this.#held = undefined;
      // Trailers-only: one HEADERS frame with END_STREAM (any trailers join it).
      this.#sendHead(held.status, trailers ? { ...held.headers, ...trailers } : held.headers, true);
      return;
    }
    this.#trailers = trailers;
    // The head went out with waitForTrailers: 'wantTrailers' sends them (or an empty END_STREAM).
    this.stream.end();
  }

  reset(): void {
    if (this.#aborted || this.stream.closed) return;
    this.#responseDone = true;
    this.#held = undefined;
    // RST_STREAM(INTERNAL_ERROR): the response is incomplete. Envoy sends NO_ERROR here (codec
    // reasonToReset), an open bug (envoyproxy/envoy#36200): clients such as node:http2 then take the cut
    // response as whole. destroy() with an error, not close(): close() ends the writable side first,
    // and that END_STREAM would make the cut response look complete too.
    this.stream.destroy(new Error('response reset by the proxy'));
  }

  acceptUpgrade(_headers: HeaderBag): Duplex | undefined {
    return undefined;
  }

  #flushHeld(): void {
    const held = this.#held as { status: number; headers: HeaderBag };
    this.#held = undefined;
    this.#sendHead(held.status, held.headers, false);
  }

  #sendHead(status: number, headers: HeaderBag, endStream: boolean): void {
    const stream = this.stream;
    if (stream.closed || stream.destroyed) return;
    this.bytesSent += headerBytes(headers) + 10;
    try {
      stream.respond(toHttp2Headers({ ':status': status }, headers), { endStream, waitForTrailers: !endStream });
    } catch {
      // A header value node:http2 cannot encode (it came from outside): cut the stream.
      this.reset();
      return;
    }
    if (endStream) {
      this.#responseDone = true;
      this.#completed();
    }
  }

  /** The whole response was handed to node:http2. A request still open is cut with NO_ERROR, as RFC
   *  9113 §8.1 allows and Envoy does, after the frames already queued have gone out. */
  #completed(): void {
    if (this.#requestEnded) return;
    setImmediate(() => {
      if (!this.#requestEnded && !this.stream.closed) this.stream.close(constants.NGHTTP2_NO_ERROR);
    });
  }

  #closed(): void {
    if (this.#responseDone) return;
    this.#aborted = true;
    this.#listener?.onAbort();
  }
}

function noop(): void {}

/** Names and values of a header block, in bytes (latin1: one byte per char). */
function headerBytes(headers: IncomingHttpHeaders | HeaderBag): number {
  let n = 0;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    n += name.length;
    if (typeof value === 'string') n += value.length;
    else if (Array.isArray(value)) for (const v of value) n += v.length;
  }
  return n;
}

/**
 * Runs an HTTP/2 server session over `socket`, an accepted plaintext connection whose first bytes are
 * the client preface (see sniffHttpProtocol: bytes already read must have been unshifted back). Each
 * stream is handed to `options.onRequest` as a DownstreamRequest. The caller owns accepting the socket;
 * the session ends with it.
 */
export function serveHttp2Connection(socket: Socket, options: Http2ServerOptions): Http2ServerConnection {
  const session = performServerHandshake(socket, options.settings ? { settings: options.settings } : {});
  // Session errors (bad frames, a reset socket) close every stream, which each request reports.
  session.on('error', noop);
  session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    options.onRequest(new Http2DownstreamRequest(stream, headers));
  });
  const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (idle > 0) session.setTimeout(idle, () => session.close());
  return {
    session,
    close: () => session.close(),
    destroy: () => session.destroy(),
  };
}
