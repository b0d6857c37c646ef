// JWT key sources of a RequestAuthentication rule: the jwksUri (Istio's ParseJwksURI) and the
// inline JWKS document (what lestrrat-go/jwx's jwk.Parse accepts).

import { parseUrl, urlHostname, urlPort } from '../../structural/go-url.js';

/** Where keys are fetched from, as Istio derives it from a jwksUri. */
export interface JwksInfo {
  readonly hostname: string;
  readonly scheme: 'http' | 'https';
  readonly port: number;
  readonly useSSL: boolean;
}

/**
 * Istio's ParseJwksURI: an http or https URL; the port comes from the URL or the scheme
 * (80/443). Returns the info, or the error text.
 */
export function parseJwksUri(jwksUri: string): JwksInfo | string {
  const parsed = parseUrl(jwksUri);
  if (!parsed.ok) return parsed.error;
  const { scheme } = parsed.url;
  const port = urlPort(parsed.url);
  if (scheme !== 'http' && scheme !== 'https') return `URI scheme ${JSON.stringify(scheme)} is not supported`;
  let portNumber = scheme === 'https' ? 443 : 80;
  if (port !== '') {
    portNumber = Number(port);
    // Go's strconv.Atoi fails past int64; no real port gets near that.
    if (!Number.isSafeInteger(portNumber)) return `strconv.Atoi: parsing ${JSON.stringify(port)}: value out of range`;
  }
  return { hostname: urlHostname(parsed.url), scheme, port: portNumber, useSSL: scheme === 'https' };
}

// Members each key type needs (RFC 7518 section 6; RFC 8037 for OKP), as jwx enforces them.
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  oct: ['k'],
  OKP: ['crv', 'x'],
};

/**
 * Checks an inline JWKS the way Istio does (jwk.Parse): JSON, either a key set `{"keys": [...]}`
 * or a single key, each key with a known `kty` and its required members. Returns the error text
 * (Istio prefixes it with `jwks parse error:`), or undefined.
 */
export function validateJwks(jwks: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(jwks);
  } catch (e) {
    return `failed to unmarshal JWK set: ${(e as Error).message}`;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'failed to unmarshal JWK set: not a JSON object';
  const obj = doc as Record<string, unknown>;
  if ('keys' in obj) {
    if (!Array.isArray(obj.keys)) return 'failed to unmarshal JWK set: "keys" must be an array';
    for (let i = 0; i < obj.keys.length; i++) {
      const err = keyError(obj.keys[i]);
      if (err) return `failed to parse key #${i}: ${err}`;
    }
    return undefined;
  }
  return keyError(obj);
}

function keyError(key: unknown): string | undefined {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return 'a key must be a JSON object';
  const k = key as Record<string, unknown>;
  if (typeof k.kty !== 'string') return 'required field kty is missing';
  const required = REQUIRED_MEMBERS[k.kty];
  if (!required) return `invalid key type ${JSON.stringify(k.kty)}`;
  for (const m of required) {
    if (typeof k[m] !== 'string' || k[m] === '') return `required field ${m} is missing for ${k.kty} key`;
  }
  return undefined;
}
