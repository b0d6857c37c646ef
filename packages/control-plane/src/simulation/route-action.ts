// What a matched route does (config.route.v3.Route action): forward to a cluster / weighted clusters /
// a cluster named by a header, redirect, or respond directly; plus the route settings a test wants to
// see (rewrites, timeout, retries, mirrors, per-filter config such as fault and CORS, header mutations).

import {
  unwrap,
  type ClusterWeight,
  type Duration,
  type HeaderMutations,
  type HeaderValueOption,
  type RedirectAction,
  type Route,
  type RouteConfiguration,
  type TypedConfig,
  type VirtualHost,
} from './envoy-shapes.js';
import { hostWithoutPort } from './request.js';
import { pathOnly } from './route-match.js';
import { regexReplaceAll } from './string-match.js';
import type { WeightedClusterCandidate } from './weighted-clusters.js';

/** A weighted cluster with what applies only when it is the one picked. */
export interface WeightedClusterResult extends WeightedClusterCandidate {
  readonly requestHeadersToAdd: readonly HeaderAddition[];
  readonly requestHeadersToRemove: readonly string[];
  readonly typedPerFilterConfig?: Readonly<Record<string, TypedConfig>>;
}

/** One header addition, with the level that configured it (Envoy evaluates weighted cluster, then route,
 *  then virtual host, then route configuration; later ones win on overwrite by default). */
export interface HeaderAddition {
  readonly key: string;
  readonly value: string;
  /** HeaderValueOption.append_action, with the legacy `append` bool folded in. */
  readonly appendAction: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
  readonly level: 'weighted-cluster' | 'route' | 'virtual-host' | 'route-config';
}

/** A redirect response: its status and the Location Envoy would send. */
export interface RedirectResult {
  readonly status: number;
  readonly location: string;
}

/** A direct response: status and inline body (a `filename` body is reported by name). */
export interface DirectResponseResult {
  readonly status: number;
  readonly body?: string;
  readonly bodyFile?: string;
}

/** Everything the route's action and settings say about the request. */
export interface RouteOutcome {
  readonly cluster?: string;
  readonly clusterHeader?: string;
  readonly weightedClusters?: readonly WeightedClusterResult[];
  readonly redirect?: RedirectResult;
  readonly directResponse?: DirectResponseResult;
  readonly nonForwarding?: boolean;
  /** :path sent upstream when a prefix_rewrite / regex_rewrite applies. */
  readonly rewrittenPath?: string;
  /** :authority sent upstream when host_rewrite_literal / host_rewrite_header applies. */
  readonly rewrittenHost?: string;
  readonly autoHostRewrite?: boolean;
  readonly timeout?: Duration;
  /** Effective upstream timeout in ms: RouteAction.timeout, 15000 when unset (Envoy's default), 0 = disabled. */
  readonly timeoutMs?: number;
  /** RouteAction.retry_policy, else the virtual host's (Envoy: "route specific policy wins"). */
  readonly retryPolicy?: object;
  readonly requestMirrorPolicies?: readonly object[];
  readonly hashPolicy?: readonly object[];
  /** typed_per_filter_config merged most-specific-wins: route over virtual host over route configuration. */
  readonly typedPerFilterConfig: Readonly<Record<string, TypedConfig>>;
  /** The fault filter's per-route config (HTTPFault), when present. */
  readonly fault?: TypedConfig;
  /** The CORS filter's per-route config (CorsPolicy), when present. */
  readonly cors?: TypedConfig;
  readonly requestHeadersToAdd: readonly HeaderAddition[];
  readonly requestHeadersToRemove: readonly string[];
  readonly responseHeadersToAdd: readonly HeaderAddition[];
  readonly responseHeadersToRemove: readonly string[];
  /** Request headers after route / virtual host / route configuration mutations and rewrites (weighted
   *  cluster mutations excluded: they depend on the pick). Pseudo-headers included. */
  readonly upstreamHeaders?: Readonly<Record<string, string>>;
}

/** The request as the route action needs it. */
export interface ActionInput {
  readonly path: string;
  readonly host: string;
  readonly scheme: string;
  readonly headers: ReadonlyMap<string, string>;
}

const REDIRECT_CODES: Readonly<Record<string, number>> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};
const REDIRECT_CODE_BY_NUMBER = [301, 302, 303, 307, 308];

const FAULT = { name: 'envoy.filters.http.fault', message: 'envoy.extensions.filters.http.fault.v3.HTTPFault' };
const CORS = { name: 'envoy.filters.http.cors', message: 'envoy.extensions.filters.http.cors.v3.CorsPolicy' };

/** The per-filter config for a filter, found by its canonical name or by its config's message type. */
function perFilter(configs: Readonly<Record<string, TypedConfig>>, filter: { name: string; message: string }): TypedConfig | undefined {
  if (configs[filter.name]) return configs[filter.name];
  return Object.values(configs).find((c) => typeof c['@type'] === 'string' && c['@type'].endsWith(`/${filter.message}`));
}

function durationMs(d: Duration): number {
  return Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6);
}

function appendActionOf(h: HeaderValueOption): HeaderAddition['appendAction'] {
  const legacy = unwrap(h.append);
  if (legacy !== undefined) return legacy ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  const a = h.append_action;
  return a === 'ADD_IF_ABSENT' || a === 'OVERWRITE_IF_EXISTS_OR_ADD' || a === 'OVERWRITE_IF_EXISTS' ? a : 'APPEND_IF_EXISTS_OR_ADD';
}

function additions(list: readonly HeaderValueOption[] | undefined, level: HeaderAddition['level']): HeaderAddition[] {
  return (list ?? []).map((h) => ({ key: (h.header?.key ?? '').toLowerCase(), value: h.header?.value ?? '', appendAction: appendActionOf(h), level }));
}

/** HeaderParser::evaluateHeaders: removals first ("remove-before-add"), then additions in order. Empty
 *  values are skipped unless keep_empty_value, as Envoy does; formatter values (`%...%`) stay literal. */
function applyMutations(headers: Map<string, string>, remove: readonly string[], add: readonly HeaderAddition[]): void {
  for (const name of remove) headers.delete(name.toLowerCase());
  for (const h of add) {
    if (h.value === '') continue;
    const prev = headers.get(h.key);
    switch (h.appendAction) {
      case 'APPEND_IF_EXISTS_OR_ADD':
        headers.set(h.key, prev === undefined ? h.value : `${prev},${h.value}`);
        break;
      case 'ADD_IF_ABSENT':
        if (prev === undefined) headers.set(h.key, h.value);
        break;
      case 'OVERWRITE_IF_EXISTS':
        if (prev !== undefined) headers.set(h.key, h.value);
        break;
      case 'OVERWRITE_IF_EXISTS_OR_ADD':
        headers.set(h.key, h.value);
        break;
    }
  }
}

interface Level {
  readonly level: HeaderAddition['level'];
  readonly source: HeaderMutations;
}

/** RouteEntryImplBase::finalizePathHeader for prefix_rewrite / regex_rewrite: prefix_rewrite swaps the
 *  matched prefix (or the whole path for path and regex routes); regex_rewrite substitutes over the path
 *  without its query. The query string is kept either way. Undefined when no rewrite is configured. */
export function rewritePath(
  path: string,
  matchedPath: string,
  prefixRewrite: string | undefined,
  regex: { readonly pattern?: { readonly regex?: string }; readonly substitution?: string } | undefined,
): string | undefined {
  if (prefixRewrite) return prefixRewrite + path.slice(matchedPath.length);
  if (regex?.pattern?.regex !== undefined) {
    const only = pathOnly(path);
    return regexReplaceAll(regex.pattern.regex, only, regex.substitution ?? '') + path.slice(only.length);
  }
  return undefined;
}

/** Http::Utility::newUri: the Location of a redirect. Scheme: scheme_redirect, else https when
 *  https_redirect, else the request's. Host: host_redirect (the request's port is dropped unless
 *  port_redirect is set), else the request host, whose port is removed when port_redirect is set, or when
 *  the scheme changes and the port is the old scheme's default (`:80` for http, `:443` for https). Path:
 *  path_redirect (keeping the request query unless path_redirect has one), else the prefix/regex rewrite of
 *  the request path, else the request path; strip_query drops the query unless path_redirect set one. */
export function redirectLocation(r: RedirectAction, input: ActionInput, matchedPath: string): RedirectResult {
  const code = r.response_code;
  const status = typeof code === 'number' ? (REDIRECT_CODE_BY_NUMBER[code] ?? 301) : (REDIRECT_CODES[code ?? 'MOVED_PERMANENTLY'] ?? 301);
  const scheme = r.scheme_redirect || (r.https_redirect === true ? 'https' : input.scheme);
  const port = r.port_redirect ? `:${r.port_redirect}` : '';
  let host: string;
  if (r.host_redirect) {
    host = r.host_redirect;
  } else {
    const bare = hostWithoutPort(input.host);
    const requestPort = input.host.slice(bare.length);
    let removePort = port !== '';
    if (scheme !== input.scheme) {
      removePort ||= (input.scheme === 'https' && requestPort === ':443') || (input.scheme === 'http' && requestPort === ':80');
    }
    host = removePort ? bare : input.host;
  }
  const query = input.path.slice(pathOnly(input.path).length);
  let path: string;
  const pathRedirectHasQuery = r.path_redirect !== undefined && r.path_redirect.includes('?');
  if (r.path_redirect) {
    path = pathRedirectHasQuery ? r.path_redirect : r.path_redirect + query;
  } else {
    path = rewritePath(input.path, matchedPath, r.prefix_rewrite, r.regex_rewrite) ?? input.path;
  }
  if (!path.startsWith('/')) path = `/${path}`;
  const q = path.indexOf('?');
  if (!pathRedirectHasQuery && r.strip_query === true && q !== -1) path = path.slice(0, q);
  return { status, location: `${scheme}://${host}${port}${path}` };
}

function decodeBody(body: NonNullable<Route['direct_response']>['body']): Pick<DirectResponseResult, 'body' | 'bodyFile'> {
  if (!body) return {};
  if (body.inline_string !== undefined) return { body: body.inline_string };
  if (body.inline_bytes !== undefined) {
    const bytes = typeof body.inline_bytes === 'string' ? Uint8Array.from(atob(body.inline_bytes), (c) => c.charCodeAt(0)) : body.inline_bytes;
    return { body: new TextDecoder().decode(bytes) };
  }
  return body.filename !== undefined ? { bodyFile: body.filename } : {};
}

function weightedResult(c: ClusterWeight): WeightedClusterResult {
  return {
    name: c.name ?? '',
    weight: unwrap(c.weight) ?? 0,
    requestHeadersToAdd: additions(c.request_headers_to_add, 'weighted-cluster'),
    requestHeadersToRemove: c.request_headers_to_remove ?? [],
    ...(c.typed_per_filter_config ? { typedPerFilterConfig: c.typed_per_filter_config } : {}),
  };
}

/** Resolves the matched route's action and settings. `matchedPath` is what the route's path specifier
 *  matched (route-match.ts). */
export function resolveRouteAction(route: Route, vh: VirtualHost, rc: RouteConfiguration, matchedPath: string, input: ActionInput): RouteOutcome {
  // Most specific first for lookups (route > virtual host > route configuration); evaluation order for
  // header mutations is the same (Envoy's default, most_specific_header_mutations_wins = false, lets the
  // later, less specific level win on overwrite).
  const levels: readonly Level[] = [
    { level: 'route', source: route },
    { level: 'virtual-host', source: vh },
    { level: 'route-config', source: rc },
  ];
  const typedPerFilterConfig: Record<string, TypedConfig> = {
    ...rc.typed_per_filter_config,
    ...vh.typed_per_filter_config,
    ...route.typed_per_filter_config,
  };
  const requestHeadersToAdd = levels.flatMap((l) => additions(l.source.request_headers_to_add, l.level));
  const requestHeadersToRemove = levels.flatMap((l) => l.source.request_headers_to_remove ?? []);
  const fault = perFilter(typedPerFilterConfig, FAULT);
  const cors = perFilter(typedPerFilterConfig, CORS);
  const common = {
    typedPerFilterConfig,
    ...(fault ? { fault } : {}),
    ...(cors ? { cors } : {}),
    requestHeadersToAdd,
    requestHeadersToRemove,
    responseHeadersToAdd: levels.flatMap((l) => additions(l.source.response_headers_to_add, l.level)),
    responseHeadersToRemove: levels.flatMap((l) => l.source.response_headers_to_remove ?? []),
  };

  if (route.redirect) return { ...common, redirect: redirectLocation(route.redirect, input, matchedPath) };
  if (route.direct_response) return { ...common, directResponse: { status: route.direct_response.status ?? 200, ...decodeBody(route.direct_response.body) } };
  const action = route.route;
  if (!action) return { ...common, nonForwarding: true };

  const rewrittenPath = rewritePath(input.path, matchedPath, action.prefix_rewrite, action.regex_rewrite);
  const headerHost = action.host_rewrite_header ? input.headers.get(action.host_rewrite_header.toLowerCase()) : undefined;
  const rewrittenHost = action.host_rewrite_literal || headerHost || undefined;
  const upstream = new Map(input.headers);
  for (const l of levels) applyMutations(upstream, l.source.request_headers_to_remove ?? [], additions(l.source.request_headers_to_add, l.level));
  if (rewrittenHost !== undefined) upstream.set(':authority', rewrittenHost);
  if (rewrittenPath !== undefined) upstream.set(':path', rewrittenPath);
  const retryPolicy = action.retry_policy ?? vh.retry_policy;
  return {
    ...common,
    ...(action.cluster ? { cluster: action.cluster } : {}),
    ...(action.cluster_header ? { clusterHeader: action.cluster_header } : {}),
    ...(action.weighted_clusters ? { weightedClusters: (action.weighted_clusters.clusters ?? []).map(weightedResult) } : {}),
    ...(rewrittenPath !== undefined ? { rewrittenPath } : {}),
    ...(rewrittenHost !== undefined ? { rewrittenHost } : {}),
    ...(unwrap(action.auto_host_rewrite) === true ? { autoHostRewrite: true } : {}),
    ...(action.timeout ? { timeout: action.timeout } : {}),
    // RouteAction.timeout: "If not specified, the default is 15s."
    timeoutMs: action.timeout ? durationMs(action.timeout) : 15_000,
    ...(retryPolicy ? { retryPolicy } : {}),
    ...(action.request_mirror_policies?.length ? { requestMirrorPolicies: action.request_mirror_policies } : {}),
    ...(action.hash_policy?.length ? { hashPolicy: action.hash_policy } : {}),
    upstreamHeaders: Object.fromEntries(upstream),
  };
}
