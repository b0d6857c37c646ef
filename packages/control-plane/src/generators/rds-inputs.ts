// What every RDS generator reads besides the ports: the VirtualServices bound to a gateway name
// (delegates merged, destination hosts resolved) and the route hash policies from DestinationRules.
// Shared by sidecar (rds.ts), gateway (rds-gateway.ts) and proxyless gRPC (grpc-rds.ts) routes.

import type { Destination } from '@weft/shared';
import type { MeshService } from '../registry/model.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { destinationRuleFor } from '../snapshot/lookup-destination-rule.js';
import type { SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { MESH_GATEWAY, virtualServicesFor } from '../snapshot/lookup-virtual-services.js';
import { routeHashPolicy } from './cds-load-balancer.js';
import type { RdsVirtualService } from './rds-virtual-hosts.js';
import { destinationPort } from './route-destination.js';
import { resolveDestinationHosts } from './route-resolve-hosts.js';
import type { EnvoyHashPolicy } from './route-translate.js';

/** Istio's limit for direct response bodies (1 MiB, the same the validator enforces; Envoy's default is 4 KiB). */
export const MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;

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

/** The VirtualServices RDS uses for `proxy`: bound to `gateway` (`mesh` for sidecars, `ns/name` for a
 *  Gateway), delegates merged, hosts resolved. */
export function rdsVirtualServices(snapshot: MeshSnapshot, proxy: ProxyView, gateway: string = MESH_GATEWAY): RdsVirtualService[] {
  return virtualServicesFor(snapshot, proxy, gateway).map((vs) => ({
    name: vs.item.name,
    namespace: vs.item.namespace,
    hosts: vs.hosts,
    spec: resolveDestinationHosts(vs.spec, vs.item.namespace, snapshot.mesh.domainSuffix),
  }));
}
