// Compiles Envoy RBAC config into evaluators, once per config change: the policy set
// (envoy.config.rbac.v3.RBAC, Envoy RoleBasedAccessControlEngineImpl) and the HTTP and network filter
// configs around it (envoy.extensions.filters.{http,network}.rbac.v3.RBAC). Permissions and principals
// become closures over RbacEvalContext; evaluating allocates only that context and the decision.
// Unsupported or invalid config is returned as problems, never thrown.

import { bool, enumName, field, integer, isConfigObject, oneofCase, repeated, type ConfigObject } from './rbac-config-fields.js';
import { RbacEvalContext, type RbacAttributes, type RbacDecision, type RbacRulesResult } from './rbac-attributes.js';
import { compileCidr } from './rbac-ip.js';
import { compileHeaderTest, compileMetadataTest, compileStringTest, type ProblemSink } from './rbac-matchers.js';
import { compileUriTemplate, pathWithoutQuery } from './rbac-uri-template.js';

type Match = (ctx: RbacEvalContext) => boolean;

const never: Match = () => false;
const always: Match = () => true;

const URI_TEMPLATE_TYPE = 'envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig';

const PERMISSION_CASES = [
  'and_rules',
  'or_rules',
  'any',
  'header',
  'url_path',
  'destination_ip',
  'destination_port',
  'destination_port_range',
  'metadata',
  'not_rule',
  'requested_server_name',
  'matcher',
  'uri_template',
] as const;

const PRINCIPAL_CASES = [
  'and_ids',
  'or_ids',
  'any',
  'authenticated',
  'source_ip',
  'direct_remote_ip',
  'remote_ip',
  'header',
  'url_path',
  'metadata',
  'filter_state',
  'not_id',
  'custom',
  'sourced_metadata',
] as const;

const and = (ms: readonly Match[]): Match => (ms.length === 1 ? (ms[0] as Match) : (ctx) => ms.every((m) => m(ctx)));
const or = (ms: readonly Match[]): Match => (ms.length === 1 ? (ms[0] as Match) : (ctx) => ms.some((m) => m(ctx)));

/** The request's :path (with query); '' when absent, which no path matcher accepts. */
const pathOf = (ctx: RbacEvalContext): string | undefined => ctx.attrs.header?.(':path');

function compileCidrMatch(c: unknown, path: string, problem: ProblemSink, pick: (ctx: RbacEvalContext) => ReturnType<RbacEvalContext['remoteIp']>): Match {
  const address = isConfigObject(c) ? field(c, 'address_prefix') : undefined;
  const test = typeof address === 'string' ? compileCidr(address, integer(isConfigObject(c) ? field(c, 'prefix_len') : undefined) ?? 0) : undefined;
  if (!test) {
    problem(path, `invalid CIDR range ${JSON.stringify(c)}`);
    return never;
  }
  return (ctx) => test(pick(ctx));
}

/** envoy.type.matcher.v3.PathMatcher (only `path`): the string matcher on :path without query/fragment. */
function compilePathMatch(p: unknown, path: string, problem: ProblemSink): Match {
  const test = compileStringTest(isConfigObject(p) ? field(p, 'path') : undefined, `${path}.path`, problem);
  return (ctx) => {
    const value = pathOf(ctx);
    return value !== undefined && test(pathWithoutQuery(value));
  };
}

function compileMetadataMatch(m: unknown, path: string, problem: ProblemSink): Match {
  const test = compileMetadataTest(m, path, problem);
  return (ctx) => test(ctx.attrs.dynamicMetadata);
}

function compileHeaderMatch(h: unknown, path: string, problem: ProblemSink): Match {
  const test = compileHeaderTest(h, path, problem);
  return (ctx) => test(ctx.attrs.header);
}

function compileSet(set: unknown, key: 'rules' | 'ids', path: string, problem: ProblemSink, each: (x: unknown, path: string) => Match): Match[] {
  const items = isConfigObject(set) ? repeated(set, key) : [];
  if (items.length === 0) problem(`${path}.${key}`, 'must not be empty');
  return items.map((x, i) => each(x, `${path}.${key}[${i}]`));
}

/** envoy.config.rbac.v3.Permission (Envoy RBAC Matcher::create for permissions). */
export function compilePermission(p: unknown, path: string, problem: ProblemSink): Match {
  if (!isConfigObject(p)) {
    problem(path, 'permission must be an object');
    return never;
  }
  const which = oneofCase(p, PERMISSION_CASES);
  const spec = which === undefined ? undefined : field(p, which);
  const at = `${path}.${which ?? ''}`;
  const sub = (x: unknown, subPath: string): Match => compilePermission(x, subPath, problem);
  switch (which) {
    case 'and_rules':
      return and(compileSet(spec, 'rules', at, problem, sub));
    case 'or_rules':
      return or(compileSet(spec, 'rules', at, problem, sub));
    case 'not_rule': {
      const inner = compilePermission(spec, at, problem);
      return (ctx) => !inner(ctx);
    }
    case 'any':
      if (!bool(spec)) problem(at, 'must be true');
      return always;
    case 'header':
      return compileHeaderMatch(spec, at, problem);
    case 'url_path':
      return compilePathMatch(spec, at, problem);
    case 'uri_template': {
      const typed = isConfigObject(spec) ? field(spec, 'typed_config') : undefined;
      const type = isConfigObject(typed) ? String(typed['@type'] ?? '') : '';
      const template = isConfigObject(typed) ? field(typed, 'path_template') : undefined;
      if (!type.endsWith(`/${URI_TEMPLATE_TYPE}`) || typeof template !== 'string') {
        problem(at, `uri_template needs a decoded ${URI_TEMPLATE_TYPE}`);
        return never;
      }
      const test = compileUriTemplate(template);
      if (typeof test !== 'function') {
        problem(`${at}.typed_config.path_template`, `${test.error}: ${JSON.stringify(template)}`);
        return never;
      }
      // Envoy matches the path value, '' when there is none (which no template accepts).
      return (ctx) => test(pathOf(ctx) ?? '');
    }
    case 'destination_ip':
      return compileCidrMatch(spec, at, problem, (ctx) => ctx.destinationIp());
    case 'destination_port': {
      const port = integer(spec);
      if (port === undefined || port < 0 || port > 65535) problem(at, 'port must be 0-65535');
      return (ctx) => ctx.attrs.destinationPort === port;
    }
    case 'destination_port_range': {
      const start = isConfigObject(spec) ? (integer(field(spec, 'start')) ?? 0) : 0;
      const end = isConfigObject(spec) ? (integer(field(spec, 'end')) ?? 0) : 0;
      if (start < 0 || start > 65536 || end < 0 || end > 65536 || start >= end) problem(at, `invalid port range [${start}, ${end})`);
      return (ctx) => ctx.attrs.destinationPort !== undefined && start <= ctx.attrs.destinationPort && ctx.attrs.destinationPort < end;
    }
    case 'metadata':
      return compileMetadataMatch(spec, at, problem);
    case 'requested_server_name': {
      const test = compileStringTest(spec, at, problem);
      return (ctx) => test(ctx.attrs.requestedServerName ?? '');
    }
    case 'matcher':
      problem(at, 'matcher extensions are not supported');
      return never;
    default:
      problem(path, 'permission without a rule');
      return never;
  }
}

/** envoy.config.rbac.v3.Principal (Envoy RBAC Matcher::create for principals). */
export function compilePrincipal(p: unknown, path: string, problem: ProblemSink): Match {
  if (!isConfigObject(p)) {
    problem(path, 'principal must be an object');
    return never;
  }
  const which = oneofCase(p, PRINCIPAL_CASES);
  const spec = which === undefined ? undefined : field(p, which);
  const at = `${path}.${which ?? ''}`;
  const sub = (x: unknown, subPath: string): Match => compilePrincipal(x, subPath, problem);
  switch (which) {
    case 'and_ids':
      return and(compileSet(spec, 'ids', at, problem, sub));
    case 'or_ids':
      return or(compileSet(spec, 'ids', at, problem, sub));
    case 'not_id': {
      const inner = compilePrincipal(spec, at, problem);
      return (ctx) => !inner(ctx);
    }
    case 'any':
      if (!bool(spec)) problem(at, 'must be true');
      return always;
    case 'authenticated': {
      // Envoy AuthenticatedMatcher: TLS required; no principal_name accepts any peer; otherwise any
      // URI SAN, then any DNS SAN, then the subject.
      const name = isConfigObject(spec) ? field(spec, 'principal_name') : undefined;
      if (name === undefined) return (ctx) => ctx.attrs.peerCertificate !== undefined;
      const test = compileStringTest(name, `${at}.principal_name`, problem);
      return (ctx) => {
        const cert = ctx.attrs.peerCertificate;
        if (cert === undefined) return false;
        if (cert.uriSans?.some((s) => test(s))) return true;
        if (cert.dnsSans?.some((s) => test(s))) return true;
        return test(cert.subject ?? '');
      };
    }
    case 'source_ip':
      return compileCidrMatch(spec, at, problem, (ctx) => ctx.sourceIp());
    case 'direct_remote_ip':
      return compileCidrMatch(spec, at, problem, (ctx) => ctx.directRemoteIp());
    case 'remote_ip':
      return compileCidrMatch(spec, at, problem, (ctx) => ctx.remoteIp());
    case 'header':
      return compileHeaderMatch(spec, at, problem);
    case 'url_path':
      return compilePathMatch(spec, at, problem);
    case 'metadata':
      return compileMetadataMatch(spec, at, problem);
    case 'filter_state':
    case 'custom':
    case 'sourced_metadata':
      problem(at, `${which} principals are not supported`);
      return never;
    default:
      problem(path, 'principal without an identifier');
      return never;
  }
}

/** The RBAC actions (envoy.config.rbac.v3.RBAC.Action, in proto order). */
export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';
const ACTIONS: readonly RbacAction[] = ['ALLOW', 'DENY', 'LOG'];

/** A compiled envoy.config.rbac.v3.RBAC. */
export interface CompiledRbacRules {
  readonly action: RbacAction;
  /** Policy names in evaluation order (byte order, as Envoy's std::map). */
  readonly policyNames: readonly string[];
  evaluate(ctx: RbacEvalContext): RbacRulesResult & { readonly matched: boolean };
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * envoy.config.rbac.v3.RBAC (Envoy RoleBasedAccessControlEngineImpl): a policy matches when any of its
 * permissions and any of its principals match; the first match in name order is the effective policy.
 * ALLOW allows only on a match, so present rules with no policies deny everything; DENY denies on a
 * match; LOG allows and reports the match. Policies with a CEL `condition` are not supported.
 */
export function compileRbacRules(rules: unknown, path: string, problem: ProblemSink): CompiledRbacRules {
  const r: ConfigObject = isConfigObject(rules) ? rules : {};
  if (!isConfigObject(rules)) problem(path, 'RBAC rules must be an object');
  const action = enumName(field(r, 'action'), ACTIONS) as RbacAction | undefined;
  if (action === undefined || !ACTIONS.includes(action)) problem(`${path}.action`, `unknown action ${JSON.stringify(field(r, 'action'))}`);
  const policiesField = field(r, 'policies');
  const policies = isConfigObject(policiesField) ? policiesField : {};
  const names = Object.keys(policies).sort(byteOrder);
  const compiled = names.map((name) => {
    const at = `${path}.policies[${name}]`;
    const policy = policies[name];
    if (!isConfigObject(policy)) {
      problem(at, 'policy must be an object');
      return never;
    }
    if (field(policy, 'condition') !== undefined || field(policy, 'checked_condition') !== undefined || field(policy, 'cel_config') !== undefined) problem(at, 'CEL conditions are not supported');
    const permissions = repeated(policy, 'permissions').map((x, i) => compilePermission(x, `${at}.permissions[${i}]`, problem));
    const principals = repeated(policy, 'principals').map((x, i) => compilePrincipal(x, `${at}.principals[${i}]`, problem));
    if (permissions.length === 0) problem(`${at}.permissions`, 'must not be empty');
    if (principals.length === 0) problem(`${at}.principals`, 'must not be empty');
    const anyPermission = permissions.length === 0 ? never : or(permissions);
    const anyPrincipal = principals.length === 0 ? never : or(principals);
    return (ctx: RbacEvalContext) => anyPermission(ctx) && anyPrincipal(ctx);
  });
  const act: RbacAction = action ?? 'ALLOW';
  return {
    action: act,
    policyNames: names,
    evaluate(ctx) {
      for (let i = 0; i < compiled.length; i++) {
        if ((compiled[i] as Match)(ctx)) {
          const policyId = names[i] as string;
          return { matched: true, allowed: act !== 'DENY', policyId };
        }
      }
      return { matched: false, allowed: act !== 'ALLOW' };
    },
  };
}

/** A compiled RBAC filter: evaluate a request or connection. */
export interface RbacEngine {
  /** Whether `rules` is set: without it nothing is enforced (shadow rules may still be evaluated). */
  readonly enforcing: boolean;
  readonly action: RbacAction | undefined;
  readonly shadowAction: RbacAction | undefined;
  /** `stat_prefix` (network filter) and `shadow_rules_stat_prefix`, '' when unset. */
  readonly statPrefix: string;
  readonly shadowRulesStatPrefix: string;
  evaluate(attrs: RbacAttributes): RbacDecision;
}

/** The result of compiling a filter config: the engine, or every problem found (the config should be
 *  refused, as Envoy would NACK it). */
export type RbacCompileResult = { readonly ok: true; readonly engine: RbacEngine } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Compiles an RBAC filter config, HTTP (envoy.extensions.filters.http.rbac.v3.RBAC) or network
 * (envoy.extensions.filters.network.rbac.v3.RBAC), decoded or proto3 JSON, with or without its
 * `@type`. `rules` absent: no enforcement, everything allowed. `shadow_rules` are evaluated and reported
 * but never change the outcome. The unified-matcher forms (`matcher`, `shadow_matcher`) are not
 * supported.
 */
export function compileRbacFilter(config: unknown): RbacCompileResult {
  const problems: string[] = [];
  const problem: ProblemSink = (path, what) => problems.push(`${path || '(root)'}: ${what}`);
  const c: ConfigObject = isConfigObject(config) ? config : {};
  if (!isConfigObject(config)) problem('', 'RBAC filter config must be an object');
  for (const unsupported of ['matcher', 'shadow_matcher']) if (field(c, unsupported) !== undefined) problem(unsupported, 'the unified matcher API is not supported');
  const rulesField = field(c, 'rules');
  const shadowField = field(c, 'shadow_rules');
  const rules = rulesField === undefined ? undefined : compileRbacRules(rulesField, 'rules', problem);
  const shadow = shadowField === undefined ? undefined : compileRbacRules(shadowField, 'shadow_rules', problem);
  if (problems.length > 0) return { ok: false, problems };
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const engine: RbacEngine = {
    enforcing: rules !== undefined,
    action: rules?.action,
    shadowAction: shadow?.action,
    statPrefix: text(field(c, 'stat_prefix')),
    shadowRulesStatPrefix: text(field(c, 'shadow_rules_stat_prefix')),
    evaluate(attrs) {
      const ctx = new RbacEvalContext(attrs);
      let shadowResult: RbacDecision['shadow'];
      if (shadow) {
        const s = shadow.evaluate(ctx);
        shadowResult = { allowed: s.allowed, ...(s.policyId !== undefined ? { policyId: s.policyId } : {}), ...(shadow.action === 'LOG' ? { log: s.matched } : {}) };
      }
      if (!rules) return shadowResult ? { allowed: true, shadow: shadowResult } : { allowed: true };
      const r = rules.evaluate(ctx);
      return {
        allowed: r.allowed,
        ...(r.policyId !== undefined ? { policyId: r.policyId } : {}),
        ...(rules.action === 'LOG' ? { log: r.matched } : {}),
        ...(shadowResult ? { shadow: shadowResult } : {}),
      };
    },
  };
  return { ok: true, engine };
}
