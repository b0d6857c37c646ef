// Statistical checks for traffic shares (canary weights, fault percentages): the exact binomial
// probability that a correct proxy lands outside the tolerance, so every such assertion documents, and
// enforces, how often it can fail by chance.

/** The flake probability every share assertion must stay under. */
export const MAX_FLAKE_PROBABILITY = 1e-4;

/**
 * P(|X/n − p| > tolerance) for X ~ Binomial(n, p): the chance that a proxy that does exactly `p` still
 * fails an assertion of ± `tolerance`. Exact (log-space pmf summed over the tails), not an approximation.
 */
export function outsideToleranceProbability(n: number, p: number, tolerance: number): number {
  if (p <= 0 || p >= 1) return 0;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logPmf = n * logQ; // k = 0
  let outside = 0;
  for (let k = 0; k <= n; k++) {
    // Shares exactly on the bound count as inside, as the assertion accepts them.
    if (Math.abs(k / n - p) > tolerance + 1e-12) outside += Math.exp(logPmf);
    logPmf += Math.log(n - k) - Math.log(k + 1) + logP - logQ;
  }
  return outside;
}

/** One measured share and its verdict. */
export interface ShareCheck {
  readonly observed: number;
  readonly expected: number;
  readonly tolerance: number;
  readonly n: number;
  /** Chance that a correct proxy fails this check. */
  readonly flakeProbability: number;
  readonly withinTolerance: boolean;
  /** For assertion messages. */
  readonly summary: string;
}

/**
 * Checks that `count` of `n` is `expected` ± `tolerance` (shares in [0, 1]). Throws when the design
 * itself is too loose to be reliable (flake probability over {@link MAX_FLAKE_PROBABILITY}): that is a
 * bug in the scenario, whatever the proxy does.
 */
export function checkShare(count: number, n: number, expected: number, tolerance: number): ShareCheck {
  const flakeProbability = outsideToleranceProbability(n, expected, tolerance);
  if (flakeProbability > MAX_FLAKE_PROBABILITY) throw new Error(`a ±${tolerance} check of p=${expected} over ${n} fails by chance with probability ${flakeProbability.toExponential(2)}; use more requests or a wider tolerance`);
  const observed = count / n;
  const withinTolerance = Math.abs(observed - expected) <= tolerance + 1e-12;
  const summary = `${count}/${n} = ${(observed * 100).toFixed(1)}% (expected ${(expected * 100).toFixed(1)}% ± ${(tolerance * 100).toFixed(1)} points; chance of a false failure ${flakeProbability.toExponential(1)})`;
  return { observed, expected, tolerance, n, flakeProbability, withinTolerance, summary };
}
