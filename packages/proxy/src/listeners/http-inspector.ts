// Envoy's http_inspector listener filter: from a connection's first bytes, decide whether it speaks
// plaintext HTTP/1.x or h2c, so filter chains can match `application_protocols` (weftd's shared
// HTTP/TCP outbound ports). Bytes read while deciding are put back for the chain's filters.

import type { Socket } from 'node:net';

/** The HTTP/2 connection preface (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** Envoy's http_inspector gives up after this many bytes without a request line. */
export const MAX_INSPECT_BYTES = 8192;

// RFC 9110 token characters, for the method.
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** What the first bytes say: a protocol name as Envoy sets it, `none` (not HTTP), or `more` (too few bytes yet). */
export type HttpDetection = 'http/1.1' | 'http/1.0' | 'h2c' | 'none' | 'more';

/** Decides from the bytes received so far, as Envoy's inspector: the h2c preface, or an HTTP/1.x request line. */
export function detectHttpProtocol(data: Buffer): HttpDetection {
  const n = Math.min(data.length, H2_PREFACE.length);
  if (data.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return n === H2_PREFACE.length ? 'h2c' : 'more';
  const lineEnd = data.indexOf('\r\n', 0, 'latin1');
  const line = data.subarray(0, lineEnd < 0 ? Math.min(data.length, MAX_INSPECT_BYTES) : lineEnd).toString('latin1');
  const firstSpace = line.indexOf(' ');
  const method = firstSpace < 0 ? line : line.slice(0, firstSpace);
  // A byte that cannot be in a method decides at once (binary protocols, TLS).
  if (method !== '' && !TCHAR.test(method)) return 'none';
  if (lineEnd < 0) return data.length >= MAX_INSPECT_BYTES ? 'none' : 'more';
  const parts = line.split(' ');
  const target = parts[1] ?? '';
  if (parts.length !== 3 || target === '' || [...target].some((c) => c.charCodeAt(0) < 0x21 || c.charCodeAt(0) === 0x7f)) return 'none';
  if (parts[2] === 'HTTP/1.1') return 'http/1.1';
  return parts[2] === 'HTTP/1.0' ? 'http/1.0' : 'none';
}

/** The inspector's answer for one connection. */
export interface HttpInspection {
  /** The detected protocol (`[]` when not HTTP). */
  readonly protocols: readonly string[];
  /** Bytes read before the client ended its side, which could not be put back in the stream; the
   *  chain's filter must send them first. Undefined when everything was put back. */
  readonly initialData?: Buffer;
}

/**
 * Reads the connection's first bytes until {@link detectHttpProtocol} decides, then puts them back
 * (unshift) and leaves the socket paused. Like Envoy with `listener_filters_timeout: 0s` (what weftd
 * sets) it waits as long as the client is silent; a client that ends or closes first gets no protocol.
 */
export function inspectHttp(socket: Socket): Promise<HttpInspection> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (protocols: readonly string[], ended: boolean): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.pause();
      const data = Buffer.concat(chunks);
      if (ended) {
        resolve(data.length > 0 ? { protocols, initialData: data } : { protocols });
        return;
      }
      if (data.length > 0) socket.unshift(data);
      resolve({ protocols });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const verdict = detectHttpProtocol(chunks.length === 1 ? chunk : Buffer.concat(chunks));
      if (verdict !== 'more') finish(verdict === 'none' ? [] : [verdict], false);
    };
    const onEnd = (): void => finish([], true);
    const onClose = (): void => finish([], true);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onClose);
  });
}
