import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('doubles the ceiling up to the cap and starts over after reset', () => {
    const b = createBackoff({ initialMs: 500, maxMs: 3000 }, () => 0.999999);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([499, 999, 1999, 2999, 2999]);
    b.reset();
    expect(b.next()).toBe(499);
  });

  it('never waits 0 ms, even when the jitter draws 0', () => {
    expect(createBackoff({ initialMs: 500, maxMs: 30_000 }, () => 0).next()).toBe(1);
  });

  it('stays within [1, min(initial·2^n, max)) for any jitter', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.9999999, noNaN: true }), { minLength: 1, maxLength: 20 }), (draws) => {
        let i = 0;
        const b = createBackoff({ initialMs: 100, maxMs: 5000 }, () => draws[i] ?? 0);
        for (i = 0; i < draws.length; i++) {
          const delay = b.next();
          expect(delay).toBeGreaterThanOrEqual(1);
          expect(delay).toBeLessThan(Math.min(100 * 2 ** i, 5000));
        }
      }),
    );
  });
});
