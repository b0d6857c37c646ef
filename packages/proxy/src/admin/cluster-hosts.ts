// The hosts of a cluster as the admin API shows them: from its EDS ClusterLoadAssignment, or from its
// inline load_assignment for STATIC and DNS clusters (host names unresolved for now), joined with their
// live state from the ClusterRuntime when one is given: per-host stats and outlier ejection.

import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { createHostStats, type HostStats } from '../cluster/host-stats.js';
import type { AcceptedResource, XdsSnapshot } from '../xds-client/resource-store.js';
import type { ClusterLoadAssignmentShape, ClusterShape } from '../xds-client/envoy-shapes.js';

/** One upstream host of a cluster. */
export interface ClusterHost {
  readonly address: string;
  readonly port: number;
  /** `ip:port`, `[ipv6]:port` for IPv6, as Envoy prints a host. */
  readonly hostPort: string;
  readonly hostname: string;
  /** EDS health status name (`HEALTHY`, `UNHEALTHY`, ...); `UNKNOWN` when unset. */
  readonly healthStatus: string;
  readonly weight: number;
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
  readonly priority: number;
  /** Live stats (all zero without a runtime or before the first request). */
  readonly stats: HostStats;
  /** Ejected by outlier detection now. */
  readonly ejected: boolean;
  /** Success rates of the last outlier interval, -1 when not computed (Envoy's convention). */
  readonly successRate: number;
  readonly localOriginSuccessRate: number;
}

/** The ClusterLoadAssignment that feeds `cluster`, if any. */
export function assignmentOf(cluster: AcceptedResource, snapshot: XdsSnapshot): ClusterLoadAssignmentShape | undefined {
  const shape = cluster.message as ClusterShape;
  if (shape.type === 'EDS') return snapshot.endpoint.resources.get(shape.eds_cluster_config?.service_name || cluster.name)?.message as ClusterLoadAssignmentShape | undefined;
  return shape.load_assignment;
}

const ZERO_STATS: HostStats = Object.freeze(createHostStats());

/** The hosts of `cluster`, in assignment order, with their live state from `runtime`. */
export function clusterHosts(cluster: AcceptedResource, snapshot: XdsSnapshot, runtime?: ClusterRuntime): ClusterHost[] {
  const live = runtime?.get(cluster.name);
  // Reading ejections brings them up to date (returns due hosts), as a pick would.
  if (live?.outlier.enabled) live.outlier.refresh();
  const hosts: ClusterHost[] = [];
  for (const locality of assignmentOf(cluster, snapshot)?.endpoints ?? []) {
    for (const lb of locality.lb_endpoints ?? []) {
      const socket = lb.endpoint?.address?.socket_address;
      if (!socket?.address) continue;
      const port = socket.port_value ?? 0;
      const hostPort = socket.address.includes(':') ? `[${socket.address}]:${port}` : `${socket.address}:${port}`;
      const outlier = live?.outlier.enabled ? live.outlier.host(hostPort) : undefined;
      hosts.push({
        address: socket.address,
        port,
        hostPort,
        hostname: lb.endpoint?.hostname ?? '',
        healthStatus: lb.health_status ?? 'UNKNOWN',
        weight: lb.load_balancing_weight?.value ?? 1,
        region: locality.locality?.region ?? '',
        zone: locality.locality?.zone ?? '',
        subZone: locality.locality?.sub_zone ?? '',
        priority: locality.priority ?? 0,
        stats: live?.peekHostStats(hostPort) ?? ZERO_STATS,
        ejected: outlier?.ejected ?? false,
        successRate: outlier?.successRate ?? -1,
        localOriginSuccessRate: outlier?.localOriginSuccessRate ?? -1,
      });
    }
  }
  return hosts;
}
