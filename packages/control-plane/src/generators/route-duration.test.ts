import { describe, expect, it } from 'vitest';
import { parseDurationNanos, toEnvoyDuration } from './route-duration.js';

describe('toEnvoyDuration', () => {
  it.each([
    ['0', { seconds: '0' }],
    ['0s', { seconds: '0' }],
    ['10s', { seconds: '10' }],
    ['1.5s', { seconds: '1', nanos: 500_000_000 }],
    ['0.1s', { seconds: '0', nanos: 100_000_000 }],
    ['250ms', { seconds: '0', nanos: 250_000_000 }],
    ['1h30m', { seconds: '5400' }],
    ['1m0.5s', { seconds: '60', nanos: 500_000_000 }],
    ['3us', { seconds: '0', nanos: 3000 }],
    ['24h', { seconds: '86400' }],
  ])('%s → %j', (text, want) => expect(toEnvoyDuration(text)).toEqual(want));

  it.each(['', 's', '10', '1x', '1.2.3s', 'abc'])('rejects %j', (text) => expect(parseDurationNanos(text)).toBeUndefined());

  it('is absent for absent input', () => expect(toEnvoyDuration(undefined)).toBeUndefined());
});
