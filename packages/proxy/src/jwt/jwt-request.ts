// The jwt_authn HTTP filter on one request (Envoy jwt_authn filter.cc): CORS preflights bypass it, the
// first matching rule's requirement is verified, and the result is either the dynamic metadata for the
// filters after it (RBAC reads `envoy.filters.http.jwt_authn`) or Envoy's local reply: 401 (403 for a
// disallowed audience), the status as body, `www-authenticate: Bearer realm="<uri>"`. Called by
// http/handle-request.ts only on listeners whose HCM has the filter.

import type { HeaderBag } from '../compile/header-mutation.js';
import type { DownstreamRequest } from '../http/downstream-request.js';
import type { JwtAuthnFilter } from './compile-jwt-authn.js';
import type { VerifyContext } from './jwt-provider.js';
import { httpStatusOf, statusMessage } from './jwt-status.js';

/** The dynamic metadata namespace of the filter (Istio filters.EnvoyJwtFilterName). */
export const JWT_AUTHN_METADATA_NAMESPACE = 'envoy.filters.http.jwt_authn';

/** Envoy's MaximumUriLength for the realm. */
const MAX_URI_PATH = 256;

/** What the filter decided for one request. */
export type JwtVerdict =
  | {
      readonly allowed: true;
      /** `{ 'envoy.filters.http.jwt_authn': { payload: {...} } }` when a token verified (or a failure
       *  was recorded under allow_missing_or_failed); undefined otherwise. */
      readonly metadata?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly allowed: false;
      readonly status: number;
      readonly body: string;
      readonly headers: HeaderBag;
      /** Envoy's response code details: `jwt_authn_access_denied{<status with _ for spaces>}`. */
      readonly detail: string;
    };

const ALLOWED: JwtVerdict = Object.freeze({ allowed: true });

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Http::Utility::buildOriginalUri: `<x-forwarded-proto>://<host><path>`, the path cut to 256 bytes. */
function originalUri(req: DownstreamRequest): string {
  const path = first(req.headers['x-envoy-original-path']) ?? req.path;
  return `${first(req.headers['x-forwarded-proto']) ?? req.scheme}://${req.authority}${path.length > MAX_URI_PATH ? path.slice(0, MAX_URI_PATH) : path}`;
}

const isCorsPreflight = (req: DownstreamRequest): boolean => req.method === 'OPTIONS' && !!first(req.headers.origin) && !!first(req.headers['access-control-request-method']);

/**
 * Runs `filter` on `req`. A token that verifies may edit the request: the token is removed (its header,
 * or its query parameter from `req.path`) unless `forward`, and the payload / claim headers are added.
 * `nowSeconds` is the wall clock in seconds.
 */
export function verifyJwtRequest(filter: JwtAuthnFilter, req: DownstreamRequest, nowSeconds: number = Math.floor(Date.now() / 1000)): JwtVerdict {
  if (filter.bypassCorsPreflight && isCorsPreflight(req)) return ALLOWED;
  // The handler owns the request (its headers become the upstream's); the path may lose a query token.
  const view = req as DownstreamRequest & { path: string };
  const verifier = filter.verifierFor(view);
  if (verifier === undefined) return ALLOWED;
  const ctx: VerifyContext = { req: view, nowSeconds, extracted: undefined };
  const status = verifier(ctx);
  if (status === 'Ok') return ctx.extracted === undefined ? ALLOWED : { allowed: true, metadata: { [JWT_AUTHN_METADATA_NAMESPACE]: ctx.extracted } };
  const message = statusMessage(status);
  const detail = `jwt_authn_access_denied{${message.replace(/\s/g, '_')}}`;
  if (filter.stripFailureResponse) return { allowed: false, status: httpStatusOf(status), body: '', headers: {}, detail };
  const realm = `Bearer realm="${originalUri(req)}"${status === 'JwtMissed' ? '' : ', error="invalid_token"'}`;
  return { allowed: false, status: httpStatusOf(status), body: message, headers: { 'www-authenticate': realm }, detail };
}
