import { describe, expect, it } from 'vitest';
import { validateRetryOn } from './retry-on.js';

describe('validateRetryOn', () => {
  it.each(['5xx', 'gateway-error,connect-failure,refused-stream', 'retriable-status-codes,503', 'cancelled,deadline-exceeded,unavailable', '429', 'reset-before-request'])('accepts %s', (v) => {
    expect(validateRetryOn(v)).toEqual([]);
  });
  it.each([
    ['5xx, reset', ['" reset" is not a valid retryOn policy']],
    ['bogus', ['"bogus" is not a valid retryOn policy']],
    ['999,600', ['"999" is not a valid retryOn policy', '"600" is not a valid retryOn policy']],
    ['5xx,', ['"" is not a valid retryOn policy']],
  ])('rejects %s', (v, want) => expect(validateRetryOn(v)).toEqual(want));
});
