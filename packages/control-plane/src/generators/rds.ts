// RDS for sidecars: one RouteConfiguration per outbound HTTP port, named by the port (`9080`), with
// a virtual host per service on that port and a catch-all (Istio BuildHTTPRoutes, sidecar branch).
// Gateways' routes are not generated here.

import type { Destination } from '@weft/shared';
import type { MeshService } from '../registry/model.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { destinationRuleFor } from '../snapshot/lookup-destination-rule.js';
import { sidecarScopeFor, type SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { MESH_GATEWAY, virtualServicesFor } from '../snapshot/lookup-virtual-services.js';
import { routeHashPolicy } from './cds-load-balancer.js';
import { hasHttp, outboundPorts } from './lds-outbound-ports.js';
import { allowAnyCluster, catchAllVirtualHost } from './rds-catch-all.js';
import { buildVirtualHosts, type RdsVirtualService } from './rds-virtual-hosts.js';
import { destinationPort } from './route-destination.js';
import { resolveDestinationHosts } from './route-resolve-hosts.js';
import type { EnvoyHashPolicy } from './route-translate.js';
import type { EnvoyResource } from './types.js';

/** Istio's limit for direct response bodies (1 MiB, the same the validator enforces; Envoy's default is 4 KiB). */
const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

/** Hash policies from DestinationRules (consistentHash), as RDS asks for them. */
export interface RouteHashPolicies {
  /** For a VirtualService destination routed from `listenPort`. */
  readonly forDestination: (destination: Destination, listenPort: number) => EnvoyHashPolicy | undefined;
  /** For the default route of `service` on `port`. */
  readonly forService: (service: MeshService, port: number) => EnvoyHashPolicy | undefined;
}

/**
 * Hash policies from the DestinationRules `proxy` sees: the consistentHash of the policy the
 * destination's cluster gets (subset and port-level settings merged, CDS's routeHashPolicy), so the
 * route's hash key and the cluster's hashing load balancer always agree. Istio applies port-level
 * settings only for destinations with an explicit port; Weft uses the cluster's port either way.
 */
export function routeHashPoliciesFor(snapshot: MeshSnapshot, proxy: ProxyView, scope: SidecarScope): RouteHashPolicies {
  const byHost = new Map(scope.services.map((s) => [s.hostname, s]));
  const ruleOf = (host: string) => destinationRuleFor(snapshot, proxy, host, byHost.get(host)?.namespace)?.spec;
  return {
    forDestination: (d, listenPort) => routeHashPolicy(ruleOf(d.host), d.subset, destinationPort(d, byHost.get(d.host), listenPort))[0],
    forService: (service, port) => routeHashPolicy(ruleOf(service.hostname), undefined, port)[0],
  };
}

/** The VirtualServices RDS uses for `proxy`: bound to `mesh`, delegates merged, hosts resolved. */
export function rdsVirtualServices(snapshot: MeshSnapshot, proxy: ProxyView): RdsVirtualService[] {
  return virtualServicesFor(snapshot, proxy, MESH_GATEWAY).map((vs) => ({
    name: vs.item.name,
    namespace: vs.item.namespace,
    hosts: vs.hosts,
    spec: resolveDestinationHosts(vs.spec, vs.item.namespace, snapshot.mesh.domainSuffix),
  }));
}

/**
 * The outbound route configurations of a sidecar, sorted by port. Each holds the virtual hosts of
 * {@link buildVirtualHosts} then the catch-all (`allow_any` or `block_all` by the scope's
 * outboundTrafficPolicy). Routers get none here.
 */
export function generateRoutes(snapshot: MeshSnapshot, proxy: ProxyView, scope: SidecarScope = sidecarScopeFor(snapshot, proxy)): EnvoyResource[] {
  if (proxy.type !== 'sidecar') return [];
  const hashPolicies = routeHashPoliciesFor(snapshot, proxy, scope);
  const virtualServices = rdsVirtualServices(snapshot, proxy);
  const byHost = new Map(scope.services.map((s) => [s.hostname, s]));
  const allowAnyTo =
    scope.outboundTrafficPolicy === 'ALLOW_ANY' ? allowAnyCluster(scope.sidecar?.spec.outboundTrafficPolicy?.egressProxy, scope.sidecar?.namespace ?? proxy.namespace, snapshot.mesh.domainSuffix) : undefined;
  const source = { gateways: new Set([MESH_GATEWAY]), labels: proxy.labels, namespace: proxy.namespace };
  return outboundPorts(scope)
    .filter(hasHttp)
    .map((port) => {
      const virtualHosts = buildVirtualHosts({
        port,
        virtualServices,
        source,
        domainSuffix: snapshot.mesh.domainSuffix,
        serviceOf: (h) => byHost.get(h),
        hashPolicyOf: hashPolicies.forDestination,
        defaultHashPolicyOf: hashPolicies.forService,
      });
      return {
        name: String(port.port),
        virtual_hosts: [...virtualHosts, catchAllVirtualHost(allowAnyTo)],
        validate_clusters: { value: false },
        max_direct_response_body_size_bytes: { value: MAX_DIRECT_RESPONSE_BODY_BYTES },
      };
    });
}
