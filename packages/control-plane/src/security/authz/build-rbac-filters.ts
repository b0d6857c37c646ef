// AuthorizationPolicies → Envoy RBAC filters for one workload (Istio pilot/pkg/security/authz/builder/
// builder.go): an AUDIT (LOG) filter, a DENY filter, an ALLOW filter, each only when policies of that
// action apply, as HTTP filters (envoy.filters.http.rbac) or network filters (envoy.filters.network.rbac)
// for TCP chains. Dry-run policies go to shadow_rules. CUSTOM (ext_authz) is not supported.
// Selecting the policies is select-policies.ts; translating one rule is authz-rule-model.ts.

import { TYPE_URL } from '@weft/shared/xds';
import { isGenerateError } from './authz-generators.js';
import { createAuthzRuleModel, generateAuthzPolicy, migrateTrustDomain } from './authz-rule-model.js';
import type { EnvoyHttpFilterShape, EnvoyNetworkFilterShape, RbacAction, RbacPolicyShape, RbacRulesShape } from './rbac-shapes.js';
import type { AuthzPolicyItem, SelectedAuthorizationPolicies } from './select-policies.js';
import type { TrustDomainBundle } from './trust-domain-bundle.js';

/** Envoy's names of the RBAC filters (Istio wellknown.HTTPRoleBasedAccessControl / RoleBasedAccessControl). */
export const HTTP_RBAC_FILTER_NAME = 'envoy.filters.http.rbac';
export const NETWORK_RBAC_FILTER_NAME = 'envoy.filters.network.rbac';

/** The annotation that puts a policy in dry-run: evaluated as shadow rules, never enforced. */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** Stat prefixes Istio sets (authz model.RBACShadowRules*StatPrefix, RBACTCPFilterStatPrefix). */
export const SHADOW_ALLOW_STAT_PREFIX = 'istio_dry_run_allow_';
export const SHADOW_DENY_STAT_PREFIX = 'istio_dry_run_deny_';
export const TCP_STAT_PREFIX = 'tcp.';

/** Name prefix / suffix of the policies of a CUSTOM provider that cannot be used (Istio extauthz.go). */
const EXT_AUTHZ_PREFIX = 'istio-ext-authz';
const BAD_CUSTOM_SUFFIX = '-deny-due-to-bad-CUSTOM-action';

/** What the builder needs besides the policies. */
export interface AuthzBuildOptions {
  /** The mesh trust domain and its aliases (source principals are expanded to all of them). */
  readonly trustDomains: TrustDomainBundle;
  /**
   * CUSTOM policies need an ext_authz provider, which Weft does not have. `skip` (default) leaves them
   * out with a warning: requests they would have sent to the provider are not checked at all. `deny`
   * does what Istio does for a CUSTOM provider it cannot use: a DENY filter (per provider, before the
   * others) that rejects every request the CUSTOM rules match.
   */
  readonly custom?: 'skip' | 'deny';
  /** Match hosts with `(?i)` regexes as Istio does for proxies older than 1.11, instead of ignore_case
   *  string matchers. Weft's proxy does not need it; it exists to reproduce Istio's output. */
  readonly legacyHostRegex?: boolean;
}

/** Filters in the order they must run, and what could not be translated (one line each). */
export interface RbacFilterBuild<F> {
  readonly filters: readonly F[];
  readonly warnings: readonly string[];
}

/** The rules built from the policies of one action: enforced and dry-run. */
interface BuiltRules {
  readonly rules: RbacRulesShape | undefined;
  readonly shadowRules: RbacRulesShape | undefined;
}

/** A policy that never matches: the meaning of an ALLOW policy without rules ("allow nothing") and of
 *  a DENY policy without rules ("deny nothing"). */
const POLICY_MATCH_NEVER: RbacPolicyShape = {
  permissions: [{ not_rule: { any: true } }],
  principals: [{ not_id: { any: true } }],
};

/** `ns[<namespace>]-policy[<name>]-rule[<index>]`, the policy id Envoy reports (access logs, metadata). */
export function rbacPolicyName(namespace: string, name: string, rule: number): string {
  return `ns[${namespace}]-policy[${name}]-rule[${rule}]`;
}

/** Go strconv.ParseBool, as Istio reads the dry-run annotation. */
function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function isDryRun(policy: AuthzPolicyItem, warnings: string[]): boolean {
  const v = policy.annotations[DRY_RUN_ANNOTATION];
  if (v === undefined) return false;
  const parsed = parseGoBool(v);
  if (parsed === undefined) warnings.push(`${policy.namespace}/${policy.name}: failed to parse the value of ${DRY_RUN_ANNOTATION}: ${JSON.stringify(v)}; enforcing the policy`);
  return parsed === true;
}

const rulesOf = (action: RbacAction, policies: Record<string, RbacPolicyShape>): RbacRulesShape => (action === 'ALLOW' ? { policies } : { action, policies });

/** The Envoy policies of one AuthorizationPolicy, by name. Untranslatable rules are left out. */
function policiesOf(policy: AuthzPolicyItem, action: RbacAction, forTCP: boolean, options: AuthzBuildOptions, warnings: string[], name = rbacPolicyName): Record<string, RbacPolicyShape> {
  const out: Record<string, RbacPolicyShape> = {};
  const rules = policy.spec.rules ?? [];
  rules.forEach((rule, i) => {
    const id = name(policy.namespace, policy.name, i);
    if (rule === null || typeof rule !== 'object') {
      warnings.push(`skipped nil rule ${id}`);
      return;
    }
    const model = createAuthzRuleModel(rule, { policyNamespace: policy.namespace, legacyHostRegex: options.legacyHostRegex === true });
    if (isGenerateError(model)) {
      warnings.push(`skipped invalid rule ${id}: ${model.error}`);
      return;
    }
    const generated = generateAuthzPolicy(migrateTrustDomain(model, options.trustDomains), forTCP, action);
    // An ALLOW rule that cannot be translated (on TCP: one using HTTP-only attributes) is dropped, as
    // Istio does and documents; that is expected on TCP chains, so it is not a warning there.
    if (isGenerateError(generated)) {
      if (!forTCP) warnings.push(`skipped rule ${id}: ${generated.error}`);
      return;
    }
    out[id] = generated;
  });
  if (rules.length === 0) out[name(policy.namespace, policy.name, 0)] = POLICY_MATCH_NEVER;
  return out;
}

/** Istio Builder.build for one action: enforced policies in `rules`, dry-run ones in `shadowRules`. */
function buildRules(policies: readonly AuthzPolicyItem[], action: RbacAction, forTCP: boolean, options: AuthzBuildOptions, warnings: string[]): BuiltRules | undefined {
  if (policies.length === 0) return undefined;
  let enforced: Record<string, RbacPolicyShape> | undefined;
  let shadow: Record<string, RbacPolicyShape> | undefined;
  for (const policy of policies) {
    const built = policiesOf(policy, action, forTCP, options, warnings);
    if (isDryRun(policy, warnings)) shadow = { ...(shadow ?? {}), ...built };
    else enforced = { ...(enforced ?? {}), ...built };
  }
  return { rules: enforced && rulesOf(action, enforced), shadowRules: shadow && rulesOf(action, shadow) };
}

/** Istio shadowRuleStatPrefix: by the shadow rules' action; absent shadow rules read as ALLOW (the
 *  proto default), so every non-LOG filter carries the allow prefix. */
function shadowStatPrefix(shadow: RbacRulesShape | undefined): string {
  const action = shadow?.action ?? 'ALLOW';
  return action === 'ALLOW' ? SHADOW_ALLOW_STAT_PREFIX : action === 'DENY' ? SHADOW_DENY_STAT_PREFIX : '';
}

/** The typed_config body of either RBAC filter. */
function rbacConfig(built: BuiltRules, forTCP: boolean): Record<string, unknown> {
  const prefix = shadowStatPrefix(built.shadowRules);
  return {
    ...(built.rules ? { rules: built.rules } : {}),
    ...(forTCP ? { stat_prefix: TCP_STAT_PREFIX } : {}),
    ...(built.shadowRules ? { shadow_rules: built.shadowRules } : {}),
    ...(prefix ? { shadow_rules_stat_prefix: prefix } : {}),
  };
}

/**
 * The fail-closed stand-in for CUSTOM policies (Istio getBadCustomDenyRules): per provider, sorted by
 * name, a DENY filter with the provider's enforced (not dry-run) rules, named
 * `istio-ext-authz-<provider>-ns[..]-policy[..]-rule[..]-deny-due-to-bad-CUSTOM-action`.
 */
function customDenyRules(policies: readonly AuthzPolicyItem[], forTCP: boolean, options: AuthzBuildOptions, warnings: string[]): RbacRulesShape[] {
  const byProvider = new Map<string, Record<string, RbacPolicyShape>>();
  for (const policy of policies) {
    const provider = policy.spec.provider?.name ?? '';
    const prefix = provider === '' ? `${EXT_AUTHZ_PREFIX}-` : `${EXT_AUTHZ_PREFIX}-${provider}-`;
    const built = policiesOf(policy, 'DENY', forTCP, options, warnings, (ns, name, i) => `${prefix}${rbacPolicyName(ns, name, i)}${BAD_CUSTOM_SUFFIX}`);
    const into = byProvider.get(provider) ?? {};
    byProvider.set(provider, into);
    if (!isDryRun(policy, warnings)) Object.assign(into, built);
  }
  return [...byProvider.keys()].sort().map((p) => ({ action: 'DENY', policies: byProvider.get(p) ?? {} }));
}

function build(selected: SelectedAuthorizationPolicies, forTCP: boolean, options: AuthzBuildOptions): { configs: Record<string, unknown>[]; warnings: string[] } {
  const warnings: string[] = [];
  const configs: Record<string, unknown>[] = [];
  if (selected.custom.length > 0) {
    if (options.custom === 'deny') {
      for (const rules of customDenyRules(selected.custom, forTCP, options, warnings)) configs.push({ rules, ...(forTCP ? { stat_prefix: TCP_STAT_PREFIX } : {}) });
      warnings.push(`CUSTOM action is not supported (no ext_authz): requests matching ${selected.custom.map((p) => `${p.namespace}/${p.name}`).join(', ')} are denied`);
    } else {
      warnings.push(`CUSTOM action is not supported (no ext_authz): skipped ${selected.custom.map((p) => `${p.namespace}/${p.name}`).join(', ')}`);
    }
  }
  for (const [policies, action] of [
    [selected.audit, 'LOG'],
    [selected.deny, 'DENY'],
    [selected.allow, 'ALLOW'],
  ] as const) {
    const built = buildRules(policies, action, forTCP, options, warnings);
    if (built) configs.push(rbacConfig(built, forTCP));
  }
  return { configs, warnings };
}

/**
 * The HTTP RBAC filters for a workload's inbound HTTP filter chains, in the order they must run
 * (before the router and the other HTTP filters): [CUSTOM stand-ins,] AUDIT (action LOG), DENY,
 * ALLOW, each present only when policies of that action apply. Empty when no policy applies: then no
 * RBAC filter at all, and everything is allowed.
 */
export function buildHttpRbacFilters(selected: SelectedAuthorizationPolicies, options: AuthzBuildOptions): RbacFilterBuild<EnvoyHttpFilterShape> {
  const { configs, warnings } = build(selected, false, options);
  return { filters: configs.map((c) => ({ name: HTTP_RBAC_FILTER_NAME, typed_config: { '@type': TYPE_URL.HTTP_RBAC, ...c } })), warnings };
}

/**
 * The network RBAC filters for a workload's inbound TCP filter chains (before tcp_proxy), same order
 * as {@link buildHttpRbacFilters}. Rules using HTTP-only attributes (hosts, methods, paths, headers,
 * request principals, JWT claims) are dropped from ALLOW policies, so an ALLOW policy that only
 * speaks HTTP allows nothing on TCP; DENY and AUDIT rules keep their TCP attributes only (deny more).
 */
export function buildNetworkRbacFilters(selected: SelectedAuthorizationPolicies, options: AuthzBuildOptions): RbacFilterBuild<EnvoyNetworkFilterShape> {
  const { configs, warnings } = build(selected, true, options);
  return { filters: configs.map((c) => ({ name: NETWORK_RBAC_FILTER_NAME, typed_config: { '@type': TYPE_URL.NETWORK_RBAC, ...c } })), warnings };
}
