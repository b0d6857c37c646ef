// Envoy's jwt_authn HTTP filter (RequestAuthentication): config compiled once per listener update,
// verified per request with node:crypto, tokens cached until they expire. Where it sits in the request
// path is described in docs/architecture/authentication.md.

export { compileJwtAuthn, type JwtAuthnCompileResult, type JwtAuthnFilter } from './compile-jwt-authn.js';
export { compileHcmJwtFilter, jwtFilterProblems, type HttpFilterShape } from './hcm-jwt-filter.js';
export { parseJwks, type Jwk, type ParsedJwks } from './jwks.js';
export { JWT_AUTHN_METADATA_NAMESPACE, verifyJwtRequest, type JwtVerdict } from './jwt-request.js';
export { httpStatusOf, JWT_STATUS, statusMessage, type JwtStatus } from './jwt-status.js';
export { parseJwt, type ParsedJwt } from './jwt-token.js';
