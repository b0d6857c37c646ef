// Header blocks between node:http2 and the protocol-agnostic HeaderBag: pseudo-headers split off on the
// way in, and connection-specific headers (RFC 9113 §8.2.2), which HTTP/2 forbids and node:http2
// refuses to send, dropped on the way out.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { HeaderBag } from '../compile/header-mutation.js';

/**
 * Headers never forwarded across an HTTP/2 hop: the connection-specific ones (Connection,
 * Proxy-Connection, Keep-Alive, Transfer-Encoding, Upgrade; TE is handled apart) plus the HTTP/1.1
 * hop-by-hop headers the DownstreamRequest contract leaves out (Expect, Trailer, Proxy-Authorization)
 * and Host, which is `:authority` here.
 */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'expect', 'trailer', 'proxy-authorization', 'host', 'http2-settings']);

/** The only headers node:http2 refuses to send (ERR_HTTP2_INVALID_CONNECTION_HEADERS), TE apart. */
const CONNECTION_SPECIFIC = new Set(['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'http2-settings', 'host']);

/** A request received over HTTP/2, split into its pseudo-headers and end-to-end headers. */
export interface Http2RequestHead {
  readonly method: string;
  readonly scheme: 'http' | 'https';
  /** `:authority`, else a Host header, else ''. */
  readonly authority: string;
  /** `:path` ('' for CONNECT, which has none). */
  readonly path: string;
  /** `:protocol` of an extended CONNECT (RFC 8441), lower-case; undefined for any other request. */
  readonly protocol: string | undefined;
  /** End-to-end headers: no pseudo-headers, no hop-by-hop headers, no Host. */
  readonly headers: HeaderBag;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Splits the header block of a request stream (node:http2 lower-cases names and joins repeated ones,
 *  `cookie` crumbs with '; '). */
export function readRequestHead(h: IncomingHttpHeaders): Http2RequestHead {
  const headers: HeaderBag = {};
  for (const name in h) {
    if (name.charCodeAt(0) === 0x3a /* : */ || HOP_BY_HOP.has(name)) continue;
    headers[name] = h[name];
  }
  const protocol = first(h[':protocol']);
  return {
    method: first(h[':method']) ?? 'GET',
    scheme: first(h[':scheme']) === 'https' ? 'https' : 'http',
    authority: first(h[':authority']) ?? first(h.host) ?? '',
    path: first(h[':path']) ?? '',
    protocol: protocol === undefined ? undefined : protocol.toLowerCase(),
    headers,
  };
}

/** The end-to-end headers of a response (or trailers) block: pseudo-headers left out. */
export function readHeaders(h: IncomingHttpHeaders): HeaderBag {
  const out: HeaderBag = {};
  for (const name in h) {
    if (name.charCodeAt(0) === 0x3a) continue;
    out[name] = h[name];
  }
  return out;
}

/**
 * `headers` as an HTTP/2 header block after `pseudo` (`:status`, or `:method`...): undefined values and
 * connection-specific headers dropped; TE only as `te: trailers`, the one value HTTP/2 allows.
 */
export function toHttp2Headers(pseudo: OutgoingHttpHeaders, headers: HeaderBag | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...pseudo };
  if (!headers) return out;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || CONNECTION_SPECIFIC.has(name) || name.charCodeAt(0) === 0x3a) continue;
    if (name === 'te') {
      if ((Array.isArray(v) ? v.join(',') : v).trim().toLowerCase() === 'trailers') out.te = 'trailers';
      continue;
    }
    out[name] = v;
  }
  return out;
}
