// A JSON Web Key Set (RFC 7517) as Envoy's jwt_verify_lib reads one (Jwks::createFrom, JWKS format):
// RSA, EC (P-256/384/521), oct (HMAC) and OKP (Ed25519) keys, turned into node:crypto KeyObjects once,
// when the listener config is compiled. Keys it cannot use are skipped, as Envoy skips them.

import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** One usable key of a JWKS. */
export interface Jwk {
  readonly kty: 'RSA' | 'EC' | 'oct' | 'OKP';
  /** '' when the key has no `kid` (it is then tried for every token). */
  readonly kid: string;
  /** '' when the key has no `alg` (it is then tried for every algorithm of its type). */
  readonly alg: string;
  /** EC: `P-256` / `P-384` / `P-521`; OKP: `Ed25519`. */
  readonly crv: string;
  readonly key: KeyObject;
}

/** A parsed JWKS: its usable keys (none: every token fails with "Jwks doesn't have any valid public
 *  key"), and why the set as a whole is unusable when it is. */
export interface ParsedJwks {
  readonly keys: readonly Jwk[];
  /** Envoy's reason when no key is usable: not JSON, no `keys`, `keys` not an array, no valid key. */
  readonly problem?: string;
}

const EC_CURVE_OF_ALG: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** A non-empty base64url field (key material node:crypto would otherwise read leniently). */
const b64 = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]+={0,2}$/.test(v);

/** One key, or undefined when it is not usable (jwt_verify_lib extractJwk's checks). */
function parseKey(raw: unknown): Jwk | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const k = raw as Record<string, unknown>;
  const kty = str(k.kty);
  if (k.kid !== undefined && typeof k.kid !== 'string') return undefined;
  if (k.alg !== undefined && typeof k.alg !== 'string') return undefined;
  const kid = str(k.kid) ?? '';
  const alg = str(k.alg) ?? '';
  try {
    switch (kty) {
      case 'RSA':
        if ((alg !== '' && !alg.startsWith('RS') && !alg.startsWith('PS')) || !b64(k.n) || !b64(k.e)) return undefined;
        return { kty, kid, alg, crv: '', key: createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' }) };
      case 'EC': {
        if (alg !== '' && !(alg in EC_CURVE_OF_ALG)) return undefined;
        if (k.crv !== undefined && typeof k.crv !== 'string') return undefined;
        // Without `crv`, the curve follows `alg` (P-256 when neither says).
        const crv = str(k.crv) ?? EC_CURVE_OF_ALG[alg] ?? 'P-256';
        if (!Object.values(EC_CURVE_OF_ALG).includes(crv) || (alg !== '' && EC_CURVE_OF_ALG[alg] !== crv)) return undefined;
        if (!b64(k.x) || !b64(k.y)) return undefined;
        return { kty, kid, alg, crv, key: createPublicKey({ key: { kty: 'EC', crv, x: k.x, y: k.y }, format: 'jwk' }) };
      }
      case 'oct':
        if ((alg !== '' && !alg.startsWith('HS')) || !b64(k.k)) return undefined;
        return { kty, kid, alg, crv: '', key: createSecretKey(Buffer.from(k.k, 'base64url')) };
      case 'OKP':
        if ((alg !== '' && alg !== 'EdDSA') || k.crv !== 'Ed25519' || !b64(k.x)) return undefined;
        return { kty, kid, alg, crv: 'Ed25519', key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' }) };
      default:
        return undefined;
    }
  } catch {
    // node:crypto refused the key material (bad base64, a point not on the curve, ...).
    return undefined;
  }
}

/** Parses a JWKS document. Never throws. */
export function parseJwks(text: string): ParsedJwks {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { keys: [], problem: 'Jwks is an invalid JSON' };
  }
  if (typeof doc !== 'object' || doc === null || !('keys' in doc)) return { keys: [], problem: 'Jwks does not have [keys] field' };
  const list = (doc as { keys: unknown }).keys;
  if (!Array.isArray(list)) return { keys: [], problem: '[keys] in Jwks is not an array' };
  const keys = list.map(parseKey).filter((k): k is Jwk => k !== undefined);
  return keys.length === 0 ? { keys, problem: "Jwks doesn't have any valid public key" } : { keys };
}
