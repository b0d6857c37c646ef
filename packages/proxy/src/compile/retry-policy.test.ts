import { describe, expect, it } from 'vitest';
import { compileRetryPolicy, isRetriable, type TryOutcome } from './retry-policy.js';

describe('retry policy', () => {
  it('defaults num_retries to 1 and reads per_try_timeout', () => {
    expect(compileRetryPolicy({ retry_on: '5xx', per_try_timeout: { seconds: '2', nanos: 500_000_000 } })).toMatchObject({ numRetries: 1, perTryTimeoutMs: 2500 });
    expect(compileRetryPolicy(undefined)).toBeUndefined();
  });

  // Istio's default retry policy names previous_hosts and 5 host selection attempts on every route.
  const PREVIOUS_HOSTS = [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }];
  it.each([
    ['Istio\'s default (name and typed_config, attempts as an int64 string)', { retry_host_predicate: PREVIOUS_HOSTS, host_selection_retry_max_attempts: '5' }, true, 5],
    ['typed_config only, attempts as a number', { retry_host_predicate: [{ typed_config: PREVIOUS_HOSTS[0]?.typed_config }], host_selection_retry_max_attempts: 3 }, true, 3],
    ['no predicate (Envoy\'s default of one more pick)', {}, false, 1],
    ['another predicate', { retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_canary_hosts' }] }, false, 1],
  ])('retry host predicate: %s', (_, fields, previousHosts, attempts) => {
    expect(compileRetryPolicy({ retry_on: '5xx', ...fields })).toMatchObject({ previousHosts, hostSelectionRetryMaxAttempts: attempts });
  });

  const status = (s: number): TryOutcome => ({ kind: 'status', status: s });
  it.each([
    ['5xx', status(500), true],
    ['5xx', status(404), false],
    ['5xx', { kind: 'connect-failure' }, true],
    ['5xx', { kind: 'timeout' }, true],
    ['gateway-error', status(500), false],
    ['gateway-error', status(503), true],
    ['connect-failure', { kind: 'connect-failure' }, true],
    ['connect-failure', status(503), false],
    ['connect-failure', { kind: 'reset' }, false],
    ['reset', { kind: 'reset' }, true],
    ['retriable-status-codes', status(409), true],
    ['retriable-status-codes', status(503), false],
    ['retriable-4xx', status(409), true],
    ['retriable-4xx', status(429), false],
  ] as [string, TryOutcome, boolean][])('retry_on %s, %o → %s', (on, outcome, want) => {
    const policy = compileRetryPolicy({ retry_on: on, retriable_status_codes: [409] });
    expect(policy && isRetriable(policy, outcome)).toBe(want);
  });

  // gRPC conditions read the grpc-status of the response headers (a trailers-only response, HTTP 200).
  const grpc = (code: number | undefined): TryOutcome => ({ kind: 'status', status: 200, ...(code === undefined ? {} : { grpcStatus: code }) });
  it.each([
    ['cancelled', grpc(1), true],
    ['deadline-exceeded', grpc(4), true],
    ['resource-exhausted', grpc(8), true],
    ['internal', grpc(13), true],
    ['unavailable', grpc(14), true],
    ['unavailable', grpc(4), false],
    ['unavailable', grpc(0), false],
    ['unavailable', grpc(undefined), false],
    ['5xx', grpc(14), false],
    ['cancelled,unavailable', grpc(14), true],
    // Istio's default retry_on.
    ['connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', grpc(1), true],
    ['connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', grpc(13), false],
    // Not a gRPC condition: an Object.prototype name must not count as one.
    ['constructor', grpc(1), false],
  ] as [string, TryOutcome, boolean][])('retry_on %s, %o → %s', (on, outcome, want) => {
    const policy = compileRetryPolicy({ retry_on: on, retriable_status_codes: [503] });
    expect(policy && isRetriable(policy, outcome)).toBe(want);
  });

  it('collects the gRPC codes of retry_on', () => {
    expect([...(compileRetryPolicy({ retry_on: 'cancelled, deadline-exceeded,internal,resource-exhausted,unavailable,5xx' })?.grpcCodes ?? [])].sort((a, b) => a - b)).toEqual([1, 4, 8, 13, 14]);
  });
});
