// One downstream HTTP/1.1 connection: reads requests one after another (pipelined ones wait their
// turn), presents each as a DownstreamRequest, writes its response with the framing the client can
// read (content length, chunked, or until close for HTTP/1.0), answers malformed heads itself (400,
// 431, 501, then close) and hands the raw socket over on an accepted upgrade.

import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { BodyReceiver, DownstreamListener, DownstreamProtocol, DownstreamRequest } from '../http/downstream-request.js';
import { DEFAULT_MAX_HEADER_COUNT, Http1HeadError, parseRequestHead, type Http1RequestHead } from './http1-head.js';
import { DEFAULT_MAX_HEAD_BYTES, FRAME_CHUNKED, Http1MessageReader, type Http1ReaderOwner } from './http1-message-reader.js';
import { chunkHeader, headerLines, lastChunk, statusLine } from './http1-serialize.js';
import { readIntoSharedBuffer } from './read-buffer.js';
import { spiffePeerOf } from '../tls/peer-identity.js';
import type { WorkloadInfo } from '../telemetry/workload-info.js';

/** Settings of downstream HTTP/1.1 connections. */
export interface Http1ServerOptions {
  /** Serves one request; called when its head has been read (the body follows). */
  readonly onRequest: (req: DownstreamRequest) => void;
  /** Called when a head is refused (400, 431, 501) and answered locally, for telemetry (Envoy's DPE). */
  readonly onProtocolError?: (status: number, message: string) => void;
  /** Largest request head, bytes (Envoy's max_request_headers_kb, 60 KiB). */
  readonly maxHeadBytes?: number;
  /** Most header lines in a head (Envoy's max_headers_count, 100). */
  readonly maxHeaders?: number;
}

/** Body bytes held for a handler that has not started reading (or paused) before reading stops. */
const BODY_QUEUE_LIMIT = 64 * 1024;
/** Pipelined bytes held while a response is in progress before reading from the socket stops. */
const PIPELINE_LIMIT = 64 * 1024;

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/** A first body chunk up to this size is sent in the same write as the head. */
const MERGE_LIMIT = 16 * 1024;

function flushHead(conn: Http1ServerConnection): void {
  conn.flushHead();
}

/** Connections holding a response head until the read being processed is done (see writeHead). */
const heldHeads: Http1ServerConnection[] = [];
let readDepth = 0;

/** Marks the start of processing one upstream read: response heads written until {@link leaveRead}
 *  wait for it and then go out, each merged with body bytes that came in the same read. */
export function enterRead(): void {
  readDepth++;
}

/** Marks the end of processing a read (call it in a `finally`); writes the heads still held. */
export function leaveRead(): void {
  if (--readDepth > 0 || heldHeads.length === 0) return;
  for (let i = 0; i < heldHeads.length; i++) (heldHeads[i] as Http1ServerConnection).flushHead();
  heldHeads.length = 0;
}

/** The authority and origin-form path of a request target, or undefined for a target that has none. */
function splitTarget(head: Http1RequestHead): { authority: string; path: string } | undefined {
  const t = head.target;
  if (t.charCodeAt(0) === 0x2f) return { authority: head.host ?? '', path: t };
  const scheme = t.indexOf('://');
  if (scheme > 0) {
    const s = t.slice(0, scheme).toLowerCase();
    if (s !== 'http' && s !== 'https') return undefined;
    const slash = t.indexOf('/', scheme + 3);
    const q = t.indexOf('?', scheme + 3);
    const end = slash < 0 ? (q < 0 ? t.length : q) : q < 0 ? slash : Math.min(slash, q);
    const rest = t.slice(end);
    return { authority: t.slice(scheme + 3, end), path: rest === '' ? '/' : rest.charCodeAt(0) === 0x3f ? `/${rest}` : rest };
  }
  if (t === '*' && head.method === 'OPTIONS') return { authority: head.host ?? '', path: '*' };
  if (head.method === 'CONNECT') return { authority: t, path: '' };
  return undefined;
}

/** One request on an HTTP/1.1 connection; every method is a no-op once it is no longer current. */
class Http1DownstreamRequest implements DownstreamRequest {
  readonly scheme = 'http';
  get remoteAddress(): string | undefined {
    return this.conn.socket.remoteAddress;
  }
  listener: DownstreamListener | undefined = undefined;
  receiver: BodyReceiver | undefined = undefined;
  /** Body chunks read before the handler took them (or while it paused). */
  queue: Buffer[] | undefined = undefined;
  queued = 0;
  bodyPaused = false;
  bodyDone = false;
  /** Trailers of a body that ended while chunks were still queued. */
  endTrailers: HeaderBag | undefined = undefined;
  endPending = false;
  /** The handler no longer wants the body (it answered without reading it). */
  discard = false;
  responseStarted = false;
  responseDone = false;
  /** The response has no body on the wire (HEAD, 204, 304). */
  noBody = false;
  chunked = false;
  keepAlive = true;
  aborted = false;
  bytesReceived = 0;
  bytesSent = 0;
  get peerPrincipal(): string | undefined {
    return this.conn.peerPrincipal();
  }
  get connectionPeer(): WorkloadInfo | undefined {
    return this.conn.peer;
  }
  set connectionPeer(peer: WorkloadInfo | undefined) {
    this.conn.peer = peer;
  }

  constructor(
    readonly conn: Http1ServerConnection,
    readonly protocol: DownstreamProtocol,
    readonly method: string,
    readonly authority: string,
    readonly path: string,
    readonly headers: HeaderBag,
    readonly hasBody: boolean,
    readonly upgrade: string | undefined,
    readonly expectContinue: boolean,
    readonly clientKeepAlive: boolean,
  ) {}

  listen(listener: DownstreamListener): void {
    this.listener = listener;
    if (this.aborted && !this.responseDone) listener.onAbort();
  }

  readBody(receiver: BodyReceiver): void {
    if (this.receiver || this.discard) return;
    this.receiver = receiver;
    // Envoy answers `Expect: 100-continue` itself when the body is wanted.
    if (this.expectContinue && !this.bodyDone && !this.responseStarted && this.conn.current === this) this.conn.socket.write(CONTINUE, 'latin1');
    this.conn.flushBody(this);
  }

  pauseBody(): void {
    this.bodyPaused = true;
    this.conn.updateFlow();
  }

  resumeBody(): void {
    if (!this.bodyPaused) return;
    this.bodyPaused = false;
    this.conn.flushBody(this);
  }

  respond(status: number, headers: HeaderBag, endStream: boolean): void {
    if (this.responseStarted || this.aborted) return;
    this.responseStarted = true;
    this.conn.writeHead(this, status, headers, endStream);
    if (endStream) this.end();
  }

  write(chunk: Buffer | string, transient = false): boolean {
    if (!this.responseStarted || this.responseDone || this.aborted) return true;
    if (this.noBody || chunk.length === 0) return true;
    return this.conn.writeBody(this, chunk, transient);
  }

  end(trailers?: HeaderBag): void {
    if (!this.responseStarted || this.responseDone || this.aborted) return;
    this.responseDone = true;
    const conn = this.conn;
    if (this.chunked && !this.noBody) conn.writeRaw(lastChunk(trailers));
    else conn.flushHead();
    conn.responseEnded(this);
  }

  reset(): void {
    if (this.aborted || this.conn.current !== this) return;
    this.responseDone = true;
    this.aborted = true;
    this.conn.socket.destroy();
  }

  acceptUpgrade(headers: HeaderBag): Duplex | undefined {
    if (this.responseStarted || this.aborted || this.conn.current !== this) return undefined;
    this.responseStarted = true;
    this.responseDone = true;
    return this.conn.handOver(`${statusLine(101)}${headerLines(headers)}connection: upgrade\r\n\r\n`);
  }
}

/** Serves one downstream connection. */
export class Http1ServerConnection implements Http1ReaderOwner {
  readonly reader: Http1MessageReader;
  current: Http1DownstreamRequest | undefined = undefined;
  closed = false;
  /** A response head not written yet (see writeHead). */
  #pendingHead: string | undefined = undefined;
  /** A refused head waiting for the response in progress to finish. */
  #refused: Http1HeadError | undefined = undefined;
  readonly #onData = (buf: Buffer): void => this.#push(buf, false);
  /** The read being processed is a view of the shared read buffer (see read-buffer.ts). */
  #ephemeral = false;
  /** The socket belongs to a tunnel (after a 101): reads are pushed to its readable side as copies. */
  #tunnel = false;
  /** The peer workload its proxy introduced on this connection (see DownstreamRequest.connectionPeer). */
  peer: WorkloadInfo | undefined = undefined;
  /** The client's SPIFFE identity (mutual TLS), found once per connection; null until looked up. */
  #peer: string | undefined | null = null;

  constructor(
    readonly socket: Socket,
    private readonly options: Http1ServerOptions,
  ) {
    this.reader = new Http1MessageReader(this, options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES);
    socket.setNoDelay(true);
    const buffered = readIntoSharedBuffer(socket, (n, buf) => this.#onRead(n, buf));
    if (buffered === false) socket.on('data', this.#onData);
    // Bytes read before the switch (a protocol sniffer's): first, before any read that follows.
    else if (buffered !== null) process.nextTick(() => this.#push(buffered, false));
    socket.on('drain', () => this.current?.listener?.onDrain());
    socket.on('error', () => undefined);
    socket.on('close', () => this.#closed());
  }

  /** The verified client certificate's SPIFFE URI SAN, when the socket is mutual TLS. */
  peerPrincipal(): string | undefined {
    if (this.#peer === null) this.#peer = spiffePeerOf(this.socket);
    return this.#peer;
  }

  #onRead(n: number, buf: Buffer): boolean {
    if (this.#tunnel) return this.socket.push(Buffer.from(buf.subarray(0, n)));
    this.#push(buf.subarray(0, n), true);
    return true;
  }

  #push(buf: Buffer, ephemeral: boolean): void {
    this.#ephemeral = ephemeral;
    try {
      this.reader.push(buf, ephemeral);
    } finally {
      this.#ephemeral = false;
    }
    if (this.reader.pendingBytes > PIPELINE_LIMIT) this.socket.pause();
  }

  #closed(): void {
    this.closed = true;
    this.reader.stop();
    const req = this.current;
    if (req && !(req.responseDone && req.bodyDone)) {
      this.current = undefined;
      if (!req.aborted) {
        req.aborted = true;
        req.listener?.onAbort();
      }
    }
  }

  onHeadText(text: string): number {
    const head = parseRequestHead(text, this.options.maxHeaders ?? DEFAULT_MAX_HEADER_COUNT);
    if (head instanceof Http1HeadError) {
      this.#refuse(head);
      return 0;
    }
    let authority: string;
    let path: string;
    if (head.target.charCodeAt(0) === 0x2f) {
      // Origin form, nearly every request: no object for the split.
      authority = head.host ?? '';
      path = head.target;
    } else {
      const target = splitTarget(head);
      if (!target) {
        this.#refuse(new Http1HeadError(400, 'invalid url'));
        return 0;
      }
      authority = target.authority;
      path = target.path;
    }
    // An h2c upgrade is dropped and the request served as HTTP/1.1, as Envoy does.
    let upgrade = head.upgrade !== undefined && head.connectionUpgrade ? head.upgrade.toLowerCase() : undefined;
    if (upgrade === 'h2c') upgrade = undefined;
    const clientKeepAlive = head.versionMinor === 1 ? !head.connectionClose : head.connectionKeepAlive && !head.connectionClose;
    const hasBody = head.chunked || head.contentLength > 0;
    const req = new Http1DownstreamRequest(this, head.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0', head.method, authority, path, head.headers, hasBody, upgrade, head.expectContinue, clientKeepAlive);
    // The head's text and its blank line.
    req.bytesReceived = text.length + 4;
    this.current = req;
    try {
      this.options.onRequest(req);
    } catch (e) {
      // A bug in the handler, not an expected failure: answer 500 if still possible, else cut.
      if (req.responseStarted) req.reset();
      else {
        req.respond(500, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(String(e))) }, false);
        req.write(String(e));
        req.end();
      }
    }
    return head.chunked ? FRAME_CHUNKED : head.contentLength > 0 ? head.contentLength : 0;
  }

  onBody(chunk: Buffer): void {
    const req = this.current;
    if (!req) return;
    req.bytesReceived += chunk.length;
    if (req.discard) return;
    // A view of the shared read buffer: the handler queues or keeps request bodies (retries), so a copy.
    if (this.#ephemeral) chunk = Buffer.from(chunk);
    if (req.receiver && !req.bodyPaused && req.queue === undefined) return req.receiver.onData(chunk);
    (req.queue ??= []).push(chunk);
    req.queued += chunk.length;
    if (req.queued > BODY_QUEUE_LIMIT) this.updateFlow();
  }

  onMessageEnd(trailers: HeaderBag | undefined): void {
    const req = this.current;
    if (!req) return;
    req.bodyDone = true;
    if (!req.discard) {
      if (req.receiver && !req.bodyPaused && req.queue === undefined) req.receiver.onEnd(trailers);
      else {
        req.endPending = true;
        req.endTrailers = trailers;
      }
    }
    if (req.responseDone) this.#finish(req);
    else this.updateFlow();
  }

  onReadError(error: Http1HeadError): void {
    const req = this.current;
    if (req && !req.bodyDone) {
      // The body itself is malformed: the request cannot complete.
      this.current = undefined;
      req.aborted = true;
      req.listener?.onAbort();
      this.options.onProtocolError?.(error.status, error.message);
      this.socket.destroy();
      return;
    }
    this.#refuse(error);
  }

  /** Answers a refused head with Envoy's local reply and closes; waits for a response in progress. */
  #refuse(error: Http1HeadError): void {
    this.reader.stop();
    if (this.current) {
      this.#refused = error;
      return;
    }
    this.options.onProtocolError?.(error.status, error.message);
    if (this.closed) return;
    const body = statusLine(error.status).slice(13, -2);
    this.socket.end(`${statusLine(error.status)}content-length: ${body.length}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${body}`, 'latin1');
  }

  /** Delivers queued body chunks while the handler reads; ends the body when it was complete. */
  flushBody(req: Http1DownstreamRequest): void {
    const receiver = req.receiver;
    if (!receiver) return;
    const queue = req.queue;
    if (queue) {
      while (queue.length > 0 && !req.bodyPaused && this.current === req) {
        const chunk = queue.shift() as Buffer;
        req.queued -= chunk.length;
        receiver.onData(chunk);
      }
      if (queue.length === 0) req.queue = undefined;
    }
    if (req.queue === undefined && req.endPending && !req.bodyPaused) {
      req.endPending = false;
      receiver.onEnd(req.endTrailers);
    }
    this.updateFlow();
  }

  /** Pauses reading while the current request cannot take more, resumes it otherwise. */
  updateFlow(): void {
    const req = this.current;
    const hold = req !== undefined && ((req.bodyDone && !req.responseDone) || (!req.bodyDone && (req.bodyPaused || req.queued > BODY_QUEUE_LIMIT)));
    if (hold) {
      this.reader.pause();
      if (req.bodyPaused || req.queued > BODY_QUEUE_LIMIT || this.reader.pendingBytes > PIPELINE_LIMIT) this.socket.pause();
    } else if (!this.closed) {
      this.socket.resume();
      this.reader.resume();
    }
  }

  writeHead(req: Http1DownstreamRequest, status: number, headers: HeaderBag, endStream: boolean): void {
    const length = headers['content-length'];
    let framing = '';
    req.noBody = req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
    let keepAlive = req.clientKeepAlive;
    if (typeof length === 'string') {
      // The length is the upstream's (or the local reply's); a HEAD response keeps it as information.
    } else if (req.noBody) {
      // Nothing to frame.
    } else if (endStream) framing = 'content-length: 0\r\n';
    else if (req.protocol === 'HTTP/1.1') {
      req.chunked = true;
      framing = 'transfer-encoding: chunked\r\n';
    } else keepAlive = false; // An HTTP/1.0 client reads the body until the connection closes.
    // A client that sent `Expect: 100-continue` and got a final answer instead may never send the
    // body (RFC 9110 §10.1.1): the connection cannot be reused.
    if (req.expectContinue && req.receiver === undefined && req.hasBody) keepAlive = false;
    req.keepAlive = keepAlive;
    if (!keepAlive) framing += 'connection: close\r\n';
    else if (req.protocol === 'HTTP/1.0') framing += 'connection: keep-alive\r\n';
    // The head waits: an upstream response usually brings its head and body in one read, and one
    // write (one syscall, no writev) carries both. Inside an upstream read it waits for the end of
    // that read, otherwise for the end of this tick.
    const head = `${statusLine(status)}${headerLines(headers)}${framing}\r\n`;
    req.bytesSent += head.length;
    this.#pendingHead = head;
    if (readDepth > 0) heldHeads.push(this);
    else process.nextTick(flushHead, this);
  }

  /** Writes the response head if it is still held back. */
  flushHead(): void {
    const head = this.#pendingHead;
    if (head === undefined) return;
    this.#pendingHead = undefined;
    if (!this.closed) this.socket.write(head, 'latin1');
  }

  /** Writes latin1 text (framing), after the held head. */
  writeRaw(text: string): void {
    const head = this.#pendingHead;
    this.#pendingHead = undefined;
    if (!this.closed) this.socket.write(head === undefined ? text : head + text, 'latin1');
  }

  /** Writes a body chunk with the response's framing; false when the socket buffer is full. A
   *  `transient` chunk merged with the head is converted to text here; otherwise the socket may queue
   *  it, so it is copied. */
  writeBody(req: Http1DownstreamRequest, chunk: Buffer | string, transient = false): boolean {
    if (this.closed) return true;
    const socket = this.socket;
    const head = this.#pendingHead;
    const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    req.bytesSent += length;
    if (head !== undefined && typeof chunk !== 'string' && length <= MERGE_LIMIT) {
      // latin1 maps bytes to chars one to one, so the body's bytes go out unchanged.
      this.#pendingHead = undefined;
      const body = chunk.toString('latin1');
      return socket.write(req.chunked ? `${head}${chunkHeader(length)}${body}\r\n` : head + body, 'latin1');
    }
    if (transient && typeof chunk !== 'string') chunk = Buffer.from(chunk);
    if (req.chunked) this.writeRaw(chunkHeader(length));
    else this.flushHead();
    if (!req.chunked) return socket.write(chunk);
    socket.write(chunk);
    return socket.write('\r\n', 'latin1');
  }

  responseEnded(req: Http1DownstreamRequest): void {
    if (!req.keepAlive) {
      this.reader.stop();
      this.socket.end();
    }
    if (req.bodyDone) this.#finish(req);
    else {
      // The handler answered without the whole body: read and drop the rest, then go on.
      req.discard = true;
      req.queue = undefined;
      req.queued = 0;
      req.endPending = false;
      // A pause the handler asked for (its upstream was full) ends with it: nobody would resume.
      req.bodyPaused = false;
      this.updateFlow();
    }
  }

  #finish(req: Http1DownstreamRequest): void {
    if (this.current !== req) return;
    this.current = undefined;
    const refused = this.#refused;
    if (refused) {
      this.#refused = undefined;
      this.#refuse(refused);
      return;
    }
    if (req.keepAlive && !this.closed) this.updateFlow();
  }

  /** Writes the 101 head and gives the socket, with bytes already read after the request head, away. */
  handOver(head: string): Duplex {
    const socket = this.socket;
    this.current = undefined;
    this.reader.stop();
    socket.pause();
    this.#tunnel = true;
    socket.removeListener('data', this.#onData);
    socket.removeAllListeners('drain');
    socket.removeAllListeners('close');
    this.#pendingHead = undefined;
    socket.write(head, 'latin1');
    const rest = this.reader.takeRest();
    if (rest && rest.length > 0) socket.unshift(rest);
    return socket;
  }
}
