// Istio CorsPolicy → the per-route config of Envoy's CORS filter
// (envoy.extensions.filters.http.cors.v3.CorsPolicy), Istio's TranslateCORSPolicy.

import type { CorsPolicy } from '@weft/shared';
import { TYPE_URL } from '@weft/shared/xds';
import { parseDurationNanos } from './route-duration.js';
import { toStringMatcher, type EnvoyStringMatcher } from './route-string-match.js';

/**
 * Translates a CORS policy, with its `@type`. `allowOrigins` (StringMatch list) wins over the
 * deprecated exact-only `allowOrigin`; methods and headers are joined with `,` (Envoy's format);
 * `maxAge` becomes whole seconds; the filter is enabled at 100%; preflights that do not match are
 * forwarded upstream unless `unmatchedPreflights: IGNORE` (Istio's default, Envoy's pre-1.30 one).
 */
export function translateCorsPolicy(cors: CorsPolicy): Record<string, unknown> {
  const origins: EnvoyStringMatcher[] = cors.allowOrigins
    ? cors.allowOrigins.map(toStringMatcher).filter((m): m is EnvoyStringMatcher => m !== undefined)
    : (cors.allowOrigin ?? []).map((o) => ({ exact: o }));
  const out: Record<string, unknown> = {
    '@type': TYPE_URL.CORS_POLICY,
    forward_not_matching_preflights: { value: cors.unmatchedPreflights !== 'IGNORE' },
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  };
  if (origins.length > 0) out.allow_origin_string_match = origins;
  if (cors.allowCredentials !== undefined && cors.allowCredentials !== null) out.allow_credentials = { value: cors.allowCredentials };
  if (cors.allowHeaders?.length) out.allow_headers = cors.allowHeaders.join(',');
  if (cors.allowMethods?.length) out.allow_methods = cors.allowMethods.join(',');
  if (cors.exposeHeaders?.length) out.expose_headers = cors.exposeHeaders.join(',');
  const maxAge = cors.maxAge === undefined ? undefined : parseDurationNanos(cors.maxAge);
  if (maxAge !== undefined) out.max_age = (maxAge / 1_000_000_000n).toString();
  return out;
}
