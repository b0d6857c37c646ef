// The incremental HTTP/1.1 message reader of one connection: finds each head in the byte stream
// (bounded), hands its text to the owner, then frames the body the owner chose (content length,
// chunked with trailers, until close) and delivers it as views of the socket's buffers, no copies.
// It knows nothing about requests or responses; the owner parses heads and picks the framing.

import type { HeaderBag } from '../compile/header-mutation.js';
import { Http1HeadError, parseTrailers } from './http1-head.js';

/** Body framing the owner returns for a head: a length ≥ 0 (0: no body), or one of these. */
export const FRAME_CHUNKED = -1;
export const FRAME_UNTIL_CLOSE = -2;
/** Stop reading: the rest of the stream is not HTTP/1.1 (an upgrade) or the head was refused.
 *  {@link Http1MessageReader.takeRest} returns the bytes after the head. */
export const FRAME_STOP = -3;
/** The head was informational (1xx): no body, no message end, read the next head. */
export const FRAME_SKIP = -4;

/** Envoy's default `max_request_headers_kb` (60 KiB), for the head as a whole. */
export const DEFAULT_MAX_HEAD_BYTES = 60 * 1024;

/** Callbacks of the connection that owns a reader. A callback may pause or stop the reader. */
export interface Http1ReaderOwner {
  /** A complete head (latin1 text, without its final CRLF CRLF). Returns the body framing. */
  onHeadText(text: string): number;
  onBody(chunk: Buffer): void;
  onMessageEnd(trailers: HeaderBag | undefined): void;
  /** The stream is not valid HTTP/1.1 (status to answer: 400, or 431 for a head over the limit). The
   *  reader has stopped. */
  onReadError(error: Http1HeadError): void;
}

const HEAD = 0;
const LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_CRLF = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;
const STOPPED = 7;

/** The needles searched for, as Buffers (a string needle is encoded again on every search). */
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const CR = 0x0d;
const LF = 0x0a;
/** Reads up to this size are searched for a head end as latin1 text. */
const SMALL_READ = 4096;
/** Longest chunk-size line (size plus extensions) accepted. */
const MAX_CHUNK_LINE = 4096;

/** Whether `buf[from, to)` has a LF not preceded by CR (a bare LF, refused where lines are framed). */
function hasBareLf(buf: Buffer, from: number, to: number): boolean {
  for (let i = buf.indexOf(LF, from); i >= 0 && i < to; i = buf.indexOf(LF, i + 1)) if (i === 0 || buf[i - 1] !== CR) return true;
  return false;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** The size of a chunk-size line `buf[from, to)` (hex size, optional `;ext`), or -1 when malformed. */
function chunkSize(buf: Buffer, from: number, to: number): number {
  let size = 0;
  let i = from;
  for (; i < to; i++) {
    const v = hexValue(buf[i] as number);
    if (v < 0) break;
    size = size * 16 + v;
    if (size > Number.MAX_SAFE_INTEGER / 16) return -1;
  }
  if (i === from) return -1;
  while (i < to && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  if (i < to && buf[i] !== 0x3b) return -1;
  // Extensions are ignored, but may not hide control characters (bare CR, NUL).
  for (; i < to; i++) {
    const c = buf[i] as number;
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return -1;
  }
  return size;
}

/** Reads consecutive HTTP/1.1 messages from one byte stream. */
export class Http1MessageReader {
  #state = HEAD;
  #remaining = 0;
  #crlfSeen = 0;
  #paused = false;
  #pending: Buffer | undefined;
  /** The buffer being read is reused after the read (a socket's `onread` buffer): what is kept copies. */
  #ephemeral = false;

  constructor(
    private readonly owner: Http1ReaderOwner,
    private readonly maxHeadBytes = DEFAULT_MAX_HEAD_BYTES,
  ) {}

  /** Bytes received but not processed yet (paused, or an incomplete head or chunk line). */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }

  /** Whether the reader is between messages (no head or body half read). */
  get idle(): boolean {
    return this.#state === HEAD && this.#pending === undefined;
  }

  /** Whether the current body runs until the connection closes. */
  get untilClose(): boolean {
    return this.#state === UNTIL_CLOSE;
  }

  /** Feeds bytes from the connection. `ephemeral`: `buf` is overwritten once this call returns (a
   *  socket's reused `onread` buffer), so the reader copies what it keeps; body chunks it delivers are
   *  views the owner must copy to keep. */
  push(buf: Buffer, ephemeral = false): void {
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, buf]);
      this.#pending = undefined;
      ephemeral = false;
    }
    this.#ephemeral = ephemeral;
    this.#run(buf, 0);
    this.#ephemeral = false;
  }

  /** Holds back further callbacks; bytes pushed meanwhile are kept. */
  pause(): void {
    this.#paused = true;
  }

  /** Processes what was kept while paused. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const p = this.#pending;
    if (p && this.#state !== STOPPED) {
      this.#pending = undefined;
      this.#run(p, 0);
    }
  }

  /** Stops reading for good (an upgrade, a refused head, a closing connection). */
  stop(): void {
    this.#state = STOPPED;
  }

  /** Bytes kept after the point where the reader stopped or paused, and forgets them. */
  takeRest(): Buffer | undefined {
    const p = this.#pending;
    this.#pending = undefined;
    return p;
  }

  /** The connection ended: completes a body that runs until close. Returns false when a message was
   *  cut short (the caller reports a reset). */
  finishAtClose(): boolean {
    if (this.#state === UNTIL_CLOSE) {
      this.#state = HEAD;
      this.owner.onMessageEnd(undefined);
      return true;
    }
    return this.#state === HEAD && this.#pending === undefined;
  }

  #fail(error: Http1HeadError): void {
    this.#state = STOPPED;
    this.#pending = undefined;
    this.owner.onReadError(error);
  }

  #keep(buf: Buffer, off: number): void {
    if (this.#ephemeral) this.#pending = Buffer.from(buf.subarray(off));
    else this.#pending = off === 0 ? buf : buf.subarray(off);
  }

  #run(buf: Buffer, off: number): void {
    const len = buf.length;
    while (off < len) {
      if (this.#paused || this.#state === STOPPED) return this.#keep(buf, off);
      switch (this.#state) {
        case HEAD: {
          let end: number;
          let text = '';
          if (len - off <= SMALL_READ) {
            // A small read (a head, perhaps with a short body): converted once and searched as text,
            // which costs less than a Buffer search followed by the conversion of the head.
            const str = buf.toString('latin1', off, len);
            const at = str.indexOf('\r\n\r\n');
            end = at < 0 ? -1 : off + at;
            if (at >= 0) text = str.slice(0, at);
          } else {
            end = buf.indexOf(HEAD_END, off);
            if (end >= 0) text = buf.toString('latin1', off, end);
          }
          if (end < 0) {
            if (len - off > this.maxHeadBytes) return this.#fail(new Http1HeadError(431, 'headers size exceeds limit'));
            // A head framed with bare LFs would never complete: refuse it now, as llhttp does.
            if (hasBareLf(buf, off, len)) return this.#fail(new Http1HeadError(400, 'invalid header line ending'));
            return this.#keep(buf, off);
          }
          if (end - off > this.maxHeadBytes) return this.#fail(new Http1HeadError(431, 'headers size exceeds limit'));
          const framing = this.owner.onHeadText(text);
          off = end + 4;
          if ((this.#state as number) === STOPPED) return this.#keep(buf, off);
          if (framing === 0) this.owner.onMessageEnd(undefined);
          else if (framing > 0) {
            this.#state = LENGTH;
            this.#remaining = framing;
          } else if (framing === FRAME_CHUNKED) this.#state = CHUNK_SIZE;
          else if (framing === FRAME_UNTIL_CLOSE) this.#state = UNTIL_CLOSE;
          else if (framing === FRAME_STOP) {
            this.#state = STOPPED;
            return this.#keep(buf, off);
          }
          break;
        }
        case LENGTH:
        case CHUNK_DATA: {
          const n = Math.min(this.#remaining, len - off);
          const chunk = off === 0 && n === len ? buf : buf.subarray(off, off + n);
          off += n;
          this.#remaining -= n;
          const done = this.#remaining === 0;
          if (done) this.#state = this.#state === LENGTH ? HEAD : CHUNK_CRLF;
          this.owner.onBody(chunk);
          if (done && this.#state === HEAD) this.owner.onMessageEnd(undefined);
          break;
        }
        case CHUNK_SIZE: {
          const eol = buf.indexOf(CRLF, off);
          if (eol < 0) {
            if (len - off > MAX_CHUNK_LINE || buf.indexOf(LF, off) >= 0) return this.#fail(new Http1HeadError(400, 'invalid chunk size'));
            return this.#keep(buf, off);
          }
          const size = eol - off > MAX_CHUNK_LINE ? -1 : chunkSize(buf, off, eol);
          if (size < 0) return this.#fail(new Http1HeadError(400, 'invalid chunk size'));
          off = eol + 2;
          if (size === 0) this.#state = TRAILERS;
          else {
            this.#state = CHUNK_DATA;
            this.#remaining = size;
          }
          break;
        }
        case CHUNK_CRLF: {
          const want = this.#crlfSeen === 0 ? CR : LF;
          if (buf[off] !== want) return this.#fail(new Http1HeadError(400, 'invalid chunk terminator'));
          off++;
          if (++this.#crlfSeen === 2) {
            this.#crlfSeen = 0;
            this.#state = CHUNK_SIZE;
          }
          break;
        }
        case TRAILERS: {
          if (len - off < 2) return this.#keep(buf, off);
          if (buf[off] === CR && buf[off + 1] === LF) {
            this.#state = HEAD;
            off += 2;
            this.owner.onMessageEnd(undefined);
            break;
          }
          const end = buf.indexOf(HEAD_END, off);
          if (end < 0) {
            if (len - off > this.maxHeadBytes) return this.#fail(new Http1HeadError(431, 'trailers size exceeds limit'));
            if (hasBareLf(buf, off, len)) return this.#fail(new Http1HeadError(400, 'invalid trailer line ending'));
            return this.#keep(buf, off);
          }
          const trailers = parseTrailers(buf.toString('latin1', off, end));
          if (trailers instanceof Http1HeadError) return this.#fail(trailers);
          off = end + 4;
          this.#state = HEAD;
          this.owner.onMessageEnd(trailers);
          break;
        }
        case UNTIL_CLOSE:
          this.owner.onBody(off === 0 ? buf : buf.subarray(off));
          return;
      }
    }
  }
}
