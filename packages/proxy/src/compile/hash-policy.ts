// Compiles a route's hash_policy list into a function from a request to the 64-bit hash ring hash and
// maglev balance on (Envoy's HashPolicyImpl, source/common/http/hash_policy.cc): header (values sorted,
// hashed as one string; optional regex_rewrite), cookie (generated when missing if it has a ttl),
// connection_properties.source_ip, query_parameter. Hashes of several policies are combined as
// (hash <<< 1) ^ next; a `terminal` policy that produced a hash ends the list. filter_state is not
// supported (it yields nothing).

import { re2 } from './re2.js';
import { hex64, xxHash64, xxHash64Concat } from '../balancer/xxhash64.js';
import { headerValue, type RouteRequest } from './route-request.js';
import { durationMs } from './duration.js';

/**
 * Lets a cookie policy with a `ttl` create its cookie when the request has none, as Envoy does: the
 * value is the hex xxHash64 of `remote` + `local`, the hash is that value's, and the Set-Cookie header
 * for the response is pushed to `setCookies` (the request path adds each to the response headers).
 */
export interface CookieGeneration {
  /** The downstream peer as Envoy prints it: `ip:port`, `[v6]:port`. */
  readonly remote: string;
  /** The local address the connection arrived at, same form. */
  readonly local: string;
  /** Filled with Set-Cookie values to add to the response. */
  readonly setCookies: string[];
}

/**
 * The hash of a request, or undefined when no policy produced one (the picker then picks at random).
 * `remoteAddress` is the downstream peer's IP without port (node's socket.remoteAddress). Without
 * `cookies`, a cookie policy never generates a cookie (it yields nothing for a request without one).
 */
export type RequestHasher = (req: RouteRequest, remoteAddress: string | undefined, cookies?: CookieGeneration) => bigint | undefined;

type Obj = Readonly<Record<string, unknown>>;
type Method = (req: RouteRequest, remoteAddress: string | undefined, cookies: CookieGeneration | undefined) => bigint | undefined;

const MASK64 = (1n << 64n) - 1n;

/** Envoy's combination: rotate the hash so far left by one bit, xor the next. */
export function combineHashes(previous: bigint | undefined, next: bigint): bigint {
  const rotated = previous === undefined ? 0n : ((previous << 1n) | (previous >> 63n)) & MASK64;
  return rotated ^ next;
}

/** A `\1`-style RE2 substitution (Envoy's regex_rewrite) in re2js's `$1` form. */
function substitution(s: string): string {
  return s.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1').replace(/\\\\/g, '\\');
}

function headerMethod(h: Obj): Method | undefined {
  const name = typeof h.header_name === 'string' ? h.header_name.toLowerCase() : '';
  if (name === '') return undefined;
  const rewrite = h.regex_rewrite as { pattern?: { regex?: unknown }; substitution?: unknown } | undefined;
  const regex = typeof rewrite?.pattern?.regex === 'string' ? re2().compile(rewrite.pattern.regex) : undefined;
  const replacement = substitution(typeof rewrite?.substitution === 'string' ? rewrite.substitution : '');
  return (req) => {
    const raw = name.startsWith(':') || name === 'host' ? headerValue(req, name) : req.headers[name];
    if (raw === undefined) return undefined;
    let values = typeof raw === 'string' ? [raw] : [...raw];
    if (values.length === 0) return undefined;
    if (regex) values = values.map((v) => regex.matcher(v).replaceAll(replacement));
    // The same hash whatever the order of repeated headers.
    values.sort();
    return xxHash64Concat(values);
  };
}

/** The value of cookie `name` in the request's Cookie headers (Envoy's parseCookieValue: first match,
 *  surrounding double quotes removed), '' when absent. */
export function cookieValue(req: RouteRequest, name: string): string {
  const raw = req.headers.cookie;
  for (const header of raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw) {
    for (const part of header.split(';')) {
      const s = part.replace(/^ +/, '');
      const eq = s.indexOf('=');
      if (eq < 0 || s.slice(0, eq) !== name) continue;
      const v = s.slice(eq + 1);
      return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
    }
  }
  return '';
}

/** Envoy's makeSetCookieValue (httponly always, as Envoy's generated cookies are). */
function setCookieValue(name: string, value: string, path: string, ttlSeconds: number, attributes: readonly { name: string; value: string }[]): string {
  let out = `${name}="${value}"`;
  if (ttlSeconds !== 0) out += `; Max-Age=${ttlSeconds}`;
  if (path !== '') out += `; Path=${path}`;
  for (const a of attributes) out += a.value === '' ? `; ${a.name}` : `; ${a.name}=${a.value}`;
  return `${out}; HttpOnly`;
}

function cookieMethod(c: Obj): Method | undefined {
  const name = typeof c.name === 'string' ? c.name : '';
  if (name === '') return undefined;
  const path = typeof c.path === 'string' ? c.path : '';
  const ttlMs = c.ttl === undefined ? undefined : durationMs(c.ttl);
  // Envoy keeps whole seconds of the ttl.
  const ttlSeconds = ttlMs === undefined ? undefined : Math.floor(ttlMs / 1000);
  const attributes = (Array.isArray(c.attributes) ? (c.attributes as Obj[]) : []).map((a) => ({ name: String(a.name ?? ''), value: String(a.value ?? '') }));
  return (req, _remote, cookies) => {
    const value = cookieValue(req, name);
    if (value !== '') return xxHash64(value);
    if (ttlSeconds === undefined || !cookies) return undefined;
    const generated = hex64(xxHash64(cookies.remote + cookies.local));
    cookies.setCookies.push(setCookieValue(name, generated, path, ttlSeconds, attributes));
    return xxHash64(generated);
  };
}

/** The IP Envoy hashes for source_ip: v4-mapped IPv6 addresses as plain IPv4, as Envoy reports them. */
function sourceIp(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(remote) ? remote.slice(7) : remote;
}

const sourceIpMethod: Method = (_req, remote) => {
  const ip = sourceIp(remote);
  return ip ? xxHash64(ip) : undefined;
};

/** The first value of query parameter `name` in `query` (Envoy's parseQueryString: split on `&`, no
 *  percent-decoding, a parameter without `=` has the empty value). */
export function queryParameter(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key === name) return eq < 0 ? '' : part.slice(eq + 1);
  }
  return undefined;
}

function queryMethod(q: Obj): Method | undefined {
  const name = typeof q.name === 'string' ? q.name : '';
  if (name === '') return undefined;
  return (req) => {
    const v = queryParameter(req.query, name);
    return v === undefined ? undefined : xxHash64(v);
  };
}

function compileOne(p: Obj): Method | undefined {
  if (p.header && typeof p.header === 'object') return headerMethod(p.header as Obj);
  if (p.cookie && typeof p.cookie === 'object') return cookieMethod(p.cookie as Obj);
  if (p.connection_properties && typeof p.connection_properties === 'object') return (p.connection_properties as Obj).source_ip === true ? sourceIpMethod : undefined;
  if (p.query_parameter && typeof p.query_parameter === 'object') return queryMethod(p.query_parameter as Obj);
  return undefined;
}

/** Compiles a RouteAction's `hash_policy` list; undefined when it is empty or has no usable policy. */
export function compileHashPolicy(policies: unknown): RequestHasher | undefined {
  if (!Array.isArray(policies)) return undefined;
  const methods: { readonly method: Method; readonly terminal: boolean }[] = [];
  for (const p of policies as Obj[]) {
    if (!p || typeof p !== 'object') continue;
    const method = compileOne(p);
    if (method) methods.push({ method, terminal: p.terminal === true });
  }
  if (methods.length === 0) return undefined;
  return (req, remoteAddress, cookies) => {
    let hash: bigint | undefined;
    for (const { method, terminal } of methods) {
      const next = method(req, remoteAddress, cookies);
      if (next !== undefined) hash = combineHashes(hash, next);
      if (terminal && hash !== undefined) break;
    }
    return hash;
  };
}
