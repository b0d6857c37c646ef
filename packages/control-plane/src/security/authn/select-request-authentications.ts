// Which RequestAuthentications apply to a workload (Istio AuthenticationPolicies.GetJwtPoliciesForWorkload):
// the workload namespace's and the root namespace's policies whose selector or targetRefs pick it, as
// AuthorizationPolicies attach (security/authz/select-policies.ts policyAppliesTo). Building the JWT
// filter from them is build-jwt-filter.ts.

import type { JWTRule, RequestAuthenticationSpec } from '@weft/shared';
import { policyAppliesTo, type AuthzWorkload } from '../authz/index.js';

/** A RequestAuthentication as the builder reads it (a snapshot ConfigItem fits). */
export interface RequestAuthnItem {
  readonly name: string;
  readonly namespace: string;
  readonly spec: RequestAuthenticationSpec;
  /** Creation order (oldest first). */
  readonly order?: number;
}

/**
 * The policies of `policies` applying to `workload`: its namespace's first, then the root namespace's
 * (Istio getConfigsForWorkload's lookup order; the root namespace once when it is the workload's),
 * creation order within a namespace.
 */
export function selectRequestAuthentications(policies: readonly RequestAuthnItem[], workload: AuthzWorkload, rootNamespace: string): RequestAuthnItem[] {
  const namespaces = workload.namespace === rootNamespace ? [rootNamespace] : [workload.namespace, rootNamespace];
  const out: RequestAuthnItem[] = [];
  for (const ns of namespaces) {
    const inNamespace = policies.filter((p) => p.namespace === ns).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    for (const p of inNamespace) if (policyAppliesTo(p, workload)) out.push(p);
  }
  return out;
}

/** Istio newPolicyApplier: every JWT rule of the selected policies, sorted by issuer (so the filter is
 *  deterministic). The sort is stable; Go's is not, so Istio's order between two rules of one issuer
 *  is unspecified. Null rules (the schema allows them) are skipped. */
export function jwtRulesOf(policies: readonly RequestAuthnItem[]): JWTRule[] {
  const rules = policies.flatMap((p) => (p.spec.jwtRules ?? []).filter((r): r is JWTRule => r !== null && typeof r === 'object'));
  return rules.sort((a, b) => compareBytes(a.issuer ?? '', b.issuer ?? ''));
}

/** Go's string order (bytes of the UTF-8 encoding). */
function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The jwksUri of a rule (protojson also accepts the proto field name `jwks_uri`). */
export const jwksUriOf = (rule: JWTRule): string => rule.jwksUri ?? rule.jwks_uri ?? '';
