// The request headers sent upstream and the response headers sent back: hop-by-hop headers dropped
// (RFC 9110 §7.6.1), Host set to the route's rewrite or the original authority, and Envoy's
// x-forwarded-proto and x-request-id (a fresh UUID when the app sent none).

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderBag } from '../compile/header-mutation.js';

// Connection-level headers that never cross a proxy; undici refuses some of them outright.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'host']);

/** A copy of `headers` without hop-by-hop headers (and without Host, which the caller sets). */
export function withoutHopByHop(headers: Readonly<Record<string, string | readonly string[] | undefined>>): HeaderBag {
  const out: HeaderBag = {};
  const named = String(headers.connection ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.includes(k)) continue;
    out[k] = typeof v === 'string' ? v : [...v];
  }
  return out;
}

/** The upstream request headers: hop-by-hop dropped, `host` = `host`, x-forwarded-proto and
 *  x-request-id added when absent, as Envoy's connection manager does. */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, host: string): HeaderBag {
  const out = withoutHopByHop(incoming);
  out.host = host;
  out['x-forwarded-proto'] ??= 'http';
  out['x-request-id'] ??= randomUUID();
  return out;
}
