// VirtualService HTTP routes → Envoy Routes for one listener port (Istio route.go:
// BuildHTTPRoutesForVirtualService, translateRoute, applyHTTPRouteDestination), and the default
// route of a service no VirtualService covers. Pure: every lookup comes in through the context.

import type { Destination, HTTPMatchRequest, HTTPRoute, HTTPRouteDestination, VirtualServiceSpec } from '@weft/shared';
import type { MeshService } from '../registry/model.js';
import { virtualServiceMetadata } from './route-config-metadata.js';
import { translateCorsPolicy } from './route-cors.js';
import { outboundClusterName } from './cluster-names.js';
import { destinationClusterName } from './route-destination.js';
import { translateDirectResponse } from './route-direct-response.js';
import { toEnvoyDuration, ZERO_DURATION, type EnvoyDuration } from './route-duration.js';
import { translateFault } from './route-fault.js';
import { headerFields, translateHeaderOperations } from './route-headers.js';
import { isCatchAllMatch, matchAppliesTo, translateRouteMatch, type EnvoyRouteMatch, type RouteSource } from './route-match.js';
import { translateMirrors } from './route-mirror.js';
import { translateRedirect } from './route-redirect.js';
import { convertRetryPolicy } from './route-retry.js';

/** An Envoy route (envoy.config.route.v3.Route) as a plain object. */
export type EnvoyRoute = Readonly<Record<string, unknown>> & { readonly match: EnvoyRouteMatch };

/** A route hash policy (envoy.config.route.v3.RouteAction.HashPolicy). */
export type EnvoyHashPolicy = Readonly<Record<string, unknown>>;

/** What translating routes needs to know beyond the VirtualService itself. */
export interface HttpRouteContext {
  /** The port of the route configuration being built (`9080`). */
  readonly listenPort: number;
  /** The proxy the routes are for, and the gateway names that stand for it (`mesh`). */
  readonly source: RouteSource;
  /** The registry service of a FQDN as the proxy sees it (for a destination's default port). */
  readonly serviceOf: (host: string) => MeshService | undefined;
  /** The hash policy of a destination from its DestinationRule's consistentHash, if any. */
  readonly hashPolicyOf?: (destination: Destination) => EnvoyHashPolicy | undefined;
}

/** The VirtualService being translated: identity (for metadata) and spec with FQDN hosts. */
export interface VirtualServiceInput {
  readonly name: string;
  readonly namespace: string;
  readonly spec: VirtualServiceSpec;
}

/** Istio's name for the route generated when no VirtualService applies. */
export const DEFAULT_ROUTE_NAME = 'default';

/** Trace operation of a route (Istio GetRouteOperation): `host:port/path*` for a single cluster,
 *  else `<vs name>:<port>/path*`. */
function routeOperation(match: EnvoyRouteMatch, cluster: string | undefined, vsName: string, port: number): string {
  const path = match.prefix !== undefined ? `${match.prefix}*` : match.path !== undefined ? match.path : match.safe_regex ? match.safe_regex.regex : '/*';
  const parts = cluster?.split('|');
  if (parts && parts.length === 4 && parts[0] === 'outbound') return `${parts[3]}:${parts[1]}${path}`;
  return `${vsName}:${port}${path}`;
}

/** Route timeout fields (Istio setTimeout): `timeout` (0 = disabled, Istio's default) and the
 *  deprecated max_grpc_timeout, which Istio still sets so grpc-timeout headers are honoured. */
function timeoutFields(timeout: string | undefined): { timeout: EnvoyDuration; max_grpc_timeout: EnvoyDuration } {
  const t = toEnvoyDuration(timeout) ?? ZERO_DURATION;
  return { timeout: t, max_grpc_timeout: t };
}

/** The forwarding action of a route, or undefined when it has no destination to forward to. */
function routeAction(http: HTTPRoute, ctx: HttpRouteContext, authorityFromHeaders: string, extraHeaders: Record<string, unknown[]>): Record<string, unknown> | undefined {
  const destinations = http.route ?? [];
  if (destinations.length === 0) return undefined;
  const clusterOf = (d: Destination): string => destinationClusterName(d, ctx.serviceOf(d.host), ctx.listenPort);
  const action: Record<string, unknown> = { ...timeoutFields(http.timeout) };

  let authority = authorityFromHeaders;
  if (http.rewrite) {
    const rx = http.rewrite.uriRegexRewrite;
    if (rx?.match !== undefined) action.regex_rewrite = { pattern: { regex: rx.match }, substitution: rx.rewrite ?? '' };
    else if (http.rewrite.uri) action.prefix_rewrite = http.rewrite.uri;
    if (http.rewrite.authority) authority = http.rewrite.authority;
  }
  if (authority) action.host_rewrite_literal = authority;

  const mirrors = translateMirrors(http, clusterOf);
  if (mirrors.length > 0) action.request_mirror_policies = mirrors;

  const hashPolicies: EnvoyHashPolicy[] = [];
  const addHash = (d: Destination): void => {
    const h = ctx.hashPolicyOf?.(d);
    if (h) hashPolicies.push(h);
  };
  let consistentHash = false;
  const single = destinations.length === 1 ? destinations[0] : undefined;
  if (single) {
    action.cluster = clusterOf(single.destination);
    if (single.headers) {
      const ops = translateHeaderOperations(single.headers);
      // Per-destination headers go after the route's own, so a destination `set` wins (Istio).
      for (const [k, v] of Object.entries(headerFields(ops))) extraHeaders[k] = [...(extraHeaders[k] ?? []), ...(v as unknown[])];
      if (ops.authority && action.host_rewrite_literal === undefined) action.host_rewrite_literal = ops.authority;
    }
    addHash(single.destination);
    consistentHash = hashPolicies.length > 0;
  } else {
    const clusters = destinations
      .filter((d: HTTPRouteDestination) => (d.weight ?? 0) > 0)
      .map((d) => {
        const weight: Record<string, unknown> = { name: clusterOf(d.destination), weight: { value: d.weight } };
        if (d.headers) {
          const ops = translateHeaderOperations(d.headers);
          Object.assign(weight, headerFields(ops));
          if (ops.authority) weight.host_rewrite_literal = ops.authority;
        }
        addHash(d.destination);
        return weight;
      });
    if (clusters.length === 0) return undefined;
    action.weighted_clusters = { clusters };
  }
  if (hashPolicies.length > 0) action.hash_policy = hashPolicies;
  const retry = convertRetryPolicy(http.retries, consistentHash);
  if (retry) action.retry_policy = retry;
  return action;
}

/**
 * One HTTPRoute with one of its matches (or none) → an Envoy route, or undefined when the match does
 * not apply to this proxy / port, or the route has nothing Envoy can do (no destination, an
 * unsupported redirect code). The route is named `<http name>` or `<http name>.<match name>`.
 */
export function translateHttpRoute(vs: VirtualServiceInput, http: HTTPRoute, match: HTTPMatchRequest | undefined, ctx: HttpRouteContext): EnvoyRoute | undefined {
  if (!matchAppliesTo(match, ctx.source, ctx.listenPort)) return undefined;
  const envoyMatch = translateRouteMatch(match);
  const name = match?.name ? `${http.name ?? ''}.${match.name}` : http.name;
  const ops = translateHeaderOperations(http.headers);
  const headers: Record<string, unknown[]> = headerFields(ops) as Record<string, unknown[]>;

  const out: Record<string, unknown> = {
    ...(name ? { name } : {}),
    match: envoyMatch,
    metadata: virtualServiceMetadata(vs.namespace, vs.name),
  };
  if (match?.statPrefix) out.stat_prefix = match.statPrefix;

  let cluster: string | undefined;
  if (http.redirect) {
    const redirect = translateRedirect(http.redirect, ctx.listenPort);
    if (!redirect) return undefined;
    out.redirect = redirect;
  } else if (http.directResponse) {
    out.direct_response = translateDirectResponse(http.directResponse);
  } else {
    const action = routeAction(http, ctx, ops.authority, headers);
    if (!action) return undefined;
    out.route = action;
    cluster = typeof action.cluster === 'string' ? action.cluster : undefined;
  }
  Object.assign(out, headers);
  out.decorator = { operation: routeOperation(envoyMatch, cluster, vs.name, ctx.listenPort) };

  const perFilter: Record<string, unknown> = {};
  const fault = translateFault(http.fault);
  if (fault) perFilter['envoy.filters.http.fault'] = fault;
  if (http.corsPolicy) perFilter['envoy.filters.http.cors'] = translateCorsPolicy(http.corsPolicy);
  if (Object.keys(perFilter).length > 0) out.typed_per_filter_config = perFilter;
  return out as EnvoyRoute;
}

/**
 * All Envoy routes of a VirtualService for one port, in order (Istio BuildHTTPRoutesForVirtualService):
 * each HTTPRoute yields one route per applicable match (or one for no match). Translation stops after
 * a catch-all, since later routes could never match. Delegating routes must already be expanded.
 */
export function translateVirtualServiceRoutes(vs: VirtualServiceInput, ctx: HttpRouteContext): EnvoyRoute[] {
  const out: EnvoyRoute[] = [];
  for (const http of vs.spec.http ?? []) {
    let catchAll = false;
    if (!http.match || http.match.length === 0) {
      const r = translateHttpRoute(vs, http, undefined, ctx);
      if (r) out.push(r);
      catchAll = true;
    } else {
      for (const m of http.match) {
        const r = translateHttpRoute(vs, http, m, ctx);
        if (!r) continue;
        out.push(r);
        if (isCatchAllMatch(r.match)) {
          catchAll = true;
          break;
        }
      }
    }
    if (catchAll) break;
  }
  return out;
}

/**
 * The route of a service port no VirtualService covers (Istio BuildDefaultHTTPOutboundRoute): named
 * `default`, prefix `/`, to `outbound|<port>||<host>`, default retries, no timeout, plus the
 * DestinationRule's hash policy if it has consistentHash.
 */
export function defaultOutboundRoute(host: string, port: number, hashPolicy?: EnvoyHashPolicy): EnvoyRoute {
  const cluster = outboundClusterName(port, undefined, host);
  const match: EnvoyRouteMatch = { prefix: '/' };
  const action: Record<string, unknown> = {
    cluster,
    ...timeoutFields(undefined),
    retry_policy: convertRetryPolicy(undefined, false),
    ...(hashPolicy ? { hash_policy: [hashPolicy] } : {}),
  };
  return { name: DEFAULT_ROUTE_NAME, match, route: action, decorator: { operation: routeOperation(match, cluster, '', port) } };
}
