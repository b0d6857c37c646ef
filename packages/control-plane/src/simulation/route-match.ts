// Route selection inside a virtual host (config.route.v3.RouteMatch): the first route whose path
// specifier and every other criterion match wins. What the matched route then does is route-action.ts.

import { unwrap, type Route, type RouteMatch, type VirtualHost } from './envoy-shapes.js';
import { matchHeader, matchQueryParameter } from './header-match.js';
import { InvalidEnvoyConfig, regexFullMatch } from './string-match.js';
import type { TlsMode } from './request.js';

/** Raised for valid Envoy config the simulator does not model (turned into an `unsupported` result). */
export class UnsupportedEnvoyConfig extends Error {
  override readonly name = 'UnsupportedEnvoyConfig';
}

/** What route matching sees of the request, after the HCM's path normalisation. */
export interface RouteMatchInput {
  /** :path, query string included. */
  readonly path: string;
  readonly method: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly query: ReadonlyMap<string, string>;
  readonly tls: TlsMode;
}

/** The winning route, its index in the virtual host, and the part of the path its specifier matched
 *  (what prefix_rewrite replaces). */
export interface RouteMatchResult {
  readonly route: Route;
  readonly index: number;
  readonly matchedPath: string;
}

/** `/a/b?x=1#f` → `/a/b` (Envoy's PathUtil::removeQueryAndFragment: path matchers never see the query). */
export function pathOnly(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/** The path part the specifier matched, or undefined when it does not match. `case_sensitive`
 *  (default true) applies to prefix, path and path_separated_prefix, never to safe_regex. */
function matchPathSpecifier(m: RouteMatch, input: RouteMatchInput): string | undefined {
  const path = pathOnly(input.path);
  const caseSensitive = unwrap(m.case_sensitive) ?? true;
  const fold = (s: string): string => (caseSensitive ? s : s.toLowerCase());
  if (m.prefix !== undefined) return fold(path).startsWith(fold(m.prefix)) ? m.prefix : undefined;
  if (m.path !== undefined) return fold(path) === fold(m.path) ? m.path : undefined;
  if (m.safe_regex !== undefined) {
    if (m.safe_regex.regex === undefined) throw new InvalidEnvoyConfig('route safe_regex without a regex');
    return regexFullMatch(m.safe_regex.regex, path) ? path : undefined;
  }
  if (m.path_separated_prefix !== undefined) {
    // "The prefix must match the beginning of the :path header, and the next character must be '/' or
    //  the end of the path" (RouteMatch.path_separated_prefix). Query and fragment are not part of it.
    const p = fold(m.path_separated_prefix);
    const f = fold(path);
    return f === p || f.startsWith(`${p}/`) ? m.path_separated_prefix : undefined;
  }
  if (m.connect_matcher !== undefined) return input.method === 'CONNECT' ? path : undefined;
  if (m.path_match_policy !== undefined) throw new UnsupportedEnvoyConfig(`route path_match_policy ${String(m.path_match_policy['@type'])}`);
  throw new InvalidEnvoyConfig('RouteMatch has no path specifier (prefix, path, safe_regex, path_separated_prefix, connect_matcher)');
}

/** Whether one route's match criteria accept the request. Criteria are ANDed (RouteMatch). Notes about
 *  criteria the simulator cannot evaluate faithfully are appended to `notes`. */
export function matchRouteCriteria(m: RouteMatch, input: RouteMatchInput, notes: string[]): string | undefined {
  const matchedPath = matchPathSpecifier(m, input);
  if (matchedPath === undefined) return undefined;
  if (!(m.headers ?? []).every((h) => matchHeader(h, input.headers))) return undefined;
  if (!(m.query_parameters ?? []).every((q) => matchQueryParameter(q, input.query))) return undefined;
  // RouteMatch.grpc: "only match requests with the gRPC content-type header".
  if (m.grpc !== undefined && !(input.headers.get('content-type') ?? '').startsWith('application/grpc')) return undefined;
  if (m.tls_context !== undefined) {
    const hasCert = input.tls === 'mtls';
    const presented = unwrap(m.tls_context.presented);
    const validated = unwrap(m.tls_context.validated);
    if (presented !== undefined && presented !== hasCert) return undefined;
    if (validated !== undefined && validated !== hasCert) return undefined;
  }
  if (m.dynamic_metadata !== undefined && m.dynamic_metadata.length > 0) throw new UnsupportedEnvoyConfig('route match on dynamic_metadata');
  if (m.runtime_fraction !== undefined) {
    const d = m.runtime_fraction.default_value;
    notes.push(`runtime_fraction ${d?.numerator ?? 0}/${d?.denominator ?? 'HUNDRED'} ignored: treated as matching`);
  }
  return matchedPath;
}

/** The first route of `vh` that matches (VirtualHost.routes: "The list of routes that will be matched,
 *  in order, for incoming requests. The first route that matches will be used."). */
export function matchRoute(vh: VirtualHost, input: RouteMatchInput, notes: string[]): RouteMatchResult | undefined {
  const routes = vh.routes ?? [];
  for (const [index, route] of routes.entries()) {
    const local: string[] = [];
    const matchedPath = matchRouteCriteria(route.match ?? {}, input, local);
    if (matchedPath !== undefined) {
      notes.push(...local);
      return { route, index, matchedPath };
    }
  }
  return undefined;
}
