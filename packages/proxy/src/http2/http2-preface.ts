// Tells HTTP/2 with prior knowledge (h2c) from HTTP/1.x by the first bytes of a plaintext connection:
// an h2c client opens with the connection preface (RFC 9113 §3.4), which no HTTP/1 request can start
// with (the PRI method is reserved for it). HTTP/1.1 `Upgrade: h2c` is not supported, as in Envoy.

import type { Socket } from 'node:net';

/** The client connection preface, `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`. */
export const HTTP2_PREFACE: Buffer = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** What the first bytes of a connection say. 'more': too few bytes to tell (a prefix of the preface). */
export type PrefaceVerdict = 'http2' | 'http1' | 'more';

/** Reads the start of a connection: 'http2' when it begins with the whole preface, 'http1' as soon as
 *  a byte differs from it, 'more' while every byte so far matches. */
export function detectHttp2Preface(firstBytes: Buffer): PrefaceVerdict {
  const n = Math.min(firstBytes.length, HTTP2_PREFACE.length);
  for (let i = 0; i < n; i++) if (firstBytes[i] !== HTTP2_PREFACE[i]) return 'http1';
  return n === HTTP2_PREFACE.length ? 'http2' : 'more';
}

/** Whether `firstBytes` begin with the whole HTTP/2 connection preface. */
export function isHttp2Preface(firstBytes: Buffer): boolean {
  return detectHttp2Preface(firstBytes) === 'http2';
}

/**
 * Waits for enough of `socket`'s first bytes to tell the protocol, puts them back (`socket.unshift`,
 * so the next reader sees the connection from its first byte; node:http2 sessions read buffered
 * bytes too) and calls `then` once, with the socket paused. Nothing is called when the socket closes
 * or fails first. Costs one listener and one unshift per connection, none per request.
 */
export function sniffHttpProtocol(socket: Socket, then: (protocol: 'http1' | 'http2') => void): void {
  let seen: Buffer | undefined;
  const done = (): void => {
    socket.removeListener('data', onData);
    socket.removeListener('close', onGone);
    socket.removeListener('error', onGone);
  };
  const onGone = (): void => done();
  const onData = (chunk: Buffer): void => {
    seen = seen ? Buffer.concat([seen, chunk]) : chunk;
    const verdict = detectHttp2Preface(seen);
    if (verdict === 'more') return;
    done();
    socket.pause();
    socket.unshift(seen);
    then(verdict);
  };
  socket.on('data', onData);
  socket.on('close', onGone);
  socket.on('error', onGone);
}
