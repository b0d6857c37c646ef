// Compiles one Cluster with its endpoints (from EDS, or the inline load_assignment of STATIC and DNS
// clusters) into an endpoint list and a picker for its lb_policy. Unhealthy and draining endpoints are
// left out here, so the request path never filters.

import { createLeastRequestPicker } from '../balancer/lb-least-request.js';
import { createRandomPicker } from '../balancer/lb-random.js';
import { createRoundRobinPicker } from '../balancer/lb-round-robin.js';
import type { Endpoint, Picker } from '../balancer/picker.js';
import type { ClusterLoadAssignmentShape, ClusterShape } from '../xds-client/envoy-shapes.js';
import { durationMs } from './duration.js';

/** A cluster ready to serve. */
export interface CompiledCluster {
  readonly name: string;
  readonly type: string;
  readonly endpoints: readonly Endpoint[];
  readonly picker: Picker;
  /** connect_timeout, Envoy's 5 s when unset. */
  readonly connectTimeoutMs: number;
}

// Envoy routes to HEALTHY and UNKNOWN hosts; DEGRADED only when nothing else is left (not done yet).
const USABLE = new Set(['HEALTHY', 'UNKNOWN', undefined]);

/** The usable endpoints of a ClusterLoadAssignment. */
export function endpointsOf(cla: ClusterLoadAssignmentShape | undefined): Endpoint[] {
  const out: Endpoint[] = [];
  for (const locality of cla?.endpoints ?? []) {
    const where = [locality.locality?.region ?? '', locality.locality?.zone ?? '', locality.locality?.sub_zone ?? ''].join('/');
    for (const lb of locality.lb_endpoints ?? []) {
      if (!USABLE.has(lb.health_status)) continue;
      const sa = lb.endpoint?.address?.socket_address;
      if (!sa?.address || !sa.port_value) continue;
      const host = sa.address;
      out.push({ host, port: sa.port_value, key: host.includes(':') ? `[${host}]:${sa.port_value}` : `${host}:${sa.port_value}`, weight: lb.load_balancing_weight?.value ?? 1, locality: where, active: 0 });
    }
  }
  return out;
}

function pickerFor(policy: string, endpoints: readonly Endpoint[]): Picker {
  switch (policy) {
    case 'RANDOM':
      return createRandomPicker(endpoints);
    case 'LEAST_REQUEST':
      return createLeastRequestPicker(endpoints);
    default:
      // ROUND_ROBIN (the proto default) and policies not implemented yet (RING_HASH, MAGLEV).
      return createRoundRobinPicker(endpoints);
  }
}

/** Compiles `cluster`; `assignments` holds the accepted ClusterLoadAssignments by name. An EDS cluster
 *  whose assignment has not arrived has no endpoints (503 UH), as a warming cluster would in Envoy. */
export function compileCluster(cluster: ClusterShape, assignments: ReadonlyMap<string, ClusterLoadAssignmentShape>): CompiledCluster {
  const name = cluster.name ?? '';
  const type = cluster.type ?? 'STATIC';
  const cla = type === 'EDS' ? assignments.get(cluster.eds_cluster_config?.service_name || name) : cluster.load_assignment;
  const endpoints = Object.freeze(endpointsOf(cla));
  return Object.freeze({
    name,
    type,
    endpoints,
    picker: pickerFor(cluster.lb_policy ?? 'ROUND_ROBIN', endpoints),
    connectTimeoutMs: durationMs((cluster as Record<string, unknown>).connect_timeout) ?? 5000,
  });
}
