// The contracts between the request path and a cluster's resilience state: circuit breakers and
// outlier detection. Their state outlives one compiled config (an EDS or CDS update must not reset
// in-flight counts or ejections), so it lives in a ClusterRuntime keyed by cluster name and endpoint key.

import type { Endpoint, HostHealth } from '../balancer/picker.js';

export type { PickContext } from '../balancer/picker.js';

/**
 * Envoy's circuit breakers for one cluster at the default priority (`circuit_breakers.thresholds`;
 * Envoy's defaults: 1024 connections, 1024 pending requests, 1024 requests, 3 retries). Every
 * `tryStart*` that returns true must be matched by one `end*`; a false return means the threshold is
 * reached (the caller answers 503 with flag UO, or for a retry stops retrying). The counters are shared
 * by every compiled version of the cluster; the thresholds are the newest config's.
 */
export interface CircuitBreaker {
  /** A request is about to be sent upstream (max_requests, in flight over all endpoints). */
  tryStartRequest(): boolean;
  endRequest(): void;
  /** A request waits for an upstream connection (max_pending_requests). */
  tryStartPending(): boolean;
  endPending(): void;
  /** A retry is about to be sent (max_retries, retries in flight; with a retry_budget, the budget's
   *  share of active and pending requests, at least min_retry_concurrency). */
  tryStartRetry(): boolean;
  endRetry(): void;
  /** An upstream connection is about to be opened (max_connections, open over all endpoints). With
   *  `endpoint`, also counts the host's cx_total and cx_active. */
  tryOpenConnection(endpoint?: Endpoint): boolean;
  /** The connection opened by `tryOpenConnection` closed (pass the same endpoint). */
  closeConnection(endpoint?: Endpoint): void;
  /** max_connections, for the connection pool's size. */
  readonly maxConnections: number;
}

/** What one try to an endpoint came to, as outlier detection counts it. */
export type TryResult =
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'connect-failure' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'timeout' };

/** Outlier detection of one cluster: told the result of every try, it ejects endpoints (a picker never
 *  returns an ejected endpoint, except in panic mode) and brings them back after
 *  base_ejection_time × ejections (capped by max_ejection_time). */
export interface OutlierDetector extends HostHealth {
  report(endpoint: Endpoint, result: TryResult): void;
  /** Whether `endpoint` is ejected now. */
  isEjected(endpoint: Endpoint): boolean;
}
