// Istio's semantic validation of AuthorizationPolicy (pkg/config/validation): action and provider,
// selector vs targetRef(s), and the shape and values of every rule's from / to / when. Weft adds
// one rule of its own: CUSTOM (external authorization) is refused until Weft implements ext_authz.

import type { Collector } from '../result.js';
import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { asArray, asRecord, asString, isNonEmpty, isSet, stringItems } from './primitives/read-helpers.js';
import {
  checkEmptyValues,
  checkPathTemplates,
  checkServiceAccounts,
  isStringConditionKey,
  literalStarWarning,
  validateConditionKey,
  validateConditionValues,
  validateIPs,
  validatePorts,
  type ValueFinding,
} from './security/authz-values.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { checkPolicyScope } from './security/policy-scope.js';

const SOURCE_FIELDS = [
  'principals',
  'notPrincipals',
  'requestPrincipals',
  'notRequestPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  'ipBlocks',
  'notIpBlocks',
  'remoteIpBlocks',
  'notRemoteIpBlocks',
  'trustDomains',
  'notTrustDomains',
] as const;
const IP_FIELDS = new Set(['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']);
// Source fields a TCP connection carries (peer identity and addresses); request principals need HTTP.
const TCP_SOURCE_FIELDS = SOURCE_FIELDS.filter((f) => f !== 'requestPrincipals' && f !== 'notRequestPrincipals');

const OPERATION_FIELDS = ['ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'] as const;

// Fields CUSTOM (ext_authz) cannot match on: they need Istio's own identity or JWT filters first.
const CUSTOM_UNSUPPORTED_SOURCE: ReadonlyArray<[field: string, label: string]> = [
  ['namespaces', 'From.Namespaces'],
  ['notNamespaces', 'From.NotNamespaces'],
  ['serviceAccounts', 'From.ServiceAccounts'],
  ['notServiceAccounts', 'From.NotServiceAccounts'],
  ['principals', 'From.Principals'],
  ['notPrincipals', 'From.NotPrincipals'],
  ['requestPrincipals', 'From.RequestPrincipals'],
  ['notRequestPrincipals', 'From.NotRequestPrincipals'],
];

/** Semantic rules for AuthorizationPolicy. */
export const validateAuthorizationPolicy: KindValidator = (res, c) => {
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  const action = asString(spec?.action) ?? 'ALLOW';
  checkDryRunAnnotation(c, res, action);
  if (!spec) return;
  checkPolicyScope(c, spec);

  const rules = asArray(spec.rules);
  // `rules: []` decodes to no rules at all, as an absent field does.
  const noRules = !rules || rules.length === 0;
  const provider = spec.provider;

  if (action === 'CUSTOM') {
    // A warning, not an error: Istio accepts the policy, so validation must too; the warning says
    // what Weft will not do with it.
    c.warn(
      'WEFT_ERR_SEMANTIC_UNSUPPORTED',
      'spec.action',
      'CUSTOM action is not supported yet by Weft: it delegates decisions to an external authorizer (ext_authz), which Weft does not implement; the policy is accepted but not enforced. Use ALLOW, DENY or AUDIT to enforce it',
    );
    checkCustomRules(c, spec, noRules);
  }
  if (isSet(provider) && action !== 'CUSTOM') c.error('WEFT_ERR_SEMANTIC', 'spec.provider', `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && noRules) {
    c.error(
      'WEFT_ERR_SEMANTIC',
      'spec.rules',
      'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
    );
  }

  (rules ?? []).forEach((raw, i) => {
    const path = joinPath('spec.rules', i);
    if (raw === null || raw === undefined) {
      c.error('WEFT_ERR_SEMANTIC', path, `\`rule\` must not be nil, found at rule ${i}`);
      return;
    }
    const rule = asRecord(raw);
    if (rule) checkRule(c, rule, path, i, action);
  });
};

function checkRule(c: Collector, rule: Record<string, unknown>, path: string, i: number, action: string): void {
  let fromRuleExist = false;
  let toRuleExist = false;
  let tcpRulesInFrom = false;
  let tcpRulesInTo = false;

  const from = asArray(rule.from);
  if (from && from.length === 0) c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'from'), `\`from\` must not be empty, found at rule ${i}`);
  (from ?? []).forEach((f, j) => {
    const at = joinPath(joinPath(path, 'from'), j);
    if (f === null || f === undefined) {
      c.error('WEFT_ERR_SEMANTIC', at, `\`from\` must not be nil, found at rule ${i}`);
      return;
    }
    const fr = asRecord(f);
    if (!fr) return;
    const src = asRecord(fr.source);
    if (!src) {
      if (!isSet(fr.source)) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'source'), `\`from.source\` must not be nil, found at rule ${i}`);
      return;
    }
    fromRuleExist = true;
    checkSource(c, src, joinPath(at, 'source'), i);
    if (TCP_SOURCE_FIELDS.some((field) => isNonEmpty(src[field]))) tcpRulesInFrom = true;
  });

  const to = asArray(rule.to);
  if (to && to.length === 0) c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'to'), `\`to\` must not be empty, found at rule ${i}`);
  (to ?? []).forEach((t, j) => {
    const at = joinPath(joinPath(path, 'to'), j);
    if (t === null || t === undefined) {
      c.error('WEFT_ERR_SEMANTIC', at, `\`to\` must not be nil, found at rule ${i}`);
      return;
    }
    const tr = asRecord(t);
    if (!tr) return;
    const op = asRecord(tr.operation);
    if (!op) {
      if (!isSet(tr.operation)) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'operation'), `\`to.operation\` must not be nil, found at rule ${i}`);
      return;
    }
    toRuleExist = true;
    checkOperation(c, op, joinPath(at, 'operation'), i);
    if (isNonEmpty(op.ports) || isNonEmpty(op.notPorts)) tcpRulesInTo = true;
  });

  (asArray(rule.when) ?? []).forEach((w, j) => checkCondition(c, w, joinPath(joinPath(path, 'when'), j)));

  // A DENY rule with only HTTP attributes cannot be evaluated on a TCP connection, so Istio's
  // proxies deny every TCP connection in scope; a port in the rule limits that.
  if (action === 'DENY' && ((fromRuleExist && !toRuleExist && !tcpRulesInFrom) || (toRuleExist && !tcpRulesInTo))) {
    c.warn(
      'WEFT_ERR_SEMANTIC',
      path,
      'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port',
    );
  }
}

function checkSource(c: Collector, src: Record<string, unknown>, path: string, i: number): void {
  const hasAny = (fields: readonly string[]): boolean => fields.some((f) => isNonEmpty(src[f]));
  if (hasAny(['principals', 'notPrincipals', 'namespaces', 'notNamespaces']) && hasAny(['serviceAccounts', 'notServiceAccounts'])) {
    c.error('WEFT_ERR_SEMANTIC', path, `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`);
  }
  if (!hasAny(SOURCE_FIELDS)) c.error('WEFT_ERR_SEMANTIC', path, `\`from.source\` must not be empty, found at rule ${i}`);
  for (const field of SOURCE_FIELDS) {
    const values = stringItems(src[field]);
    const at = joinPath(path, field);
    if (field === 'serviceAccounts' || field === 'notServiceAccounts') report(c, at, checkServiceAccounts(field, values));
    else report(c, at, checkEmptyValues(field, values));
    if (IP_FIELDS.has(field)) report(c, at, validateIPs(values));
    else warnLiteralStars(c, at, values);
  }
}

function checkOperation(c: Collector, op: Record<string, unknown>, path: string, i: number): void {
  if (!OPERATION_FIELDS.some((f) => isNonEmpty(op[f]))) c.error('WEFT_ERR_SEMANTIC', path, `\`to.operation\` must not be empty, found at rule ${i}`);
  for (const field of OPERATION_FIELDS) {
    const values = stringItems(op[field]);
    const at = joinPath(path, field);
    report(c, at, checkEmptyValues(field, values));
    if (field === 'ports' || field === 'notPorts') report(c, at, validatePorts(values));
    else warnLiteralStars(c, at, values);
    if (field === 'paths' || field === 'notPaths') report(c, at, checkPathTemplates(field, values));
  }
}

function checkCondition(c: Collector, raw: unknown, path: string): void {
  const cond = asRecord(raw) ?? {};
  const key = asString(cond.key) ?? '';
  if (key === '') {
    c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'key'), '`key` must not be empty');
    return;
  }
  const values = stringItems(cond.values);
  const notValues = stringItems(cond.notValues);
  if (values.length === 0 && notValues.length === 0) {
    c.error('WEFT_ERR_SEMANTIC', path, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
    return;
  }
  const keyErr = validateConditionKey(key);
  if (keyErr) {
    c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'key'), `invalid \`key\` ${key}: ${keyErr}`);
    return;
  }
  for (const [field, list, label] of [
    ['values', values, 'value'],
    ['notValues', notValues, 'notValue'],
  ] as const) {
    const at = joinPath(path, field);
    for (const f of validateConditionValues(key, list)) {
      c.error('WEFT_ERR_SEMANTIC', joinPath(at, f.index), `invalid \`${label}\` for \`key\` ${key}: ${f.message}`);
    }
    if (isStringConditionKey(key)) warnLiteralStars(c, at, list);
  }
}

/** Istio's extra rules for CUSTOM: rules are required, a provider is named, and identity-based
 *  matches are refused (the external authorizer runs before Istio's identity filters). */
function checkCustomRules(c: Collector, spec: Record<string, unknown>, noRules: boolean): void {
  if (noRules) {
    c.error(
      'WEFT_ERR_SEMANTIC',
      'spec.rules',
      'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
    );
  } else if ((asString(asRecord(spec.provider)?.name) ?? '') === '') {
    c.error('WEFT_ERR_SEMANTIC', 'spec.provider.name', '`provider.name` must not be empty');
  }
  (asArray(spec.rules) ?? []).forEach((raw, i) => {
    const rule = asRecord(raw);
    if (!rule) return;
    const path = joinPath('spec.rules', i);
    (asArray(rule.from) ?? []).forEach((f, j) => {
      const src = asRecord(asRecord(f)?.source);
      if (!src) return;
      for (const [field, label] of CUSTOM_UNSUPPORTED_SOURCE) {
        if (isNonEmpty(src[field])) {
          c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(joinPath(joinPath(path, 'from'), j), 'source'), field), `${label} is currently not supported with CUSTOM action`);
        }
      }
    });
    (asArray(rule.when) ?? []).forEach((w, j) => {
      const at = joinPath(joinPath(path, 'when'), j);
      if (w === null || w === undefined) {
        c.error('WEFT_ERR_SEMANTIC', at, 'when field cannot be nil');
        return;
      }
      const key = asString(asRecord(w)?.key) ?? '';
      if (key === 'source.namespace' || key === 'source.serviceAccount' || key === 'source.principal' || key.startsWith('request.auth.')) {
        c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'key'), `${key} is currently not supported with CUSTOM action`);
      }
    });
  });
}

function report(c: Collector, path: string, findings: readonly ValueFinding[]): void {
  for (const f of findings) c.error('WEFT_ERR_SEMANTIC', joinPath(path, f.index), f.message);
}

function warnLiteralStars(c: Collector, path: string, values: ReadonlyArray<[number, string]>): void {
  for (const [index, v] of values) {
    const w = literalStarWarning(v);
    if (w) c.warn('WEFT_ERR_SEMANTIC', joinPath(path, index), w);
  }
}
