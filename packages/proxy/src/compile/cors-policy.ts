// Compiles the CORS filter's per-route config (typed_per_filter_config `envoy.filters.http.cors`, an
// envoy.extensions.filters.http.cors.v3.CorsPolicy, what weftd translates Istio's corsPolicy into).

import { compileStringMatcher, type StringTest } from './string-matcher.js';

type Obj = Readonly<Record<string, unknown>>;

/** A route's CORS policy, ready for the request path (http/cors.ts). */
export interface CorsPolicy {
  /** Whether `origin` is allowed: one of allow_origin_string_match matches it (a `*` exact matcher
   *  allows every origin, as in Envoy). */
  allows(origin: string): boolean;
  readonly allowCredentials: boolean;
  /** Comma-separated lists, '' when unset. */
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  /** Seconds, '' when unset. */
  readonly maxAge: string;
  /** A preflight from an origin that is not allowed goes upstream (true, the default) or is answered
   *  200 without CORS headers. */
  readonly forwardNotMatchingPreflights: boolean;
}

const CORS_FILTER = 'envoy.filters.http.cors';

function enabled(p: Obj): boolean {
  const fraction = (p.filter_enabled as { default_value?: { numerator?: unknown } } | undefined)?.default_value;
  // Unset filter_enabled means enabled; weftd always sets 100%. Partial enablement is treated as on.
  return fraction === undefined || Number(fraction.numerator ?? 0) > 0;
}

/** The CORS policy in a `typed_per_filter_config` map, or undefined when there is none (or it is
 *  disabled). */
export function compileCorsPolicy(perFilter: unknown): CorsPolicy | undefined {
  if (!perFilter || typeof perFilter !== 'object') return undefined;
  const p = (perFilter as Obj)[CORS_FILTER];
  if (!p || typeof p !== 'object' || !enabled(p as Obj)) return undefined;
  const policy = p as Obj;
  const matchers = ((policy.allow_origin_string_match ?? []) as Obj[]).map((m) => ({ test: compileStringMatcher(m), any: m.exact === '*' }));
  const tests: StringTest[] = matchers.map((m) => m.test);
  const any = matchers.some((m) => m.any);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const forward = (policy.forward_not_matching_preflights as { value?: unknown } | undefined)?.value;
  return Object.freeze({
    allows: (origin: string) => any || tests.some((t) => t(origin)),
    allowCredentials: (policy.allow_credentials as { value?: unknown } | undefined)?.value === true,
    allowMethods: str(policy.allow_methods),
    allowHeaders: str(policy.allow_headers),
    exposeHeaders: str(policy.expose_headers),
    maxAge: str(policy.max_age),
    forwardNotMatchingPreflights: forward !== false,
  });
}
