// RDS for proxyless gRPC clients (Istio grpcgen/rds.go): one RouteConfiguration `outbound|<port>||<host>`
// per service port, holding that service's virtual host built by the sidecar route translation, then
// narrowed to what gRPC's xDS client accepts (gRFC A28, A31, A33, A42, A44).

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { MESH_GATEWAY } from '../snapshot/lookup-virtual-services.js';
import type { SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { grpcRouteConfigName, grpcServicePorts, type GrpcServicePort } from './grpc-lds.js';
import type { OutboundPort } from './lds-outbound-ports.js';
import { domainWithPort } from './rds-domains.js';
import { buildVirtualHosts, type EnvoyVirtualHost, type RdsVirtualService } from './rds-virtual-hosts.js';
import { rdsVirtualServices, routeHashPoliciesFor, type RouteHashPolicies } from './rds-inputs.js';
import type { EnvoyRoute } from './route-translate.js';
import type { EnvoyResource } from './types.js';

/** The per-route filter config gRPC implements; any other name (CORS) makes it reject the whole
 *  RouteConfiguration, because Istio's filters there are not marked optional. */
const GRPC_PER_ROUTE_FILTERS = new Set(['envoy.filters.http.fault']);

/** gRPC's hash key for "this client": the filter-state key gRFC A42 reserves for the channel id. */
const CHANNEL_ID_HASH_POLICY = Object.freeze({ filter_state: { key: 'io.grpc.channel_id' } });

/**
 * One sidecar route as a gRPC client should see it, or undefined to leave it out:
 *  - `redirect` / `direct_response` routes are dropped: gRPC accepts only forwarding routes and
 *    rejects the whole RouteConfiguration otherwise;
 *  - routes matching query parameters or JWT claims (dynamic metadata) are dropped: gRPC requests have
 *    no query string and gRPC has no JWT filter, and gRPC ignores those conditions rather than failing
 *    them, so keeping the route would match every request;
 *  - per-route filter configs other than fault are removed (CORS means nothing to gRPC);
 *  - the timeout also goes to `max_stream_duration`, which is where gRPC reads it (Istio setTimeout
 *    for proxyless), and the Envoy-only `max_grpc_timeout` is removed;
 *  - a `source_ip` hash key becomes the channel id (Weft's choice: gRPC has no source IP to hash, and
 *    one channel is one client). Cookie and query-parameter keys stay; gRPC skips them.
 * Everything else (headers to add, rewrites, mirrors) is kept as Istio keeps it; gRPC ignores it.
 */
export function grpcRoute(route: EnvoyRoute): EnvoyRoute | undefined {
  if ('redirect' in route || 'direct_response' in route || !('route' in route)) return undefined;
  if (route.match.query_parameters?.length || route.match.dynamic_metadata?.length) return undefined;
  const out: Record<string, unknown> = { ...route };
  const perFilter = route.typed_per_filter_config as Record<string, unknown> | undefined;
  if (perFilter) {
    const kept = Object.entries(perFilter).filter(([name]) => GRPC_PER_ROUTE_FILTERS.has(name));
    if (kept.length > 0) out.typed_per_filter_config = Object.fromEntries(kept);
    else delete out.typed_per_filter_config;
  }
  const action: Record<string, unknown> = { ...(route.route as Record<string, unknown>) };
  delete action.max_grpc_timeout;
  if (action.timeout !== undefined) action.max_stream_duration = { max_stream_duration: action.timeout };
  if (Array.isArray(action.hash_policy)) {
    action.hash_policy = (action.hash_policy as Record<string, unknown>[]).map((h) => ((h.connection_properties as { source_ip?: boolean } | undefined)?.source_ip ? CHANNEL_ID_HASH_POLICY : h));
  }
  out.route = action;
  return out as EnvoyRoute;
}

/** The virtual host of one service port, built by the sidecar code as if the service were alone on
 *  the port and spoke gRPC there (a proxyless client speaks gRPC whatever the port's declared
 *  protocol), with its routes passed through {@link grpcRoute}. */
function grpcVirtualHost(sp: GrpcServicePort, scope: SidecarScope, virtualServices: readonly RdsVirtualService[], proxy: ProxyView, domainSuffix: string, hashPolicies: RouteHashPolicies, byHost: ReadonlyMap<string, SidecarScope['services'][number]>): EnvoyVirtualHost | undefined {
  const egress = scope.egressListeners.find((e) => e.services.includes(sp.service)) ?? { listener: { hosts: [] }, services: [sp.service] };
  const port: OutboundPort = { port: sp.port.port, explicit: false, egress, services: [{ service: sp.service, servicePort: { ...sp.port, protocol: 'GRPC' }, protocol: 'GRPC' }] };
  const name = domainWithPort(sp.service.hostname, sp.port.port);
  const vh = buildVirtualHosts({
    port,
    virtualServices,
    source: { gateways: new Set([MESH_GATEWAY]), labels: proxy.labels, namespace: proxy.namespace },
    domainSuffix,
    serviceOf: (h) => byHost.get(h),
    hashPolicyOf: hashPolicies.forDestination,
    defaultHashPolicyOf: hashPolicies.forService,
  }).find((v) => v.name === name);
  if (!vh) return undefined;
  return { ...vh, routes: vh.routes.flatMap((r) => grpcRoute(r) ?? []) };
}

/**
 * The route configurations of a proxyless gRPC client: one per service port of grpcServicePorts,
 * named `outbound|<port>||<host>` as the listeners ask, with exactly one virtual host, that service's
 * (`<host>:<port>`, domains as for a sidecar so whatever name the client dialled matches). Istio puts
 * every virtual host of the port in each of them; the client only ever uses the one matching its
 * target, so Weft sends that one alone. No catch-all: a call no route matches fails with UNAVAILABLE.
 */
export function generateGrpcRoutes(snapshot: MeshSnapshot, proxy: ProxyView, scope: SidecarScope): EnvoyResource[] {
  const virtualServices = rdsVirtualServices(snapshot, proxy);
  const hashPolicies = routeHashPoliciesFor(snapshot, proxy, scope);
  const byHost = new Map(scope.services.map((s) => [s.hostname, s]));
  const out: EnvoyResource[] = [];
  for (const sp of grpcServicePorts(scope)) {
    const vh = grpcVirtualHost(sp, scope, virtualServices, proxy, snapshot.mesh.domainSuffix, hashPolicies, byHost);
    out.push({ name: grpcRouteConfigName(sp.service.hostname, sp.port.port), virtual_hosts: vh ? [vh] : [] });
  }
  return out;
}
