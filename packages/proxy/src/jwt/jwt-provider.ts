// One JwtProvider compiled (issuer, audiences, keys, token locations, what a good token does to the
// request) and Envoy's Authenticator over it (jwt_authn authenticator.cc): every token found must verify
// unless missing or failed tokens are allowed; a good token forwards its payload, copies claims to
// headers, leaves the request unless `forward`, and puts its payload into dynamic metadata.

import { readFileSync } from 'node:fs';
import { bool, field, integer, isConfigObject, repeated, type ConfigObject } from '../rbac/rbac-config-fields.js';
import { parseJwks, type Jwk } from './jwks.js';
import { DEFAULT_JWT_CACHE_SIZE, JwtCache } from './jwt-cache.js';
import { createTokenExtractor, type ExtractedToken, type ProviderLocations, type TokenExtractor, type TokenRequest } from './jwt-extractor.js';
import { statusCode, statusMessage, type JwtStatus } from './jwt-status.js';
import { audiencesAllowed, parseJwt, sanitizeAudience, timeStatus, UINT64_LIMIT, verifySignature, type ParsedJwt } from './jwt-token.js';

/** jwt_verify_lib kClockSkewInSecond. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;

/** A compiled JwtProvider. Immutable apart from its token cache. */
export interface JwtProvider {
  readonly name: string;
  readonly issuer: string;
  /** Sanitized (sanitizeAudience); undefined: any audience. */
  readonly audiences: ReadonlySet<string> | undefined;
  /** Usable keys; empty: every token fails ("Jwks doesn't have any valid public key"). */
  readonly keys: readonly Jwk[];
  readonly forward: boolean;
  readonly locations: ProviderLocations;
  /** '' when the payload is not forwarded. */
  readonly forwardPayloadHeader: string;
  readonly padForwardPayloadHeader: boolean;
  readonly payloadInMetadata: string;
  readonly spaceDelimitedClaims: readonly string[];
  readonly headerInMetadata: string;
  readonly failedStatusInMetadata: string;
  readonly clockSkewSeconds: number;
  readonly claimToHeaders: readonly (readonly [header: string, claim: string])[];
  /** Headers a client may not set itself: removed before verification (Envoy sanitizeHeaders). */
  readonly sanitize: readonly string[];
  readonly cache: JwtCache;
  /** The normalized payload metadata of cached tokens, computed once per token. */
  readonly metadataOf: WeakMap<ParsedJwt, Readonly<Record<string, unknown>>>;
}

/** The state of one request's verification: what verifiers write and read. */
export interface VerifyContext {
  readonly req: TokenRequest;
  readonly nowSeconds: number;
  /** Envoy's extracted data: `envoy.filters.http.jwt_authn` dynamic metadata, filled by good tokens
   *  (payload / header under their configured keys) and failures (failed_status_in_metadata). */
  extracted: Record<string, unknown> | undefined;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The text of a DataSource (inline_string, inline_bytes, filename, environment_variable). */
function dataSourceText(ds: ConfigObject, at: string, problems: string[]): string | undefined {
  const inline = field(ds, 'inline_string');
  if (typeof inline === 'string') return inline;
  const bytes = field(ds, 'inline_bytes');
  if (bytes instanceof Uint8Array) return Buffer.from(bytes).toString('utf8');
  if (typeof bytes === 'string') return Buffer.from(bytes, 'base64').toString('utf8');
  const file = field(ds, 'filename');
  if (typeof file === 'string' && file !== '') {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(`${at}.filename: cannot read ${file}: ${(e as Error).message}`);
      return undefined;
    }
  }
  const env = field(ds, 'environment_variable');
  if (typeof env === 'string' && env !== '') {
    const value = process.env[env];
    if (value === undefined) problems.push(`${at}.environment_variable: ${env} is not set`);
    return value;
  }
  problems.push(`${at}: no data source specified`);
  return undefined;
}

/** Provider fields weft-proxy does not implement, set (true, a message): a listener using them is
 *  refused, never half-enforced. */
const UNSUPPORTED_PROVIDER_FIELDS: readonly [string, string][] = [
  ['remote_jwks', 'remote_jwks is not supported by weft-proxy (weftd inlines the JWKS as local_jwks)'],
  ['subjects', 'subjects is not supported by weft-proxy'],
  ['require_expiration', 'require_expiration is not supported by weft-proxy'],
  ['max_lifetime', 'max_lifetime is not supported by weft-proxy'],
];

/** Compiles provider `name` (decoded xDS or proto3 JSON). Problems are pushed as `at: reason` lines. */
export function compileProvider(name: string, raw: unknown, at: string, problems: string[]): JwtProvider | undefined {
  if (!isConfigObject(raw)) {
    problems.push(`${at}: provider is not a message`);
    return undefined;
  }
  const before = problems.length;
  for (const [f, why] of UNSUPPORTED_PROVIDER_FIELDS) {
    const v = field(raw, f);
    if (v !== undefined && v !== null && v !== false) problems.push(`${at}.${f}: ${why}`);
  }
  const local = field(raw, 'local_jwks');
  let keys: readonly Jwk[] = [];
  if (isConfigObject(local)) {
    const text = dataSourceText(local, `${at}.local_jwks`, problems);
    // An unusable inline JWKS is not a config error for Envoy (it logs a warning): tokens then fail.
    if (text !== undefined) keys = parseJwks(text).keys;
  } else if (field(raw, 'remote_jwks') === undefined) {
    problems.push(`${at}: jwks_source_specifier: value is required`);
  }
  const headers = repeated(raw, 'from_headers').map((h, i): [string, string] => {
    const hn = isConfigObject(h) ? str(field(h, 'name')) : '';
    if (hn === '') problems.push(`${at}.from_headers[${i}].name: value length must be at least 1 characters`);
    return [hn.toLowerCase(), isConfigObject(h) ? str(field(h, 'value_prefix')) : ''];
  });
  const params = repeated(raw, 'from_params').map(str);
  const cookies = repeated(raw, 'from_cookies').map(str);
  const issuer = str(field(raw, 'issuer'));
  // No location configured: Envoy's defaults, `Authorization: Bearer <token>` and `?access_token=`.
  const locations: ProviderLocations =
    headers.length + params.length + cookies.length === 0 ? { issuer, headers: [['authorization', 'Bearer ']], params: ['access_token'], cookies: [] } : { issuer, headers, params, cookies };
  const claimToHeaders = repeated(raw, 'claim_to_headers').map((c, i): [string, string] => {
    const header = isConfigObject(c) ? str(field(c, 'header_name')).toLowerCase() : '';
    const claim = isConfigObject(c) ? str(field(c, 'claim_name')) : '';
    if (header === '' || claim === '') problems.push(`${at}.claim_to_headers[${i}]: header_name and claim_name are required`);
    return [header, claim];
  });
  const forwardPayloadHeader = str(field(raw, 'forward_payload_header')).toLowerCase();
  const normalize = field(raw, 'normalize_payload_in_metadata');
  const cacheConfig = field(raw, 'jwt_cache_config');
  const cacheSize = isConfigObject(cacheConfig) ? (integer(field(cacheConfig, 'jwt_cache_size')) ?? 0) : 0;
  const audiences = repeated(raw, 'audiences').map(str);
  if (problems.length > before) return undefined;
  return {
    name,
    issuer,
    audiences: audiences.length > 0 ? new Set(audiences.map(sanitizeAudience)) : undefined,
    keys,
    forward: bool(field(raw, 'forward')),
    locations,
    forwardPayloadHeader,
    padForwardPayloadHeader: bool(field(raw, 'pad_forward_payload_header')),
    payloadInMetadata: str(field(raw, 'payload_in_metadata')),
    spaceDelimitedClaims: isConfigObject(normalize) ? repeated(normalize, 'space_delimited_claims').map(str) : [],
    headerInMetadata: str(field(raw, 'header_in_metadata')),
    failedStatusInMetadata: str(field(raw, 'failed_status_in_metadata')),
    clockSkewSeconds: (integer(field(raw, 'clock_skew_seconds')) ?? 0) > 0 ? (integer(field(raw, 'clock_skew_seconds')) as number) : DEFAULT_CLOCK_SKEW_SECONDS,
    claimToHeaders,
    sanitize: [...(forwardPayloadHeader !== '' ? [forwardPayloadHeader] : []), ...claimToHeaders.map(([h]) => h)],
    cache: new JwtCache(cacheSize > 0 ? cacheSize : DEFAULT_JWT_CACHE_SIZE),
    metadataOf: new WeakMap(),
  };
}

/** Removes the headers `providers` write (a client must not forge a verified payload). */
export function sanitizeHeaders(req: TokenRequest, providers: readonly JwtProvider[]): void {
  for (const p of providers) for (const h of p.sanitize) if (req.headers[h] !== undefined) delete req.headers[h];
}

/** The payload as Envoy puts it in metadata: claims of normalize_payload_in_metadata that are strings
 *  become lists of their space-separated parts. */
function normalizedPayload(p: JwtProvider, jwt: ParsedJwt): Readonly<Record<string, unknown>> {
  let out = p.metadataOf.get(jwt);
  if (out) return out;
  let copy: Record<string, unknown> | undefined;
  for (const claim of p.spaceDelimitedClaims) {
    const v = jwt.payload[claim];
    if (typeof v !== 'string') continue;
    const parts = v.split(' ').filter((x) => x !== '');
    if (parts.length === 0) continue;
    copy ??= { ...jwt.payload };
    copy[claim] = parts;
  }
  out = Object.freeze(copy ?? jwt.payload);
  p.metadataOf.set(jwt, out);
  return out;
}

/** A claim (a `.`-separated path into the payload) as a header value, Envoy's way: strings as they
 *  are, integers without a fraction, other numbers with six decimals, booleans, objects and lists as
 *  base64 of their JSON; undefined for anything else. */
function claimHeaderValue(payload: Readonly<Record<string, unknown>>, claim: string): string | undefined {
  let v: unknown = payload;
  for (const key of claim.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return v >= 0 && v < UINT64_LIMIT && Number.isInteger(v) ? BigInt(v).toString() : v.toFixed(6);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'object' && v !== null) return Buffer.from(JSON.stringify(v)).toString('base64');
  return undefined;
}

/** Appends `value` to header `name` (Envoy addCopy). */
function addHeader(req: TokenRequest, name: string, value: string): void {
  const existing = req.headers[name];
  req.headers[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
}

/** What a good token does (AuthenticatorImpl::handleGoodJwt). */
function acceptToken(ctx: VerifyContext, p: JwtProvider, jwt: ParsedJwt, location: ExtractedToken): void {
  if (p.forwardPayloadHeader !== '') {
    const payload = jwt.payloadBase64url.replace(/=+$/, '');
    addHeader(ctx.req, p.forwardPayloadHeader, p.padForwardPayloadHeader ? payload + '='.repeat((4 - (payload.length % 4)) % 4) : payload);
  }
  for (const [header, claim] of p.claimToHeaders) {
    const value = claimHeaderValue(jwt.payload, claim);
    if (value !== undefined) addHeader(ctx.req, header, value);
  }
  if (!p.forward) location.remove(ctx.req);
  if (p.headerInMetadata !== '') (ctx.extracted ??= {})[p.headerInMetadata] = jwt.header;
  if (p.payloadInMetadata !== '') (ctx.extracted ??= {})[p.payloadInMetadata] = normalizedPayload(p, jwt);
}

/** How an authenticator runs: for one provider (its cache, its audiences unless overridden), or for
 *  all providers (allow_missing / allow_missing_or_failed: the provider is found by the token's issuer). */
export interface AuthenticateOptions {
  readonly provider?: JwtProvider;
  /** provider_and_audiences: these audiences instead of the provider's. */
  readonly audiences?: ReadonlySet<string>;
  readonly allowFailed: boolean;
  readonly allowMissing: boolean;
}

/** Looks a provider up by a token's issuer: the first with that issuer, else the first without one
 *  (Envoy JwksCache::findByIssuer). */
export type ProviderByIssuer = (issuer: string) => JwtProvider | undefined;

/** One token against the authenticator's provider (AuthenticatorImpl::startVerify + verifyKey). */
function verifyToken(ctx: VerifyContext, token: ExtractedToken, o: AuthenticateOptions, byIssuer: ProviderByIssuer): { status: JwtStatus; provider?: JwtProvider } {
  const fixed = o.provider;
  const cached = fixed?.cache.lookup(token.token, ctx.nowSeconds, fixed.clockSkewSeconds);
  let jwt: ParsedJwt;
  if (cached !== undefined) jwt = cached;
  else {
    const parsed = parseJwt(token.token);
    if (typeof parsed === 'string') return { status: parsed, ...(fixed ? { provider: fixed } : {}) };
    jwt = parsed;
  }
  if (!token.allows(jwt.iss)) return { status: 'JwtUnknownIssuer', ...(fixed ? { provider: fixed } : {}) };
  const p = fixed ?? byIssuer(jwt.iss);
  if (p === undefined) return { status: 'JwtUnknownIssuer' };
  const time = timeStatus(jwt, ctx.nowSeconds, p.clockSkewSeconds);
  if (time !== 'Ok') return { status: time, provider: p };
  if (!audiencesAllowed(o.audiences ?? p.audiences, jwt)) return { status: 'JwtAudienceNotAllowed', provider: p };
  if (cached === undefined) {
    if (p.keys.length === 0) return { status: 'JwksNoValidKeys', provider: p };
    const signature = verifySignature(jwt, p.keys);
    if (signature !== 'Ok') return { status: signature, provider: p };
  }
  acceptToken(ctx, p, jwt, token);
  // Only provider-specific authenticators cache (the cache belongs to the provider's key set).
  if (fixed !== undefined && cached === undefined) fixed.cache.insert(token.token, jwt);
  return { status: 'Ok', provider: p };
}

/**
 * Envoy's Authenticator: no token is JwtMissed; otherwise the tokens are verified from the last one
 * found, each failure stopping the run unless failures or missing tokens are allowed, so that a request
 * passes only when every token it carries is valid. The result: Ok under allow_missing_or_failed,
 * Ok for JwtMissed under allow_missing, else the last token's status. `single` is the filter's only
 * provider, whose failed_status_in_metadata applies when no provider was found.
 */
export function authenticate(ctx: VerifyContext, tokens: ExtractedToken[], o: AuthenticateOptions, byIssuer: ProviderByIssuer, single: JwtProvider | undefined): JwtStatus {
  let status: JwtStatus = 'JwtMissed';
  if (tokens.length > 0) {
    for (;;) {
      const token = tokens.pop() as ExtractedToken;
      const result = verifyToken(ctx, token, o, byIssuer);
      status = result.status;
      if (status !== 'Ok') recordFailure(ctx, result.provider ?? single, status);
      if ((status !== 'Ok' && !o.allowFailed && !o.allowMissing) || tokens.length === 0) break;
    }
  } else {
    // No token: Envoy has looked no provider up yet, so only a filter's single provider records it.
    recordFailure(ctx, single, status);
  }
  if (o.allowFailed) return 'Ok';
  if (o.allowMissing && status === 'JwtMissed') return 'Ok';
  return status;
}

/** failed_status_in_metadata: `{ code, message }` under the provider's key. */
function recordFailure(ctx: VerifyContext, p: JwtProvider | undefined, status: JwtStatus): void {
  if (p === undefined || p.failedStatusInMetadata === '') return;
  (ctx.extracted ??= {})[p.failedStatusInMetadata] = { code: statusCode(status), message: statusMessage(status) };
}

/** The extractor of one provider's locations. */
export const extractorOf = (providers: readonly JwtProvider[]): TokenExtractor => createTokenExtractor(providers.map((p) => p.locations));
