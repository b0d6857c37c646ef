// jwksUri parsing and inline JWKS checks of RequestAuthentication rules.

import { describe, expect, it } from 'vitest';
import { parseJwksUri, validateJwks } from './jwt.js';

describe('parseJwksUri (Istio ParseJwksURI)', () => {
  it.each([
    ['https://example.com/.well-known/jwks.json', { hostname: 'example.com', scheme: 'https', port: 443, useSSL: true }],
    ['http://example.com/keys', { hostname: 'example.com', scheme: 'http', port: 80, useSSL: false }],
    ['https://example.com:8443/keys', { hostname: 'example.com', scheme: 'https', port: 8443, useSSL: true }],
    ['http://[2001:db8::1]:8080/k', { hostname: '2001:db8::1', scheme: 'http', port: 8080, useSSL: false }],
  ])('%s', (uri, want) => {
    expect(parseJwksUri(uri)).toEqual(want);
  });

  it.each([
    ['foo.com', 'URI scheme "" is not supported'],
    ['ftp://foo.com/keys', 'URI scheme "ftp" is not supported'],
    ['https://foo.com:port/keys', 'invalid port'],
  ])('rejects %s', (uri, message) => {
    expect(parseJwksUri(uri)).toEqual(expect.stringContaining(message));
  });
});

describe('validateJwks (jwk.Parse)', () => {
  it.each([
    ['{"keys":[]}', undefined],
    ['{"keys":[{"kty":"RSA","n":"abc","e":"AQAB"}]}', undefined],
    ['{"kty":"EC","crv":"P-256","x":"a","y":"b"}', undefined],
    ['{"kty":"oct","k":"c2VjcmV0"}', undefined],
    ['{"kty":"OKP","crv":"Ed25519","x":"a"}', undefined],
    ['not json', 'failed to unmarshal JWK set'],
    ['[1,2]', 'not a JSON object'],
    ['{"keys":{}}', '"keys" must be an array'],
    ['{"keys":[{"kty":"EC","crv":"P-256","x":"a"}]}', 'failed to parse key #0: required field y'],
    ['{"n":"abc"}', 'required field kty is missing'],
  ])('%s', (jwks, want) => {
    const got = validateJwks(jwks);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toEqual(expect.stringContaining(want));
  });
});
