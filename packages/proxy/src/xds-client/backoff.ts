// How long to wait before reconnecting to the control plane: Envoy's jittered exponential backoff
// (base 500 ms, cap 30 s for the ADS stream), so a fleet of proxies does not reconnect in lockstep.

/** Backoff bounds. */
export interface BackoffOptions {
  /** First ceiling (ms); the n-th retry waits up to initialMs × 2^n. */
  readonly initialMs: number;
  /** Largest ceiling (ms). */
  readonly maxMs: number;
}

/** Envoy's defaults for the xDS gRPC stream. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ initialMs: 500, maxMs: 30_000 });

/** A retry schedule: {@link next} gives the next delay, {@link reset} starts over after a good stream. */
export interface Backoff {
  next(): number;
  reset(): void;
}

/**
 * Envoy's JitteredExponentialBackOffStrategy: the n-th delay is uniform in [0, min(initial × 2^n, max)),
 * with at least 1 ms so a retry is never synchronous. `random` is injectable for tests.
 */
export function createBackoff(options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): Backoff {
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(options.initialMs * 2 ** attempt, options.maxMs);
      if (ceiling < options.maxMs) attempt++;
      return Math.max(1, Math.floor(random() * ceiling));
    },
    reset() {
      attempt = 0;
    },
  };
}
