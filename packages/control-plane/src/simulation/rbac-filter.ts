// Envoy's RBAC filters (envoy.filters.http.rbac in an HCM, envoy.filters.network.rbac before a
// terminal network filter) as the simulator models them: which filter denies a request or connection,
// and the policy that decided. An independent reading of Envoy's RBAC engine (filters/common/rbac),
// so weftd's authorization output can be checked without the proxy's engine.

import { unwrap, type CidrRange, type HeaderMatcher, type StringMatcher, type TypedConfig, type Wrapped } from './envoy-shapes.js';
import { matchHeader } from './header-match.js';
import { cidrContains, parseIp } from './ip-cidr.js';
import { UnsupportedEnvoyConfig, pathOnly } from './route-match.js';
import { InvalidEnvoyConfig, matchString, regexFullMatch } from './string-match.js';

export const HTTP_RBAC = { name: 'envoy.filters.http.rbac', message: 'envoy.extensions.filters.http.rbac.v3.RBAC' };
export const NETWORK_RBAC = { name: 'envoy.filters.network.rbac', message: 'envoy.extensions.filters.network.rbac.v3.RBAC' };

/** What RBAC reads from a request (HTTP filter) or a connection (network filter: no headers). */
export interface RbacInput {
  /** Request headers with pseudo-headers (`:authority`, `:path`, `:method`); undefined for a connection. */
  readonly headers?: ReadonlyMap<string, string>;
  /** The connection's peer (direct_remote_ip, source_ip). */
  readonly sourceAddress: string;
  /** The client address after x-forwarded-for handling (remote_ip). */
  readonly remoteAddress: string;
  /** The original destination (destination_ip / destination_port). */
  readonly destinationAddress: string;
  readonly destinationPort: number;
  /** SNI, '' when none. */
  readonly serverName: string;
  /** Whether the connection is TLS, and the client certificate's URI SAN when it presented one. */
  readonly tls: boolean;
  readonly peerPrincipal?: string;
}

/** The outcome of the RBAC filters of a chain or HCM. */
export interface RbacVerdict {
  readonly allowed: boolean;
  /** Index of the denying filter among the RBAC filters. */
  readonly filterIndex?: number;
  /** The effective policy of the denial (Envoy's `rbac_access_denied_matched_policy[...]`), `none` when an
   *  ALLOW filter matched nothing. */
  readonly policy?: string;
}

type Obj = Readonly<Record<string, unknown>>;
type Match = (input: RbacInput) => boolean;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

function oneOf(o: Obj, what: string): [string, unknown] {
  const set = Object.entries(o).filter(([, v]) => v !== undefined && v !== null);
  if (set.length !== 1) throw new InvalidEnvoyConfig(`${what} must set exactly one rule: ${JSON.stringify(o)}`);
  return set[0] as [string, unknown];
}

function cidr(c: unknown, ip: string): boolean {
  const r = (isObj(c) ? c : {}) as CidrRange;
  const addr = parseIp(ip);
  const net = parseIp(r.address_prefix ?? '');
  if (!net) throw new InvalidEnvoyConfig(`CidrRange without a valid address_prefix: ${JSON.stringify(c)}`);
  if (!addr) return false;
  const len = Math.min(unwrap(r.prefix_len as Wrapped<number> | number | undefined) ?? 0, net.family === 4 ? 32 : 128);
  return cidrContains(r.address_prefix ?? '', len, addr);
}

/** The :path of a request without its query and fragment, '' for a connection (no path matcher matches). */
const pathOf = (input: RbacInput): string | undefined => {
  const p = input.headers?.get(':path');
  return p === undefined ? undefined : pathOnly(p).split('#')[0];
};

/** The uri_template forms Istio emits (`*` one segment, `**` any number, literals); variables are not modelled. */
function uriTemplateMatch(template: string): Match {
  const literalChars = "a-zA-Z0-9\\-._~%!$&'()+,;:@";
  if (template.includes('{')) throw new UnsupportedEnvoyConfig(`uri_template variables (${template})`);
  const regex = template
    .split('/')
    .map((s) => (s === '**' ? `[${literalChars}/]*` : s === '*' ? `[${literalChars}]+` : s.replace(/[$()+.]/g, '\\$&')))
    .join('/');
  return (input) => {
    const p = pathOf(input);
    return p !== undefined && regexFullMatch(regex, p);
  };
}

/** A MetadataMatcher: the simulator has no dynamic metadata (no JWT filter), so only `invert` can match. */
function metadataMatch(m: unknown): Match {
  const invert = isObj(m) && m.invert === true;
  return () => invert;
}

function headerMatch(h: unknown): Match {
  const m = (isObj(h) ? h : {}) as HeaderMatcher;
  return (input) => matchHeader(m, input.headers ?? new Map());
}

function permission(p: unknown): Match {
  if (!isObj(p)) throw new InvalidEnvoyConfig(`RBAC permission must be an object: ${JSON.stringify(p)}`);
  const [kind, v] = oneOf(p, 'Permission');
  const o = isObj(v) ? v : {};
  switch (kind) {
    case 'and_rules': {
      const ms = list(o.rules).map(permission);
      return (i) => ms.every((m) => m(i));
    }
    case 'or_rules': {
      const ms = list(o.rules).map(permission);
      return (i) => ms.some((m) => m(i));
    }
    case 'not_rule': {
      const m = permission(v);
      return (i) => !m(i);
    }
    case 'any':
      return () => true;
    case 'header':
      return headerMatch(v);
    case 'url_path': {
      const sm = o.path as StringMatcher;
      return (i) => {
        const p = pathOf(i);
        return p !== undefined && matchString(sm, p);
      };
    }
    case 'uri_template': {
      const cfg = (isObj(o.typed_config) ? o.typed_config : {}) as TypedConfig;
      return uriTemplateMatch(String(cfg.path_template ?? ''));
    }
    case 'destination_ip':
      return (i) => cidr(v, i.destinationAddress);
    case 'destination_port':
      return (i) => i.destinationPort === Number(v);
    case 'destination_port_range': {
      const start = Number(o.start ?? 0);
      const end = Number(o.end ?? 0);
      return (i) => start <= i.destinationPort && i.destinationPort < end;
    }
    case 'requested_server_name':
      return (i) => matchString(v as StringMatcher, i.serverName);
    case 'metadata':
      return metadataMatch(v);
    default:
      throw new UnsupportedEnvoyConfig(`RBAC permission ${kind}`);
  }
}

function principal(p: unknown): Match {
  if (!isObj(p)) throw new InvalidEnvoyConfig(`RBAC principal must be an object: ${JSON.stringify(p)}`);
  const [kind, v] = oneOf(p, 'Principal');
  const o = isObj(v) ? v : {};
  switch (kind) {
    case 'and_ids': {
      const ms = list(o.ids).map(principal);
      return (i) => ms.every((m) => m(i));
    }
    case 'or_ids': {
      const ms = list(o.ids).map(principal);
      return (i) => ms.some((m) => m(i));
    }
    case 'not_id': {
      const m = principal(v);
      return (i) => !m(i);
    }
    case 'any':
      return () => true;
    case 'authenticated': {
      // Envoy AuthenticatedMatcher: any TLS connection without principal_name; else the URI SAN.
      const name = o.principal_name as StringMatcher | undefined;
      return (i) => i.tls && (name === undefined || (i.peerPrincipal !== undefined && matchString(name, i.peerPrincipal)));
    }
    case 'source_ip':
    case 'direct_remote_ip':
      return (i) => cidr(v, i.sourceAddress);
    case 'remote_ip':
      return (i) => cidr(v, i.remoteAddress);
    case 'header':
      return headerMatch(v);
    case 'url_path': {
      const sm = o.path as StringMatcher;
      return (i) => {
        const p = pathOf(i);
        return p !== undefined && matchString(sm, p);
      };
    }
    case 'metadata':
      return metadataMatch(v);
    default:
      throw new UnsupportedEnvoyConfig(`RBAC principal ${kind}`);
  }
}

/** One envoy.config.rbac.v3.RBAC: `matched` is the first policy (in name byte order) whose permissions
 *  and principals both match; ALLOW allows only on a match, DENY denies on one, LOG allows. */
function evaluateRules(rules: Obj, input: RbacInput): { allowed: boolean; policy?: string } {
  if (rules.condition !== undefined) throw new UnsupportedEnvoyConfig('RBAC CEL conditions');
  const action = String(rules.action ?? 'ALLOW');
  const policies = isObj(rules.policies) ? rules.policies : {};
  const names = Object.keys(policies).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let matched: string | undefined;
  for (const name of names) {
    const policy = policies[name];
    if (!isObj(policy)) throw new InvalidEnvoyConfig(`RBAC policy ${name} must be an object`);
    if (policy.condition !== undefined || policy.checked_condition !== undefined) throw new UnsupportedEnvoyConfig(`RBAC policy ${name} has a CEL condition`);
    const permissions = list(policy.permissions).map(permission);
    const principals = list(policy.principals).map(principal);
    if (permissions.some((m) => m(input)) && principals.some((m) => m(input))) {
      matched = name;
      break;
    }
  }
  if (action === 'DENY') return matched === undefined ? { allowed: true } : { allowed: false, policy: matched };
  if (action === 'LOG') return { allowed: true };
  return matched === undefined ? { allowed: false, policy: 'none' } : { allowed: true, policy: matched };
}

/**
 * Runs RBAC filter configs (typed_config bodies, HTTP or network) in order, as Envoy does: the first
 * denial stops the request (403) or closes the connection. A filter without `rules` enforces nothing;
 * `shadow_rules` never change the outcome and are not evaluated. The unified matcher API and CEL
 * conditions are `unsupported`.
 */
export function evaluateRbacFilters(configs: readonly TypedConfig[], input: RbacInput): RbacVerdict {
  for (const [i, config] of configs.entries()) {
    if (config.matcher !== undefined) throw new UnsupportedEnvoyConfig('RBAC matcher API');
    if (!isObj(config.rules)) continue;
    const r = evaluateRules(config.rules, input);
    if (!r.allowed) return { allowed: false, filterIndex: i, ...(r.policy !== undefined ? { policy: r.policy } : {}) };
  }
  return { allowed: true };
}

/** Envoy's client address for remote_ip with use_remote_address false and no trusted hops: the last
 *  x-forwarded-for entry when the header is present, else the peer; with use_remote_address, the peer. */
export function remoteAddressOf(headers: ReadonlyMap<string, string>, peer: string, useRemoteAddress: boolean): string {
  if (useRemoteAddress) return peer;
  const xff = headers.get('x-forwarded-for');
  if (xff === undefined) return peer;
  const last = xff.split(',').at(-1)?.trim() ?? '';
  return parseIp(last) ? last : peer;
}
