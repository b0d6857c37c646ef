// Envoy's jwt_authn filter config (JwtAuthentication, decoded xDS or proto3 JSON) compiled into a
// verifier the request path calls: providers (jwt-provider.ts), requirement rules matched by route,
// and the requirement tree of verifier.cc (provider, provider_and_audiences, requires_any, requires_all,
// allow_missing, allow_missing_or_failed). Problems come back for a NACK, never thrown.

import { compileRouteMatch } from '../compile/route-match.js';
import { createRouteRequest } from '../compile/route-request.js';
import { bool, field, isConfigObject, oneofCase, repeated, type ConfigObject } from '../rbac/rbac-config-fields.js';
import { authenticate, compileProvider, extractorOf, sanitizeHeaders, type JwtProvider, type VerifyContext } from './jwt-provider.js';
import type { TokenRequest } from './jwt-extractor.js';
import { sanitizeAudience } from './jwt-token.js';
import type { JwtStatus } from './jwt-status.js';

/** A compiled requirement: verifies one request (synchronously: keys are local). */
type Verifier = (ctx: VerifyContext) => JwtStatus;

/** The request as rule matching and verification see it. */
export interface JwtRequestView extends TokenRequest {
  readonly method: string;
  readonly authority: string;
}

/** A compiled jwt_authn filter. */
export interface JwtAuthnFilter {
  /** The filter's name in the HCM (for logs). */
  readonly name: string;
  readonly bypassCorsPreflight: boolean;
  readonly stripFailureResponse: boolean;
  /** The verifier of the first rule matching the request; undefined when no rule matches (the request
   *  passes unverified, as Envoy's null verifier). */
  verifierFor(req: JwtRequestView): ((ctx: VerifyContext) => JwtStatus) | undefined;
}

/** The outcome of compiling a filter config. */
export type JwtAuthnCompileResult = { readonly ok: true; readonly filter: JwtAuthnFilter } | { readonly ok: false; readonly problems: readonly string[] };

const REQUIREMENT_CASES = ['provider_name', 'provider_and_audiences', 'requires_any', 'requires_all', 'allow_missing_or_failed', 'allow_missing'] as const;

interface Providers {
  readonly byName: ReadonlyMap<string, JwtProvider>;
  readonly all: readonly JwtProvider[];
  readonly byIssuer: (issuer: string) => JwtProvider | undefined;
  readonly single: JwtProvider | undefined;
}

function compileRequirement(raw: unknown, at: string, providers: Providers, problems: string[]): Verifier {
  const req = isConfigObject(raw) ? raw : {};
  const which = oneofCase(req, REQUIREMENT_CASES) as (typeof REQUIREMENT_CASES)[number] | undefined;
  const value = which === undefined ? undefined : field(req, which);
  const provider = (name: string, where: string): JwtProvider | undefined => {
    const p = providers.byName.get(name);
    if (!p) problems.push(`${where}: Required provider ['${name}'] is not configured.`);
    return p;
  };
  switch (which) {
    case undefined:
      // No requirement: everything passes (AllowAllVerifierImpl).
      return () => 'Ok';
    case 'provider_name':
    case 'provider_and_audiences': {
      const name = which === 'provider_name' ? String(value ?? '') : isConfigObject(value) ? String(field(value, 'provider_name') ?? '') : '';
      const audiences = which === 'provider_and_audiences' && isConfigObject(value) ? repeated(value, 'audiences').map(String) : [];
      const p = provider(name, `${at}.${which}`);
      if (!p) return () => 'JwtMissed';
      const extractor = extractorOf([p]);
      const options = { provider: p, allowFailed: false, allowMissing: false, ...(audiences.length > 0 ? { audiences: new Set(audiences.map(sanitizeAudience)) } : {}) };
      return (ctx) => {
        sanitizeHeaders(ctx.req, [p]);
        return authenticate(ctx, extractor.extract(ctx.req), options, providers.byIssuer, providers.single);
      };
    }
    case 'allow_missing':
    case 'allow_missing_or_failed':
      return allowVerifier(which === 'allow_missing_or_failed', providers);
    case 'requires_any':
    case 'requires_all': {
      const list = isConfigObject(value) ? repeated(value, 'requirements') : [];
      // Envoy's proto rule (PGV min_items: 2).
      if (list.length < 2) problems.push(`${at}.${which}.requirements: value must contain at least 2 item(s)`);
      if (which === 'requires_all') {
        const children = list.map((r, i) => compileRequirement(r, `${at}.requires_all.requirements[${i}]`, providers, problems));
        return (ctx) => {
          for (const child of children) {
            const s = child(ctx);
            if (s !== 'Ok') return s;
          }
          return 'Ok';
        };
      }
      return compileAny(list, `${at}.requires_any.requirements`, providers, problems);
    }
  }
}

/** allow_missing / allow_missing_or_failed on their own: tokens of any provider, the provider found
 *  by the token's issuer (AllowMissingVerifierImpl / AllowFailedVerifierImpl). */
function allowVerifier(failedToo: boolean, providers: Providers): Verifier {
  const extractor = extractorOf(providers.all);
  const options = { allowFailed: failedToo, allowMissing: true };
  return (ctx) => {
    sanitizeHeaders(ctx.req, providers.all);
    return authenticate(ctx, extractor.extract(ctx.req), options, providers.byIssuer, providers.single);
  };
}

/** Envoy's AnyVerifierImpl: the first child that passes decides; when none does, the most telling
 *  failure is kept (any other error over JwtUnknownIssuer over JwtMissed), then allow_missing turns a
 *  JwtMissed into Ok and allow_missing_or_failed anything. */
function compileAny(list: readonly unknown[], at: string, providers: Providers, problems: string[]): Verifier {
  let allowMissing = false;
  let allowFailed = false;
  const children: Verifier[] = [];
  list.forEach((r, i) => {
    const which = isConfigObject(r) ? oneofCase(r, REQUIREMENT_CASES) : undefined;
    if (which === 'allow_missing_or_failed') allowFailed = true;
    else if (which === 'allow_missing') allowMissing = true;
    else children.push(compileRequirement(r, `${at}[${i}]`, providers, problems));
  });
  // A list of only allow_* entries verifies the tokens of every provider.
  if (children.length === 0 && (allowMissing || allowFailed)) children.push(allowVerifier(allowFailed, providers));
  return (ctx) => {
    let final: JwtStatus = 'JwtMissed';
    for (const child of children) {
      const s = child(ctx);
      if (s === 'Ok') return 'Ok';
      if ((s !== 'JwtMissed' && s !== 'JwtUnknownIssuer') || final === 'JwtMissed') final = s;
    }
    if (allowFailed) return 'Ok';
    if (allowMissing && final === 'JwtMissed') return 'Ok';
    return final;
  };
}

/** A rule's RouteMatch: the common `prefix` only (weftd's `/`) is checked on the path directly; other
 *  matches go through the route matcher. */
function compileRuleMatch(match: unknown): (req: JwtRequestView) => boolean {
  const m = isConfigObject(match) ? match : {};
  const keys = Object.keys(m);
  if (keys.length === 1 && typeof m.prefix === 'string') {
    const prefix = m.prefix;
    return prefix === '' ? () => true : (req) => req.path.startsWith(prefix);
  }
  const matcher = compileRouteMatch(m);
  return (req) => matcher(createRouteRequest(req.method, req.authority, req.path, req.headers));
}

const compiled = new WeakMap<object, JwtAuthnCompileResult>();

/**
 * Compiles a JwtAuthentication (the HTTP filter's typed_config). Unsupported features (remote_jwks,
 * filter_state_rules, subjects, require_expiration, max_lifetime), unknown provider names, requirement
 * lists of fewer than two entries and unknown requirement names come back as problems. Memoized per
 * config object, so validation and the listener share one compile (and one token cache).
 */
export function compileJwtAuthn(config: unknown, filterName = 'envoy.filters.http.jwt_authn'): JwtAuthnCompileResult {
  if (!isConfigObject(config)) return { ok: false, problems: ['typed_config: not a message'] };
  const known = compiled.get(config);
  if (known) return known;
  const result = compileUncached(config, filterName);
  compiled.set(config, result);
  return result;
}

function compileUncached(config: ConfigObject, filterName: string): JwtAuthnCompileResult {
  const problems: string[] = [];
  if (field(config, 'filter_state_rules') !== undefined) problems.push('filter_state_rules: not supported by weft-proxy');
  const rawProviders = field(config, 'providers');
  const byName = new Map<string, JwtProvider>();
  if (isConfigObject(rawProviders)) {
    for (const name of Object.keys(rawProviders).sort()) {
      const p = compileProvider(name, rawProviders[name], `providers[${name}]`, problems);
      if (p) byName.set(name, p);
    }
  }
  const all = [...byName.values()];
  const byIssuer = new Map<string, JwtProvider>();
  for (const p of all) if (!byIssuer.has(p.issuer)) byIssuer.set(p.issuer, p);
  const noIssuer = byIssuer.get('');
  const providers: Providers = {
    byName,
    all,
    byIssuer: (issuer) => byIssuer.get(issuer) ?? (issuer !== '' ? noIssuer : undefined),
    single: all.length === 1 ? all[0] : undefined,
  };
  const requirementMap = new Map<string, Verifier>();
  const rawMap = field(config, 'requirement_map');
  if (isConfigObject(rawMap)) for (const name of Object.keys(rawMap)) requirementMap.set(name, compileRequirement(rawMap[name], `requirement_map[${name}]`, providers, problems));
  const rules = repeated(config, 'rules').map((rule, i) => {
    const r = isConfigObject(rule) ? rule : {};
    const at = `rules[${i}]`;
    if (!isConfigObject(field(r, 'match'))) problems.push(`${at}.match: value is required`);
    const match = compileRuleMatch(field(r, 'match'));
    const requirementName = field(r, 'requirement_name');
    let verifier: Verifier | undefined;
    if (typeof requirementName === 'string') {
      verifier = requirementMap.get(requirementName);
      if (!verifier) problems.push(`${at}.requirement_name: Wrong requirement_name: ${requirementName}. It should be one of [${[...requirementMap.keys()].join(',')}]`);
    } else {
      const requires = field(r, 'requires');
      // A rule without a requirement verifies nothing (Envoy: no verifier for the route).
      verifier = requires === undefined ? undefined : compileRequirement(requires, `${at}.requires`, providers, problems);
    }
    return { match, verifier };
  });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    filter: {
      name: filterName,
      bypassCorsPreflight: bool(field(config, 'bypass_cors_preflight')),
      stripFailureResponse: bool(field(config, 'strip_failure_response')),
      verifierFor(req) {
        for (const rule of rules) if (rule.match(req)) return rule.verifier;
        return undefined;
      },
    },
  };
}
