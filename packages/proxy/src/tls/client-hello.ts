// Envoy's tls_inspector listener filter: reads a connection's TLS ClientHello (without answering it)
// for its SNI and ALPN, so a filter chain can be chosen by `server_names`, `transport_protocol: tls` and
// `application_protocols` before any handshake. The bytes read are put back for the TLS termination.

import type { Socket } from 'node:net';

/** Envoy's default `max_client_hello_size` (tls_inspector): a larger ClientHello is not TLS to us. */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;

/** What the first bytes say: a ClientHello with its SNI and ALPN, not TLS, or too few bytes yet. */
export type ClientHelloVerdict = { readonly kind: 'tls'; readonly serverName: string; readonly alpn: readonly string[] } | { readonly kind: 'not-tls' } | { readonly kind: 'more' };

const NOT_TLS = Object.freeze({ kind: 'not-tls' as const });
const MORE = Object.freeze({ kind: 'more' as const });

/** The handshake bytes carried by the TLS records at the start of `data` (a ClientHello may span
 *  records), or a verdict when the records say it is not TLS or are incomplete. */
function handshakeBytes(data: Buffer, need: number): Buffer | ClientHelloVerdict {
  const parts: Buffer[] = [];
  let have = 0;
  let at = 0;
  while (have < need) {
    // TLS 1.0–1.3 record versions are 3.1–3.3 (1.3 keeps 3.1/3.3 for compatibility); 3.0 is SSLv3.
    if ((data.length > at && data[at] !== RECORD_HANDSHAKE) || (data.length > at + 1 && data[at + 1] !== 0x03)) return NOT_TLS;
    if (data.length < at + 5) return MORE;
    const length = data.readUInt16BE(at + 3);
    if (length === 0) return NOT_TLS;
    if (data.length < at + 5 + length) {
      parts.push(data.subarray(at + 5));
      have += data.length - at - 5;
      return have >= need ? Buffer.concat(parts) : MORE;
    }
    parts.push(data.subarray(at + 5, at + 5 + length));
    have += length;
    at += 5 + length;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/**
 * Parses the ClientHello at the start of a connection. `not-tls` as soon as a byte rules TLS out (the
 * first byte is not a handshake record, the message is not a ClientHello, or it exceeds
 * {@link MAX_CLIENT_HELLO_BYTES}); `more` while the ClientHello is incomplete. A malformed ClientHello
 * is still TLS (the handshake will fail), with no SNI or ALPN.
 */
export function parseClientHello(data: Buffer): ClientHelloVerdict {
  if (data.length === 0) return MORE;
  if (data[0] !== RECORD_HANDSHAKE) return NOT_TLS;
  const head = handshakeBytes(data, 4);
  if (!Buffer.isBuffer(head)) return head;
  if (head[0] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
  const bodyLength = head.readUIntBE(1, 3);
  if (bodyLength + 4 > MAX_CLIENT_HELLO_BYTES) return NOT_TLS;
  const message = handshakeBytes(data, bodyLength + 4);
  if (!Buffer.isBuffer(message)) return message;
  return readHello(message.subarray(4, 4 + bodyLength));
}

/** SNI and ALPN of a complete ClientHello body (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301 §3.1). */
function readHello(body: Buffer): ClientHelloVerdict {
  let serverName = '';
  const alpn: string[] = [];
  const malformed = { kind: 'tls' as const, serverName: '', alpn: [] };
  let at = 2 + 32; // legacy_version, random
  if (body.length < at + 1) return malformed;
  at += 1 + (body[at] as number); // session id
  if (body.length < at + 2) return malformed;
  at += 2 + body.readUInt16BE(at); // cipher suites
  if (body.length < at + 1) return malformed;
  at += 1 + (body[at] as number); // compression methods
  if (body.length < at + 2) return { kind: 'tls', serverName, alpn }; // no extensions
  const end = Math.min(body.length, at + 2 + body.readUInt16BE(at));
  at += 2;
  while (at + 4 <= end) {
    const type = body.readUInt16BE(at);
    const length = body.readUInt16BE(at + 2);
    const ext = body.subarray(at + 4, Math.min(end, at + 4 + length));
    at += 4 + length;
    if (type === EXT_SERVER_NAME && ext.length >= 2) {
      let i = 2;
      while (i + 3 <= ext.length) {
        const nameType = ext[i] as number;
        const n = ext.readUInt16BE(i + 1);
        if (nameType === 0 && serverName === '') serverName = ext.subarray(i + 3, i + 3 + n).toString('latin1').toLowerCase();
        i += 3 + n;
      }
    } else if (type === EXT_ALPN && ext.length >= 2) {
      let i = 2;
      while (i + 1 <= ext.length) {
        const n = ext[i] as number;
        if (n > 0 && i + 1 + n <= ext.length) alpn.push(ext.subarray(i + 1, i + 1 + n).toString('latin1'));
        i += 1 + n;
      }
    }
  }
  return { kind: 'tls', serverName, alpn };
}

/** The inspector's answer for one connection. */
export interface TlsInspection {
  /** `tls` or `raw_buffer`, as Envoy's tls_inspector sets the transport protocol. */
  readonly transportProtocol: 'tls' | 'raw_buffer';
  /** SNI, lower-case; '' when none. */
  readonly serverName: string;
  /** ALPN offered by the client, in its order. */
  readonly applicationProtocols: readonly string[];
  /** Bytes read before the client ended its side (they could not be put back). */
  readonly initialData?: Buffer;
}

/**
 * Reads the connection's first bytes until {@link parseClientHello} decides, puts them back (unshift,
 * which a TLSSocket built over this socket reads first) and leaves the socket paused. Like Envoy with
 * `listener_filters_timeout: 0s` it waits as long as the client is silent.
 */
export function inspectTls(socket: Socket): Promise<TlsInspection> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (verdict: ClientHelloVerdict, ended: boolean): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      const data = Buffer.concat(chunks);
      const found: TlsInspection = verdict.kind === 'tls' ? { transportProtocol: 'tls', serverName: verdict.serverName, applicationProtocols: verdict.alpn } : { transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: [] };
      if (ended) {
        resolve(data.length > 0 ? { ...found, initialData: data } : found);
        return;
      }
      if (data.length > 0) socket.unshift(data);
      resolve(found);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const verdict = parseClientHello(chunks.length === 1 ? chunk : Buffer.concat(chunks));
      if (verdict.kind !== 'more') finish(verdict, false);
    };
    const onEnd = (): void => finish(NOT_TLS, true);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}
