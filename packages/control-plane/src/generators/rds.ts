// RDS for sidecars: one RouteConfiguration per outbound HTTP port, named by the port (`9080`), with
// a virtual host per service on that port and a catch-all (Istio BuildHTTPRoutes, sidecar branch).
// Routers are handed to rds-gateway.ts.

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { sidecarScopeFor, type SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { MESH_GATEWAY } from '../snapshot/lookup-virtual-services.js';
import { hasHttp, outboundPorts } from './lds-outbound-ports.js';
import { allowAnyCluster, catchAllVirtualHost } from './rds-catch-all.js';
import { generateGatewayRoutes } from './rds-gateway.js';
import { MAX_DIRECT_RESPONSE_BODY_BYTES, rdsVirtualServices, routeHashPoliciesFor } from './rds-inputs.js';
import { buildVirtualHosts } from './rds-virtual-hosts.js';
import type { EnvoyResource } from './types.js';

/**
 * The outbound route configurations of a sidecar, sorted by port. Each holds the virtual hosts of
 * {@link buildVirtualHosts} then the catch-all (`allow_any` or `block_all` by the scope's
 * outboundTrafficPolicy). Routers get their Gateways' route configurations (generateGatewayRoutes).
 */
export function generateRoutes(snapshot: MeshSnapshot, proxy: ProxyView, scope: SidecarScope = sidecarScopeFor(snapshot, proxy)): EnvoyResource[] {
  if (proxy.type === 'router') return generateGatewayRoutes(snapshot, proxy, scope);
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
