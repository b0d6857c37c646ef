// Envoy `retryOn` policies as Istio accepts them: a comma-separated list of x-envoy-retry-on and
// x-envoy-retry-grpc-on names, or HTTP status codes Go's net/http knows.

import { isKnownHTTPStatus } from './http-status.js';

/** Policies Istio accepts (router filter x-envoy-retry-on and x-envoy-retry-grpc-on). */
export const RETRY_ON_POLICIES: ReadonlySet<string> = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** Istio's retryOn check: every comma-separated entry is a known policy or a known HTTP status code.
 *  Returns one message per bad entry (entries are not trimmed, as in Istio). */
export function validateRetryOn(retryOn: string): string[] {
  const errs: string[] = [];
  for (const policy of retryOn.split(',')) {
    // Go's strconv.Atoi: optional sign, decimal digits only.
    const code = /^[+-]?[0-9]+$/.test(policy) ? Number(policy) : 0;
    if (!isKnownHTTPStatus(code) && !RETRY_ON_POLICIES.has(policy)) errs.push(`${JSON.stringify(policy)} is not a valid retryOn policy`);
  }
  return errs;
}
