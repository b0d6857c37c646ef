// Istio's semantic validation of RequestAuthentication (pkg/config/validation validateJwtRule):
// each JWT rule names an issuer or a key source, fetches keys over http(s) or carries a parseable
// JWKS, and reads tokens from and copies claims to well-formed places.

import type { Collector } from '../result.js';
import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { validateDuration } from './primitives/duration.js';
import { validateStrictHTTPHeaderName } from './primitives/headers.js';
import { goQuote } from './primitives/hosts.js';
import { asArray, asRecord, asString, isSet, stringItems } from './primitives/read-helpers.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { parseJwksUri, validateJwks } from './security/jwt.js';
import { checkPolicyScope } from './security/policy-scope.js';

/** Semantic rules for RequestAuthentication. */
export const validateRequestAuthentication: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;
  checkPolicyScope(c, spec);

  const issuers = new Map<string, number>();
  (asArray(spec.jwtRules) ?? []).forEach((raw, i) => {
    const rule = asRecord(raw);
    if (!rule) return; // a null rule is the schema's to report; Istio skips it
    const path = joinPath('spec.jwtRules', i);
    checkJwtRule(c, rule, path);
    const issuer = asString(rule.issuer) ?? '';
    if (issuer === '') return;
    const first = issuers.get(issuer);
    if (first === undefined) issuers.set(issuer, i);
    else {
      // Not an Istio rule: two rules for one issuer make it unclear which settings a token gets.
      c.warn('WEFT_ERR_SEMANTIC', joinPath(path, 'issuer'), `issuer ${goQuote(issuer)} is already configured in spec.jwtRules[${first}]`);
    }
  });
};

function checkJwtRule(c: Collector, rule: Record<string, unknown>, path: string): void {
  for (const [i, aud] of stringItems(rule.audiences)) {
    if (aud === '') c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(path, 'audiences'), i), 'audience must be non-empty string');
  }

  const issuer = asString(rule.issuer) ?? '';
  // protojson accepts the proto field name jwks_uri as well as jwksUri.
  const uriField = isSet(rule.jwksUri) ? 'jwksUri' : 'jwks_uri';
  const jwksUri = asString(rule[uriField]) ?? '';
  if (issuer === '' && jwksUri === '') c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'issuer'), 'issuer or jwksUri must be non-empty string');
  if (jwksUri !== '') {
    const info = parseJwksUri(jwksUri);
    if (typeof info === 'string') c.error('WEFT_ERR_SEMANTIC', joinPath(path, uriField), info);
  }
  const jwks = asString(rule.jwks) ?? '';
  if (jwks !== '') {
    const err = validateJwks(jwks);
    if (err) c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'jwks'), `jwks parse error: ${err}`);
  }

  (asArray(rule.fromHeaders) ?? []).forEach((h, i) => {
    const at = joinPath(joinPath(path, 'fromHeaders'), i);
    if (h === null || h === undefined) {
      c.error('WEFT_ERR_SEMANTIC', at, 'location header name must be non-null');
      return;
    }
    const header = asRecord(h);
    if (header && (asString(header.name) ?? '') === '') c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'name'), 'location header name must be non-empty string');
  });
  for (const [i, p] of stringItems(rule.fromParams)) {
    if (p === '') c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(path, 'fromParams'), i), 'location query must be non-empty string');
  }
  for (const [i, p] of stringItems(rule.fromCookies)) {
    if (p === '') c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(path, 'fromCookies'), i), 'cookie name must be non-empty string');
  }

  (asArray(rule.outputClaimToHeaders) ?? []).forEach((o, i) => {
    const at = joinPath(joinPath(path, 'outputClaimToHeaders'), i);
    if (o === null || o === undefined) {
      c.error('WEFT_ERR_SEMANTIC', at, 'outputClaimToHeaders must not be null');
      return;
    }
    const oc = asRecord(o);
    if (!oc) return;
    const claim = asString(oc.claim) ?? '';
    const header = asString(oc.header) ?? '';
    if (claim === '' || header === '') {
      c.error('WEFT_ERR_SEMANTIC', at, 'outputClaimToHeaders header and claim value must be non-empty string');
      return;
    }
    const err = validateStrictHTTPHeaderName(header);
    if (err) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'header'), err);
  });

  const timeout = asString(rule.timeout);
  if (timeout !== undefined) {
    const err = validateDuration(timeout);
    if (err) c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'timeout'), err);
  }
}
