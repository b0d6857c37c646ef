// A cluster's outlier_detection with Envoy's defaults filled in (DetectorConfig in
// outlier_detection_impl.cc): durations in milliseconds, percentages 0-100, stdev factor ÷ 1000.

import { durationMs } from '../compile/duration.js';
import { wrapped, type OutlierDetectionShape } from './cluster-shapes.js';

/** Outlier detection settings, every field set. */
export interface OutlierConfig {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  /** At least base_ejection_time (Envoy rejects a smaller one; we raise it). */
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  /** success_rate_stdev_factor / 1000 (1900 → 1.9). */
  readonly successRateStdevFactor: number;
  readonly failurePercentageThreshold: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  /** split_external_local_origin_errors: connect failures, resets and timeouts are counted apart
   *  (consecutive_local_origin_failure) instead of as 503 / 504. */
  readonly splitExternalLocalOriginErrors: boolean;
}

/** The config for `od`, or undefined when the cluster has no outlier_detection. */
export function outlierConfig(od: OutlierDetectionShape | undefined): OutlierConfig | undefined {
  if (!od || typeof od !== 'object') return undefined;
  const ms = (v: unknown, fallback: number): number => durationMs(v) ?? fallback;
  const base = ms(od.base_ejection_time, 30_000);
  const always = od.always_eject_one_host;
  return Object.freeze({
    intervalMs: Math.max(1, ms(od.interval, 10_000)),
    baseEjectionTimeMs: base,
    maxEjectionTimeMs: Math.max(base, ms(od.max_ejection_time, Math.max(300_000, base))),
    maxEjectionTimeJitterMs: ms(od.max_ejection_time_jitter, 0),
    maxEjectionPercent: Math.min(100, wrapped(od.max_ejection_percent, 10)),
    alwaysEjectOneHost: typeof always === 'boolean' ? always : always?.value === true,
    consecutive5xx: wrapped(od.consecutive_5xx, 5),
    consecutiveGatewayFailure: wrapped(od.consecutive_gateway_failure, 5),
    consecutiveLocalOriginFailure: wrapped(od.consecutive_local_origin_failure, 5),
    enforcingConsecutive5xx: wrapped(od.enforcing_consecutive_5xx, 100),
    enforcingConsecutiveGatewayFailure: wrapped(od.enforcing_consecutive_gateway_failure, 0),
    enforcingConsecutiveLocalOriginFailure: wrapped(od.enforcing_consecutive_local_origin_failure, 100),
    enforcingSuccessRate: wrapped(od.enforcing_success_rate, 100),
    enforcingLocalOriginSuccessRate: wrapped(od.enforcing_local_origin_success_rate, 100),
    enforcingFailurePercentage: wrapped(od.enforcing_failure_percentage, 0),
    enforcingFailurePercentageLocalOrigin: wrapped(od.enforcing_failure_percentage_local_origin, 0),
    successRateMinimumHosts: wrapped(od.success_rate_minimum_hosts, 5),
    successRateRequestVolume: wrapped(od.success_rate_request_volume, 100),
    successRateStdevFactor: wrapped(od.success_rate_stdev_factor, 1900) / 1000,
    failurePercentageThreshold: wrapped(od.failure_percentage_threshold, 85),
    failurePercentageMinimumHosts: wrapped(od.failure_percentage_minimum_hosts, 5),
    failurePercentageRequestVolume: wrapped(od.failure_percentage_request_volume, 50),
    splitExternalLocalOriginErrors: od.split_external_local_origin_errors === true,
  });
}
