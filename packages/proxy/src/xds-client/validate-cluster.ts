// What makes a decoded Cluster unusable, in Envoy's words where Envoy has them: a discovery type that
// needs endpoints and has none it can use, ORIGINAL_DST with a load balancer other than the cluster's
// own, a custom cluster_type weft-proxy does not implement.

import { loadUpstreamTls } from '../tls/upstream-tls.js';
import type { TransportSocketShape } from '../tls/downstream-tls.js';
import type { ClusterShape } from './envoy-shapes.js';
import { loadAssignmentProblems } from './validate-endpoints.js';

/** Every reason `cluster` cannot be used; empty when it can. */
export function clusterProblems(cluster: ClusterShape): string[] {
  if (cluster.cluster_type) return ['cluster_type (custom cluster) is not supported by weft-proxy'];
  // An unset type is STATIC (the proto's default), and an unset lb_policy is ROUND_ROBIN.
  const type = cluster.type ?? 'STATIC';
  const lbPolicy = cluster.lb_policy ?? 'ROUND_ROBIN';
  const problems: string[] = [];
  switch (type) {
    case 'EDS':
      if (!cluster.eds_cluster_config) problems.push('cannot create an EDS cluster without an EDS config');
      break;
    case 'STATIC':
    case 'STRICT_DNS':
    case 'LOGICAL_DNS':
      if (cluster.load_assignment) problems.push(...loadAssignmentProblems(cluster.load_assignment, type === 'STATIC', 'load_assignment'));
      if (type === 'LOGICAL_DNS') {
        const localities = cluster.load_assignment?.endpoints ?? [];
        if (localities.length !== 1 || (localities[0]?.lb_endpoints?.length ?? 0) !== 1) problems.push('LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint');
      }
      break;
    case 'ORIGINAL_DST':
      if (lbPolicy !== 'CLUSTER_PROVIDED') problems.push(`cluster: LB policy ${lbPolicy} is not valid for Cluster type ORIGINAL_DST. Only 'CLUSTER_PROVIDED' is allowed with cluster type 'ORIGINAL_DST'`);
      break;
    default:
      problems.push(`cluster type ${type} is not supported by weft-proxy`);
  }
  if (lbPolicy === 'CLUSTER_PROVIDED' && type !== 'ORIGINAL_DST') problems.push(`cluster: LB policy CLUSTER_PROVIDED cannot be used with cluster type ${type}`);
  // TLS to the endpoints: certificates and CAs are read now, so a bad one is a NACK, not a failed request.
  const tls = cluster as { transport_socket?: TransportSocketShape; transport_socket_matches?: readonly { transport_socket?: TransportSocketShape }[] };
  const check = (ts: TransportSocketShape | undefined, at: string): void => {
    const r = loadUpstreamTls(ts);
    if (!r.ok) problems.push(...r.problems.map((p) => `${at}: ${p}`));
  };
  check(tls.transport_socket, 'transport_socket');
  (tls.transport_socket_matches ?? []).forEach((m, i) => check(m.transport_socket, `transport_socket_matches[${i}].transport_socket`));
  return problems;
}
