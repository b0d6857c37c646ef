// One AuthorizationPolicy rule as Envoy RBAC sees it (Istio pilot/pkg/security/authz/model/model.go):
// `from` sources become principals, `to` operations permissions, and each `when` condition joins
// whichever side its attribute belongs to. The order of the generated matchers follows Istio's, so the
// output can be compared with Istio's own. Which policies apply and how rules form filters is
// build-rbac-filters.ts.

import type { AuthorizationRule } from '@weft/shared';
import {
  type AttributeGenerator,
  connSniGenerator,
  destIpGenerator,
  destPortGenerator,
  envoyFilterGenerator,
  type GenerateError,
  hostGenerator,
  isGenerateError,
  methodGenerator,
  pathGenerator,
  remoteIpGenerator,
  requestAudiencesGenerator,
  requestClaimGenerator,
  requestHeaderGenerator,
  requestPresenterGenerator,
  requestPrincipalGenerator,
  srcIpGenerator,
  srcNamespaceGenerator,
  srcPrincipalGenerator,
  srcServiceAccountGenerator,
  srcTrustDomainGenerator,
} from './authz-generators.js';
import type { PermissionShape, PrincipalShape, RbacAction, RbacPolicyShape } from './rbac-shapes.js';
import { expandTrustDomainAliases, replaceTrustDomainAliases, type TrustDomainBundle } from './trust-domain-bundle.js';

/** The `when` keys (Istio's attribute names, istio.io/latest/docs/reference/config/security/conditions). */
const ATTR = {
  requestHeader: 'request.headers',
  srcIp: 'source.ip',
  remoteIp: 'remote.ip',
  srcNamespace: 'source.namespace',
  srcServiceAccount: 'source.serviceAccount',
  srcPrincipal: 'source.principal',
  requestPrincipal: 'request.auth.principal',
  requestAudiences: 'request.auth.audiences',
  requestPresenter: 'request.auth.presenter',
  requestClaims: 'request.auth.claims',
  destIp: 'destination.ip',
  destPort: 'destination.port',
  connSni: 'connection.sni',
  envoyFilter: 'experimental.envoy.filters.',
} as const;

/** Internal keys of the `from` / `to` fields that have no `when` attribute. */
const KEY = { trustDomain: 'source.trustDomains', method: ':method', path: 'path-matcher', host: ':authority' } as const;

interface Rule {
  readonly key: string;
  readonly values: readonly string[];
  readonly notValues: readonly string[];
  readonly g: AttributeGenerator;
}

/** A rule of an AuthorizationPolicy in Envoy's terms: one rule list per `from` (principals) and per
 *  `to` (permissions); the matchers of a list are AND-ed, the lists OR-ed. */
export interface AuthzRuleModel {
  readonly permissions: readonly (readonly Rule[])[];
  readonly principals: readonly (readonly Rule[])[];
}

/** How the model is built: the policy's namespace (service accounts default to it) and Istio's host
 *  matching before proxy 1.11. */
export interface AuthzModelOptions {
  readonly policyNamespace: string;
  readonly legacyHostRegex?: boolean;
}

const rule = (g: AttributeGenerator, key: string, values: readonly string[] | undefined, notValues: readonly string[] | undefined): Rule[] =>
  (values?.length ?? 0) === 0 && (notValues?.length ?? 0) === 0 ? [] : [{ key, values: values ?? [], notValues: notValues ?? [], g }];

/** The generator of a `when` key and the side it joins, or undefined for an unknown key. */
function whenGenerator(key: string, policyNamespace: string): { side: 'permission' | 'principal'; g: AttributeGenerator } | undefined {
  const permission = (g: AttributeGenerator) => ({ side: 'permission' as const, g });
  const principal = (g: AttributeGenerator) => ({ side: 'principal' as const, g });
  switch (key) {
    case ATTR.destIp:
      return permission(destIpGenerator);
    case ATTR.destPort:
      return permission(destPortGenerator);
    case ATTR.connSni:
      return permission(connSniGenerator);
    case ATTR.srcIp:
      return principal(srcIpGenerator);
    case ATTR.remoteIp:
      return principal(remoteIpGenerator);
    case ATTR.srcNamespace:
      return principal(srcNamespaceGenerator);
    case ATTR.srcServiceAccount:
      return principal(srcServiceAccountGenerator(policyNamespace));
    case ATTR.srcPrincipal:
      return principal(srcPrincipalGenerator);
    case ATTR.requestPrincipal:
      return principal(requestPrincipalGenerator);
    case ATTR.requestAudiences:
      return principal(requestAudiencesGenerator);
    case ATTR.requestPresenter:
      return principal(requestPresenterGenerator);
  }
  if (key.startsWith(ATTR.envoyFilter)) return permission(envoyFilterGenerator);
  if (key.startsWith(ATTR.requestHeader)) return principal(requestHeaderGenerator(ATTR.requestHeader));
  if (key.startsWith(ATTR.requestClaims)) return principal(requestClaimGenerator(ATTR.requestClaims));
  return undefined;
}

/**
 * Istio model.New: the `when` conditions first form the base of every permission and principal list,
 * in their order; each `from` source then puts its fields in front (principals, request principals,
 * service accounts, namespaces, remote IPs, IPs, in that order), each `to` operation likewise (hosts,
 * methods, paths, ports). A rule without `from` (`to`) has one principal (permission) list: the base.
 * An unknown `when` key is an error (the rule is skipped).
 */
export function createAuthzRuleModel(r: AuthorizationRule, opts: AuthzModelOptions): AuthzRuleModel | GenerateError {
  const basePermission: Rule[] = [];
  const basePrincipal: Rule[] = [];
  for (const when of r.when ?? []) {
    const found = whenGenerator(when.key, opts.policyNamespace);
    if (!found) return { error: `unknown attribute ${when.key}` };
    (found.side === 'permission' ? basePermission : basePrincipal).push(...rule(found.g, when.key, when.values, when.notValues));
  }

  const principals: Rule[][] = [];
  for (const from of r.from ?? []) {
    const s = from.source;
    if (!s) {
      principals.push([...basePrincipal]);
      continue;
    }
    principals.push([
      ...rule(srcTrustDomainGenerator, KEY.trustDomain, s.trustDomains, s.notTrustDomains),
      ...rule(srcPrincipalGenerator, ATTR.srcPrincipal, s.principals, s.notPrincipals),
      ...rule(requestPrincipalGenerator, ATTR.requestPrincipal, s.requestPrincipals, s.notRequestPrincipals),
      ...rule(srcServiceAccountGenerator(opts.policyNamespace), ATTR.srcServiceAccount, s.serviceAccounts, s.notServiceAccounts),
      ...rule(srcNamespaceGenerator, ATTR.srcNamespace, s.namespaces, s.notNamespaces),
      ...rule(remoteIpGenerator, ATTR.remoteIp, s.remoteIpBlocks, s.notRemoteIpBlocks),
      ...rule(srcIpGenerator, ATTR.srcIp, s.ipBlocks, s.notIpBlocks),
      ...basePrincipal,
    ]);
  }
  if ((r.from ?? []).length === 0) principals.push(basePrincipal);

  const permissions: Rule[][] = [];
  for (const to of r.to ?? []) {
    const o = to.operation;
    if (!o) {
      permissions.push([...basePermission]);
      continue;
    }
    permissions.push([
      ...rule(hostGenerator(opts.legacyHostRegex === true), KEY.host, o.hosts, o.notHosts),
      ...rule(methodGenerator, KEY.method, o.methods, o.notMethods),
      ...rule(pathGenerator, KEY.path, o.paths, o.notPaths),
      ...rule(destPortGenerator, ATTR.destPort, o.ports, o.notPorts),
      ...basePermission,
    ]);
  }
  if ((r.to ?? []).length === 0) permissions.push(basePermission);
  return { permissions, principals };
}

/**
 * Istio Model.MigrateTrustDomain: source principals (from `principals` and `source.principal`) are
 * expanded to every trust domain of the bundle; `trustDomains` values naming a known trust domain
 * stand for all of them.
 */
export function migrateTrustDomain(model: AuthzRuleModel, bundle: TrustDomainBundle): AuthzRuleModel {
  const migrate = (r: Rule): Rule => {
    if (r.key === ATTR.srcPrincipal) return { ...r, values: replaceTrustDomainAliases(bundle, r.values), notValues: replaceTrustDomainAliases(bundle, r.notValues) };
    if (r.key === KEY.trustDomain) return { ...r, values: expandTrustDomainAliases(bundle, r.values), notValues: expandTrustDomainAliases(bundle, r.notValues) };
    return r;
  };
  return { permissions: model.permissions, principals: model.principals.map((list) => list.map(migrate)) };
}

/**
 * Istio rule.checkError: an ALLOW rule that cannot be translated is dropped as a whole (allowing less);
 * a DENY or AUDIT rule only loses the failing value (denying or auditing more).
 */
const fatal = (action: RbacAction, r: unknown): r is GenerateError => isGenerateError(r) && action === 'ALLOW';

type Side = 'permission' | 'principal';
type Shape<S extends Side> = S extends 'permission' ? PermissionShape : PrincipalShape;

// Permission and Principal have the same combinators under different field names.
const or = <S extends Side>(side: S, xs: Shape<S>[]): Shape<S> => (side === 'permission' ? { or_rules: { rules: xs } } : { or_ids: { ids: xs } }) as unknown as Shape<S>;
const not = <S extends Side>(side: S, x: Shape<S>): Shape<S> => (side === 'permission' ? { not_rule: x } : { not_id: x }) as unknown as Shape<S>;
const and = <S extends Side>(side: S, xs: Shape<S>[]): Shape<S> => (side === 'permission' ? { and_rules: { rules: xs } } : { and_ids: { ids: xs } }) as unknown as Shape<S>;

/** The matchers of one rule: an OR of its values, then NOT of an OR of its notValues (extended
 *  generators produce one matcher for all values instead). */
function ruleMatchers<S extends Side>(side: S, r: Rule, forTCP: boolean, action: RbacAction): Shape<S>[] | GenerateError {
  const out: Shape<S>[] = [];
  for (const [list, negate] of [
    [r.values, false],
    [r.notValues, true],
  ] as const) {
    if (list.length === 0) continue;
    if (r.g.kind === 'extended') {
      const gen = side === 'permission' ? r.g.permission : r.g.principal;
      const m = gen ? gen(r.key, list, forTCP) : { error: 'unimplemented' };
      if (fatal(action, m)) return m;
      if (!isGenerateError(m)) out.push(negate ? not(side, m as Shape<S>) : (m as Shape<S>));
      continue;
    }
    const ors: Shape<S>[] = [];
    for (const value of list) {
      const gen = side === 'permission' ? r.g.permission : r.g.principal;
      const m = gen ? gen(r.key, value, forTCP) : { error: 'unimplemented' };
      if (fatal(action, m)) return m;
      if (!isGenerateError(m)) ors.push(m as Shape<S>);
    }
    if (ors.length > 0) out.push(negate ? not(side, or(side, ors)) : or(side, ors));
  }
  return out;
}

function generateList<S extends Side>(side: S, list: readonly Rule[], forTCP: boolean, action: RbacAction): Shape<S> | GenerateError {
  const all: Shape<S>[] = [];
  for (const r of list) {
    const ms = ruleMatchers(side, r, forTCP, action);
    if (isGenerateError(ms)) return ms;
    all.push(...ms);
  }
  return and(side, all.length > 0 ? all : [{ any: true } as Shape<S>]);
}

/**
 * Istio Model.Generate: the Envoy policy of the rule for an HTTP or a TCP filter chain. HTTP-only
 * attributes on TCP fail like any untranslatable value: an ALLOW rule is dropped (the error is
 * returned), DENY / AUDIT rules keep their other matchers.
 */
export function generateAuthzPolicy(model: AuthzRuleModel, forTCP: boolean, action: RbacAction): RbacPolicyShape | GenerateError {
  const permissions: PermissionShape[] = [];
  for (const list of model.permissions) {
    const p = generateList('permission', list, forTCP, action);
    if (isGenerateError(p)) return p;
    permissions.push(p);
  }
  const principals: PrincipalShape[] = [];
  for (const list of model.principals) {
    const p = generateList('principal', list, forTCP, action);
    if (isGenerateError(p)) return p;
    principals.push(p);
  }
  return { permissions, principals };
}
