// Envoy's per-provider JWT cache (jwt_authn jwt_cache.cc): tokens whose signature verified, by token
// string, least recently used first out, each until it expires. A hit skips parsing and the signature
// check; the issuer, time and audience checks still run on every request.

import type { ParsedJwt } from './jwt-token.js';

/** Envoy's default jwt_cache_size. */
export const DEFAULT_JWT_CACHE_SIZE = 100;

/** A bounded LRU of verified tokens. */
export class JwtCache {
  private readonly entries = new Map<string, ParsedJwt>();

  constructor(private readonly capacity: number = DEFAULT_JWT_CACHE_SIZE) {}

  /** The verified token, unless absent or expired beyond `clockSkewSeconds` (then it is dropped). */
  lookup(token: string, nowSeconds: number, clockSkewSeconds: number): ParsedJwt | undefined {
    const jwt = this.entries.get(token);
    if (jwt === undefined) return undefined;
    if (jwt.exp !== 0 && nowSeconds > jwt.exp + clockSkewSeconds) {
      this.entries.delete(token);
      return undefined;
    }
    // Most recently used last: re-insert (Map keeps insertion order).
    this.entries.delete(token);
    this.entries.set(token, jwt);
    return jwt;
  }

  insert(token: string, jwt: ParsedJwt): void {
    if (this.capacity <= 0) return;
    this.entries.delete(token);
    this.entries.set(token, jwt);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
