// The fields of a decoded Envoy Cluster that resilience and load balancing read, typed loosely as
// unpackAny gives them (snake_case, wrappers as { value }, 64-bit integers as strings). Types only.

/** google.protobuf.UInt32Value / UInt64Value / DoubleValue as decoded. */
export interface WrappedNumber {
  readonly value?: number | string;
}

export interface RetryBudgetShape {
  readonly budget_percent?: WrappedNumber;
  readonly min_retry_concurrency?: WrappedNumber;
}

export interface BreakerThresholdsShape {
  readonly priority?: string;
  readonly max_connections?: WrappedNumber;
  readonly max_pending_requests?: WrappedNumber;
  readonly max_requests?: WrappedNumber;
  readonly max_retries?: WrappedNumber;
  readonly retry_budget?: RetryBudgetShape;
}

export interface OutlierDetectionShape {
  readonly consecutive_5xx?: WrappedNumber;
  readonly consecutive_gateway_failure?: WrappedNumber;
  readonly consecutive_local_origin_failure?: WrappedNumber;
  readonly interval?: unknown;
  readonly base_ejection_time?: unknown;
  readonly max_ejection_time?: unknown;
  readonly max_ejection_time_jitter?: unknown;
  readonly max_ejection_percent?: WrappedNumber;
  readonly always_eject_one_host?: { readonly value?: boolean } | boolean;
  readonly enforcing_consecutive_5xx?: WrappedNumber;
  readonly enforcing_consecutive_gateway_failure?: WrappedNumber;
  readonly enforcing_consecutive_local_origin_failure?: WrappedNumber;
  readonly enforcing_success_rate?: WrappedNumber;
  readonly enforcing_local_origin_success_rate?: WrappedNumber;
  readonly enforcing_failure_percentage?: WrappedNumber;
  readonly enforcing_failure_percentage_local_origin?: WrappedNumber;
  readonly success_rate_minimum_hosts?: WrappedNumber;
  readonly success_rate_request_volume?: WrappedNumber;
  readonly success_rate_stdev_factor?: WrappedNumber;
  readonly failure_percentage_threshold?: WrappedNumber;
  readonly failure_percentage_minimum_hosts?: WrappedNumber;
  readonly failure_percentage_request_volume?: WrappedNumber;
  readonly split_external_local_origin_errors?: boolean;
}

export interface CommonLbConfigShape {
  /** envoy.type.v3.Percent. */
  readonly healthy_panic_threshold?: { readonly value?: number };
  readonly locality_weighted_lb_config?: Readonly<Record<string, unknown>>;
}

/** The Cluster fields read by compile-cluster.ts beyond ClusterShape. */
export interface ClusterResilienceShape {
  readonly circuit_breakers?: { readonly thresholds?: readonly BreakerThresholdsShape[] };
  readonly outlier_detection?: OutlierDetectionShape;
  readonly common_lb_config?: CommonLbConfigShape;
  readonly least_request_lb_config?: { readonly choice_count?: WrappedNumber; readonly active_request_bias?: { readonly default_value?: number } };
  readonly ring_hash_lb_config?: { readonly minimum_ring_size?: WrappedNumber; readonly maximum_ring_size?: WrappedNumber; readonly hash_function?: string };
  readonly maglev_lb_config?: { readonly table_size?: WrappedNumber };
  readonly connect_timeout?: unknown;
}

/** The number in a decoded wrapper (64-bit values arrive as strings), or `fallback`. */
export function wrapped(w: WrappedNumber | undefined, fallback: number): number {
  if (w === undefined || w === null || w.value === undefined) return fallback;
  const n = Number(w.value);
  return Number.isFinite(n) ? n : fallback;
}
