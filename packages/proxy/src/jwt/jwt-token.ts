// One JWT (RFC 7519, JWS compact form) as Envoy's jwt_verify_lib parses and checks it: Jwt::parseFromString
// (three base64url sections, header `alg`/`kid`, registered claims with their types), the time window
// with clock skew, the audience check, and the signature against a JWKS (verifyJwtWithoutTimeChecking)
// with node:crypto only.

import { createHmac, constants, timingSafeEqual, verify } from 'node:crypto';
import type { Jwk } from './jwks.js';
import type { JwtStatus } from './jwt-status.js';

/** A parsed token. Immutable; verified tokens are cached and shared between requests. */
export interface ParsedJwt {
  readonly alg: string;
  readonly kid: string;
  /** '' when absent. */
  readonly iss: string;
  readonly audiences: readonly string[];
  /** 0 when absent (Envoy's defaults). */
  readonly exp: number;
  readonly nbf: number;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The payload section as it was in the token (forward_payload_header). */
  readonly payloadBase64url: string;
  /** `header.payload`, the signed bytes. */
  readonly signedData: string;
  readonly signature: Buffer;
}

/** Algorithms jwt_verify_lib implements (`none` is not one of them). */
const IMPLEMENTED_ALGS: ReadonlySet<string> = new Set(['ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']);
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
/** 2^64, the first value a uint64 claim cannot hold (exact as a double). */
export const UINT64_LIMIT = 2 ** 64;

/** absl WebSafeBase64Unescape: base64url, padding optional; undefined when not base64url. */
function decodeBase64url(s: string): Buffer | undefined {
  if (!BASE64URL.test(s)) return undefined;
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  return Buffer.from(bare, 'base64url');
}

function parseObject(section: string): Record<string, unknown> | 'bad-base64' | 'bad-json' {
  const bytes = decodeBase64url(section);
  if (bytes === undefined) return 'bad-base64';
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : 'bad-json';
  } catch {
    return 'bad-json';
  }
}

/** StructUtils::GetUInt64: absent is 0; a number in [0, 2^64) is truncated; anything else fails. */
function uint64(v: unknown, notInteger: JwtStatus, outOfRange: JwtStatus): number | JwtStatus {
  if (v === undefined) return 0;
  if (typeof v !== 'number') return notInteger;
  if (v < 0 || v >= UINT64_LIMIT) return outOfRange;
  return Math.trunc(v);
}

/** Parses `token` (Jwt::parseFromString); the status names the first problem. */
export function parseJwt(token: string): ParsedJwt | JwtStatus {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || second === first + 1 || second === token.length - 1 || token.indexOf('.', second + 1) >= 0) return 'JwtBadFormat';
  const headerPart = token.slice(0, first);
  const payloadPart = token.slice(first + 1, second);
  const header = parseObject(headerPart);
  if (header === 'bad-base64') return 'JwtHeaderParseErrorBadBase64';
  if (header === 'bad-json') return 'JwtHeaderParseErrorBadJson';
  if (typeof header.alg !== 'string') return 'JwtHeaderBadAlg';
  if (!IMPLEMENTED_ALGS.has(header.alg)) return 'JwtHeaderNotImplementedAlg';
  if (header.kid !== undefined && typeof header.kid !== 'string') return 'JwtHeaderBadKid';
  const payload = parseObject(payloadPart);
  if (payload === 'bad-base64') return 'JwtPayloadParseErrorBadBase64';
  if (payload === 'bad-json') return 'JwtPayloadParseErrorBadJson';
  if (payload.iss !== undefined && typeof payload.iss !== 'string') return 'JwtPayloadParseErrorIssNotString';
  if (payload.sub !== undefined && typeof payload.sub !== 'string') return 'JwtPayloadParseErrorSubNotString';
  const iat = uint64(payload.iat, 'JwtPayloadParseErrorIatNotInteger', 'JwtPayloadParseErrorIatOutOfRange');
  if (typeof iat === 'string') return iat;
  const nbf = uint64(payload.nbf, 'JwtPayloadParseErrorNbfNotInteger', 'JwtPayloadParseErrorNbfOutOfRange');
  if (typeof nbf === 'string') return nbf;
  const exp = uint64(payload.exp, 'JwtPayloadParseErrorExpNotInteger', 'JwtPayloadParseErrorExpOutOfRange');
  if (typeof exp === 'string') return exp;
  if (payload.jti !== undefined && typeof payload.jti !== 'string') return 'JwtPayloadParseErrorJtiNotString';
  let audiences: string[] = [];
  if (typeof payload.aud === 'string') audiences = [payload.aud];
  else if (Array.isArray(payload.aud) && payload.aud.every((a) => typeof a === 'string')) audiences = payload.aud as string[];
  else if (payload.aud !== undefined) return 'JwtPayloadParseErrorAudNotString';
  const signature = decodeBase64url(token.slice(second + 1));
  if (signature === undefined) return 'JwtSignatureParseErrorBadBase64';
  return {
    alg: header.alg,
    kid: typeof header.kid === 'string' ? header.kid : '',
    iss: typeof payload.iss === 'string' ? payload.iss : '',
    audiences,
    exp,
    nbf,
    header,
    payload,
    payloadBase64url: payloadPart,
    signedData: token.slice(0, second),
    signature,
  };
}

/** Jwt::verifyTimeConstraint: `nbf` no later than now + skew, `exp` (when set) no earlier than now − skew. */
export function timeStatus(jwt: ParsedJwt, nowSeconds: number, clockSkewSeconds: number): JwtStatus {
  if (nowSeconds + clockSkewSeconds < jwt.nbf) return 'JwtNotYetValid';
  if (jwt.exp !== 0 && nowSeconds > jwt.exp + clockSkewSeconds) return 'JwtExpired';
  return 'Ok';
}

/** jwt_verify_lib sanitizeAudience: `http://` / `https://` and one trailing `/` do not count. */
export function sanitizeAudience(aud: string): string {
  if (aud === '') return aud;
  let start = 0;
  if (aud.startsWith('http://')) start = 7;
  else if (aud.startsWith('https://')) start = 8;
  const end = aud.endsWith('/') ? aud.length - 1 : aud.length;
  return start === 0 && end === aud.length ? aud : aud.slice(start, end);
}

/** CheckAudience::areAudiencesAllowed over sanitized config audiences (none configured: any token). */
export function audiencesAllowed(allowed: ReadonlySet<string> | undefined, jwt: ParsedJwt): boolean {
  if (allowed === undefined || allowed.size === 0) return true;
  return jwt.audiences.some((a) => allowed.has(sanitizeAudience(a)));
}

const HASH_OF: Readonly<Record<string, string>> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const EC_CURVE_OF_ALG: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Whether `key` verifies the token's signature under the token's `alg`. */
function verifyWith(jwt: ParsedJwt, key: Jwk): boolean {
  const data = Buffer.from(jwt.signedData, 'latin1');
  const family = jwt.alg.slice(0, 2);
  const hash = HASH_OF[jwt.alg.slice(2)];
  try {
    switch (family) {
      case 'RS':
        return key.kty === 'RSA' && hash !== undefined && verify(hash, data, key.key, jwt.signature);
      case 'PS':
        return key.kty === 'RSA' && hash !== undefined && verify(hash, data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
      case 'ES':
        return key.kty === 'EC' && key.crv === EC_CURVE_OF_ALG[jwt.alg] && hash !== undefined && verify(hash, data, { key: key.key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      case 'HS': {
        if (key.kty !== 'oct' || hash === undefined) return false;
        const mac = createHmac(hash, key.key).update(data).digest();
        return mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature);
      }
      case 'Ed':
        return key.kty === 'OKP' && verify(null, data, key.key, jwt.signature);
      default:
        return false;
    }
  } catch {
    // A signature of the wrong size for the key, and the like: it does not verify.
    return false;
  }
}

/**
 * verifyJwtWithoutTimeChecking: tries every key whose `kid` (when both have one) and `alg` (when the key
 * has one) match the token; Ok on the first that verifies. JwtVerificationFail when some key was tried,
 * JwksKidAlgMismatch when none could be.
 */
export function verifySignature(jwt: ParsedJwt, keys: readonly Jwk[]): JwtStatus {
  if (jwt.alg === 'EdDSA' && jwt.signature.length !== 64) return 'JwtEd25519SignatureWrongLength';
  let tried = false;
  for (const key of keys) {
    if (jwt.kid !== '' && key.kid !== '' && key.kid !== jwt.kid) continue;
    if (key.alg !== '' && key.alg !== jwt.alg) continue;
    tried = true;
    if (verifyWith(jwt, key)) return 'Ok';
  }
  return tried ? 'JwtVerificationFail' : 'JwksKidAlgMismatch';
}
