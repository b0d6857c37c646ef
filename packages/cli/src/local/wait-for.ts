// Waiting during `weftctl up`: poll a condition until it holds, a deadline passes or the run is
// interrupted; and probing a TCP port on loopback. Each failure says what was awaited.

import { createServer } from 'node:net';

/** Thrown when the wait was cut short by the abort signal (Ctrl-C during start-up). */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * Calls `check` until it returns a value other than undefined/false and returns it. A throwing check
 * counts as "not yet" (a server still starting refuses connections) and its message is quoted when the
 * wait times out.
 */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined | false>, options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    if (options.signal?.aborted) throw new InterruptedError();
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(options.intervalMs ?? 100, options.signal);
  }
}

/** Rejects with a timeout naming `what` unless `promise` settles within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000}s waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `port` can be bound on `host` right now (it may be taken a moment later). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export { freePort } from '@weft/shared/node';

/** GET `url` with a short deadline; resolves to the status and body, rejects on network errors. */
export async function httpGet(url: string, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 2000), headers: options.headers });
  return { status: res.status, body: await res.text() };
}
