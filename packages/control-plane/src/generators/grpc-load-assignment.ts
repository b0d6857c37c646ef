// Which endpoints a proxyless gRPC client accepts in a load assignment, and the locality it insists
// on (gRFC A27 validation). Shared by grpc-cds.ts (LOGICAL_DNS) and grpc-eds.ts (EDS).

import { isIP } from 'node:net';
import type { Endpoint } from '../registry/model.js';
import type { ServiceClusterInput } from './cds-inputs.js';
import type { OutboundClusterPlan } from './cds.js';
import { buildLoadAssignment, subsetEndpoints, type LoadAssignmentContext } from './eds-load-assignment.js';
import type { EnvoyResource } from './types.js';

/**
 * The endpoints of one cluster a gRPC client can use: the service's endpoints on the plan's port and
 * subset, without `unix://` paths, and without duplicate address:port pairs (gRPC rejects the whole
 * assignment for either). With `ipOnly`, host names are dropped too: EDS addresses must be IPs.
 */
export function grpcEndpointsOf(input: ServiceClusterInput, plan: OutboundClusterPlan, ipOnly: boolean): Endpoint[] {
  const seen = new Set<string>();
  const ofPort = input.endpoints.filter((e) => e.servicePortName === plan.port.name);
  return subsetEndpoints(ofPort, plan.subset?.labels).filter((e) => {
    if (e.address.startsWith('unix://') || (ipOnly && isIP(e.address) === 0)) return false;
    const key = `${e.address}|${e.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The sidecar's load assignment (eds-load-assignment.ts: locality groups, weights, priorities) with a
 * `locality` on every group, empty when unknown: gRPC rejects an assignment with an unset locality,
 * where Envoy (and the sidecar generator) leave it out.
 */
export function buildGrpcLoadAssignment(clusterName: string, endpoints: readonly Endpoint[], ctx: LoadAssignmentContext): EnvoyResource {
  const assignment = buildLoadAssignment(clusterName, endpoints, ctx);
  const groups = (assignment.endpoints as Record<string, unknown>[]).map((g) => ({ locality: {}, ...g }));
  return { ...assignment, endpoints: groups };
}
