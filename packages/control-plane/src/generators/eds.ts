// EDS: a ClusterLoadAssignment for every EDS cluster CDS gives the proxy (STATIC-resolution
// services, default and subset clusters). Endpoint grouping, weights and locality priorities are
// eds-load-assignment.ts; which clusters exist is cds.ts.

import type { ClusterInputs } from './cds-inputs.js';
import { outboundClusterPlans } from './cds.js';
import { buildLoadAssignment, subsetEndpoints } from './eds-load-assignment.js';
import type { EnvoyResource } from './types.js';

/**
 * The load assignments of the proxy described by `inputs`: one per EDS cluster, named by
 * `cluster_name`, with the service's endpoints for that port (matched by port name), narrowed to
 * the subset's labels for subset clusters. Services the proxy cannot see are not in `inputs`, so
 * their endpoints are never sent. DNS clusters carry their endpoints inline (CDS) and ORIGINAL_DST
 * clusters have none.
 */
export function generateEndpoints(inputs: ClusterInputs): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const input of inputs.services) {
    for (const plan of outboundClusterPlans(input)) {
      if (plan.type !== 'EDS') continue;
      const ofPort = input.endpoints.filter((e) => e.servicePortName === plan.port.name);
      out.push(buildLoadAssignment(plan.name, subsetEndpoints(ofPort, plan.subset?.labels), { proxyLocality: inputs.proxyLocality, proxyLabels: inputs.proxyLabels, policy: plan.policy }));
    }
  }
  return out;
}
