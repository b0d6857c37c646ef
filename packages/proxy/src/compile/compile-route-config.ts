// Compiles one RouteConfiguration: virtual hosts behind a domain matcher (with Envoy's require_tls
// redirect), each with its routes in order (first match wins), and every route's matcher, action,
// header edits, fault and CORS policies.

import { compileCorsPolicy, type CorsPolicy } from './cors-policy.js';
import { compileDomainMatcher, type DomainMatcher } from './domain-matcher.js';
import { compileFaultPolicy, type FaultPolicy } from './fault-policy.js';
import { chainMutations, compileHeaderMutation, type HeaderMutation } from './header-mutation.js';
import { compileRouteAction, type RouteAction } from './route-action.js';
import { compileRouteMatch, type RouteMatcher } from './route-match.js';
import { headerValue, type RouteRequest } from './route-request.js';

type Obj = Readonly<Record<string, unknown>>;

/** A route ready to serve. Header edits are already chained route → virtual host → route config. */
export interface CompiledRoute {
  readonly name: string;
  readonly virtualHost: string;
  readonly matches: RouteMatcher;
  readonly action: RouteAction;
  readonly requestHeaders: HeaderMutation;
  readonly responseHeaders: HeaderMutation;
  readonly fault: FaultPolicy | undefined;
  /** The CORS policy: the route's, else the virtual host's, else the route configuration's. */
  readonly cors: CorsPolicy | undefined;
  /** The route's `decorator.operation`: the name of its requests' spans (Istio sets `<host>:<port>/*`). */
  readonly operation: string | undefined;
}

/** A virtual host and its routes in config order. */
export interface CompiledVirtualHost {
  readonly name: string;
  readonly routes: readonly CompiledRoute[];
  /** `require_tls` (ALL, EXTERNAL_ONLY): a request not known to be https gets {@link tlsRedirect}. */
  readonly requireTls: 'ALL' | 'EXTERNAL_ONLY' | undefined;
  readonly tlsRedirect: CompiledRoute | undefined;
}

/** Envoy's SSL redirect route: 301 to the same authority and path over https. */
function tlsRedirectRoute(virtualHost: string): CompiledRoute {
  const none = compileHeaderMutation(undefined, undefined);
  return Object.freeze({
    name: `${virtualHost}/require_tls`,
    virtualHost,
    matches: () => true,
    action: Object.freeze({ kind: 'redirect' as const, status: 301, location: (authority: string, path: string) => `https://${authority}${path}` }),
    requestHeaders: none,
    responseHeaders: none,
    fault: undefined,
    cors: undefined,
    operation: undefined,
  });
}

/** Whether a request to a `require_tls` virtual host must be redirected (Envoy's
 *  VirtualHostImpl::getRouteFromEntries): its `x-forwarded-proto` (set from the connection by the HTTP
 *  connection handler: https after TLS termination) is not https and, for EXTERNAL_ONLY, it is not an
 *  internal request (`x-envoy-internal: true`). */
function needsTlsRedirect(vh: CompiledVirtualHost, req: RouteRequest): boolean {
  if (headerValue(req, 'x-forwarded-proto') === 'https') return false;
  return vh.requireTls === 'ALL' || headerValue(req, 'x-envoy-internal') !== 'true';
}

/** A compiled RouteConfiguration. */
export interface CompiledRouteConfig {
  readonly name: string;
  readonly virtualHostFor: DomainMatcher<CompiledVirtualHost>;
  /** The first route of the request's virtual host that matches, or undefined (404 NR). */
  route(req: RouteRequest): CompiledRoute | undefined;
}

function compileVirtualHost(vh: Obj, configRequest: HeaderMutation, configResponse: HeaderMutation, configCors: CorsPolicy | undefined): CompiledVirtualHost {
  const name = String(vh.name ?? '');
  const vhRequest = compileHeaderMutation(vh.request_headers_to_add, vh.request_headers_to_remove);
  const vhResponse = compileHeaderMutation(vh.response_headers_to_add, vh.response_headers_to_remove);
  const vhFault = compileFaultPolicy(vh.typed_per_filter_config);
  const vhCors = compileCorsPolicy(vh.typed_per_filter_config) ?? configCors;
  const routes: CompiledRoute[] = [];
  for (const [i, r] of ((vh.routes ?? []) as Obj[]).entries()) {
    const action = compileRouteAction(r);
    if (!action) continue;
    routes.push(
      Object.freeze({
        name: typeof r.name === 'string' && r.name !== '' ? r.name : `${name}/${i}`,
        virtualHost: name,
        matches: compileRouteMatch((r.match ?? {}) as Obj),
        action,
        requestHeaders: chainMutations([compileHeaderMutation(r.request_headers_to_add, r.request_headers_to_remove), vhRequest, configRequest]),
        responseHeaders: chainMutations([compileHeaderMutation(r.response_headers_to_add, r.response_headers_to_remove), vhResponse, configResponse]),
        fault: compileFaultPolicy(r.typed_per_filter_config) ?? vhFault,
        cors: compileCorsPolicy(r.typed_per_filter_config) ?? vhCors,
        operation: decoratorOf(r),
      }),
    );
  }
  const requireTls = vh.require_tls === 'ALL' || vh.require_tls === 'EXTERNAL_ONLY' ? vh.require_tls : undefined;
  return Object.freeze({ name, routes: Object.freeze(routes), requireTls, tlsRedirect: requireTls ? tlsRedirectRoute(name) : undefined });
}

/** A route's span name (Envoy's Decorator; `propagate: false` keeps it out of the upstream request,
 *  which weft-proxy does not distinguish: absent there means propagated). */
function decoratorOf(r: Obj): string | undefined {
  const op = (r.decorator as { operation?: unknown } | undefined)?.operation;
  return typeof op === 'string' && op !== '' ? op : undefined;
}

/**
 * Compiles a decoded RouteConfiguration. A host with a port that matches no domain is tried again
 * without its port: Istio lists both `reviews` and `reviews:9080`, and weft's own fixtures list only
 * the bare names.
 */
export function compileRouteConfig(rc: Obj): CompiledRouteConfig {
  const configRequest = compileHeaderMutation(rc.request_headers_to_add, rc.request_headers_to_remove);
  const configResponse = compileHeaderMutation(rc.response_headers_to_add, rc.response_headers_to_remove);
  const configCors = compileCorsPolicy(rc.typed_per_filter_config);
  const hosts = ((rc.virtual_hosts ?? []) as Obj[]).map((vh) => [(vh.domains ?? []) as string[], compileVirtualHost(vh, configRequest, configResponse, configCors)] as const);
  const virtualHostFor = compileDomainMatcher(hosts);
  return Object.freeze({
    name: String(rc.name ?? ''),
    virtualHostFor,
    route(req: RouteRequest): CompiledRoute | undefined {
      let vh = virtualHostFor(req.authority);
      if (!vh) {
        const colon = req.authority.lastIndexOf(':');
        if (colon > 0 && !req.authority.endsWith(']')) vh = virtualHostFor(req.authority.slice(0, colon));
      }
      if (!vh) return undefined;
      // Checked before the routes, so a virtual host without routes redirects too (Istio's httpsRedirect).
      if (vh.tlsRedirect && needsTlsRedirect(vh, req)) return vh.tlsRedirect;
      for (const r of vh.routes) if (r.matches(req)) return r;
      return undefined;
    },
  });
}
