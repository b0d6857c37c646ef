// Envoy's circuit breakers for one cluster (ResourceManagerImpl): in-flight counters of requests,
// pending requests, retries and connections, each refused at its threshold, plus the overflow counts
// Envoy reports as upstream_rq_pending_overflow, upstream_rq_retry_overflow and upstream_cx_overflow.
// One instance per cluster name lives in the ClusterRuntime; a recompile only changes its thresholds.

import type { Endpoint } from '../balancer/picker.js';
import type { CircuitBreaker } from './cluster-state.js';
import { wrapped, type BreakerThresholdsShape } from './cluster-shapes.js';

/** The thresholds of the default priority. */
export interface BreakerThresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  /** retry_budget: when set it replaces max_retries. */
  readonly retryBudget?: { readonly budgetPercent: number; readonly minRetryConcurrency: number };
}

/** Envoy's defaults when a cluster sets no thresholds. */
export const DEFAULT_BREAKER_THRESHOLDS: BreakerThresholds = Object.freeze({ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 });

/** The DEFAULT-priority thresholds of `circuit_breakers.thresholds`, Envoy's defaults for fields unset. */
export function breakerThresholds(thresholds: readonly BreakerThresholdsShape[] | undefined): BreakerThresholds {
  const t = thresholds?.find((x) => (x.priority ?? 'DEFAULT') === 'DEFAULT');
  const d = DEFAULT_BREAKER_THRESHOLDS;
  const budget = t?.retry_budget;
  return Object.freeze({
    maxConnections: wrapped(t?.max_connections, d.maxConnections),
    maxPendingRequests: wrapped(t?.max_pending_requests, d.maxPendingRequests),
    maxRequests: wrapped(t?.max_requests, d.maxRequests),
    maxRetries: wrapped(t?.max_retries, d.maxRetries),
    // Envoy's retry budget defaults: 20% of active + pending requests, at least 3 retries.
    ...(budget ? { retryBudget: { budgetPercent: wrapped(budget.budget_percent, 20), minRetryConcurrency: wrapped(budget.min_retry_concurrency, 3) } } : {}),
  });
}

/** Overflow counters (Envoy's cluster stats of the same names). */
export interface BreakerStats {
  /** max_requests or max_pending_requests refused a request (upstream_rq_pending_overflow). */
  rqPendingOverflow: number;
  /** upstream_rq_retry_overflow. */
  rqRetryOverflow: number;
  /** upstream_cx_overflow. */
  cxOverflow: number;
}

/** The breaker of one cluster name. */
export class ClusterCircuitBreaker implements CircuitBreaker {
  #t: BreakerThresholds = DEFAULT_BREAKER_THRESHOLDS;
  /** In flight, for /stats (Envoy's remaining_* gauges are thresholds minus these). */
  requests = 0;
  pending = 0;
  retries = 0;
  connections = 0;
  readonly stats: BreakerStats = { rqPendingOverflow: 0, rqRetryOverflow: 0, cxOverflow: 0 };

  /** Takes the thresholds of the newest config; counters carry on. */
  configure(thresholds: BreakerThresholds): void {
    this.#t = thresholds;
  }

  get thresholds(): BreakerThresholds {
    return this.#t;
  }

  get maxConnections(): number {
    return this.#t.maxConnections;
  }

  /** The current retry limit: max_retries, or the retry budget's share of the load. */
  get maxRetries(): number {
    const b = this.#t.retryBudget;
    return b ? Math.max(b.minRetryConcurrency, Math.floor((b.budgetPercent / 100) * (this.requests + this.pending))) : this.#t.maxRetries;
  }

  tryStartRequest(): boolean {
    if (this.requests >= this.#t.maxRequests) {
      this.stats.rqPendingOverflow++;
      return false;
    }
    this.requests++;
    return true;
  }

  endRequest(): void {
    if (this.requests > 0) this.requests--;
  }

  tryStartPending(): boolean {
    if (this.pending >= this.#t.maxPendingRequests) {
      this.stats.rqPendingOverflow++;
      return false;
    }
    this.pending++;
    return true;
  }

  endPending(): void {
    if (this.pending > 0) this.pending--;
  }

  tryStartRetry(): boolean {
    if (this.retries >= this.maxRetries) {
      this.stats.rqRetryOverflow++;
      return false;
    }
    this.retries++;
    return true;
  }

  endRetry(): void {
    if (this.retries > 0) this.retries--;
  }

  tryOpenConnection(endpoint?: Endpoint): boolean {
    if (this.connections >= this.#t.maxConnections) {
      this.stats.cxOverflow++;
      return false;
    }
    this.connections++;
    if (endpoint?.stats) {
      endpoint.stats.cxTotal++;
      endpoint.stats.cxActive++;
    }
    return true;
  }

  closeConnection(endpoint?: Endpoint): void {
    if (this.connections > 0) this.connections--;
    if (endpoint?.stats && endpoint.stats.cxActive > 0) endpoint.stats.cxActive--;
  }
}
