// Envoy's CORS filter on the request path: a preflight from an allowed origin is answered by the proxy,
// and the response to an actual cross-origin request gets the allow-origin (and expose / credentials)
// headers. Requests without an Origin header are not CORS requests and pass untouched.

import type { CorsPolicy } from '../compile/cors-policy.js';
import type { HeaderBag } from '../compile/header-mutation.js';

/** What the CORS filter decides for a request. */
export type CorsDecision =
  /** Not a CORS request, or not one the policy handles: proceed without CORS headers. */
  | { readonly kind: 'none' }
  /** Answer the preflight now with 200 and these headers. */
  | { readonly kind: 'preflight'; readonly headers: HeaderBag }
  /** Proceed; add these headers to the response. */
  | { readonly kind: 'actual'; readonly responseHeaders: HeaderBag };

const NONE: CorsDecision = Object.freeze({ kind: 'none' });

function single(v: string | readonly string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : v?.[0];
}

/** The decision for a request with `method` and `headers` under `policy`. */
export function corsDecision(policy: CorsPolicy | undefined, method: string, headers: HeaderBag): CorsDecision {
  if (!policy) return NONE;
  const origin = single(headers.origin);
  if (origin === undefined || origin === '') return NONE;
  const allowed = policy.allows(origin);
  const preflight = method === 'OPTIONS' && single(headers['access-control-request-method']) !== undefined;
  if (preflight) {
    if (!allowed) return policy.forwardNotMatchingPreflights ? NONE : { kind: 'preflight', headers: {} };
    const out: HeaderBag = { 'access-control-allow-origin': origin };
    if (policy.allowCredentials) out['access-control-allow-credentials'] = 'true';
    if (policy.allowMethods !== '') out['access-control-allow-methods'] = policy.allowMethods;
    if (policy.allowHeaders !== '') out['access-control-allow-headers'] = policy.allowHeaders;
    if (policy.maxAge !== '') out['access-control-max-age'] = policy.maxAge;
    return { kind: 'preflight', headers: out };
  }
  if (!allowed) return NONE;
  const out: HeaderBag = { 'access-control-allow-origin': origin };
  if (policy.allowCredentials) out['access-control-allow-credentials'] = 'true';
  if (policy.exposeHeaders !== '') out['access-control-expose-headers'] = policy.exposeHeaders;
  return { kind: 'actual', responseHeaders: out };
}
