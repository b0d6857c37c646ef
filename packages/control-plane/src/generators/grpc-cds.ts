// CDS for proxyless gRPC clients (Istio grpcgen/cds.go): `outbound|port|subset|host` clusters of the
// shapes gRPC's xDS client accepts (gRFC A27, A32, A37, A42): EDS over ADS, LOGICAL_DNS for DNS
// services, ROUND_ROBIN or RING_HASH. EDS endpoints are grpc-eds.ts's.

import type { ClusterInputs } from './cds-inputs.js';
import { outboundClusterPlans, type OutboundClusterPlan } from './cds.js';
import type { ClusterTrafficPolicy } from './cds-traffic-policy.js';
import { buildGrpcLoadAssignment, grpcEndpointsOf } from './grpc-load-assignment.js';
import type { EnvoyResource } from './types.js';

/** gRPC rejects rings larger than this (gRFC A42). */
const MAX_RING_SIZE = 8_388_608;

/** The cluster shape gRPC gets for a plan, or undefined when gRPC cannot use the service at all:
 *  ORIGINAL_DST (resolution NONE, `simple: PASSTHROUGH`) needs a proxy that saw the original
 *  destination. UDP ports are not gRPC. */
export function grpcClusterType(plan: OutboundClusterPlan): 'EDS' | 'LOGICAL_DNS' | undefined {
  if (plan.port.protocol === 'UDP') return undefined;
  if (plan.type === 'EDS') return 'EDS';
  if (plan.type === 'STRICT_DNS' || plan.type === 'LOGICAL_DNS') return 'LOGICAL_DNS';
  return undefined;
}

/**
 * lb_policy for gRPC: consistentHash → RING_HASH (minimumRingSize, capped at gRPC's maximum; a maglev
 * table size has no gRPC equivalent and is dropped), anything else → ROUND_ROBIN. gRPC implements no
 * LEAST_REQUEST or RANDOM in xDS; Istio's grpcgen logs them and leaves ROUND_ROBIN too.
 */
function grpcLoadBalancer(policy: ClusterTrafficPolicy | undefined): Record<string, unknown> {
  const hash = policy?.loadBalancer?.consistentHash;
  if (!hash) return { lb_policy: 'ROUND_ROBIN' };
  const min = hash.ringHash?.minimumRingSize ?? hash.minimumRingSize;
  return { lb_policy: 'RING_HASH', ...(min ? { ring_hash_lb_config: { minimum_ring_size: { value: String(Math.min(min, MAX_RING_SIZE)) } } } : {}) };
}

/** `circuit_breakers` with the one threshold gRPC enforces (gRFC A32): max_requests, from
 *  connectionPool.http.http2MaxRequests. Istio's grpcgen sets none. */
function grpcCircuitBreakers(policy: ClusterTrafficPolicy | undefined): Record<string, unknown> {
  const max = policy?.connectionPool?.http?.http2MaxRequests;
  return max ? { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: { value: max } }] } } : {};
}

/**
 * The clusters of a proxyless gRPC client: for each visible service port, the default cluster and one
 * per DestinationRule subset (cds.ts's plans, so names and merged policies are the sidecar's). STATIC
 * services get EDS clusters over ADS; DNS services a LOGICAL_DNS cluster holding the first endpoint,
 * which gRPC resolves itself. No TLS yet (ISTIO_MUTUAL comes with the security milestone), no outlier
 * detection (gRPC implements only success-rate and failure-percentage ejection, which Istio's API does
 * not expose), no BlackHole or Passthrough clusters. The xDS cache answers only the names subscribed.
 */
export function generateGrpcClusters(inputs: ClusterInputs): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const input of inputs.services) {
    for (const plan of outboundClusterPlans(input)) {
      const type = grpcClusterType(plan);
      if (!type) continue;
      const common = { name: plan.name, ...grpcLoadBalancer(plan.policy), ...grpcCircuitBreakers(plan.policy) };
      if (type === 'EDS') {
        out.push({ ...common, type: 'EDS', eds_cluster_config: { service_name: plan.name, eds_config: { ads: {}, resource_api_version: 'V3' } } });
        continue;
      }
      const first = grpcEndpointsOf(input, plan, false)[0];
      if (!first) continue;
      const assignment = buildGrpcLoadAssignment(plan.name, [first], { proxyLocality: inputs.proxyLocality, proxyLabels: inputs.proxyLabels, policy: plan.policy });
      out.push({ ...common, type: 'LOGICAL_DNS', load_assignment: assignment });
    }
  }
  return out;
}
