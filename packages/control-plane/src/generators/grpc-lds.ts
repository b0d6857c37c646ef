// LDS for proxyless gRPC clients (Istio grpcgen/lds.go buildOutboundListeners): one api_listener per
// name a client may dial as `xds:///<name>`, each an HCM reading RDS `outbound|<port>||<host>` with the
// fault and router filters. No socket listeners and no virtualOutbound/virtualInbound: there is no sidecar.

import { TYPE_URL } from '@weft/shared/xds';
import type { MeshService, ServicePort } from '../registry/model.js';
import type { SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { outboundClusterName } from './cluster-names.js';
import { domainWithPort, shortHostNames } from './rds-domains.js';
import type { EnvoyResource } from './types.js';

/** The HTTP filters of a gRPC client's HCM, in order. gRPC accepts only filters it implements and
 *  requires the router last; the fault filter is empty here and configured per route. */
export const GRPC_HTTP_FILTERS: readonly Record<string, unknown>[] = Object.freeze([
  { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE_URL.FAULT } },
  { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } },
]);

/** A service port a gRPC client can reach. */
export interface GrpcServicePort {
  readonly service: MeshService;
  readonly port: ServicePort;
}

/**
 * The service ports of `scope` a gRPC client can dial, sorted by host then port: every port but UDP
 * of every visible service except resolution NONE, whose original-destination cluster gRPC cannot use.
 */
export function grpcServicePorts(scope: SidecarScope): GrpcServicePort[] {
  const out: GrpcServicePort[] = [];
  for (const service of scope.services) {
    if (service.resolution === 'NONE') continue;
    for (const port of [...service.ports].sort((a, b) => a.port - b.port)) if (port.protocol !== 'UDP') out.push({ service, port });
  }
  return out;
}

/**
 * Istio's route configuration name for a gRPC listener: `outbound|<port>||<host>` (grpcgen clusterKey),
 * one per service port whatever name the client dialled.
 */
export function grpcRouteConfigName(hostname: string, port: number): string {
  return outboundClusterName(port, undefined, hostname);
}

/**
 * The listener names a client in `proxyNamespace` may ask for to reach `hostname:port`: the FQDN and
 * the short names sidecar virtual hosts accept (`echo`, `echo.ns`, `echo.ns.svc` in the same namespace;
 * `echo.ns`, `echo.ns.svc` from another), each as `name:port`. When the service has a single port the
 * names without `:port` are added too, so `xds:///echo` works.
 *
 * Deviations from Istio: Istio expands short names only within the client's own namespace (grpcgen
 * tryFindFQDN); Weft accepts the same short names as a sidecar's Host header. Istio answers a name
 * without a port with `name:<port>` listeners, which a gRPC client never matches to its request.
 */
export function grpcListenerNames(hostname: string, port: number, singlePort: boolean, proxyNamespace: string, domainSuffix: string): string[] {
  const hosts = [hostname, ...shortHostNames(hostname, proxyNamespace, domainSuffix)];
  const names = hosts.map((h) => domainWithPort(h, port));
  if (singlePort) names.push(...hosts);
  return names;
}

/** The address Istio gives a gRPC listener: the service's first VIP (not a CIDR), else 0.0.0.0. The
 *  client does not use it; it only makes the listener a valid Envoy Listener. */
function listenerAddress(service: MeshService): string {
  return service.addresses.find((a) => a !== '' && !a.includes('/')) ?? '0.0.0.0';
}

/**
 * The api_listeners of a proxyless gRPC client in `proxyNamespace`: for each service port of
 * {@link grpcServicePorts}, one listener per name of {@link grpcListenerNames}. A name already taken
 * by another service keeps its first owner, and fully qualified names are placed before short ones, so
 * a short name never hides a real host. The xDS cache answers only the names a client subscribes to.
 */
export function generateGrpcListeners(scope: SidecarScope, proxyNamespace: string, domainSuffix: string): EnvoyResource[] {
  const byName = new Map<string, EnvoyResource>();
  const servicePorts = grpcServicePorts(scope);
  const build = (sp: GrpcServicePort, name: string): EnvoyResource => ({
    name,
    address: { socket_address: { address: listenerAddress(sp.service), port_value: sp.port.port } },
    api_listener: {
      api_listener: {
        '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
        rds: { route_config_name: grpcRouteConfigName(sp.service.hostname, sp.port.port), config_source: { ads: {}, resource_api_version: 'V3' } },
        http_filters: GRPC_HTTP_FILTERS,
      },
    },
  });
  // Two passes: every FQDN (`host:port`, and `host` for single-port services) first, then short names.
  for (const pass of ['fqdn', 'short'] as const) {
    for (const sp of servicePorts) {
      const names = grpcListenerNames(sp.service.hostname, sp.port.port, sp.service.ports.length === 1, proxyNamespace, domainSuffix);
      for (const name of names) {
        const isFqdn = name === sp.service.hostname || name === domainWithPort(sp.service.hostname, sp.port.port);
        if ((pass === 'fqdn') !== isFqdn || byName.has(name)) continue;
        byName.set(name, build(sp, name));
      }
    }
  }
  return [...byName.values()].sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
}
