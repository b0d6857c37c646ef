// What makes a ClusterLoadAssignment (from EDS, or inline in a cluster) unusable: an endpoint without a
// socket address or port, an address that is not an IP where Envoy needs one, a zero weight.

import { isIP } from 'node:net';
import type { ClusterLoadAssignmentShape } from './envoy-shapes.js';

/**
 * Every reason `assignment` cannot be used. `needIp` is true for EDS and STATIC clusters, whose
 * addresses Envoy parses as IPs ("malformed IP address"); DNS clusters carry host names.
 */
export function loadAssignmentProblems(assignment: ClusterLoadAssignmentShape, needIp: boolean, at = ''): string[] {
  const problems: string[] = [];
  const prefix = at ? `${at}.` : '';
  (assignment.endpoints ?? []).forEach((locality, i) => {
    if (locality.load_balancing_weight && !(locality.load_balancing_weight.value ?? 0)) problems.push(`${prefix}endpoints[${i}].load_balancing_weight: must be at least 1`);
    (locality.lb_endpoints ?? []).forEach((lb, j) => {
      const here = `${prefix}endpoints[${i}].lb_endpoints[${j}]`;
      const socket = lb.endpoint?.address?.socket_address;
      if (!socket) {
        problems.push(`${here}: endpoint.address.socket_address is required`);
        return;
      }
      const address = socket.address ?? '';
      if (address === '') problems.push(`${here}: address must not be empty`);
      else if (needIp && isIP(address) === 0) problems.push(`${here}: malformed IP address: ${address}`);
      if (socket.named_port) problems.push(`${here}: named_port is not supported`);
      else if (!socket.port_value) problems.push(`${here}: port_value is required`);
      if (lb.load_balancing_weight && !(lb.load_balancing_weight.value ?? 0)) problems.push(`${here}.load_balancing_weight: must be at least 1`);
    });
  });
  return problems;
}
