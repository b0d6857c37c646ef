// Outbound filter chains of a TCP/TLS service port (Istio tls.go, networkfilter.go): VirtualService
// `tcp:` routes (destinationSubnets, port, sourceLabels, weights) and `tls:` routes (SNI), else
// straight to the service cluster.

import type { L4MatchAttributes, RouteDestination, TLSMatchAttributes } from '@weft/shared';
import type { MeshService } from '../registry/model.js';
import { hostsOverlap } from '../snapshot/lookup-host-names.js';
import { tcpProxyToCluster, tcpProxyToWeightedClusters, type EnvoyNetworkFilter } from './filter-tcp-proxy.js';
import type { ChainSpec } from './lds-filter-chain.js';
import type { RdsVirtualService } from './rds-virtual-hosts.js';
import { virtualServiceMetadata } from './route-config-metadata.js';
import { outboundClusterName } from './cluster-names.js';
import { destinationClusterName } from './route-destination.js';
import { labelsMatch, type RouteSource } from './route-match.js';

/** What building the chains of one service port needs. */
export interface TcpChainInput {
  readonly service: MeshService;
  readonly listenPort: number;
  /** True for TLS / HTTPS ports: routed by SNI from `tls:` rules. */
  readonly tls: boolean;
  /** Destination CIDRs the service's chains match (its CIDR address, or endpoint IPs when several
   *  address-less services share a wildcard listener); empty for a VIP listener. */
  readonly destinationCidrs: readonly string[];
  /** True when the listener is bound to the wildcard address (TLS then needs SNI to tell services apart). */
  readonly wildcardBind: boolean;
  /** VirtualServices visible to the proxy, oldest first (destination hosts resolved). */
  readonly virtualServices: readonly RdsVirtualService[];
  readonly source: RouteSource;
  readonly serviceOf: (host: string) => MeshService | undefined;
  /** Whether the DestinationRule of `host` (for `subset`) hashes on the source IP. */
  readonly hashOnSourceIp?: (host: string, subset: string | undefined) => boolean;
}

/** Istio matchTCP / matchTLS: the static half of an L4 match (gateways, labels, port, namespace). */
function l4MatchApplies(m: L4MatchAttributes | TLSMatchAttributes, source: RouteSource, port: number): boolean {
  const gatewayOk = !m.gateways?.length || m.gateways.some((g) => source.gateways.has(g));
  const portOk = !m.port || m.port === port;
  const nsOk = !m.sourceNamespace || m.sourceNamespace === source.namespace;
  return gatewayOk && labelsMatch(m.sourceLabels, source.labels) && portOk && nsOk;
}

/** The tcp_proxy of a route's destinations: one cluster, or weighted clusters named after the
 *  VirtualService for stats. Undefined when no destination carries weight. */
function routeFilters(routes: readonly RouteDestination[], vs: RdsVirtualService, input: TcpChainInput): EnvoyNetworkFilter[] | undefined {
  const first = routes[0];
  if (!first) return undefined;
  const clusterOf = (r: RouteDestination): string => destinationClusterName(r.destination, input.serviceOf(r.destination.host), input.listenPort);
  if (routes.length === 1) {
    const cluster = clusterOf(first);
    return [tcpProxyToCluster(cluster, { statPrefix: cluster, hashOnSourceIp: input.hashOnSourceIp?.(first.destination.host, first.destination.subset) ?? false })];
  }
  const weighted = routes.filter((r) => (r.weight ?? 0) > 0).map((r) => ({ name: clusterOf(r), weight: r.weight ?? 0 }));
  if (weighted.length === 0) return undefined;
  return [tcpProxyToWeightedClusters(weighted, { statPrefix: `${vs.name}.${vs.namespace}`, hashOnSourceIp: input.hashOnSourceIp?.(first.destination.host, undefined) ?? false })];
}

/** The chain straight to the service: `outbound|<port>||<host>` (the service's only port if it has
 *  one, else the listener port). */
function defaultChain(input: TcpChainInput, sniHosts: readonly string[]): ChainSpec {
  const port = input.service.ports.length === 1 && input.service.ports[0] ? input.service.ports[0].port : input.listenPort;
  const cluster = outboundClusterName(port, undefined, input.service.hostname);
  const filters = [tcpProxyToCluster(cluster, { statPrefix: cluster, hashOnSourceIp: input.hashOnSourceIp?.(input.service.hostname, undefined) ?? false })];
  return { ...(sniHosts.length ? { sniHosts } : {}), destinationCidrs: input.destinationCidrs, filters };
}

function tlsChains(input: TcpChainInput, configs: readonly RdsVirtualService[]): ChainSpec[] {
  const out: ChainSpec[] = [];
  const handled = new Set<string>();
  for (const vs of configs) {
    for (const tls of vs.spec.tls ?? []) {
      for (const m of tls.match) {
        if (!l4MatchApplies(m, input.source, input.listenPort)) continue;
        const cidrs = m.destinationSubnets?.length ? m.destinationSubnets : input.destinationCidrs;
        // Several matches may differ only in what is decided statically; the first one wins.
        const key = `${m.sniHosts.join(',')}|${(m.destinationSubnets ?? []).join(',')}`;
        if (handled.has(key)) continue;
        handled.add(key);
        const filters = routeFilters(tls.route ?? [], vs, input);
        if (filters) out.push({ sniHosts: m.sniHosts, destinationCidrs: cidrs, filters, metadata: virtualServiceMetadata(vs.namespace, vs.name) });
      }
    }
  }
  if (out.length > 0) return out;
  // Without a TLS route, match the service's host name by SNI when the listener cannot tell services
  // apart by address (wildcard bind or CIDR), as Istio does.
  const needSni = input.destinationCidrs.length > 0 || input.wildcardBind;
  return [defaultChain(input, needSni ? [input.service.hostname] : [])];
}

function tcpChains(input: TcpChainInput, configs: readonly RdsVirtualService[]): ChainSpec[] {
  const out: ChainSpec[] = [];
  for (const vs of configs) {
    for (const tcp of vs.spec.tcp ?? []) {
      const metadata = virtualServiceMetadata(vs.namespace, vs.name);
      const filters = routeFilters(tcp.route ?? [], vs, input);
      if (!tcp.match?.length) {
        if (filters) return [...out, { destinationCidrs: input.destinationCidrs, filters, metadata }];
        continue;
      }
      const subnets: string[] = [];
      for (const m of tcp.match) {
        if (!l4MatchApplies(m, input.source, input.listenPort)) continue;
        // A match without destinationSubnets catches everything left: it ends the chain list.
        if (!m.destinationSubnets?.length) {
          if (filters) return [...out, { destinationCidrs: input.destinationCidrs, filters, metadata }];
          continue;
        }
        subnets.push(...m.destinationSubnets);
      }
      if (subnets.length > 0 && filters) {
        out.push({ destinationCidrs: subnets, filters, metadata });
        // Same CIDRs as the service default: that default could never be reached (and would duplicate the match).
        if ([...subnets].sort().join() === [...input.destinationCidrs].sort().join()) return out;
      }
    }
  }
  return [...out, defaultChain(input, [])];
}

/**
 * The filter chains of one TCP or TLS service port, most specific first. TCP: the first applicable
 * `tcp:` route without destination subnets ends the list; routes with subnets add CIDR-matched
 * chains before it; without a catch-all the service's own cluster closes the list. TLS: one chain per
 * distinct applicable SNI match of `tls:` routes, else the service's cluster.
 */
export function buildTcpChains(input: TcpChainInput): ChainSpec[] {
  const configs = input.virtualServices.filter((vs) => vs.hosts.some((h) => hostsOverlap(h, input.service.hostname)));
  return input.tls ? tlsChains(input, configs) : tcpChains(input, configs);
}
