// EDS for proxyless gRPC clients: a ClusterLoadAssignment per EDS cluster grpc-cds.ts gives, built like
// the sidecar's from the endpoints gRPC's xDS client accepts (grpc-load-assignment.ts).

import type { ClusterInputs } from './cds-inputs.js';
import { outboundClusterPlans } from './cds.js';
import { grpcClusterType } from './grpc-cds.js';
import { buildGrpcLoadAssignment, grpcEndpointsOf } from './grpc-load-assignment.js';
import type { EnvoyResource } from './types.js';

/**
 * The load assignments of a proxyless gRPC client: one per EDS cluster of grpc-cds.ts (same names, same
 * subsets, same locality weights and priorities as the sidecar's), every locality set, IP endpoints
 * only. Unhealthy endpoints are sent as UNHEALTHY, and gRPC leaves them out of its picks.
 */
export function generateGrpcEndpoints(inputs: ClusterInputs): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const input of inputs.services) {
    for (const plan of outboundClusterPlans(input)) {
      if (grpcClusterType(plan) !== 'EDS') continue;
      out.push(buildGrpcLoadAssignment(plan.name, grpcEndpointsOf(input, plan, true), { proxyLocality: inputs.proxyLocality, proxyLabels: inputs.proxyLabels, policy: plan.policy }));
    }
  }
  return out;
}
