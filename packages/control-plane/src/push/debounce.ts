// Coalesces change events before a snapshot rebuild: flush after `quietMs` without a new event,
// or after `maxMs` since the first pending event at the latest (Istio's PILOT_DEBOUNCE_AFTER /
// PILOT_DEBOUNCE_MAX). Owns timing only; what a flush does is the caller's.

/** Debounce settings in milliseconds. */
export interface DebounceOptions {
  /** Flush once no event has arrived for this long (Istio: 100 ms). */
  readonly quietMs: number;
  /** Never hold a pending event longer than this (Istio: 10 s). */
  readonly maxMs: number;
}

/** A debouncer of events of type `E`. */
export interface Debouncer<E> {
  /** Adds an event; starts or extends the quiet window. */
  push(event: E): void;
  /** Flushes pending events now (no-op when none). */
  flush(): void;
  /** Drops pending events and timers; later pushes are ignored. */
  close(): void;
  /** Number of events waiting. */
  readonly pending: number;
}

/**
 * Creates a debouncer calling `onFlush` with every event pushed since the last flush, in order.
 * `onFlush` runs synchronously from a timer; an exception in it is the caller's bug and propagates
 * to the event loop (we do not swallow it).
 */
export function createDebouncer<E>(options: DebounceOptions, onFlush: (events: E[]) => void): Debouncer<E> {
  if (!(options.quietMs >= 0) || !(options.maxMs >= options.quietMs)) {
    throw new RangeError(`debounce: need 0 <= quietMs <= maxMs, got quietMs=${options.quietMs} maxMs=${options.maxMs}`);
  }
  let events: E[] = [];
  let quietTimer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const clear = (): void => {
    if (quietTimer) clearTimeout(quietTimer);
    if (maxTimer) clearTimeout(maxTimer);
    quietTimer = undefined;
    maxTimer = undefined;
  };
  const flush = (): void => {
    clear();
    if (events.length === 0) return;
    const batch = events;
    events = [];
    onFlush(batch);
  };

  return {
    push(event: E): void {
      if (closed) return;
      events.push(event);
      if (quietTimer) clearTimeout(quietTimer);
      quietTimer = setTimeout(flush, options.quietMs);
      // The max timer starts with the first pending event and is not extended by later ones.
      maxTimer ??= setTimeout(flush, options.maxMs);
    },
    flush,
    close(): void {
      closed = true;
      clear();
      events = [];
    },
    get pending(): number {
      return events.length;
    },
  };
}
