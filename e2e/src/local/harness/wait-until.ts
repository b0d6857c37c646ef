// Polling for e2e scenarios: wait until a condition holds (sync or async), or fail with what was awaited
// and the last thing seen, so a timeout explains itself.

/** Options of {@link waitUntil}. */
export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Pause between checks (default 50 ms). */
  readonly intervalMs?: number;
  /** Extra text for the timeout message (process logs, the last state seen). */
  readonly describe?: () => string;
}

/**
 * Calls `check` until it returns something other than `undefined` or `false`, and returns that. A check
 * that throws counts as "not yet" (a server still starting refuses connections); the last error is
 * quoted in the timeout message.
 */
export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      const detail = options.describe ? `\n${options.describe()}` : '';
      throw new Error(`timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${what}${cause}${detail}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
