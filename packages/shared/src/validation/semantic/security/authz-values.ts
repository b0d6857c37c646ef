// Value forms of AuthorizationPolicy rules (Istio's pkg/config/security): IPs and CIDRs, port
// strings, service accounts, path templates, and the `when` condition keys with their values.

import { isCidr, isIPAddress } from '../primitives/ip.js';

/** One problem with a single value of a list; `index` points into the list. */
export interface ValueFinding {
  readonly index: number;
  readonly message: string;
}

/** Istio's CheckEmptyValues: no empty strings in a list of match values. */
export function checkEmptyValues(field: string, values: ReadonlyArray<[number, string]>): ValueFinding[] {
  return values.filter(([, v]) => v === '').map(([index]) => ({ index, message: `empty value not allowed, found in ${field}` }));
}

/** Istio's ValidateIPs: each value is an IP address, or a CIDR block when it contains `/`. */
export function validateIPs(values: ReadonlyArray<[number, string]>): ValueFinding[] {
  const out: ValueFinding[] = [];
  for (const [index, v] of values) {
    if (v === '') continue; // reported once, as an empty value
    if (v.includes('/')) {
      if (!isCidr(v)) out.push({ index, message: `bad CIDR range (${v}): not an address/prefix-length` });
    } else if (!isIPAddress(v)) {
      out.push({ index, message: `bad IP address (${v})` });
    }
  }
  return out;
}

/** Istio's ValidatePorts: each value is a decimal number no greater than 65535 (`0` included). */
export function validatePorts(values: ReadonlyArray<[number, string]>): ValueFinding[] {
  const out: ValueFinding[] = [];
  for (const [index, v] of values) {
    if (v === '') continue;
    // Go's strconv.ParseUint(v, 10, 32): ASCII digits only, no sign.
    if (!/^[0-9]+$/.test(v) || Number(v) > 65535) out.push({ index, message: `bad port (${v}): must be a number in 0..65535` });
  }
  return out;
}

/**
 * A `serviceAccounts` entry: `name` (the policy's namespace) or `namespace/name`, both parts
 * non-empty. Weft's reading of Istio's CheckServiceAccount (the CRD caps an entry at 320 characters).
 */
export function checkServiceAccounts(field: string, values: ReadonlyArray<[number, string]>): ValueFinding[] {
  const out: ValueFinding[] = [];
  for (const [index, v] of values) {
    if (v === '') {
      out.push({ index, message: `empty value not allowed, found in ${field}` });
      continue;
    }
    const parts = v.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) {
      out.push({ index, message: `invalid service account ${JSON.stringify(v)} in ${field}: expected <name> or <namespace>/<name>` });
    }
  }
  return out;
}

const MATCH_ONE_TEMPLATE = '{*}';
const MATCH_ANY_TEMPLATE = '{**}';
// Named variables {x=*}, plain variables {x} or {}, and bare `/*`, `/**`, `*/`, `**/` segments.
const UNSUPPORTED_PATH_TEMPLATE = /\/\{\w+=\*\*?\}|\{\w*\}|\/\*\*?|\*\*?\//;

/** True when `path` uses Envoy's URI template operators `{*}` or `{**}`. */
export function isPathTemplate(path: string): boolean {
  return path.includes(MATCH_ONE_TEMPLATE) || path.includes(MATCH_ANY_TEMPLATE);
}

/** Istio's CheckValidPathTemplate: a path template may use only `{*}` and `{**}` operators. */
export function checkPathTemplates(field: string, values: ReadonlyArray<[number, string]>): ValueFinding[] {
  return values
    .filter(([, p]) => isPathTemplate(p) && UNSUPPORTED_PATH_TEMPLATE.test(p))
    .map(([index]) => ({ index, message: `invalid or unsupported path template, found in ${field}` }));
}

/**
 * A `*` that Istio's string matcher takes literally: only `*` alone, a leading `*` (suffix match)
 * or a trailing `*` (prefix match) are wildcards. Returns a warning text, or undefined.
 */
export function literalStarWarning(value: string): string | undefined {
  if (value === '*' || isPathTemplate(value)) return undefined;
  let inner = value;
  if (inner.startsWith('*')) inner = inner.slice(1);
  else if (inner.endsWith('*')) inner = inner.slice(0, -1);
  if (!inner.includes('*')) return undefined;
  return `${JSON.stringify(value)}: only a leading or trailing '*' is a wildcard; this '*' matches a literal '*'`;
}

/** How a `when` key's values are checked once the key is known. */
type ValueForm = 'string' | 'ip' | 'port';

interface KeyRule {
  readonly form: ValueForm;
  /** True for keys of the form `name[sub-key]`. */
  readonly mapKey: boolean;
}

// Istio's supported condition keys (istio.io/latest/docs/reference/config/security/conditions).
const EXACT_KEYS: Readonly<Record<string, KeyRule>> = {
  'source.ip': { form: 'ip', mapKey: false },
  'remote.ip': { form: 'ip', mapKey: false },
  'source.namespace': { form: 'string', mapKey: false },
  'source.principal': { form: 'string', mapKey: false },
  'source.serviceAccount': { form: 'string', mapKey: false },
  'source.trustDomain': { form: 'string', mapKey: false },
  'request.auth.principal': { form: 'string', mapKey: false },
  'request.auth.audiences': { form: 'string', mapKey: false },
  'request.auth.presenter': { form: 'string', mapKey: false },
  'destination.ip': { form: 'ip', mapKey: false },
  'destination.port': { form: 'port', mapKey: false },
  'connection.sni': { form: 'string', mapKey: false },
};
const PREFIX_KEYS: ReadonlyArray<[prefix: string, rule: KeyRule]> = [
  ['request.headers', { form: 'string', mapKey: true }],
  ['request.auth.claims', { form: 'string', mapKey: true }],
  ['experimental.envoy.filters.', { form: 'string', mapKey: true }],
];

/** Keys Istio once accepted and now rejects, with its explanation. */
function retiredKeyError(key: string): string | undefined {
  if (key === 'destination.namespace') return `attribute ${key} is replaced by the metadata.namespace`;
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  if (key === 'destination.name' || key === 'destination.user') return `deprecated attribute ${key}: only supported in v1alpha1`;
  return undefined;
}

function ruleFor(key: string): KeyRule | undefined {
  const exact = EXACT_KEYS[key];
  if (exact) return exact;
  // The header and claim keys come before the retired ones, as in Istio's switch.
  for (const [prefix, rule] of PREFIX_KEYS) if (key.startsWith(prefix)) return rule;
  return undefined;
}

/** Istio's validateMapKey: `name[sub-key]` with a non-empty name and sub-key. */
function mapKeyError(key: string): string | undefined {
  const open = key.indexOf('[');
  if (key.endsWith(']') && open > 0 && open < key.length - 2) return undefined;
  return `bad key (${key}): should have format a[b]`;
}

/** Problems with a `when` key itself: unknown, retired, or a map key without `[...]`. */
export function validateConditionKey(key: string): string | undefined {
  const rule = ruleFor(key);
  if (rule) return rule.mapKey ? mapKeyError(key) : undefined;
  return retiredKeyError(key) ?? `unknown attribute: ${key}`;
}

/** Istio's ValidateAttribute for the values of a known key: no empty values, IPs and ports well formed. */
export function validateConditionValues(key: string, values: ReadonlyArray<[number, string]>): ValueFinding[] {
  const out = checkEmptyValues(key, values);
  const rule = ruleFor(key);
  if (rule?.form === 'ip') out.push(...validateIPs(values));
  if (rule?.form === 'port') out.push(...validatePorts(values));
  return out;
}

/** True when the key's values are matched as strings (where a stray `*` is worth a warning). */
export function isStringConditionKey(key: string): boolean {
  return ruleFor(key)?.form === 'string';
}
