import { describe, expect, it } from 'vitest';
import { MAX_FLAKE_PROBABILITY, checkShare, outsideToleranceProbability } from './binomial.js';

describe('outsideToleranceProbability', () => {
  it.each([
    // n = 2, p = 1/2: shares 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4; ±0.25 leaves out 0 and 1.
    [2, 0.5, 0.25, 0.5],
    // ±0.5 includes everything (bounds count as inside).
    [2, 0.5, 0.5, 0],
    // n = 3, p = 0.1: outside ±0.2 are k ≥ 1 (share ≥ 1/3): 1 − 0.9³.
    [3, 0.1, 0.2, 1 - 0.9 ** 3],
  ])('n=%i p=%f ±%f → %f', (n, p, tolerance, expected) => {
    expect(outsideToleranceProbability(n, p, tolerance)).toBeCloseTo(expected, 12);
  });

  it('is about 3e-7 for the canary check (±5 points at p = 0.1 over 1,000), under the 1e-4 budget', () => {
    const p = outsideToleranceProbability(1000, 0.1, 0.05);
    expect(p).toBeGreaterThan(1e-7);
    expect(p).toBeLessThan(5e-7);
    expect(p).toBeLessThan(MAX_FLAKE_PROBABILITY);
  });
});

describe('checkShare', () => {
  it('accepts a share inside the tolerance and refuses one outside', () => {
    expect(checkShare(100, 1000, 0.1, 0.05).withinTolerance).toBe(true);
    expect(checkShare(151, 1000, 0.1, 0.05).withinTolerance).toBe(false);
  });

  it('refuses a design that would fail by chance too often', () => {
    expect(() => checkShare(50, 100, 0.5, 0.05)).toThrow(/fails by chance with probability/);
  });
});
