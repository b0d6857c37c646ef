// Test fixtures for the JWT tests: real key pairs made with node:crypto, tokens signed with them (any
// algorithm jwt_verify_lib implements) and the JWKS that publishes their public halves. Test-only (the
// `.test-` infix keeps it out of the published package).

import { constants, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/** A signing key and its public JWK. */
export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: KeyObject | Buffer;
  /** The public JWK as a JWKS lists it (with kid and alg). */
  readonly jwk: Record<string, unknown>;
}

/** A fresh key for `alg` (RS*, PS*, ES256/384/512, EdDSA, HS*). */
export function testKey(alg: string, kid = `${alg.toLowerCase()}-key`): TestKey {
  if (alg.startsWith('HS')) {
    const secret = randomBytes(32);
    return { alg, kid, privateKey: secret, jwk: { kty: 'oct', kid, alg, k: secret.toString('base64url') } };
  }
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { alg, kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg } };
  }
  if (alg === 'EdDSA') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { alg, kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg } };
  }
  const namedCurve = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg];
  if (!namedCurve) throw new Error(`no test key for ${alg}`);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
  return { alg, kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg } };
}

/** A JWKS document of `keys`. */
export const jwksOf = (...keys: TestKey[]): string => JSON.stringify({ keys: keys.map((k) => k.jwk) });

const HASH: Readonly<Record<string, string>> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** A compact JWS of `payload` signed with `key` (header `alg` and `kid` from the key unless `header`
 *  overrides them). */
export function signJwt(payload: Record<string, unknown>, key: TestKey, header: Record<string, unknown> = {}): string {
  const h = Buffer.from(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const data = Buffer.from(`${h}.${p}`);
  const hash = HASH[key.alg.slice(2)];
  let signature: Buffer;
  if (key.alg.startsWith('HS')) signature = createHmac(hash ?? 'sha256', key.privateKey as Buffer).update(data).digest();
  else if (key.alg === 'EdDSA') signature = sign(null, data, key.privateKey as KeyObject);
  else if (key.alg.startsWith('PS')) signature = sign(hash ?? 'sha256', data, { key: key.privateKey as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  else if (key.alg.startsWith('ES')) signature = sign(hash ?? 'sha256', data, { key: key.privateKey as KeyObject, dsaEncoding: 'ieee-p1363' });
  else signature = sign(hash ?? 'sha256', data, key.privateKey as KeyObject);
  return `${h}.${p}.${signature.toString('base64url')}`;
}

/** The same token with one character of its signature changed. */
export function tamper(token: string): string {
  const last = token.length - 2;
  return token.slice(0, last) + (token[last] === 'A' ? 'B' : 'A') + token.slice(last + 1);
}

/** Now, in seconds. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
