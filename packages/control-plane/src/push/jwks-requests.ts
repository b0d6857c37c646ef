// Which key sets the RequestAuthentications in force need istiod to fetch (rules without inline
// `jwks`), and which of them name a given key set. The push controller resolves them before it builds
// a snapshot, as Istio's generators fetch them on a push.

import type { JWTRule, RequestAuthenticationSpec } from '@weft/shared';
import type { ConfigEntry, ConfigEvent } from '../config/config-store.js';
import { parseDurationNanos } from '../generators/route-duration.js';
import { jwksKey, jwksUriOf, type JwksRef, type JwksRequest } from '../security/authn/index.js';

/** Istio's default JWTRule timeout (policy_applier.go). */
const DEFAULT_TIMEOUT_MS = 5000;

function rulesOf(entry: ConfigEntry): JWTRule[] {
  if (entry.ref.kind !== 'RequestAuthentication') return [];
  const spec = (entry.resource.spec ?? {}) as RequestAuthenticationSpec;
  return (spec.jwtRules ?? []).filter((r): r is JWTRule => r !== null && typeof r === 'object' && (r.jwks ?? '') === '' && ((r.issuer ?? '') !== '' || jwksUriOf(r) !== ''));
}

const timeoutOf = (rule: JWTRule): number => {
  const nanos = rule.timeout === undefined ? undefined : parseDurationNanos(rule.timeout);
  return nanos === undefined || nanos <= 0n ? DEFAULT_TIMEOUT_MS : Number(nanos / 1_000_000n);
};

/** The key sets the RequestAuthentications among `entries` need fetched, one per (issuer, jwksUri). */
export function jwksRequestsOf(entries: readonly ConfigEntry[]): JwksRequest[] {
  const out = new Map<string, JwksRequest>();
  for (const e of entries) for (const r of rulesOf(e)) out.set(jwksKey(r.issuer ?? '', jwksUriOf(r)), { issuer: r.issuer ?? '', jwksUri: jwksUriOf(r), timeoutMs: timeoutOf(r) });
  return [...out.values()];
}

/** Update events for the RequestAuthentications among `entries` that name one of `changed`: what the
 *  change impact analysis needs to push new keys to the proxies those policies select. */
export function eventsForJwks(entries: readonly ConfigEntry[], changed: readonly JwksRef[]): ConfigEvent[] {
  const keys = new Set(changed.map((c) => jwksKey(c.issuer, c.jwksUri)));
  return entries.filter((e) => rulesOf(e).some((r) => keys.has(jwksKey(r.issuer ?? '', jwksUriOf(r))))).map((e) => ({ type: 'updated' as const, ref: e.ref }));
}
