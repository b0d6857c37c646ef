// RDS for gateways (router proxies; Istio buildGatewayHTTPRouteConfig): one RouteConfiguration per
// route name of the merged servers (`http.<port>`, `https.<port>.<portName>.<gateway>.<ns>`), with a
// virtual host per host a server and a VirtualService bound to its Gateway have in common.

import type { HTTPRoute, VirtualServiceSpec } from '@weft/shared';
import { gatewayPlanFor, serverHostName, type GatewayServer } from '../snapshot/lookup-gateways.js';
import { isHostSubsetOf } from '../snapshot/lookup-host-names.js';
import { sidecarScopeFor, type SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { resolveGatewayName } from '../snapshot/lookup-virtual-services.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { domainWithPort } from './rds-domains.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES, rdsVirtualServices, routeHashPoliciesFor } from './rds-inputs.js';
import type { RdsVirtualService } from './rds-virtual-hosts.js';
import { isCatchAllMatch } from './route-match.js';
import { translateVirtualServiceRoutes, type EnvoyRoute, type HttpRouteContext } from './route-translate.js';
import type { EnvoyResource } from './types.js';

/**
 * Istio host.NamesForNamespace: the server hosts a VirtualService in `namespace` may bind to, namespace
 * prefix removed. `ns/h` counts only for VirtualServices in `ns`; `h` and `*\/h` for every namespace.
 */
export function serverHostsForNamespace(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) out.push(h);
    else if (h.slice(0, slash) === namespace || h.slice(0, slash) === '*') out.push(h.slice(slash + 1));
  }
  return out;
}

/**
 * Istio host.Names.Intersection: for each pair where one host covers the other, the narrower one
 * (`*` ∩ `a.com` = `a.com`; `*.com` ∩ `*.a.com` = `*.a.com`), each once, in `a`'s order.
 */
export function intersectHosts(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  for (const x of a) {
    for (const y of b) {
      const narrower = isHostSubsetOf(x, y) ? x : isHostSubsetOf(y, x) ? y : undefined;
      if (narrower !== undefined && !out.includes(narrower)) out.push(narrower);
    }
  }
  return out;
}

/** The spec with every HTTPMatchRequest `gateways` entry resolved like the VirtualService's own (a short
 *  name is relative to its namespace), so route matches compare against `ns/name` (Istio resolves both). */
function resolveMatchGateways(spec: VirtualServiceSpec, namespace: string): VirtualServiceSpec {
  const http = spec.http ?? [];
  if (!http.some((r) => r.match?.some((m) => m.gateways?.length))) return spec;
  const resolved: HTTPRoute[] = http.map((r) =>
    r.match?.some((m) => m.gateways?.length) ? { ...r, match: r.match.map((m) => (m.gateways?.length ? { ...m, gateways: m.gateways.map((g) => resolveGatewayName(g, namespace)) } : m)) } : r,
  );
  return { ...spec, http: resolved };
}

/** Istio SortVHostRoutes: catch-all routes move to the end, everything else keeps its order. */
function sortVirtualHostRoutes(routes: readonly EnvoyRoute[]): EnvoyRoute[] {
  return [...routes.filter((r) => !isCatchAllMatch(r.match)), ...routes.filter((r) => isCatchAllMatch(r.match))];
}

/** The domains of a gateway virtual host: the host, and `host:port` (Istio matches any port with
 *  ignore_port_in_host_matching; see docs). `*` is the one domain matching every Host. */
function gatewayDomains(host: string, port: number): string[] {
  return host === '*' ? ['*'] : [host, domainWithPort(host, port)];
}

interface PendingHost {
  readonly name: string;
  readonly domains: string[];
  routes: EnvoyRoute[];
  requireTls: boolean;
}

/**
 * One route configuration for `servers` (those sharing `routeName`). For each server and each
 * VirtualService bound to its Gateway (exportTo and `gateways` as lookup-virtual-services.ts selects
 * them), the hosts both have (server hosts narrowed to the VirtualService's namespace) each get a virtual
 * host `<host>:<port>` with the VirtualService's routes, translated as a sidecar's (matches whose
 * `gateways` name this Gateway or none, `port` = the server port). A host two VirtualServices share
 * gets both sets of routes, the catch-alls last. `tls.httpsRedirect` makes every virtual host of the
 * server (and one per server host without routes) answer plaintext with a 301 to https
 * (`require_tls: ALL`). No virtual host at all: Istio's `blackhole:<port>` with domain `*` and no
 * routes, so every request is a 404 NR.
 */
function buildRouteConfig(routeName: string, servers: readonly GatewayServer[], vssFor: (gateway: string) => readonly RdsVirtualService[], ctxFor: (server: GatewayServer) => HttpRouteContext): EnvoyResource {
  const byHost = new Map<string, PendingHost>();
  const routeMemo = new Map<string, EnvoyRoute[]>();
  for (const server of servers) {
    const redirect = server.server.tls?.httpsRedirect === true;
    for (const vs of vssFor(server.gateway)) {
      const hosts = intersectHosts(serverHostsForNamespace(server.hosts, vs.namespace), vs.hosts);
      if (hosts.length === 0) continue;
      const memoKey = `${server.gateway}|${vs.namespace}/${vs.name}`;
      let routes = routeMemo.get(memoKey);
      if (!routes) routeMemo.set(memoKey, (routes = translateVirtualServiceRoutes(vs, ctxFor(server))));
      for (const h of hosts.map((x) => x.toLowerCase())) {
        const known = byHost.get(h);
        if (known) {
          known.routes = [...known.routes, ...routes];
          known.requireTls ||= redirect;
        } else byHost.set(h, { name: domainWithPort(h, server.port), domains: gatewayDomains(h, server.port), routes, requireTls: redirect });
      }
    }
    if (!redirect) continue;
    for (const raw of server.hosts) {
      const h = serverHostName(raw).toLowerCase();
      const known = byHost.get(h);
      if (known) known.requireTls = true;
      else byHost.set(h, { name: domainWithPort(h, server.port), domains: gatewayDomains(h, server.port), routes: [], requireTls: true });
    }
  }
  const port = servers[0]?.port ?? 0;
  const virtualHosts =
    byHost.size === 0
      ? [{ name: domainWithPort('blackhole', port), domains: ['*'], routes: [] }]
      : [...byHost.values()]
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
          .map((v) => ({ name: v.name, domains: v.domains, routes: sortVirtualHostRoutes(v.routes), include_request_attempt_count: true, ...(v.requireTls ? { require_tls: 'ALL' } : {}) }));
  return { name: routeName, virtual_hosts: virtualHosts, validate_clusters: { value: false }, max_direct_response_body_size_bytes: { value: MAX_DIRECT_RESPONSE_BODY_BYTES } };
}

/**
 * The route configurations of a router, sorted by name: one per route name of the servers its
 * Gateways merge into (gatewayPlanFor), so every listener chain has its RDS. Destinations resolve
 * against the services the router sees (its scope: every service exported to its namespace); hash
 * policies come from DestinationRules as for sidecars. No Gateway: none.
 */
export function generateGatewayRoutes(snapshot: MeshSnapshot, proxy: ProxyView, scope: SidecarScope = sidecarScopeFor(snapshot, proxy)): EnvoyResource[] {
  const plan = gatewayPlanFor(snapshot, proxy);
  if (plan.routes.size === 0) return [];
  const hashPolicies = routeHashPoliciesFor(snapshot, proxy, scope);
  const byHost = new Map(scope.services.map((s) => [s.hostname, s]));
  const vsMemo = new Map<string, RdsVirtualService[]>();
  const vssFor = (gateway: string): RdsVirtualService[] => {
    let vss = vsMemo.get(gateway);
    if (!vss) vsMemo.set(gateway, (vss = rdsVirtualServices(snapshot, proxy, gateway).map((vs) => ({ ...vs, spec: resolveMatchGateways(vs.spec, vs.namespace) }))));
    return vss;
  };
  const ctxFor = (server: GatewayServer): HttpRouteContext => ({
    listenPort: server.port,
    source: { gateways: new Set([server.gateway]), labels: proxy.labels, namespace: proxy.namespace },
    serviceOf: (h) => byHost.get(h),
    hashPolicyOf: (d) => hashPolicies.forDestination(d, server.port),
  });
  return [...plan.routes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, servers]) => buildRouteConfig(name, servers, vssFor, ctxFor));
}
