// Where tokens are found (Envoy jwt_authn extractor.cc): the headers (with a value prefix such as
// `Bearer `), query parameters and cookies providers name, by default `Authorization: Bearer <token>`
// and `?access_token=`. Each location remembers which issuers named it, so a token found there is only
// accepted from those issuers. Also removes a token from its location (`forward: false`).

import type { HeaderBag } from '../compile/header-mutation.js';

/** The request parts the extractor reads and edits: the handler owns both. */
export interface TokenRequest {
  readonly headers: HeaderBag;
  path: string;
}

/** A token found in a request. */
export interface ExtractedToken {
  readonly token: string;
  /** Whether a provider with this issuer named the location (or one with no issuer did). */
  allows(issuer: string): boolean;
  /** Takes the token out of the request (the whole header, or the query parameter; cookies stay, as in Envoy). */
  remove(req: TokenRequest): void;
}

/** The locations of one provider, defaults applied. */
export interface ProviderLocations {
  readonly issuer: string;
  /** [lower-case header name, value prefix ('' for none)]. */
  readonly headers: readonly (readonly [string, string])[];
  readonly params: readonly string[];
  readonly cookies: readonly string[];
}

/** The issuers that named one location; '' among them (a provider without issuer) allows all. */
class IssuerChecker {
  private all = false;
  private readonly issuers = new Set<string>();
  add(issuer: string): void {
    if (issuer === '') this.all = true;
    else this.issuers.add(issuer);
  }
  readonly allows = (issuer: string): boolean => this.all || this.issuers.has(issuer);
}

/** Base64url characters plus the dot: where a token starts after its prefix (ExtractorImpl::extractJWT). */
const TOKEN_CHAR = /[A-Za-z0-9_.-]/;

/** The token in a header value after `prefix` (found anywhere in the value, case-sensitive): from the
 *  first base64url-or-dot character after it to the end; the rest of the value when there is none.
 *  Undefined when the prefix is not in the value. */
function afterPrefix(value: string, prefix: string): string | undefined {
  if (prefix === '') return value;
  const at = value.indexOf(prefix);
  if (at < 0) return undefined;
  const rest = value.slice(at + prefix.length);
  const start = rest.search(TOKEN_CHAR);
  return start < 0 ? value : rest.slice(start);
}

/** Envoy's query parameter decoding: `%XX` and `+` as a space. */
function decodeQueryComponent(s: string): string {
  const spaced = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** The first value of query parameter `name` of `path`, undefined when absent. */
function queryParam(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const end = path.indexOf('#', q);
  const query = path.slice(q + 1, end < 0 ? undefined : end);
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (decodeQueryComponent(eq < 0 ? part : part.slice(0, eq)) === name) return eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
  }
  return undefined;
}

/** `path` without query parameter `name` (every occurrence; other parameters stay byte for byte). */
export function withoutQueryParam(path: string, name: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const hash = path.indexOf('#', q);
  const query = path.slice(q + 1, hash < 0 ? undefined : hash);
  const kept = query.split('&').filter((part) => {
    const eq = part.indexOf('=');
    return part !== '' && decodeQueryComponent(eq < 0 ? part : part.slice(0, eq)) !== name;
  });
  return `${path.slice(0, q)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${hash < 0 ? '' : path.slice(hash)}`;
}

/** Envoy's parseCookies: every Cookie header, `name=value` pairs split at `;`, quotes around a value
 *  removed, the first occurrence of a name winning. */
function cookieValues(headers: HeaderBag, wanted: ReadonlyMap<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const raw = headers.cookie;
  if (raw === undefined) return out;
  for (const header of typeof raw === 'string' ? [raw] : raw) {
    for (const pair of header.split(';')) {
      const trimmed = pair.trimStart();
      const eq = trimmed.indexOf('=');
      if (eq < 0) continue;
      const name = trimmed.slice(0, eq);
      if (!wanted.has(name) || out.has(name)) continue;
      let value = trimmed.slice(eq + 1);
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      out.set(name, value);
    }
  }
  return out;
}

const byKey = <V>(m: Map<string, V>): [string, V][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Finds the tokens of a set of providers in requests (Envoy's Extractor for one provider, or for all
 *  of them under allow_missing / allow_missing_or_failed). */
export interface TokenExtractor {
  /** Tokens in Envoy's order: header locations (by header name + prefix), then query parameters (by
   *  name), then cookies (by name). The authenticator takes them from the end. */
  extract(req: TokenRequest): ExtractedToken[];
}

/** Builds the extractor for `providers`. */
export function createTokenExtractor(providers: readonly ProviderLocations[]): TokenExtractor {
  const headerSpecs = new Map<string, { name: string; prefix: string; issuers: IssuerChecker; remove: (r: TokenRequest) => void }>();
  const paramSpecs = new Map<string, IssuerChecker>();
  const cookieSpecs = new Map<string, IssuerChecker>();
  for (const p of providers) {
    for (const [name, prefix] of p.headers) {
      const key = name + prefix;
      let spec = headerSpecs.get(key);
      if (!spec) headerSpecs.set(key, (spec = { name, prefix, issuers: new IssuerChecker(), remove: (r) => void delete r.headers[name] }));
      spec.issuers.add(p.issuer);
    }
    for (const param of p.params) {
      let spec = paramSpecs.get(param);
      if (!spec) paramSpecs.set(param, (spec = new IssuerChecker()));
      spec.add(p.issuer);
    }
    for (const cookie of p.cookies) {
      let spec = cookieSpecs.get(cookie);
      if (!spec) cookieSpecs.set(cookie, (spec = new IssuerChecker()));
      spec.add(p.issuer);
    }
  }
  const headers = byKey(headerSpecs).map(([, spec]) => spec);
  const params = byKey(paramSpecs);
  const cookies = byKey(cookieSpecs);
  const cookieNames = new Map(cookies);
  const noop = (): void => undefined;
  return {
    extract(req) {
      const out: ExtractedToken[] = [];
      for (const spec of headers) {
        const raw = req.headers[spec.name];
        if (raw === undefined) continue;
        for (const value of typeof raw === 'string' ? [raw] : raw) {
          const token = afterPrefix(value, spec.prefix);
          if (token !== undefined) out.push({ token, allows: spec.issuers.allows, remove: spec.remove });
        }
      }
      if (params.length > 0 && req.path.includes('?')) {
        for (const [name, issuers] of params) {
          const token = queryParam(req.path, name);
          if (token !== undefined) out.push({ token, allows: issuers.allows, remove: (r) => void (r.path = withoutQueryParam(r.path, name)) });
        }
      }
      if (cookies.length > 0 && req.headers.cookie !== undefined) {
        const values = cookieValues(req.headers, cookieNames);
        for (const [name, issuers] of cookies) {
          const token = values.get(name);
          if (token !== undefined) out.push({ token, allows: issuers.allows, remove: noop });
        }
      }
      return out;
    },
  };
}
