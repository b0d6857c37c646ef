// Istio HTTPRetry → Envoy RetryPolicy (Istio pilot/pkg/networking/core/route/retry). With no retry
// block Istio still retries: 2 attempts on connect-failure, refused-stream, unavailable, cancelled
// and 503, preferring hosts not tried yet.

import type { HTTPRetry } from '@weft/shared';
import { TYPE_URL } from '@weft/shared/xds';
import { toEnvoyDuration } from './route-duration.js';

/** Istio's default `retry_on` (route/retry defaultPolicy). */
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** The retry host predicate Istio adds so retries prefer other endpoints. */
const PREVIOUS_HOSTS = Object.freeze({
  name: 'envoy.retry_host_predicates.previous_hosts',
  typed_config: { '@type': TYPE_URL.PREVIOUS_HOSTS_PREDICATE },
});

// Status texts Go's net/http knows: Istio treats a retryOn part as a status code only if
// http.StatusText knows it.
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406,
  407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506,
  507, 508, 510, 511,
]);

/** envoy.config.route.v3.RetryPolicy (plain object). */
export type EnvoyRetryPolicy = Record<string, unknown>;

/** Splits `retryOn` into Envoy conditions and status codes (`5xx,503,gateway-error` →
 *  `5xx,gateway-error` + [503]), Istio's parseRetryOn. */
export function parseRetryOn(retryOn: string): { retryOn: string; codes: number[] } {
  const conditions: string[] = [];
  const codes: number[] = [];
  for (const raw of retryOn.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const n = /^[0-9]+$/.test(part) ? Number(part) : Number.NaN;
    if (KNOWN_STATUS.has(n)) codes.push(n);
    else conditions.push(part);
  }
  return { retryOn: conditions.join(','), codes };
}

function defaultPolicy(consistentHash: boolean): Record<string, unknown> {
  return {
    retry_on: DEFAULT_RETRY_ON,
    num_retries: { value: 2 },
    retriable_status_codes: [503],
    // With consistent hashing, retries must stay on the hashed host: no previous_hosts predicate.
    ...(consistentHash ? {} : { retry_host_predicate: [PREVIOUS_HOSTS] }),
    host_selection_retry_max_attempts: '5',
  };
}

/**
 * Istio's ConvertPolicy. No retry block → the default policy. `attempts: 0` → no retry policy at all
 * (undefined: retries disabled). Otherwise the default, overridden by `attempts`, `retryOn` (status
 * codes split into `retriable_status_codes`, adding `retriable-status-codes` when missing),
 * `perTryTimeout`, `retryIgnorePreviousHosts`, `retryRemoteLocalities` and `backoff`.
 */
export function convertRetryPolicy(retry: HTTPRetry | undefined, consistentHash = false): EnvoyRetryPolicy | undefined {
  const out = defaultPolicy(consistentHash);
  if (retry === undefined) return out;
  if (!retry.attempts || retry.attempts <= 0) return undefined;
  out.num_retries = { value: retry.attempts };
  if (retry.retryOn) {
    const parsed = parseRetryOn(retry.retryOn);
    let retryOn = parsed.retryOn;
    if (parsed.codes.length > 0 && !retryOn.includes('retriable-status-codes')) retryOn = retryOn ? `${retryOn},retriable-status-codes` : 'retriable-status-codes';
    out.retry_on = retryOn;
    if (parsed.codes.length > 0) out.retriable_status_codes = parsed.codes;
    else delete out.retriable_status_codes;
  }
  const perTry = toEnvoyDuration(retry.perTryTimeout);
  if (perTry) out.per_try_timeout = perTry;
  if (retry.retryIgnorePreviousHosts !== undefined && retry.retryIgnorePreviousHosts !== null) {
    if (retry.retryIgnorePreviousHosts) out.retry_host_predicate = [PREVIOUS_HOSTS];
    else delete out.retry_host_predicate;
  }
  if (retry.retryRemoteLocalities) {
    out.retry_priority = {
      name: 'envoy.retry_priorities.previous_priorities',
      typed_config: { '@type': TYPE_URL.PREVIOUS_PRIORITIES_CONFIG, update_frequency: 2 },
    };
  }
  const backoff = toEnvoyDuration(retry.backoff);
  if (backoff) out.retry_back_off = { base_interval: backoff };
  return out;
}
