// Istio HTTPFaultInjection → the per-route config of Envoy's fault filter
// (envoy.extensions.filters.http.fault.v3.HTTPFault), Istio's TranslateFault.

import { GRPC_STATUS_CODES, type HTTPFaultInjection } from '@weft/shared';
import { TYPE_URL } from '@weft/shared/xds';
import { toEnvoyDuration } from './route-duration.js';
import { integerPercentToFractional, percentToFractional } from './route-percent.js';

function grpcStatusCode(status: string): number | undefined {
  if (/^[0-9]+$/.test(status)) return Number(status);
  return GRPC_STATUS_CODES[status.toUpperCase()];
}

/**
 * Translates a fault block into an HTTPFault with its `@type`, or undefined when nothing in it is
 * supported. Delay: `fixedDelay` with `percentage` (MILLION) or the deprecated integer `percent`
 * (HUNDRED; absent means 0, so no request is delayed, as Istio documents); `exponentialDelay` is not
 * supported (Istio drops it too). Abort: `httpStatus` or `grpcStatus`; without `percentage` the
 * percentage is left unset, which Envoy reads as 0%. `http2Error` is not supported (as Istio).
 */
export function translateFault(fault: HTTPFaultInjection | undefined): Record<string, unknown> | undefined {
  if (fault === undefined) return undefined;
  let delay: Record<string, unknown> | undefined;
  const fixed = toEnvoyDuration(fault.delay?.fixedDelay);
  if (fault.delay && fixed) {
    const percentage = fault.delay.percentage ? percentToFractional(fault.delay.percentage.value) : integerPercentToFractional(fault.delay.percent ?? 0);
    delay = { fixed_delay: fixed, percentage };
  }
  let abort: Record<string, unknown> | undefined;
  const a = fault.abort;
  if (a) {
    const percentage = a.percentage ? { percentage: percentToFractional(a.percentage.value) } : {};
    if (a.httpStatus !== undefined) abort = { http_status: a.httpStatus, ...percentage };
    else if (a.grpcStatus !== undefined) {
      const code = grpcStatusCode(a.grpcStatus);
      if (code !== undefined) abort = { grpc_status: code, ...percentage };
    }
  }
  if (!delay && !abort) return undefined;
  return { '@type': TYPE_URL.FAULT, ...(delay ? { delay } : {}), ...(abort ? { abort } : {}) };
}
