// The last virtual host of every sidecar outbound route configuration: where HTTP requests for hosts
// no service claims go. ALLOW_ANY → `allow_any` to PassthroughCluster (or the Sidecar's egressProxy);
// REGISTRY_ONLY → `block_all`, a direct 502 (Istio buildCatchAllVirtualHost).

import type { OutboundTrafficPolicyEgressProxy } from '@weft/shared';
import { resolveHost } from '../snapshot/lookup-host-names.js';
import { PASSTHROUGH_CLUSTER } from './cluster-names.js';
import { destinationClusterName } from './route-destination.js';
import { ZERO_DURATION } from './route-duration.js';
import type { EnvoyVirtualHost } from './rds-virtual-hosts.js';


/** The egress cluster of unknown traffic under ALLOW_ANY: the egressProxy's cluster when a Sidecar
 *  names one (its host resolved in `namespace`), else PassthroughCluster. */
export function allowAnyCluster(egressProxy: OutboundTrafficPolicyEgressProxy | undefined, namespace: string, domainSuffix: string): string {
  if (!egressProxy?.host) return PASSTHROUGH_CLUSTER;
  const destination = {
    host: resolveHost(egressProxy.host, namespace, domainSuffix),
    ...(egressProxy.subset ? { subset: egressProxy.subset } : {}),
    ...(egressProxy.port?.number ? { port: { number: egressProxy.port.number } } : {}),
  };
  return destinationClusterName(destination, undefined, 0);
}

/** The catch-all virtual host (`*`). `allowAnyTo` is the ALLOW_ANY cluster, or undefined for REGISTRY_ONLY. */
export function catchAllVirtualHost(allowAnyTo: string | undefined): EnvoyVirtualHost {
  if (allowAnyTo !== undefined) {
    return {
      name: 'allow_any',
      domains: ['*'],
      routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: allowAnyTo, timeout: ZERO_DURATION, max_grpc_timeout: ZERO_DURATION } }],
      include_request_attempt_count: true,
    };
  }
  return {
    name: 'block_all',
    domains: ['*'],
    routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }],
    include_request_attempt_count: true,
  };
}
