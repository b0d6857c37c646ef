// One Istio HTTPMatchRequest → one Envoy RouteMatch (Istio TranslateRouteMatch), plus the static
// checks decided at generation time: does a match apply to this proxy and listener port, and is a
// route a catch-all.

import type { HTTPMatchRequest } from '@weft/shared';
import { routingClaimPath, toJwtClaimMatcher } from './route-jwt-claim-match.js';
import { toHeaderMatcher, toQueryParameterMatcher, toWithoutHeaderMatcher, type EnvoyHeaderMatcher, type EnvoyQueryParameterMatcher } from './route-string-match.js';

/** envoy.config.route.v3.RouteMatch (the subset Weft produces). */
export interface EnvoyRouteMatch {
  readonly prefix?: string;
  readonly path?: string;
  readonly safe_regex?: { readonly regex: string };
  readonly case_sensitive?: { readonly value: boolean };
  readonly headers?: readonly EnvoyHeaderMatcher[];
  readonly query_parameters?: readonly EnvoyQueryParameterMatcher[];
  readonly dynamic_metadata?: readonly Record<string, unknown>[];
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Translates a match. No match (an HTTPRoute without `match`) is the catch-all prefix `/`. Header
 * matchers come sorted by name (Istio sorts them for stable output), then `:method`, `:authority`,
 * `:scheme`; `case_sensitive` is set on every translated match (false with `ignoreUriCase`).
 * Headers named `@request.auth.claims…` become dynamic metadata matchers on the JWT payload.
 */
export function translateRouteMatch(match: HTTPMatchRequest | undefined): EnvoyRouteMatch {
  if (match === undefined) return { prefix: '/' };
  const headers: EnvoyHeaderMatcher[] = [];
  const metadata: Record<string, unknown>[] = [];
  for (const [name, m] of Object.entries(match.headers ?? {})) {
    const claims = routingClaimPath(name);
    if (claims) metadata.push(toJwtClaimMatcher(claims, m));
    else headers.push(toHeaderMatcher(name, m));
  }
  for (const [name, m] of Object.entries(match.withoutHeaders ?? {})) {
    const claims = routingClaimPath(name);
    if (claims) metadata.push(toJwtClaimMatcher(claims, m, true));
    else headers.push(toWithoutHeaderMatcher(name, m));
  }
  headers.sort(byName);
  if (match.method) headers.push(toHeaderMatcher(':method', match.method));
  if (match.authority) headers.push(toHeaderMatcher(':authority', match.authority));
  if (match.scheme) headers.push(toHeaderMatcher(':scheme', match.scheme));
  const query = Object.entries(match.queryParams ?? {}).map(([name, m]) => toQueryParameterMatcher(name, m));

  const uri = match.uri;
  const path: Pick<EnvoyRouteMatch, 'prefix' | 'path' | 'safe_regex'> =
    uri?.exact !== undefined ? { path: uri.exact } : uri?.prefix !== undefined ? { prefix: uri.prefix } : uri?.regex !== undefined ? { safe_regex: { regex: uri.regex } } : { prefix: '/' };
  return {
    ...path,
    case_sensitive: { value: !match.ignoreUriCase },
    ...(headers.length > 0 ? { headers } : {}),
    ...(query.length > 0 ? { query_parameters: query } : {}),
    ...(metadata.length > 0 ? { dynamic_metadata: metadata } : {}),
  };
}

/**
 * Whether a route matches every request (Istio IsCatchAllRoute): prefix `/` or regex `.*`, and no
 * header, query or metadata condition. Routes after a catch-all can never match, so Istio stops there.
 */
export function isCatchAllMatch(m: EnvoyRouteMatch): boolean {
  const pathAll = m.prefix === '/' || m.safe_regex?.regex === '.*';
  return pathAll && !m.headers?.length && !m.query_parameters?.length && !m.dynamic_metadata?.length;
}

/** Whether every label in `selector` is among `labels` (Istio labels.Instance.SubsetOf). */
export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** Who the routes are generated for: the statically known half of a match. */
export interface RouteSource {
  /** Gateway names the routes are built for (`mesh` for sidecars). */
  readonly gateways: ReadonlySet<string>;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
}

/**
 * Whether a match applies to this proxy on this listener port (Istio translateRoute + sourceMatchHTTP):
 * `port` must equal the listener port when set; `gateways` on the match, when set, replace the
 * source checks; otherwise `sourceLabels` must be a subset of the proxy's labels and
 * `sourceNamespace` its namespace.
 */
export function matchAppliesTo(match: HTTPMatchRequest | undefined, source: RouteSource, listenPort: number): boolean {
  if (match === undefined) return true;
  if (match.port !== undefined && match.port !== 0 && match.port !== listenPort) return false;
  if (match.gateways && match.gateways.length > 0) return match.gateways.some((g) => source.gateways.has(g));
  if (!labelsMatch(match.sourceLabels, source.labels)) return false;
  return !match.sourceNamespace || match.sourceNamespace === source.namespace;
}
