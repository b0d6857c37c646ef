// JWT parsing and verification as jwt_verify_lib does it, with real keys made by node:crypto: every
// algorithm family, kid / alg matching, the statuses of malformed tokens, the time window with the clock
// skew, and the audience check.

import { describe, expect, it } from 'vitest';
import { parseJwks } from './jwks.js';
import { audiencesAllowed, parseJwt, sanitizeAudience, timeStatus, verifySignature, type ParsedJwt } from './jwt-token.js';
import { jwksOf, signJwt, tamper, testKey } from './jwt.test-fixtures.js';

const parsed = (token: string): ParsedJwt => {
  const p = parseJwt(token);
  if (typeof p === 'string') throw new Error(p);
  return p;
};
const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('verifySignature with real keys', () => {
  it.each(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS512'])('%s: a good signature verifies, a tampered one does not', (alg) => {
    const key = testKey(alg);
    const { keys } = parseJwks(jwksOf(key));
    expect(keys).toHaveLength(1);
    const token = signJwt({ iss: 'i', sub: 's' }, key);
    expect(verifySignature(parsed(token), keys)).toBe('Ok');
    expect(verifySignature(parsed(tamper(token)), keys)).toBe('JwtVerificationFail');
  });

  it('picks the key by kid, and fails with a key of another kid or alg', () => {
    const a = testKey('RS256', 'a');
    const b = testKey('RS256', 'b');
    const ec = testKey('ES256', 'c');
    const { keys } = parseJwks(jwksOf(a, b, ec));
    expect(verifySignature(parsed(signJwt({}, b)), keys)).toBe('Ok');
    // Unknown kid: no key may be tried.
    expect(verifySignature(parsed(signJwt({}, a, { kid: 'zzz' })), keys)).toBe('JwksKidAlgMismatch');
    // No kid in the token: every key of the alg is tried.
    expect(verifySignature(parsed(signJwt({}, b, { kid: undefined })), keys)).toBe('Ok');
    // A key of the right kid but signed by another key.
    expect(verifySignature(parsed(signJwt({}, a, { kid: 'b' })), keys)).toBe('JwtVerificationFail');
    // RS384 token but the keys say RS256 / ES256.
    expect(verifySignature(parsed(signJwt({}, testKey('RS384', 'x'), { kid: undefined })), keys)).toBe('JwksKidAlgMismatch');
  });

  it('accepts keys without kid or alg, and skips unusable ones', () => {
    const key = testKey('ES256');
    const bare = { ...key.jwk };
    delete bare.kid;
    delete bare.alg;
    const jwks = JSON.stringify({ keys: [{ kty: 'RSA', n: '!!', e: 'AQAB' }, { kty: 'XYZ' }, bare] });
    const { keys } = parseJwks(jwks);
    expect(keys).toHaveLength(1);
    expect(verifySignature(parsed(signJwt({}, key)), keys)).toBe('Ok');
  });

  it.each([
    ['not json', 'Jwks is an invalid JSON'],
    ['{}', 'Jwks does not have [keys] field'],
    ['{"keys":{}}', '[keys] in Jwks is not an array'],
    ['{"keys":[{"kty":"RSA"}]}', "Jwks doesn't have any valid public key"],
  ])('an unusable JWKS %s: %s', (text, problem) => {
    expect(parseJwks(text)).toEqual({ keys: [], problem });
  });
});

describe('parseJwt statuses (jwt_verify_lib)', () => {
  const header = b64({ alg: 'RS256' });
  const payload = b64({ iss: 'i' });
  it.each([
    ['a.b', 'JwtBadFormat'],
    ['a.b.c.d', 'JwtBadFormat'],
    [`.${payload}.sig`, 'JwtBadFormat'],
    [`!!.${payload}.sig`, 'JwtHeaderParseErrorBadBase64'],
    [`${b64('not json')}.${payload}.sig`, 'JwtHeaderParseErrorBadJson'],
    [`${b64({})}.${payload}.sig`, 'JwtHeaderBadAlg'],
    [`${b64({ alg: 'none' })}.${payload}.sig`, 'JwtHeaderNotImplementedAlg'],
    [`${b64({ alg: 'RS256', kid: 1 })}.${payload}.sig`, 'JwtHeaderBadKid'],
    [`${header}.!!.sig`, 'JwtPayloadParseErrorBadBase64'],
    [`${header}.${b64('[1]')}.sig`, 'JwtPayloadParseErrorBadJson'],
    [`${header}.${b64({ iss: 1 })}.sig`, 'JwtPayloadParseErrorIssNotString'],
    [`${header}.${b64({ sub: true })}.sig`, 'JwtPayloadParseErrorSubNotString'],
    [`${header}.${b64({ exp: '1' })}.sig`, 'JwtPayloadParseErrorExpNotInteger'],
    [`${header}.${b64({ exp: -1 })}.sig`, 'JwtPayloadParseErrorExpOutOfRange'],
    [`${header}.${b64({ nbf: 'x' })}.sig`, 'JwtPayloadParseErrorNbfNotInteger'],
    [`${header}.${b64({ iat: [] })}.sig`, 'JwtPayloadParseErrorIatNotInteger'],
    [`${header}.${b64({ jti: 5 })}.sig`, 'JwtPayloadParseErrorJtiNotString'],
    [`${header}.${b64({ aud: [1] })}.sig`, 'JwtPayloadParseErrorAudNotString'],
    [`${header}.${payload}.!!`, 'JwtSignatureParseErrorBadBase64'],
  ])('%s → %s', (token, status) => {
    expect(parseJwt(token)).toBe(status);
  });

  it('reads the registered claims', () => {
    const jwt = parsed(`${header}.${b64({ iss: 'i', aud: ['a', 'b'], exp: 20, nbf: 10.7 })}.${b64('sig')}`);
    expect(jwt).toMatchObject({ alg: 'RS256', kid: '', iss: 'i', audiences: ['a', 'b'], exp: 20, nbf: 10 });
    expect(parsed(`${header}.${b64({ aud: 'x' })}.${b64('sig')}`).audiences).toEqual(['x']);
  });
});

describe('timeStatus (Envoy: 60 s clock skew by default)', () => {
  const at = (claims: Record<string, unknown>) => parsed(`${b64({ alg: 'RS256' })}.${b64(claims)}.${b64('s')}`);
  it.each([
    [{ exp: 1000 }, 1000, 'Ok'],
    [{ exp: 1000 }, 1060, 'Ok'],
    [{ exp: 1000 }, 1061, 'JwtExpired'],
    [{ nbf: 1000 }, 940, 'Ok'],
    [{ nbf: 1000 }, 939, 'JwtNotYetValid'],
    [{}, 5_000_000_000, 'Ok'],
  ])('%j at %d → %s', (claims, now, status) => {
    expect(timeStatus(at(claims), now, 60)).toBe(status);
  });
});

describe('audiences (CheckAudience)', () => {
  const jwt = (aud: unknown) => parsed(`${b64({ alg: 'RS256' })}.${b64({ aud })}.${b64('s')}`);
  it('ignores the scheme and a trailing slash on both sides, and allows any audience when none is configured', () => {
    expect(sanitizeAudience('https://example.com/')).toBe('example.com');
    expect(sanitizeAudience('http://example.com')).toBe('example.com');
    expect(audiencesAllowed(new Set(['example.com']), jwt('https://example.com/'))).toBe(true);
    expect(audiencesAllowed(new Set(['a']), jwt(['b', 'a']))).toBe(true);
    expect(audiencesAllowed(new Set(['a']), jwt(['b']))).toBe(false);
    expect(audiencesAllowed(undefined, jwt(['b']))).toBe(true);
  });
});
