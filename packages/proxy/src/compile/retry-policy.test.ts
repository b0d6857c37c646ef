import { describe, expect, it } from 'vitest';
import { compileRetryPolicy, isRetriable, type TryOutcome } from './retry-policy.js';

describe('retry policy', () => {
  it('defaults num_retries to 1 and reads per_try_timeout', () => {
    expect(compileRetryPolicy({ retry_on: '5xx', per_try_timeout: { seconds: '2', nanos: 500_000_000 } })).toMatchObject({ numRetries: 1, perTryTimeoutMs: 2500 });
    expect(compileRetryPolicy(undefined)).toBeUndefined();
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
  ] as [string, TryOutcome, boolean][])('retry_on %s, %o → %s', (on, outcome, want) => {
    const policy = compileRetryPolicy({ retry_on: on, retriable_status_codes: [409] });
    expect(policy && isRetriable(policy, outcome)).toBe(want);
  });
});
