// AuthorizationPolicy → Envoy RBAC (Istio pilot/pkg/security/authz): select the policies of a
// workload, then build its HTTP and network RBAC filters. Wiring them into listeners is the LDS
// generators' job (see docs/architecture/authorization.md).

export {
  buildHttpRbacFilters,
  buildNetworkRbacFilters,
  DRY_RUN_ANNOTATION,
  HTTP_RBAC_FILTER_NAME,
  NETWORK_RBAC_FILTER_NAME,
  rbacPolicyName,
  SHADOW_ALLOW_STAT_PREFIX,
  SHADOW_DENY_STAT_PREFIX,
  TCP_STAT_PREFIX,
  type AuthzBuildOptions,
  type RbacFilterBuild,
} from './build-rbac-filters.js';
export { GATEWAY_NAME_LABEL, policyAppliesTo, selectAuthorizationPolicies, type AuthzPolicyItem, type AuthzWorkload, type ScopedPolicy, type SelectedAuthorizationPolicies } from './select-policies.js';
export { createTrustDomainBundle, type TrustDomainBundle } from './trust-domain-bundle.js';
export { JWT_AUTHN_FILTER, URI_TEMPLATE_TYPE_URL } from './authz-generators.js';
export type * from './rbac-shapes.js';
