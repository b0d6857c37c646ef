// Envoy's per-host stats of one endpoint of one cluster (the counters and gauges GET /clusters prints).
// They live in the ClusterRuntime, not in a compiled config, so an EDS update keeps them.

/** Live counters of one endpoint of one cluster; mutated in place by the request path. */
export interface HostStats {
  /** Gauge: upstream connections open. */
  cxActive: number;
  cxConnectFail: number;
  cxTotal: number;
  /** Gauge: requests in flight (what least-request balancing reads). */
  rqActive: number;
  /** Tries that ended in a 5xx or a reset. */
  rqError: number;
  /** Tries answered with anything but a 5xx. */
  rqSuccess: number;
  rqTimeout: number;
  rqTotal: number;
}

/** All zero. */
export function createHostStats(): HostStats {
  return { cxActive: 0, cxConnectFail: 0, cxTotal: 0, rqActive: 0, rqError: 0, rqSuccess: 0, rqTimeout: 0, rqTotal: 0 };
}
