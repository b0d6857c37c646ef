// The virtual hosts of one sidecar route configuration (Istio BuildSidecarOutboundVirtualHosts): per
// service a VirtualService claims, per VirtualService host outside the registry, per remaining HTTP
// service (default route). The catch-all virtual host is rds-catch-all.ts's.

import type { Destination, VirtualServiceSpec } from '@weft/shared';
import type { MeshService } from '../registry/model.js';
import { isHttpProtocol } from '../registry/protocol.js';
import { isWildcardHost, mostSpecificHostMatch, hostsOverlap } from '../snapshot/lookup-host-names.js';
import type { OutboundPort } from './lds-outbound-ports.js';
import { domainWithPort, virtualHostDomains } from './rds-domains.js';
import type { RouteSource } from './route-match.js';
import { defaultOutboundRoute, translateVirtualServiceRoutes, type EnvoyHashPolicy, type EnvoyRoute } from './route-translate.js';

/** A VirtualService as RDS uses it: identity, FQDN hosts, spec with delegates merged and
 *  destination hosts resolved. */
export interface RdsVirtualService {
  readonly name: string;
  readonly namespace: string;
  readonly hosts: readonly string[];
  readonly spec: VirtualServiceSpec;
}

/** Everything one route configuration needs. */
export interface VirtualHostInput {
  readonly port: OutboundPort;
  /** VirtualServices bound to `mesh` visible to the proxy, oldest first. */
  readonly virtualServices: readonly RdsVirtualService[];
  readonly source: RouteSource;
  readonly domainSuffix: string;
  /** Every service the proxy sees, by FQDN (destinations may leave this port's service set). */
  readonly serviceOf: (host: string) => MeshService | undefined;
  /** Hash policy for a VirtualService destination routed from this port. */
  readonly hashPolicyOf?: (destination: Destination, listenPort: number) => EnvoyHashPolicy | undefined;
  /** Hash policy of a service's default route on a port. */
  readonly defaultHashPolicyOf?: (service: MeshService, port: number) => EnvoyHashPolicy | undefined;
}

/** envoy.config.route.v3.VirtualHost. */
export interface EnvoyVirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly EnvoyRoute[];
  readonly include_request_attempt_count: boolean;
}

/**
 * Which VirtualService (index into `vss`) owns each service host: an exact host wins (the oldest
 * VirtualService listing it), else the VirtualService with the most specific wildcard covering it
 * (Istio's MostSpecificWildcardVirtualServiceIndex). A host is owned by at most one VirtualService.
 */
function ownersOf(vss: readonly RdsVirtualService[], hostnames: readonly string[]): Map<string, number> {
  const owners = new Map<string, number>();
  const allHosts = new Set(vss.flatMap((v) => v.hosts));
  for (const hostname of hostnames) {
    const best = mostSpecificHostMatch(hostname, allHosts);
    if (best === undefined) continue;
    const idx = vss.findIndex((v) => v.hosts.includes(best));
    if (idx >= 0) owners.set(hostname, idx);
  }
  return owners;
}

/**
 * The virtual hosts of the route configuration for `input.port`, sorted by name, without the
 * catch-all. Only services speaking HTTP on this port get virtual hosts. A duplicate virtual host
 * name or domain is dropped from the later virtual host (Envoy rejects duplicates; Istio reports
 * them as `pilot_duplicate_envoy_clusters`-style conflicts and keeps the first).
 */
export function buildVirtualHosts(input: VirtualHostInput): EnvoyVirtualHost[] {
  const listenPort = input.port.port;
  // As Istio: only services that declare this port, and only those whose own port is HTTP, get
  // virtual hosts (a Sidecar egress port may import services that do not declare it).
  const onPort = input.port.services.filter((s) => s.servicePort !== undefined);
  const httpOnPort = onPort.filter((s) => s.servicePort && isHttpProtocol(s.servicePort.protocol)).map((s) => s.service);
  const owners = ownersOf(
    input.virtualServices,
    onPort.map((s) => s.service.hostname),
  );
  const ctx = {
    listenPort,
    source: input.source,
    serviceOf: input.serviceOf,
    ...(input.hashPolicyOf ? { hashPolicyOf: (d: Destination) => input.hashPolicyOf?.(d, listenPort) } : {}),
  };

  type Pending = { name: string; domains: string[]; routes: EnvoyRoute[] };
  const pending: Pending[] = [];
  const withVirtualService = new Set<string>();
  input.virtualServices.forEach((vs, idx) => {
    const owned = onPort.filter((s) => owners.get(s.service.hostname) === idx).map((s) => s.service);
    // Istio considers only VirtualServices matching a service on this port, except on port 80,
    // where a VirtualService for hosts outside the registry (`bookinfo.com`) also gets routes.
    if (owned.length === 0 && listenPort !== 80) return;
    const routes = translateVirtualServiceRoutes(vs, ctx);
    if (routes.length === 0) return;
    const ownedHttp = owned.filter((s) => httpOnPort.includes(s));
    const matchesAnyService = (h: string): boolean => onPort.some((s) => (isWildcardHost(h) ? hostsOverlap(h, s.service.hostname) : s.service.hostname === h));
    const foreignHosts = vs.hosts.filter((h) => !matchesAnyService(h));
    // Hosts outside the registry ride along on the ports of the services the VirtualService owns,
    // or on port 80 when it owns none (Istio's port-80 special case).
    if (ownedHttp.length === 0 && listenPort !== 80) return;
    for (const h of foreignHosts) pending.push({ name: domainWithPort(h, listenPort), domains: [h, domainWithPort(h, listenPort)], routes });
    for (const s of ownedHttp) {
      withVirtualService.add(s.hostname);
      pending.push({ name: domainWithPort(s.hostname, listenPort), domains: virtualHostDomains(s.hostname, listenPort, s.addresses, input.source.namespace, input.domainSuffix), routes });
    }
  });
  for (const s of httpOnPort) {
    if (withVirtualService.has(s.hostname)) continue;
    const route = defaultOutboundRoute(s.hostname, listenPort, input.defaultHashPolicyOf?.(s, listenPort));
    pending.push({ name: domainWithPort(s.hostname, listenPort), domains: virtualHostDomains(s.hostname, listenPort, s.addresses, input.source.namespace, input.domainSuffix), routes: [route] });
  }

  const names = new Set<string>();
  const domains = new Set<string>();
  const out: EnvoyVirtualHost[] = [];
  for (const p of pending) {
    if (names.has(p.name)) continue;
    names.add(p.name);
    const unique = p.domains.filter((d) => {
      const key = d.toLowerCase();
      if (domains.has(key)) return false;
      domains.add(key);
      return true;
    });
    if (unique.length > 0) out.push({ name: p.name, domains: unique, routes: p.routes, include_request_attempt_count: true });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
