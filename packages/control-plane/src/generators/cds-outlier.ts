// DestinationRule outlierDetection → a cluster's outlier_detection and healthy panic threshold,
// as Istio's applyOutlierDetection (cluster_traffic_policy.go) writes them.

import type { OutlierDetection } from '@weft/shared';
import { toEnvoyDuration } from './route-duration.js';

/** The cluster fields outlier detection sets. */
export interface OutlierFields {
  readonly outlier_detection?: Record<string, unknown>;
  /** Goes into common_lb_config. */
  readonly healthy_panic_threshold?: { value: number };
}

/**
 * Istio's mapping: success-rate ejection off (enforcing_success_rate 0); consecutive5xxErrors →
 * consecutive_5xx with enforcing 100 (0 turns it off: enforcing 0); consecutiveGatewayErrors →
 * consecutive_gateway_failure likewise (the deprecated consecutiveErrors stands in for it, as older
 * Istio mapped it); interval, baseEjectionTime, maxEjectionPercent as given;
 * splitExternalLocalOriginErrors with consecutiveLocalOriginFailures. minHealthPercent becomes
 * common_lb_config.healthy_panic_threshold, always set (0 when unset): Istio turns Envoy's 50%
 * panic mode off for small services.
 */
export function outlierFields(outlier: OutlierDetection | undefined): OutlierFields {
  if (!outlier) return {};
  const out: Record<string, unknown> = { enforcing_success_rate: { value: 0 } };
  const c5xx = outlier.consecutive5xxErrors;
  if (c5xx !== undefined && c5xx !== null) {
    out.consecutive_5xx = { value: c5xx };
    out.enforcing_consecutive_5xx = { value: c5xx > 0 ? 100 : 0 };
  }
  // The deprecated consecutiveErrors counted 502/503/504 only (istio/api#617): a gateway-error count.
  const gw = outlier.consecutiveGatewayErrors ?? outlier.consecutiveErrors;
  if (gw !== undefined && gw !== null) {
    out.consecutive_gateway_failure = { value: gw };
    out.enforcing_consecutive_gateway_failure = { value: gw > 0 ? 100 : 0 };
  }
  const interval = toEnvoyDuration(outlier.interval);
  if (interval) out.interval = interval;
  const base = toEnvoyDuration(outlier.baseEjectionTime);
  if (base) out.base_ejection_time = base;
  if (outlier.maxEjectionPercent && outlier.maxEjectionPercent > 0) out.max_ejection_percent = { value: outlier.maxEjectionPercent };
  if (outlier.splitExternalLocalOriginErrors) {
    out.split_external_local_origin_errors = true;
    if (outlier.consecutiveLocalOriginFailures) {
      out.consecutive_local_origin_failure = { value: outlier.consecutiveLocalOriginFailures };
      out.enforcing_consecutive_local_origin_failure = { value: 100 };
    }
    out.enforcing_local_origin_success_rate = { value: 0 };
  }
  return { outlier_detection: out, healthy_panic_threshold: { value: outlier.minHealthPercent ?? 0 } };
}
