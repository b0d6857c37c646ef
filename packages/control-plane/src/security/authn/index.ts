// RequestAuthentication → Envoy jwt_authn (Istio pilot/pkg/security/authn): select the policies of a
// workload, build its JWT filter with keys inline, and fetch / refresh the keys named by jwksUri.
// Wiring the filter into listeners is the LDS generators' job (see docs/architecture/authentication.md).

export { buildJwtAuthentication, buildJwtFilter, JWT_PAYLOAD_METADATA_KEY, spaceDelimitedClaims, type JwksLookup, type JwtFilterOptions } from './build-jwt-filter.js';
export { jwksDiffer, jwksKey, JwksResolver, type JwksChangeListener, type JwksRef, type JwksRequest, type JwksResolverOptions, type JwksResolverStats } from './jwks-resolver.js';
export { PUBLIC_ONLY_JWKS } from './public-only-jwks.js';
export { jwksUriOf, jwtRulesOf, selectRequestAuthentications, type RequestAuthnItem } from './select-request-authentications.js';
