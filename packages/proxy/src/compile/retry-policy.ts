// Compiles a route's RetryPolicy: which failures are retried (retry_on, HTTP and gRPC conditions), how
// often (num_retries, default 1 as in Envoy), the per-try timeout, retriable_status_codes, and the
// previous_hosts retry host predicate with its host_selection_retry_max_attempts.

import { durationMs } from './duration.js';

/** A compiled retry policy. */
export interface RetryPolicy {
  readonly numRetries: number;
  /** 0 means none: each try may use the rest of the route timeout. */
  readonly perTryTimeoutMs: number;
  /** 5xx: any 5xx, connection failures, resets and per-try timeouts. */
  readonly on5xx: boolean;
  /** gateway-error: 502, 503, 504, connection failures, resets and per-try timeouts. */
  readonly onGatewayError: boolean;
  readonly onConnectFailure: boolean;
  /** reset: disconnects and resets (connection failures included) and per-try timeouts. */
  readonly onReset: boolean;
  /** retriable-4xx: 409 Conflict. */
  readonly onRetriable4xx: boolean;
  /** Status codes retried when retry_on has retriable-status-codes. */
  readonly statusCodes: ReadonlySet<number>;
  /** gRPC status codes retried (retry_on cancelled, deadline-exceeded, internal, resource-exhausted,
   *  unavailable), read from the `grpc-status` of the response headers. */
  readonly grpcCodes: ReadonlySet<number>;
  /** retry_host_predicate has envoy.retry_host_predicates.previous_hosts (Istio sets it on every
   *  route): a retry's host pick rejects hosts this request already tried, re-picking up to
   *  {@link hostSelectionRetryMaxAttempts} times (the last candidate stands if all are rejected). */
  readonly previousHosts: boolean;
  /** host_selection_retry_max_attempts: extra picks when the predicate rejects one (Envoy's default 1). */
  readonly hostSelectionRetryMaxAttempts: number;
}

const PREVIOUS_HOSTS_NAME = 'envoy.retry_host_predicates.previous_hosts';
const PREVIOUS_HOSTS_TYPE = 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

/** Whether a retry_host_predicate list names previous_hosts (by extension name or typed_config type). */
function hasPreviousHosts(predicates: unknown): boolean {
  if (!Array.isArray(predicates)) return false;
  return predicates.some((p: unknown) => {
    const pred = p as { name?: unknown; typed_config?: { '@type'?: unknown } } | null;
    return pred?.name === PREVIOUS_HOSTS_NAME || pred?.typed_config?.['@type'] === PREVIOUS_HOSTS_TYPE;
  });
}

/** An int64 field (a number, a decimal string in proto3 JSON, or a bigint), undefined when absent or not a count. */
function count(v: unknown): number | undefined {
  if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'bigint') return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Envoy's gRPC retry_on conditions (x-envoy-retry-grpc-on values) and the status each one retries. */
const GRPC_RETRY_ON: ReadonlyMap<string, number> = new Map([
  ['cancelled', 1],
  ['deadline-exceeded', 4],
  ['resource-exhausted', 8],
  ['internal', 13],
  ['unavailable', 14],
]);

/**
 * A failure of one try, as the retry decision sees it. For a response, `grpcStatus` is the
 * `grpc-status` of its headers when they carry one: a gRPC trailers-only response (an error answered
 * before any message). Envoy decides gRPC retries on the headers only; a status in trailers comes too
 * late, the response is being relayed by then.
 */
export type TryOutcome =
  | { readonly kind: 'status'; readonly status: number; readonly grpcStatus?: number }
  | { readonly kind: 'connect-failure' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'timeout' };

/** The compiled policy, or undefined when the route has none. */
export function compileRetryPolicy(p: unknown): RetryPolicy | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const r = p as Record<string, unknown>;
  const on = new Set(
    String(r.retry_on ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  const num = (r.num_retries as { value?: unknown } | undefined)?.value;
  const codes = Array.isArray(r.retriable_status_codes) ? (r.retriable_status_codes as unknown[]).map(Number) : [];
  return Object.freeze({
    numRetries: typeof num === 'number' ? num : 1,
    perTryTimeoutMs: durationMs(r.per_try_timeout) ?? 0,
    on5xx: on.has('5xx'),
    onGatewayError: on.has('gateway-error'),
    onConnectFailure: on.has('connect-failure'),
    onReset: on.has('reset'),
    onRetriable4xx: on.has('retriable-4xx'),
    statusCodes: new Set(on.has('retriable-status-codes') ? codes : []),
    grpcCodes: new Set([...on].map((c) => GRPC_RETRY_ON.get(c)).filter((c): c is number => c !== undefined)),
    previousHosts: hasPreviousHosts(r.retry_host_predicate),
    hostSelectionRetryMaxAttempts: count(r.host_selection_retry_max_attempts) ?? 1,
  });
}

/** Whether `outcome` is retried under `policy` (attempts left are the caller's business). */
export function isRetriable(policy: RetryPolicy, outcome: TryOutcome): boolean {
  switch (outcome.kind) {
    case 'status':
      return (
        (policy.on5xx && outcome.status >= 500) ||
        (policy.onGatewayError && outcome.status >= 502 && outcome.status <= 504) ||
        (policy.onRetriable4xx && outcome.status === 409) ||
        policy.statusCodes.has(outcome.status) ||
        (outcome.grpcStatus !== undefined && policy.grpcCodes.has(outcome.grpcStatus))
      );
    case 'connect-failure':
      return policy.on5xx || policy.onGatewayError || policy.onConnectFailure || policy.onReset;
    case 'reset':
    case 'timeout':
      return policy.on5xx || policy.onGatewayError || policy.onReset;
  }
}
