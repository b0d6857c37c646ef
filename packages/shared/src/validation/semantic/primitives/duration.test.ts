import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, validateConnectTimeout, validateDuration } from './duration.js';

describe('parseDuration (Go time.ParseDuration)', () => {
  it.each([
    ['0', 0],
    ['1s', 1e9],
    ['1.5s', 1.5e9],
    ['100ms', 1e8],
    ['1h', 3600e9],
    ['1h30m', 5400e9],
    ['2m3.5s', 123.5e9],
    ['10us', 1e4],
    ['10µs', 1e4],
    ['5ns', 5],
    ['-1s', -1e9],
    ['+2s', 2e9],
    ['.5s', 0.5e9],
    ['300s', 300e9],
  ])('%s', (s, want) => expect(parseDuration(s)).toBe(want));

  it.each(['', 's', '1', '1d', '1 s', '1.s.', 'abc', '--1s', '1sm'])('rejects %j', (s) => {
    expect(parseDuration(s)).toBeUndefined();
  });

  it('round-trips whole milliseconds through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms * 1e6))).toBe(ms * 1e6);
      }),
    );
  });
});

describe('validateDuration (Istio ValidateDuration)', () => {
  it.each([
    ['1ms', undefined],
    ['1s', undefined],
    ['0s', 'duration must be greater than 1ms'],
    ['999us', 'duration must be greater than 1ms'],
    ['-5s', 'duration must be greater than 1ms'],
    ['1.0005s', 'only durations to ms precision are supported'],
    ['never', 'time: invalid duration "never"'],
  ])('%s', (s, want) => expect(validateDuration(s)).toBe(want));

  it('formats like Go', () => {
    expect(formatDuration(3600e9)).toBe('1h0m0s');
    expect(formatDuration(1.5e9)).toBe('1.5s');
    expect(formatDuration(1e6)).toBe('1ms');
    expect(validateConnectTimeout('2h')).toBe('time 2h0m0s must be >1ms and <1h0m0s');
  });
});
