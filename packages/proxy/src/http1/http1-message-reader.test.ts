import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeaderBag } from '../compile/header-mutation.js';
import { Http1HeadError, parseRequestHead } from './http1-head.js';
import { FRAME_CHUNKED, Http1MessageReader, type Http1ReaderOwner } from './http1-message-reader.js';

/** Records what a reader reports, framing requests the way a server does. */
class Recorder implements Http1ReaderOwner {
  events: string[] = [];
  body = '';
  onHeadText(text: string): number {
    const head = parseRequestHead(text);
    if (head instanceof Http1HeadError) {
      this.events.push(`head-error ${head.status}`);
      return 0;
    }
    this.events.push(`head ${head.method} ${head.target}`);
    return head.chunked ? FRAME_CHUNKED : Math.max(0, head.contentLength);
  }
  onBody(chunk: Buffer): void {
    this.body += chunk.toString('latin1');
  }
  onMessageEnd(trailers: HeaderBag | undefined): void {
    this.events.push(`end ${this.body}${trailers ? ` ${JSON.stringify(trailers)}` : ''}`);
    this.body = '';
  }
  onReadError(error: Http1HeadError): void {
    this.events.push(`error ${error.status}`);
  }
}

function read(parts: readonly string[]): string[] {
  const r = new Recorder();
  const reader = new Http1MessageReader(r, 1024);
  for (const p of parts) reader.push(Buffer.from(p, 'latin1'));
  return r.events;
}

const STREAM = [
  'GET /a HTTP/1.1\r\nHost: h\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello',
  'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\ngrpc-status: 0\r\n\r\n',
  'POST /d HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  '\r\nGET /e HTTP/1.1\r\nHost: h\r\n\r\n',
].join('');

const EXPECTED = ['head GET /a', 'end ', 'head POST /b', 'end hello', 'head POST /c', 'end abc0123456789 {"grpc-status":"0"}', 'head POST /d', 'end ', 'head GET /e', 'end '];

describe('Http1MessageReader', () => {
  it('reads pipelined messages with length, chunked (extensions, trailers) and empty bodies', () => {
    expect(read([STREAM])).toEqual(EXPECTED);
  });

  it('reports the same events however the stream is split (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 30 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
        expect(read(points.slice(1).map((end, i) => STREAM.slice(points[i], end)))).toEqual(EXPECTED);
      }),
    );
  });

  it.each([
    ['a head over the limit', `GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(2000)}\r\n\r\n`, 'error 431'],
    ['an unfinished head over the limit', `GET / HTTP/1.1\r\nX: ${'a'.repeat(2000)}`, 'error 431'],
    ['bare LF line ends before the head completes', 'GET / HTTP/1.1\nHost: h\n\n', 'error 400'],
    ['a chunk size that is not hex', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'error 400'],
    ['a chunk size with a bare LF', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc', 'error 400'],
    ['chunk data longer than its size', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n', 'error 400'],
    ['a huge chunk size', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', 'error 400'],
  ])('refuses %s', (_name, bytes, last) => {
    expect(read([bytes]).at(-1)).toBe(last);
  });

  it('holds bytes while paused and delivers them on resume', () => {
    const r = new Recorder();
    const reader = new Http1MessageReader(r);
    const orig = r.onMessageEnd.bind(r);
    r.onMessageEnd = (t) => {
      orig(t);
      reader.pause();
    };
    reader.push(Buffer.from('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(r.events).toEqual(['head GET /1', 'end ']);
    expect(reader.pendingBytes).toBeGreaterThan(0);
    reader.resume();
    expect(r.events).toEqual(['head GET /1', 'end ', 'head GET /2', 'end ']);
  });
});
