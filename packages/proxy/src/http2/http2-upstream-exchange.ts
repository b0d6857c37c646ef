// One request/response exchange on an upstream HTTP/2 stream: sends the head and body (whole, or
// streamed with flow control and trailers), relays the response head, DATA and trailers, and reports
// how the stream ended. Which session the stream runs on is the pool's business (http2-session-pool.ts).

import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { addAbortSignal } from 'node:stream';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { UpstreamExchange, UpstreamFailure, UpstreamRequestHead, UpstreamResponseHandler } from '../http/upstream-exchange.js';
import { isGrpcRequest } from './grpc-local-reply.js';
import { readHeaders, toHttp2Headers } from './http2-headers.js';
import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER } from '../telemetry/workload-info.js';

/** What an exchange tells its pool. */
export interface ExchangeOwner {
  /** The exchange no longer needs its stream slot (see {@link Http2UpstreamExchange.slot}) or its place
   *  in a queue: it ended, failed, was aborted or refused. Idempotent. */
  released(ex: Http2UpstreamExchange): void;
  /** The stream was refused before the upstream processed it (REFUSED_STREAM, or above a GOAWAY's
   *  last stream id): the pool sends the exchange again, on another session than `session`. */
  refused(ex: Http2UpstreamExchange, session: ClientHttp2Session): void;
}

/** Body bytes written before the stream exists that are accepted before write() says to wait. */
const PENDING_BODY_LIMIT = 64 * 1024;

/** How many times a refused stream is sent again before it counts as a reset. */
const MAX_REFUSED_REPLAYS = 2;

function failureOf(rstCode: number | undefined): UpstreamFailure {
  return rstCode === constants.NGHTTP2_PROTOCOL_ERROR || rstCode === constants.NGHTTP2_COMPRESSION_ERROR ? 'protocol-error' : 'reset';
}

/**
 * One exchange. Created by the pool, which calls {@link start} once a session has a free stream slot
 * (or {@link fail}); until then writes are held.
 */
export class Http2UpstreamExchange implements UpstreamExchange {
  /** The pool's bookkeeping: the session whose stream slot the exchange holds (opened or waiting for
   *  the session to connect), undefined while queued or when done. */
  slot: object | undefined = undefined;
  /** The pool's bookkeeping: the exchange waits in the pool's queue for a slot. */
  queued = false;
  /** Times the stream was refused and sent again. */
  replays = 0;
  #stream: ClientHttp2Stream | undefined = undefined;
  #session: ClientHttp2Session | undefined = undefined;
  /** Chunks of a 'stream' body written before the stream existed. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** A chunk went into a stream: the body can no longer be replayed on a refused stream. */
  #streamed = false;
  #ended = false;
  #endTrailers: HeaderBag | undefined = undefined;
  #paused = false;
  #headSeen = false;
  /** The response's content-length when it has a body of that length, else -1. */
  #expected = -1;
  #received = 0;
  #responseTrailers: HeaderBag | undefined = undefined;
  /** No callback is made any more (ended, failed, aborted). */
  #done = false;
  /** write() returned false before the stream existed: onDrain is owed. */
  #drainOwed = false;

  constructor(
    private readonly owner: ExchangeOwner,
    readonly head: UpstreamRequestHead,
    private readonly handler: UpstreamResponseHandler,
    private readonly authority: string,
  ) {}

  /** Whether a refused stream can be sent again: nothing of the body is lost. */
  get replayable(): boolean {
    return !this.#streamed && this.replays < MAX_REFUSED_REPLAYS;
  }

  /** Opens the stream on `session`. */
  start(session: ClientHttp2Session): void {
    if (this.#done) return;
    const head = this.head;
    this.#session = session;
    const headers = toHttp2Headers({ ':method': head.method, ':path': head.path, ':scheme': 'http', ':authority': this.authority }, head.headers);
    // HTTP/2: the peer metadata goes with every stream (a server reads each stream on its own).
    const peer = head.connectionHeaders;
    if (peer !== undefined) {
      headers[PEER_METADATA_ID_HEADER] = peer.id;
      headers[PEER_METADATA_HEADER] = peer.value;
    }
    // gRPC servers may insist on `te: trailers` (PROTOCOL-HTTP2.md), which an HTTP/1 hop drops.
    if (isGrpcRequest(head.headers)) headers.te = 'trailers';
    const endStream = head.bodyMode === 'none' || (head.bodyMode === 'full' && head.body.length === 0);
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream, waitForTrailers: head.bodyMode === 'stream' });
    } catch {
      // The session went away under us (GOAWAY in the same tick) or a header value cannot be encoded.
      this.#session = undefined;
      this.owner.released(this);
      if ((session.closed || session.destroyed) && this.replayable) {
        this.replays++;
        this.owner.refused(this, session);
      } else this.fail('protocol-error');
      return;
    }
    this.#stream = stream;
    stream.on('error', noop);
    stream.on('response', (h: IncomingHttpHeaders) => this.#onResponse(h));
    stream.on('data', (chunk: Buffer) => {
      this.#received += chunk.length;
      if (!this.#done) this.handler.onData(chunk);
    });
    stream.on('trailers', (t: IncomingHttpHeaders) => {
      this.#responseTrailers = readHeaders(t);
    });
    stream.on('end', () => this.#onEnd(stream));
    stream.on('close', () => this.#onClose(stream));
    stream.on('drain', () => {
      this.#drainOwed = false;
      if (!this.#done) this.handler.onDrain();
    });
    stream.on('wantTrailers', () => {
      try {
        stream.sendTrailers(toHttp2Headers({}, this.#endTrailers));
      } catch {
        // A trailer value node:http2 cannot encode (it came from the client): the request is cut.
        if (!stream.destroyed) addAbortSignal(AbortSignal.abort(), stream);
        this.fail('protocol-error');
      }
    });
    if (this.#paused) stream.pause();
    if (head.bodyMode === 'full' && !endStream) {
      for (const chunk of head.body) stream.write(chunk);
      stream.end();
    } else if (head.bodyMode === 'stream') {
      let full = false;
      for (const chunk of this.#pending) full = !stream.write(chunk) || full;
      if (this.#pending.length > 0) this.#streamed = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      if (this.#ended) stream.end();
      if (this.#drainOwed && !full) {
        this.#drainOwed = false;
        this.handler.onDrain();
      }
    }
  }

  /** Ends the exchange with `failure` (no session, connect failure, session lost before the stream). */
  fail(failure: UpstreamFailure): void {
    if (this.#done) return;
    this.#done = true;
    this.owner.released(this);
    this.handler.onError(failure);
  }

  write(chunk: Buffer): boolean {
    if (this.#done || this.#ended || this.head.bodyMode !== 'stream') return true;
    const stream = this.#stream;
    if (!stream) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < PENDING_BODY_LIMIT) return true;
      this.#drainOwed = true;
      return false;
    }
    this.#streamed = true;
    return stream.write(chunk);
  }

  end(trailers?: HeaderBag): void {
    if (this.#done || this.#ended || this.head.bodyMode !== 'stream') return;
    this.#ended = true;
    this.#endTrailers = trailers;
    // With waitForTrailers, 'wantTrailers' follows the last DATA frame and sends them (or END_STREAM).
    this.#stream?.end();
  }

  pause(): void {
    this.#paused = true;
    this.#stream?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#stream?.resume();
  }

  abort(): void {
    if (this.#done) return;
    this.#done = true;
    const stream = this.#stream;
    // RST_STREAM(CANCEL): the stream is no longer needed (RFC 9113 §7); gRPC servers read it as
    // CANCELLED. An aborted signal is node:http2's way to send it without first ending the request
    // with END_STREAM, which close() would do (making a cut request body look complete).
    if (stream && !stream.destroyed) addAbortSignal(AbortSignal.abort(), stream);
    this.owner.released(this);
  }

  #onResponse(h: IncomingHttpHeaders): void {
    if (this.#done) return;
    this.#headSeen = true;
    const status = Number(h[':status']);
    const length = h['content-length'];
    if (length !== undefined && this.head.method !== 'HEAD' && status !== 204 && status !== 304) this.#expected = Number(length);
    this.handler.onHead(status, readHeaders(h));
  }

  #onEnd(stream: ClientHttp2Stream): void {
    if (this.#done) return;
    if (!this.#headSeen) return this.fail('protocol-error');
    // node:http2 also ends the readable side of a stream closed without END_STREAM: by RST_STREAM
    // (NO_ERROR or CANCEL) or with its session. Those are resets, not complete responses; a body
    // shorter than its content-length is one too (nghttp2 refuses a real END_STREAM with a mismatch).
    if (stream.rstCode !== constants.NGHTTP2_NO_ERROR || this.#session?.destroyed || (this.#expected >= 0 && this.#received !== this.#expected)) {
      return this.fail('reset');
    }
    this.#done = true;
    this.owner.released(this);
    this.handler.onEnd(this.#responseTrailers);
  }

  #onClose(stream: ClientHttp2Stream): void {
    if (this.#done) return;
    const session = this.#session as ClientHttp2Session;
    // Refused (REFUSED_STREAM, or closed by a GOAWAY whose last stream id is below ours): the upstream
    // never processed it, so it is safe to send again (RFC 9113 §8.7).
    if (!this.#headSeen && stream.rstCode === constants.NGHTTP2_REFUSED_STREAM && this.replayable) {
      this.#stream = undefined;
      this.#session = undefined;
      this.replays++;
      this.owner.released(this);
      this.owner.refused(this, session);
      return;
    }
    this.fail(failureOf(stream.rstCode));
  }
}

function noop(): void {}
