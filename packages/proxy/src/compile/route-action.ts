// Compiles what a matched route does: forward to a cluster or weighted clusters (with prefix and host
// rewrites, timeout, retries), redirect, or answer directly. Weighted clusters get their cumulative
// weights here so a request draws one random number.

import { cumulativeWeights, weightedIndex } from '../balancer/lb-random.js';
import { durationMs } from './duration.js';
import { compileHashPolicy, type RequestHasher } from './hash-policy.js';
import { compileHeaderMutation, type HeaderMutation } from './header-mutation.js';
import { compileRetryPolicy, type RetryPolicy } from './retry-policy.js';

type Obj = Readonly<Record<string, unknown>>;

/** One cluster a route may send to, with the header edits of its weighted_clusters entry. */
export interface ClusterChoice {
  readonly cluster: string;
  readonly weight: number;
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
}

/** Envoy's default route timeout when the route does not set one. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/** Forwarding to one of `choices`. */
export interface ForwardAction {
  readonly kind: 'forward';
  readonly choices: readonly ClusterChoice[];
  /** Draws a choice from a random number in [0, 1). */
  pick(random: number): ClusterChoice;
  readonly prefixRewrite: string | undefined;
  /** The route's `match.prefix`, which prefix_rewrite replaces. */
  readonly matchedPrefix: string | undefined;
  readonly hostRewrite: string | undefined;
  /** 0 disables the timeout (Istio's default `0s`); unset is Envoy's 15 s. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | undefined;
  /** The route's hash_policy: the request's hash for ring hash and maglev clusters (pass it as
   *  PickContext.hash); undefined when the route has none. See {@link RequestHasher}. */
  readonly hashPolicy?: RequestHasher;
  /** request_mirror_policies: clusters that get a shadow copy of the request, each with the fraction
   *  of requests mirrored (Istio's mirror / mirrorPercentage / mirrors). Empty when none. */
  readonly mirrors: readonly MirrorPolicy[];
}

/** One request_mirror_policies entry. */
export interface MirrorPolicy {
  readonly cluster: string;
  /** In [0, 1]: runtime_fraction.default_value (100% when unset, as Envoy). */
  readonly fraction: number;
}

const FRACTION_DENOMINATORS: Readonly<Record<string, number>> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

function compileMirrors(policies: unknown): MirrorPolicy[] {
  if (!Array.isArray(policies)) return [];
  const out: MirrorPolicy[] = [];
  for (const p of policies as Obj[]) {
    if (!p || typeof p.cluster !== 'string' || p.cluster === '') continue;
    const f = (p.runtime_fraction as { default_value?: { numerator?: unknown; denominator?: unknown } } | undefined)?.default_value;
    const fraction = f === undefined ? 1 : Math.min(1, Number(f.numerator ?? 0) / (FRACTION_DENOMINATORS[typeof f.denominator === 'string' ? f.denominator : 'HUNDRED'] ?? 100));
    if (fraction > 0) out.push(Object.freeze({ cluster: p.cluster, fraction }));
  }
  return out;
}

/** An HTTP redirect; `location` builds the Location header for a request. */
export interface RedirectAction {
  readonly kind: 'redirect';
  readonly status: number;
  location(authority: string, path: string): string;
}

/** A direct response. */
export interface DirectAction {
  readonly kind: 'direct';
  readonly status: number;
  readonly body: string;
}

export type RouteAction = ForwardAction | RedirectAction | DirectAction;

const REDIRECT_CODES: Readonly<Record<string, number>> = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };

function compileForward(action: Obj, match: Obj): ForwardAction | undefined {
  let choices: ClusterChoice[];
  if (typeof action.cluster === 'string') {
    choices = [{ cluster: action.cluster, weight: 1, requestHeaders: compileHeaderMutation(undefined, undefined), responseHeaders: compileHeaderMutation(undefined, undefined) }];
  } else {
    const list = ((action.weighted_clusters as Obj | undefined)?.clusters ?? []) as Obj[];
    choices = list
      .map((c) => ({
        cluster: String(c.name ?? ''),
        weight: Number((c.weight as { value?: unknown } | undefined)?.value ?? 0),
        requestHeaders: compileHeaderMutation(c.request_headers_to_add, c.request_headers_to_remove),
        responseHeaders: compileHeaderMutation(c.response_headers_to_add, c.response_headers_to_remove),
      }))
      .filter((c) => c.cluster !== '' && c.weight > 0);
  }
  const first = choices[0];
  if (!first) return undefined;
  const cumulative = cumulativeWeights(choices.map((c) => c.weight));
  const total = cumulative[cumulative.length - 1] ?? 1;
  const timeout = durationMs(action.timeout);
  const hashPolicy = compileHashPolicy(action.hash_policy);
  return Object.freeze({
    kind: 'forward',
    choices: Object.freeze(choices),
    pick: choices.length === 1 ? () => first : (random: number) => choices[weightedIndex(cumulative, random * total)] ?? first,
    prefixRewrite: typeof action.prefix_rewrite === 'string' ? action.prefix_rewrite : undefined,
    matchedPrefix: typeof match.prefix === 'string' ? match.prefix : undefined,
    hostRewrite: typeof action.host_rewrite_literal === 'string' && action.host_rewrite_literal !== '' ? action.host_rewrite_literal : undefined,
    timeoutMs: timeout ?? DEFAULT_ROUTE_TIMEOUT_MS,
    retry: compileRetryPolicy(action.retry_policy),
    mirrors: Object.freeze(compileMirrors(action.request_mirror_policies)),
    ...(hashPolicy ? { hashPolicy } : {}),
  });
}

function compileRedirect(r: Obj, match: Obj): RedirectAction {
  const scheme = r.https_redirect === true ? 'https' : typeof r.scheme_redirect === 'string' ? r.scheme_redirect : 'http';
  const host = typeof r.host_redirect === 'string' && r.host_redirect !== '' ? r.host_redirect : undefined;
  const port = typeof r.port_redirect === 'number' && r.port_redirect > 0 ? r.port_redirect : undefined;
  const path = typeof r.path_redirect === 'string' && r.path_redirect !== '' ? r.path_redirect : undefined;
  const prefixRewrite = typeof r.prefix_rewrite === 'string' ? r.prefix_rewrite : undefined;
  const matchedPrefix = typeof match.prefix === 'string' ? match.prefix : '';
  const stripQuery = r.strip_query === true;
  const status = REDIRECT_CODES[typeof r.response_code === 'string' ? r.response_code : 'MOVED_PERMANENTLY'] ?? 301;
  return Object.freeze({
    kind: 'redirect',
    status,
    location(authority: string, fullPath: string): string {
      const q = fullPath.indexOf('?');
      const query = q < 0 || stripQuery ? '' : fullPath.slice(q);
      const pathOnly = q < 0 ? fullPath : fullPath.slice(0, q);
      const newPath = path ?? (prefixRewrite !== undefined ? prefixRewrite + pathOnly.slice(matchedPrefix.length) : pathOnly);
      let hostPort = host ?? authority;
      if (port !== undefined) hostPort = `${hostPort.replace(/:\d+$/, '')}:${port}`;
      // A path_redirect with its own query replaces the request's.
      return `${scheme}://${hostPort}${newPath}${newPath.includes('?') ? '' : query}`;
    },
  });
}

/** Compiles a route's action, or undefined for one weft-proxy cannot serve (filter_action, a route
 *  with no usable cluster): such routes are dropped at compile time and never match. */
export function compileRouteAction(route: Obj): RouteAction | undefined {
  const match = (route.match ?? {}) as Obj;
  if (route.route && typeof route.route === 'object') return compileForward(route.route as Obj, match);
  if (route.redirect && typeof route.redirect === 'object') return compileRedirect(route.redirect as Obj, match);
  if (route.direct_response && typeof route.direct_response === 'object') {
    const d = route.direct_response as { status?: unknown; body?: { inline_string?: unknown; inline_bytes?: unknown } };
    const bytes = d.body?.inline_bytes;
    const body = typeof d.body?.inline_string === 'string' ? d.body.inline_string : typeof bytes === 'string' ? Buffer.from(bytes, 'base64').toString('utf8') : '';
    return Object.freeze({ kind: 'direct', status: Number(d.status ?? 200), body });
  }
  return undefined;
}
