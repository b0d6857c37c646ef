// Which AuthorizationPolicies apply to a workload (Istio AuthorizationPolicies.ListAuthorizationPolicies
// and WorkloadPolicyMatcher.ShouldAttachPolicy): the root namespace's and the workload namespace's
// policies whose selector or targetRefs pick the workload, grouped by action. Translating them is
// build-rbac-filters.ts.

import type { AuthorizationPolicySpec, PolicyTargetReference, WorkloadSelector } from '@weft/shared';

/** An AuthorizationPolicy as the builder reads it (a snapshot ConfigItem fits). */
export interface AuthzPolicyItem {
  readonly name: string;
  readonly namespace: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: AuthorizationPolicySpec;
  /** Creation order (oldest first); Istio lists policies by creation time. */
  readonly order?: number;
}

/** The policies applying to one workload, by action, each list in Istio's order (root namespace
 *  first, then the workload's namespace; creation order within a namespace). */
export interface SelectedAuthorizationPolicies {
  readonly custom: readonly AuthzPolicyItem[];
  readonly deny: readonly AuthzPolicyItem[];
  readonly allow: readonly AuthzPolicyItem[];
  readonly audit: readonly AuthzPolicyItem[];
}

/** The workload a proxy fronts. */
export interface AuthzWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The label naming the Gateway API Gateway a workload implements (Istio workloadGatewayName). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** What decides where a workload policy attaches (Istio's WorkloadPolicyMatcher reads the same fields of
 *  AuthorizationPolicy, RequestAuthentication and PeerAuthentication): its namespace, selector and
 *  targetRefs. */
export interface ScopedPolicy {
  readonly namespace: string;
  readonly spec: {
    readonly selector?: WorkloadSelector;
    readonly targetRef?: PolicyTargetReference;
    readonly targetRefs?: readonly PolicyTargetReference[];
  };
}

/** Policies set `targetRefs`, or the deprecated single `targetRef` (Istio GetTargetRefs). */
function targetRefsOf(spec: ScopedPolicy['spec']): readonly PolicyTargetReference[] {
  return spec.targetRefs?.length ? spec.targetRefs : spec.targetRef ? [spec.targetRef] : [];
}

const selectorMatches = (spec: ScopedPolicy['spec'], labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/**
 * Istio ShouldAttachPolicy for sidecars and Gateway API gateways (waypoints are not modelled): a
 * workload that is not a Gateway API gateway takes policies without targetRefs whose selector (if any)
 * matches its labels, and ignores policies with targetRefs; a Gateway API gateway takes policies in its
 * namespace whose targetRefs name its Gateway, and selector policies without targetRefs (Istio's
 * default PILOT_ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY=true).
 */
export function policyAppliesTo(policy: ScopedPolicy, workload: AuthzWorkload): boolean {
  const refs = targetRefsOf(policy.spec);
  const gatewayName = workload.labels[GATEWAY_NAME_LABEL];
  if (gatewayName === undefined || refs.length === 0) return refs.length === 0 && selectorMatches(policy.spec, workload.labels);
  if (policy.namespace !== workload.namespace) return false;
  return refs.some(
    (ref) => (ref.group ?? '') === GATEWAY_API_GROUP && ref.kind === 'Gateway' && ref.name === gatewayName && (ref.namespace === undefined || ref.namespace === '' || ref.namespace === workload.namespace),
  );
}

/**
 * The policies of `policies` applying to `workload`: those of `rootNamespace` (mesh-wide) and of the
 * workload's namespace that {@link policyAppliesTo} the workload, grouped by action (absent = ALLOW).
 */
export function selectAuthorizationPolicies(policies: readonly AuthzPolicyItem[], workload: AuthzWorkload, rootNamespace: string): SelectedAuthorizationPolicies {
  const out = { custom: [] as AuthzPolicyItem[], deny: [] as AuthzPolicyItem[], allow: [] as AuthzPolicyItem[], audit: [] as AuthzPolicyItem[] };
  const namespaces = rootNamespace === workload.namespace ? [rootNamespace] : [rootNamespace, workload.namespace];
  for (const ns of namespaces) {
    const inNamespace = policies.filter((p) => p.namespace === ns).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    for (const p of inNamespace) {
      if (!policyAppliesTo(p, workload)) continue;
      switch (p.spec.action ?? 'ALLOW') {
        case 'ALLOW':
          out.allow.push(p);
          break;
        case 'DENY':
          out.deny.push(p);
          break;
        case 'AUDIT':
          out.audit.push(p);
          break;
        case 'CUSTOM':
          out.custom.push(p);
          break;
      }
    }
  }
  return out;
}
