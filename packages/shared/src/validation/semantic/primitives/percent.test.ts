import { describe, expect, it } from 'vitest';
import { validateHTTPStatus, validateRedirectCode } from './http-status.js';
import { validatePercent, validatePercentage } from './percent.js';

describe('percentages and status codes', () => {
  it.each([
    [0, undefined],
    [0.0001, undefined],
    [100, undefined],
    [0.00001, 'percentage 0.00001 is neither 0.0, nor in range [0.0001, 100.0]'],
    [-1, 'percentage -1 is neither 0.0, nor in range [0.0001, 100.0]'],
    [100.5, 'percentage 100.5 is neither 0.0, nor in range [0.0001, 100.0]'],
  ])('validatePercentage(%d)', (v, want) => expect(validatePercentage(v)).toBe(want));

  it('checks integer percents', () => {
    expect(validatePercent(50)).toBeUndefined();
    expect(validatePercent(101)).toBe('percentage 101 is not in range 0..100');
  });

  it('keeps Istio status bounds (600 passes, as in Istio)', () => {
    expect(validateHTTPStatus(200)).toBeUndefined();
    expect(validateHTTPStatus(600)).toBeUndefined();
    expect(validateHTTPStatus(199)).toBe('HTTP status 199 is not in range 200-599');
    expect(validateRedirectCode(0)).toBeUndefined();
    expect(validateRedirectCode(308)).toBeUndefined();
    expect(validateRedirectCode(400)).toBe('400 is not a valid redirect code, must be 3xx');
  });
});
