// RequestAuthentication JWT rules → Envoy's envoy.filters.http.jwt_authn filter, as Istio's
// pilot/pkg/security/authn policy_applier.go convertToEnvoyJwtConfig builds it with istiod fetching
// JWKS (PILOT_JWT_ENABLE_REMOTE_JWKS=false, Istio's default): one provider per rule, `origins-<i>`,
// keys inlined (`local_jwks.inline_string`), payload in dynamic metadata under `payload`. A token,
// when present, must be valid; a request without one passes (allow_missing). Fetching the keys is
// jwks-resolver.ts; this file only reads what it resolved.

import type { JWTRule } from '@weft/shared';
import { TYPE_URL } from '@weft/shared/xds';
import { JWT_AUTHN_FILTER } from '../authz/index.js';
import { jwksUriOf } from './select-request-authentications.js';
import { PUBLIC_ONLY_JWKS } from './public-only-jwks.js';

/** Istio filters.EnvoyJwtFilterPayload: the dynamic metadata key of the verified payload, which the
 *  RBAC filters' request principals and `request.auth.*` conditions read. */
export const JWT_PAYLOAD_METADATA_KEY = 'payload';

/** Claims always normalised from a space-delimited string to a list (Istio buildSpaceDelimitedClaims). */
const DEFAULT_SPACE_DELIMITED_CLAIMS: readonly string[] = ['permission', 'scope'];

/** The JWKS resolved for a rule without inline `jwks` (issuer and jwksUri as written; jwksUri may be
 *  '' for OpenID discovery); undefined when it could not be fetched. */
export type JwksLookup = (issuer: string, jwksUri: string) => string | undefined;

/** What the build needs besides the rules. */
export interface JwtFilterOptions {
  readonly jwks: JwksLookup;
  /** Istio sets `clear_route_cache` for every proxy that is not a sidecar (gateways route on claims). */
  readonly clearRouteCache: boolean;
}

/** Istio buildSpaceDelimitedClaims: the defaults plus the rule's own, deduplicated and sorted. */
export function spaceDelimitedClaims(extra: readonly string[] | undefined): string[] {
  if (extra === undefined) return [...DEFAULT_SPACE_DELIMITED_CLAIMS];
  return [...new Set([...extra, ...DEFAULT_SPACE_DELIMITED_CLAIMS])].sort();
}

/** Istio JwksResolver.BuildLocalJwks: the rule's inline JWKS, else the resolved one, else (not fetched
 *  yet, or the fetch failed) a public key whose private key no longer exists, so every token fails. */
function localJwks(rule: JWTRule, lookup: JwksLookup): Record<string, unknown> {
  const inline = rule.jwks ?? '';
  const key = inline !== '' ? inline : (lookup(rule.issuer ?? '', jwksUriOf(rule)) ?? PUBLIC_ONLY_JWKS);
  return { inline_string: key };
}

/** One JwtProvider (Istio sets only non-default fields; empty lists are left out as protobuf does). */
function provider(rule: JWTRule, options: JwtFilterOptions): Record<string, unknown> {
  const claimToHeaders = (rule.outputClaimToHeaders ?? []).map((c) => ({ header_name: c.header, claim_name: c.claim }));
  const fromHeaders = (rule.fromHeaders ?? []).map((h) => ({ name: h.name, ...(h.prefix ? { value_prefix: h.prefix } : {}) }));
  return {
    ...(rule.issuer ? { issuer: rule.issuer } : {}),
    ...(rule.audiences?.length ? { audiences: [...rule.audiences] } : {}),
    local_jwks: localJwks(rule, options.jwks),
    ...(rule.forwardOriginalToken ? { forward: true } : {}),
    ...(fromHeaders.length ? { from_headers: fromHeaders } : {}),
    ...(rule.fromParams?.length ? { from_params: [...rule.fromParams] } : {}),
    ...(rule.outputPayloadToHeader ? { forward_payload_header: rule.outputPayloadToHeader } : {}),
    payload_in_metadata: JWT_PAYLOAD_METADATA_KEY,
    ...(rule.fromCookies?.length ? { from_cookies: [...rule.fromCookies] } : {}),
    ...(claimToHeaders.length ? { claim_to_headers: claimToHeaders } : {}),
    ...(options.clearRouteCache ? { clear_route_cache: true } : {}),
    normalize_payload_in_metadata: { space_delimited_claims: spaceDelimitedClaims(rule.spaceDelimitedClaims) },
  };
}

const providerName = (i: number): string => `origins-${i}`;

/**
 * Istio convertToEnvoyJwtConfig: the JwtAuthentication for `rules` (already sorted by issuer, see
 * jwtRulesOf), undefined when there are none. One rule: `requires_any [origins-0, allow_missing]` on
 * prefix `/`. Several: `requires_any [origins-0, …, origins-n, requires_all [any(origins-i,
 * allow_missing)…]]`: each present token must be valid, and providers sharing a location still pass
 * through the outer OR. CORS preflights bypass the filter.
 */
export function buildJwtAuthentication(rules: readonly JWTRule[], options: JwtFilterOptions): Record<string, unknown> | undefined {
  if (rules.length === 0) return undefined;
  const providers: Record<string, unknown> = {};
  const innerAnd: Record<string, unknown>[] = [];
  const outerOr: Record<string, unknown>[] = [];
  rules.forEach((rule, i) => {
    const name = providerName(i);
    providers[name] = provider(rule, options);
    innerAnd.push({ requires_any: { requirements: [{ provider_name: name }, { allow_missing: {} }] } });
    outerOr.push({ provider_name: name });
  });
  const requires = innerAnd.length === 1 ? innerAnd[0] : { requires_any: { requirements: [...outerOr, { requires_all: { requirements: innerAnd } }] } };
  return { providers, rules: [{ match: { prefix: '/' }, requires }], bypass_cors_preflight: true };
}

/** Istio policyApplier.JwtFilter: the HTTP filter entry, undefined when there are no rules. */
export function buildJwtFilter(rules: readonly JWTRule[], options: JwtFilterOptions): Readonly<Record<string, unknown>> | undefined {
  const config = buildJwtAuthentication(rules, options);
  return config ? { name: JWT_AUTHN_FILTER, typed_config: { '@type': TYPE_URL.JWT_AUTHN, ...config } } : undefined;
}
