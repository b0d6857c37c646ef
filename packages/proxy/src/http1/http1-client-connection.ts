// One upstream HTTP/1.1 connection and the exchange it carries at a time: writes the request head
// (and body: whole, or streamed with backpressure), reads the response (skipping 1xx, handing the
// socket over on 101), and tells its pool whether it can be reused. It never decides which
// connection serves what; http1-pool.ts does.

import type { Socket } from 'node:net';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { UpstreamExchange, UpstreamFailure, UpstreamRequestHead, UpstreamResponseHandler } from '../http/upstream-exchange.js';
import { Http1HeadError, parseResponseHead, type Http1ResponseHead } from './http1-head.js';
import { FRAME_CHUNKED, FRAME_SKIP, FRAME_STOP, FRAME_UNTIL_CLOSE, Http1MessageReader, type Http1ReaderOwner } from './http1-message-reader.js';
import { chunkHeader, lastChunk, requestHeadText } from './http1-serialize.js';
import { enterRead, leaveRead } from './http1-server-connection.js';
import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, type PeerHeaders } from '../telemetry/workload-info.js';

/** What a connection tells its pool. */
export interface ClientConnectionOwner {
  /** The connection is established. */
  connected(conn: Http1ClientConnection): void;
  /** The exchange on `conn` is over; `reusable` when the connection may carry another. */
  released(conn: Http1ClientConnection, reusable: boolean): void;
  /** The connection is closed (by either side, or never opened). `retry` is an exchange to send again
   *  on a fresh connection: it was written to a reused connection that closed before any response byte. */
  closed(conn: Http1ClientConnection, retry: Http1ClientExchange | undefined): void;
}

const QUEUED = 0;
const ACTIVE = 1;
const DONE = 2;

/** An exchange, from the moment it is requested until it ends or is aborted. */
export class Http1ClientExchange implements UpstreamExchange {
  state = QUEUED;
  conn: Http1ClientConnection | undefined = undefined;
  /** Stream body chunks written before a connection was assigned. */
  pending: Buffer[] | undefined = undefined;
  pendingEnd = false;
  pendingTrailers: HeaderBag | undefined = undefined;
  /** write() returned false: onDrain is owed. */
  needDrain = false;
  /** Already resent once on a fresh connection. */
  resent = false;
  /** The whole request (head and body) has been written. */
  requestEnded = false;
  /** Called by the pool when the exchange leaves its queue without a connection (abort). */
  onDequeue: ((ex: Http1ClientExchange) => void) | undefined = undefined;

  constructor(
    readonly head: UpstreamRequestHead,
    readonly handler: UpstreamResponseHandler,
  ) {}

  write(chunk: Buffer): boolean {
    if (this.state === DONE || chunk.length === 0) return true;
    const conn = this.conn;
    if (!conn) {
      (this.pending ??= []).push(chunk);
      this.needDrain = true;
      return false;
    }
    const ok = conn.writeBody(chunk);
    if (!ok) this.needDrain = true;
    return ok;
  }

  end(trailers?: HeaderBag): void {
    if (this.state === DONE) return;
    if (!this.conn) {
      this.pendingEnd = true;
      this.pendingTrailers = trailers;
      return;
    }
    this.conn.endBody(trailers);
  }

  pause(): void {
    this.conn?.socket.pause();
  }

  resume(): void {
    if (this.state === ACTIVE) this.conn?.socket.resume();
  }

  abort(): void {
    if (this.state === DONE) return;
    const wasQueued = this.state === QUEUED;
    this.state = DONE;
    if (wasQueued) this.onDequeue?.(this);
    else this.conn?.abandon(this);
  }

  /** Ends the exchange with a failure (once). */
  fail(failure: UpstreamFailure): void {
    if (this.state === DONE) return;
    this.state = DONE;
    this.handler.onError(failure);
  }
}

/** The peer metadata exchange headers as head lines (made once per PeerHeaders object). */
const LINES = new WeakMap<PeerHeaders, string>();
function connectionLines(peer: PeerHeaders): string {
  let lines = LINES.get(peer);
  if (lines === undefined) LINES.set(peer, (lines = `${PEER_METADATA_ID_HEADER}: ${peer.id}\r\n${PEER_METADATA_HEADER}: ${peer.value}\r\n`));
  return lines;
}

function uncork(socket: Socket): void {
  socket.uncork();
}

/** One keep-alive connection to an endpoint. */
export class Http1ClientConnection implements Http1ReaderOwner {
  readonly reader = new Http1MessageReader(this);
  current: Http1ClientExchange | undefined = undefined;
  /** Exchanges completed on this connection. */
  served = 0;
  isConnected = false;
  isClosed = false;
  /** When it went idle (performance.now()), and when it must be closed if still idle. */
  idleSince = 0;
  keepAliveMs = 0;
  #gotBytes = false;
  #chunked = false;
  #noBody = false;
  #reusable = true;
  #upgrade: Http1ResponseHead | undefined = undefined;
  /** The read being processed is a view of a reused buffer (see onRead). */
  #ephemeral = false;
  /** The socket belongs to a tunnel (after a 101). */
  #tunnel = false;
  #responseEnded = false;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: Socket,
    private readonly owner: ClientConnectionOwner,
    connectTimeoutMs: number,
    /** When the connection is usable: 'connect', or 'secureConnect' for TLS (handshake done). */
    readyEvent: 'connect' | 'secureConnect' = 'connect',
    /** The socket reads into a reused buffer (`onread`) and calls {@link onRead}, not 'data'. */
    userBuffer = false,
  ) {
    if (connectTimeoutMs > 0) this.#connectTimer = setTimeout(() => socket.destroy(), connectTimeoutMs);
    socket.once(readyEvent, () => {
      clearTimeout(this.#connectTimer);
      this.isConnected = true;
      owner.connected(this);
    });
    // A socket made with `onread` (see onRead) emits no 'data'.
    if (!userBuffer) socket.on('data', (buf: Buffer) => this.#data(buf, false));
    socket.on('drain', () => {
      const ex = this.current;
      if (ex?.needDrain) {
        ex.needDrain = false;
        ex.handler.onDrain();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.#closed());
  }

  /** Sends `ex` on this (idle, connected) connection. */
  assign(ex: Http1ClientExchange): void {
    this.current = ex;
    ex.conn = this;
    ex.state = ACTIVE;
    this.#gotBytes = false;
    this.#responseEnded = false;
    const head = ex.head;
    // After an upgrade request the upstream may treat what follows as the new protocol even when it
    // refused (node:http does): such a connection is never reused.
    this.#reusable = head.upgrade === undefined;
    const headers = head.headers;
    this.#chunked = head.bodyMode === 'stream' && typeof headers['content-length'] !== 'string';
    this.#noBody = head.method === 'HEAD';
    // Connection-scoped headers (this proxy's peer metadata) go with the connection's first request.
    const text = requestHeadText(head.method, head.path, headers, this.#chunked, head.upgrade, this.served === 0 && head.connectionHeaders !== undefined ? connectionLines(head.connectionHeaders) : '');
    const socket = this.socket;
    if (head.bodyMode === 'none') {
      socket.write(text, 'latin1');
      ex.requestEnded = true;
      return;
    }
    socket.cork();
    socket.write(text, 'latin1');
    if (head.bodyMode === 'full') {
      for (const chunk of head.body) socket.write(chunk);
      ex.requestEnded = true;
    } else {
      const pending = ex.pending;
      ex.pending = undefined;
      if (pending) for (const chunk of pending) this.writeBody(chunk);
      if (ex.pendingEnd) this.endBody(ex.pendingTrailers);
    }
    process.nextTick(uncork, socket);
    if (ex.needDrain && !socket.writableNeedDrain) {
      ex.needDrain = false;
      // Reported after this call returns, so the caller never sees onDrain before request() returns.
      queueMicrotask(() => {
        if (ex.state === ACTIVE) ex.handler.onDrain();
      });
    }
  }

  writeBody(chunk: Buffer): boolean {
    const socket = this.socket;
    if (!this.#chunked) return socket.write(chunk);
    socket.write(chunkHeader(chunk.length), 'latin1');
    socket.write(chunk);
    return socket.write('\r\n', 'latin1');
  }

  endBody(trailers: HeaderBag | undefined): void {
    const ex = this.current;
    if (!ex || ex.requestEnded) return;
    ex.requestEnded = true;
    if (this.#chunked) this.socket.write(lastChunk(trailers), 'latin1');
    if (this.#responseEnded) this.#release(ex);
  }

  /** The exchange gave up: the connection is reusable only if nothing of it is left on the wire. */
  abandon(ex: Http1ClientExchange): void {
    if (this.current !== ex) return;
    this.current = undefined;
    this.socket.destroy();
  }

  /** The `onread` callback of a socket made with a reused read buffer: `n` bytes of `buf` are valid
   *  until this returns. Saves Node's per-read allocation (a 64 KiB block shrunk to the read, wrapped in
   *  a new ArrayBuffer) and the readable stream's 'data' path. Returns false to stop reading. */
  onRead(n: number, buf: Buffer): boolean {
    if (this.#tunnel) {
      // Handed over after a 101: the tunnel reads the socket as a stream; feed it copies.
      return this.socket.push(Buffer.from(buf.subarray(0, n)));
    }
    this.#data(buf.subarray(0, n), true);
    return true;
  }

  #data(buf: Buffer, ephemeral: boolean): void {
    this.#gotBytes = true;
    if (!this.current) {
      // Bytes nobody asked for: the connection's framing is lost.
      this.socket.destroy();
      return;
    }
    this.#ephemeral = ephemeral;
    enterRead();
    try {
      this.reader.push(buf, ephemeral);
    } finally {
      this.#ephemeral = false;
      leaveRead();
    }
    const upgraded = this.#upgrade;
    if (upgraded) this.#handOver(upgraded);
  }

  onHeadText(text: string): number {
    const ex = this.current;
    if (!ex) return FRAME_STOP;
    const head = parseResponseHead(text);
    if (head instanceof Http1HeadError) return this.#failCurrent('protocol-error');
    const status = head.status;
    if (status === 101) {
      if (ex.head.upgrade === undefined) return this.#failCurrent('protocol-error');
      this.#upgrade = head;
      this.reader.stop();
      return FRAME_STOP;
    }
    // 100 Continue and other informational answers are not relayed (Envoy drops them unless proxying 100).
    if (status < 200) return FRAME_SKIP;
    if (head.connectionClose || head.untilClose) this.#reusable = false;
    if (head.keepAliveTimeoutMs > 0) this.keepAliveMs = head.keepAliveTimeoutMs;
    ex.handler.onHead(status, head.headers);
    if (this.current !== ex) return FRAME_STOP;
    if (this.#noBody || status === 204 || status === 304) return 0;
    if (head.chunked) return FRAME_CHUNKED;
    if (head.contentLength >= 0) return head.contentLength;
    return FRAME_UNTIL_CLOSE;
  }

  onBody(chunk: Buffer): void {
    const ex = this.current;
    // A view of the reused read buffer goes on as such (copying a small body here would take it from
    // Node's 8 KiB pool, whose slabs live long enough to be promoted): whoever keeps it copies it.
    if (ex && ex.state === ACTIVE) ex.handler.onData(chunk, this.#ephemeral);
  }

  onMessageEnd(trailers: HeaderBag | undefined): void {
    const ex = this.current;
    if (!ex) return;
    this.#responseEnded = true;
    if (ex.state === ACTIVE) {
      ex.state = DONE;
      ex.handler.onEnd(trailers);
    }
    // An upstream may answer before the request body is complete (a 413, a redirect): the connection
    // is then only reusable once the body has gone out.
    if (ex.requestEnded) this.#release(ex);
  }

  onReadError(_error: Http1HeadError): void {
    this.#failCurrent('protocol-error');
  }

  #release(ex: Http1ClientExchange): void {
    if (this.current !== ex) return;
    this.current = undefined;
    this.served++;
    // Backpressure from the last exchange must not carry over to the next one.
    if (this.socket.isPaused()) this.socket.resume();
    const reusable = this.#reusable && !this.isClosed;
    if (!reusable) this.socket.destroy();
    this.owner.released(this, reusable);
  }

  #failCurrent(failure: UpstreamFailure): number {
    const ex = this.current;
    this.current = undefined;
    this.reader.stop();
    this.socket.destroy();
    ex?.fail(failure);
    return FRAME_STOP;
  }

  #handOver(head: Http1ResponseHead): void {
    const ex = this.current;
    this.current = undefined;
    this.#upgrade = undefined;
    const socket = this.socket;
    socket.pause();
    this.#tunnel = true;
    socket.removeAllListeners('data');
    socket.removeAllListeners('drain');
    socket.removeAllListeners('close');
    this.isClosed = true;
    // The pool forgets the connection: it belongs to the tunnel now.
    this.owner.closed(this, undefined);
    if (!ex || ex.state !== ACTIVE) {
      socket.destroy();
      return;
    }
    ex.state = DONE;
    const headers = head.headers;
    if (head.upgrade !== undefined) headers.upgrade = head.upgrade;
    ex.handler.onUpgrade(headers, socket, this.reader.takeRest() ?? Buffer.alloc(0));
  }

  #closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearTimeout(this.#connectTimer);
    const ex = this.current;
    let retry: Http1ClientExchange | undefined;
    if (ex && ex.state === ACTIVE) {
      if (this.served > 0 && !this.#gotBytes && ex.head.bodyMode !== 'stream' && !ex.resent) {
        // A reused connection the upstream closed (idle timeout) as the request went out: nothing was
        // processed, so the request goes again on a fresh connection, as undici and Envoy do.
        this.current = undefined;
        ex.resent = true;
        ex.state = QUEUED;
        ex.conn = undefined;
        retry = ex;
      } else if (!(this.reader.finishAtClose() && this.#responseEnded)) {
        // Not a body delimited by the close (that one has just ended): the exchange was cut.
        this.current = undefined;
        ex.fail(this.isConnected ? 'reset' : 'connect-failure');
      }
    }
    this.current = undefined;
    this.owner.closed(this, retry);
  }
}
