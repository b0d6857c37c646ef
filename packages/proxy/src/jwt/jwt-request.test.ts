// The jwt_authn filter on requests, with the configs weftd generates for RequestAuthentications (Istio's
// shape: origins-<i> providers, requires_any [provider, allow_missing]) and with Envoy's other
// requirement forms. Real keys, real signatures; the request is a plain DownstreamRequest-shaped object.

import { describe, expect, it } from 'vitest';
import type { DownstreamRequest } from '../http/downstream-request.js';
import { compileJwtAuthn, type JwtAuthnFilter } from './compile-jwt-authn.js';
import { JWT_AUTHN_METADATA_NAMESPACE, verifyJwtRequest, type JwtVerdict } from './jwt-request.js';
import { jwksOf, nowSeconds, signJwt, tamper, testKey } from './jwt.test-fixtures.js';

const ISSUER = 'https://issuer.example';
const KEY = testKey('RS256');
const OTHER_KEY = testKey('ES256', 'other');
const JWKS = jwksOf(KEY);

/** weftd's provider for a JWTRule (build-jwt-filter.ts), with `extra` JWTRule-derived fields. */
const provider = (extra: Record<string, unknown> = {}, issuer = ISSUER, jwks = JWKS): Record<string, unknown> => ({
  issuer,
  local_jwks: { inline_string: jwks },
  payload_in_metadata: 'payload',
  normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'scope'] },
  ...extra,
});
const orMissing = (name: string) => ({ requires_any: { requirements: [{ provider_name: name }, { allow_missing: {} }] } });
/** Istio's single-rule config. */
const single = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  providers: { 'origins-0': provider(extra) },
  rules: [{ match: { prefix: '/' }, requires: orMissing('origins-0') }],
  bypass_cors_preflight: true,
});

function compile(config: Record<string, unknown>): JwtAuthnFilter {
  const compiled = compileJwtAuthn(config);
  if (!compiled.ok) throw new Error(compiled.problems.join('\n'));
  return compiled.filter;
}

/** A request as the HTTP adapters hand it to the request path (the fields the filter reads). */
function request(headers: Record<string, string | string[]> = {}, path = '/api', method = 'GET'): DownstreamRequest & { path: string } {
  return { method, authority: 'productpage:9080', path, scheme: 'http', headers: { ...headers } } as unknown as DownstreamRequest & { path: string };
}
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const good = (claims: Record<string, unknown> = {}, key = KEY): string => signJwt({ iss: ISSUER, sub: 'alice', exp: nowSeconds() + 600, ...claims }, key);

const denied = (v: JwtVerdict) => {
  if (v.allowed) throw new Error('expected a denial');
  return v;
};

describe('the filter weftd generates (one RequestAuthentication rule)', () => {
  const filter = compile(single());

  it('passes a valid token, puts its payload in dynamic metadata for RBAC, and takes the token off the request', () => {
    const token = good({ aud: 'bookinfo', scope: 'read write' });
    const req = request({ ...bearer(token), 'x-other': '1' });
    const v = verifyJwtRequest(filter, req);
    expect(v.allowed).toBe(true);
    const metadata = (v as { metadata: Record<string, { payload: Record<string, unknown> }> }).metadata;
    // scope is a space-delimited claim: a list in metadata (normalize_payload_in_metadata).
    expect(metadata[JWT_AUTHN_METADATA_NAMESPACE]?.payload).toMatchObject({ iss: ISSUER, sub: 'alice', aud: 'bookinfo', scope: ['read', 'write'] });
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['x-other']).toBe('1');
  });

  it('passes a request without a token (allow_missing), with no metadata and the request unchanged', () => {
    const req = request({ 'x-other': '1' });
    expect(verifyJwtRequest(filter, req)).toEqual({ allowed: true });
    expect(req.headers).toEqual({ 'x-other': '1' });
    // A header without the Bearer prefix carries no token either.
    expect(verifyJwtRequest(filter, request({ authorization: 'Basic dXNlcjpwdw==' }))).toEqual({ allowed: true });
  });

  it.each([
    ['an expired token', () => good({ exp: nowSeconds() - 120 }), 401, 'Jwt is expired'],
    ['a token not valid yet', () => good({ nbf: nowSeconds() + 600 }), 401, 'Jwt not yet valid'],
    ['a tampered signature', () => tamper(good()), 401, 'Jwt verification fails'],
    ['a token of another issuer', () => good({ iss: 'https://evil.example' }), 401, 'Jwt issuer is not configured'],
    ['a token signed by a key the JWKS does not hold', () => signJwt({ iss: ISSUER, exp: nowSeconds() + 60 }, testKey('RS256')), 401, 'Jwt verification fails'],
    ['a token whose kid no key has and alg no key fits', () => good({}, OTHER_KEY), 401, "Jwks doesn't have key to match kid or alg from Jwt"],
    ['garbage', () => 'not-a-jwt', 401, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
  ])('refuses %s with %d "%s" and Envoy\'s www-authenticate', (_name, token, status, body) => {
    const v = denied(verifyJwtRequest(filter, request(bearer(token()), '/api?x=1')));
    expect(v).toMatchObject({ status, body, headers: { 'www-authenticate': 'Bearer realm="http://productpage:9080/api?x=1", error="invalid_token"' } });
  });

  it('tolerates 60 s of clock skew on exp', () => {
    expect(verifyJwtRequest(filter, request(bearer(good({ exp: nowSeconds() - 30 })))).allowed).toBe(true);
  });

  it('uses x-forwarded-proto for the realm, and cuts the path to 256 characters', () => {
    const v = denied(verifyJwtRequest(filter, request({ ...bearer('x.y.z'), 'x-forwarded-proto': 'https' }, `/${'a'.repeat(300)}`)));
    expect(v.headers['www-authenticate']).toBe(`Bearer realm="https://productpage:9080/${'a'.repeat(255)}", error="invalid_token"`);
  });

  it('takes the token from ?access_token= too, and removes that parameter only', () => {
    const req = request({}, `/api?a=1&access_token=${good()}&b=2`);
    expect(verifyJwtRequest(filter, req).allowed).toBe(true);
    expect(req.path).toBe('/api?a=1&b=2');
  });

  it('lets CORS preflights through without a look at their token', () => {
    const req = request({ ...bearer('garbage'), origin: 'https://app.example', 'access-control-request-method': 'GET' }, '/api', 'OPTIONS');
    expect(verifyJwtRequest(filter, req)).toEqual({ allowed: true });
  });

  it('refuses a request carrying a good and a bad token (every token must verify)', () => {
    const req = request({ ...bearer(good()) }, `/api?access_token=${tamper(good())}`);
    expect(denied(verifyJwtRequest(filter, req)).body).toBe('Jwt verification fails');
  });

  it('caches a verified token: the second request skips the signature, but expiry is still checked', () => {
    const token = good();
    expect(verifyJwtRequest(filter, request(bearer(token))).allowed).toBe(true);
    expect(verifyJwtRequest(filter, request(bearer(token))).allowed).toBe(true);
    // Past exp + skew the cached token is dropped and refused.
    expect(denied(verifyJwtRequest(filter, request(bearer(token)), nowSeconds() + 10_000)).body).toBe('Jwt is expired');
  });
});

describe('JWTRule options as weftd maps them', () => {
  it('audiences: a token for another audience gets 403 (Envoy answers JwtAudienceNotAllowed with Forbidden)', () => {
    const filter = compile(single({ audiences: ['bookinfo', 'https://reviews.example/'] }));
    expect(verifyJwtRequest(filter, request(bearer(good({ aud: ['other', 'bookinfo'] })))).allowed).toBe(true);
    expect(verifyJwtRequest(filter, request(bearer(good({ aud: 'http://reviews.example' })))).allowed).toBe(true);
    expect(denied(verifyJwtRequest(filter, request(bearer(good({ aud: 'other' })))))).toMatchObject({ status: 403, body: 'Audiences in Jwt are not allowed' });
    expect(denied(verifyJwtRequest(filter, request(bearer(good()))))).toMatchObject({ status: 403 });
  });

  it('forwardOriginalToken (forward: true) keeps the token for the app', () => {
    const filter = compile(single({ forward: true }));
    const token = good();
    const req = request(bearer(token));
    expect(verifyJwtRequest(filter, req).allowed).toBe(true);
    expect(req.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('outputPayloadToHeader (forward_payload_header) sends the base64url payload, and replaces a client-forged one', () => {
    const filter = compile(single({ forward_payload_header: 'x-jwt-payload' }));
    const token = good({ role: 'admin' });
    const req = request({ ...bearer(token), 'x-jwt-payload': 'forged' });
    expect(verifyJwtRequest(filter, req).allowed).toBe(true);
    expect(req.headers['x-jwt-payload']).toBe(token.split('.')[1]);
    expect(JSON.parse(Buffer.from(String(req.headers['x-jwt-payload']), 'base64url').toString())).toMatchObject({ role: 'admin', sub: 'alice' });
    // No token: nothing forwarded, and the forged header is gone.
    const anonymous = request({ 'x-jwt-payload': 'forged' });
    verifyJwtRequest(filter, anonymous);
    expect(anonymous.headers['x-jwt-payload']).toBeUndefined();
  });

  it('fromHeaders with a prefix, fromParams: only those locations are read', () => {
    const filter = compile(single({ from_headers: [{ name: 'X-Jwt', value_prefix: 'Token ' }], from_params: ['jwt'] }));
    const token = good();
    const viaHeader = request({ 'x-jwt': `Token ${token}` });
    expect(verifyJwtRequest(filter, viaHeader).allowed).toBe(true);
    expect(viaHeader.headers['x-jwt']).toBeUndefined();
    const viaParam = request({}, `/p?jwt=${token}`);
    expect(verifyJwtRequest(filter, viaParam).allowed).toBe(true);
    expect(viaParam.path).toBe('/p');
    // The default locations are no longer read: a bad token there is no token.
    expect(verifyJwtRequest(filter, request(bearer('garbage'), '/p?access_token=garbage'))).toEqual({ allowed: true });
    // The prefix must be there: a value without it carries no token.
    expect(verifyJwtRequest(filter, request({ 'x-jwt': tamper(token) }))).toEqual({ allowed: true });
    expect(denied(verifyJwtRequest(filter, request({ 'x-jwt': `Token ${tamper(token)}` }))).status).toBe(401);
  });

  it('outputClaimToHeaders (claim_to_headers) copies claims, Envoy-style', () => {
    const filter = compile(single({ claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }, { header_name: 'x-n', claim_name: 'n' }, { header_name: 'x-nested', claim_name: 'a.b' }] }));
    const req = request(bearer(good({ n: 7, a: { b: true } })));
    expect(verifyJwtRequest(filter, req).allowed).toBe(true);
    expect(req.headers).toMatchObject({ 'x-sub': 'alice', 'x-n': '7', 'x-nested': 'true' });
  });
});

describe('several providers (Istio: any provider, and every present token valid)', () => {
  const SECOND = testKey('ES256', 'second');
  const config = {
    providers: { 'origins-0': provider(), 'origins-1': provider({}, 'https://second.example', jwksOf(SECOND)) },
    rules: [
      {
        match: { prefix: '/' },
        requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { provider_name: 'origins-1' }, { requires_all: { requirements: [orMissing('origins-0'), orMissing('origins-1')] } }] } },
      },
    ],
    bypass_cors_preflight: true,
  };
  const filter = compile(config);

  it('accepts a token of either issuer, and no token', () => {
    expect(verifyJwtRequest(filter, request(bearer(good()))).allowed).toBe(true);
    expect(verifyJwtRequest(filter, request(bearer(signJwt({ iss: 'https://second.example', exp: nowSeconds() + 60 }, SECOND)))).allowed).toBe(true);
    expect(verifyJwtRequest(filter, request()).allowed).toBe(true);
  });

  it('refuses a third issuer (unknown issuer) and a bad token of a known one (its own error wins)', () => {
    expect(denied(verifyJwtRequest(filter, request(bearer(good({ iss: 'https://third.example' })))))).toMatchObject({ status: 401, body: 'Jwt issuer is not configured' });
    expect(denied(verifyJwtRequest(filter, request(bearer(tamper(good())))))).toMatchObject({ status: 401, body: 'Jwt verification fails' });
  });
});

describe("Envoy's other requirement forms", () => {
  const base = { providers: { a: provider({ failed_status_in_metadata: 'failure' }) } };

  it('provider_name alone requires a token (401 "Jwt is missing", realm without error)', () => {
    const filter = compile({ ...base, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'a' } }] });
    expect(denied(verifyJwtRequest(filter, request()))).toMatchObject({ status: 401, body: 'Jwt is missing', headers: { 'www-authenticate': 'Bearer realm="http://productpage:9080/api"' } });
  });

  it('allow_missing_or_failed lets a bad token through, with its failure in metadata', () => {
    const filter = compile({ ...base, rules: [{ match: { prefix: '/' }, requires: { allow_missing_or_failed: {} } }] });
    const v = verifyJwtRequest(filter, request(bearer(tamper(good()))));
    expect(v).toEqual({ allowed: true, metadata: { [JWT_AUTHN_METADATA_NAMESPACE]: { failure: { code: 26, message: 'Jwt verification fails' } } } });
  });

  it('provider_and_audiences overrides the audiences, requires_all needs every entry', () => {
    const filter = compile({ ...base, rules: [{ match: { prefix: '/' }, requires: { provider_and_audiences: { provider_name: 'a', audiences: ['x'] } } }] });
    expect(verifyJwtRequest(filter, request(bearer(good({ aud: 'x' })))).allowed).toBe(true);
    expect(denied(verifyJwtRequest(filter, request(bearer(good({ aud: 'y' })))))).toMatchObject({ status: 403 });
  });

  it('rules pick the requirement by route (the first match wins; no match: not verified); requirement_map by name', () => {
    const filter = compile({
      ...base,
      requirement_map: { strict: { provider_name: 'a' } },
      rules: [
        { match: { prefix: '/public' } },
        { match: { path: '/private' }, requirement_name: 'strict' },
        { match: { prefix: '/api', headers: [{ name: 'x-need-jwt', present_match: true }] }, requires: { provider_name: 'a' } },
      ],
    });
    expect(verifyJwtRequest(filter, request({}, '/public/x')).allowed).toBe(true);
    expect(verifyJwtRequest(filter, request({}, '/private')).allowed).toBe(false);
    expect(verifyJwtRequest(filter, request({}, '/api')).allowed).toBe(true);
    expect(verifyJwtRequest(filter, request({ 'x-need-jwt': '1' }, '/api')).allowed).toBe(false);
    expect(verifyJwtRequest(filter, request({}, '/elsewhere')).allowed).toBe(true);
  });

  it('strip_failure_response: an empty body and no www-authenticate', () => {
    const filter = compile({ ...base, strip_failure_response: true, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'a' } }] });
    expect(denied(verifyJwtRequest(filter, request()))).toMatchObject({ status: 401, body: '', headers: {} });
  });

  it('an unusable inline JWKS is not a config error: tokens then fail', () => {
    const filter = compile({ providers: { a: provider({}, ISSUER, 'not json') }, rules: [{ match: { prefix: '/' }, requires: orMissing('a') }] });
    expect(denied(verifyJwtRequest(filter, request(bearer(good()))))).toMatchObject({ status: 401, body: "Jwks doesn't have any valid public key" });
  });
});

describe('compileJwtAuthn problems (a NACK)', () => {
  it.each([
    [{ providers: { a: { issuer: 'i', remote_jwks: { http_uri: { uri: 'https://x/jwks', cluster: 'c', timeout: { seconds: '1' } } } } } }, 'remote_jwks is not supported'],
    [{ providers: { a: provider({ subjects: { prefix: 'x' } }) } }, 'subjects is not supported'],
    [{ providers: { a: provider() }, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'b' } }] }, "Required provider ['b'] is not configured."],
    [{ providers: { a: provider() }, rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'a' }] } } }] }, 'value must contain at least 2 item(s)'],
    [{ providers: { a: provider() }, rules: [{ match: { prefix: '/' }, requirement_name: 'nope' }] }, 'Wrong requirement_name: nope'],
    [{ providers: { a: provider() }, filter_state_rules: { name: 'x' } }, 'filter_state_rules: not supported'],
    [{ providers: { a: { issuer: 'i' } } }, 'jwks_source_specifier: value is required'],
  ])('%j: %s', (config, problem) => {
    const compiled = compileJwtAuthn(config);
    expect(compiled.ok).toBe(false);
    expect(compiled.ok ? [] : compiled.problems.join('\n')).toContain(problem);
  });

  it('reads proto3 JSON (camelCase) as well as decoded xDS', () => {
    const filter = compile({ providers: { a: { issuer: ISSUER, localJwks: { inlineString: JWKS }, payloadInMetadata: 'payload', forward: true } }, rules: [{ match: { prefix: '/' }, requires: { providerName: 'a' } }] });
    const token = good();
    const req = request(bearer(token));
    expect(verifyJwtRequest(filter, req).allowed).toBe(true);
    // `forward: true` (camelCase read): the token is kept as sent.
    expect(req.headers.authorization).toBe(`Bearer ${token}`);
  });
});
