// VirtualService header matches on JWT claims (`@request.auth.claims.<name>` or
// `@request.auth.claims[a][b]`) → Envoy dynamic metadata matchers on the jwt_authn filter's payload,
// as Istio does (pkg/jwt ToRoutingClaim + authz MetadataMatcherForJWTClaims, extended form).

import type { StringMatch } from '@weft/shared';
import { toStringMatcher } from './route-string-match.js';

const CLAIM_PREFIX = '@request.auth.claims';
/** The Envoy JWT filter name and the metadata key its verified payload is stored under. */
const JWT_FILTER = 'envoy.filters.http.jwt_authn';
const JWT_PAYLOAD = 'payload';

/** The claim path of a routing header name (`@request.auth.claims.group.id` → `['group', 'id']`),
 *  or undefined when the name is an ordinary header. */
export function routingClaimPath(headerName: string): string[] | undefined {
  if (!headerName.startsWith(CLAIM_PREFIX)) return undefined;
  const rest = headerName.slice(CLAIM_PREFIX.length);
  if (rest.startsWith('[')) {
    const parts = [...rest.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] ?? '');
    return parts.join('').length > 0 && parts.map((p) => `[${p}]`).join('') === rest ? parts : undefined;
  }
  if (rest.startsWith('.') && rest.length > 1) {
    const parts = rest.slice(1).split('.');
    return parts.every((p) => p !== '') ? parts : undefined;
  }
  return undefined;
}

/** envoy.type.matcher.v3.MetadataMatcher for a claim, matching a string claim or any element of a
 *  list claim (Istio's extended JWT form: or_match of list one_of and the plain value). */
export function toJwtClaimMatcher(claims: readonly string[], m: StringMatch | undefined, invert = false): Record<string, unknown> {
  const sm = toStringMatcher(m);
  // An empty StringMatch asks only for presence: Envoy's present_match on the value.
  const value = sm ? { string_match: sm } : { present_match: true };
  return {
    filter: JWT_FILTER,
    path: [JWT_PAYLOAD, ...claims].map((key) => ({ key })),
    value: { or_match: { value_matchers: [{ list_match: { one_of: value } }, value] } },
    ...(invert ? { invert: true } : {}),
  };
}
