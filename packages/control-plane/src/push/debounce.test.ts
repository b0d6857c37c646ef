import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDebouncer } from './debounce.js';

// Fake timers drive the clock: this tests our timing logic, not the machine's speed.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createDebouncer', () => {
  it('flushes once after the quiet period, with every event in order', () => {
    const flushed: number[][] = [];
    const d = createDebouncer<number>({ quietMs: 100, maxMs: 10_000 }, (e) => flushed.push(e));
    d.push(1);
    vi.advanceTimersByTime(50);
    d.push(2);
    vi.advanceTimersByTime(99);
    expect(flushed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushed).toEqual([[1, 2]]);
    expect(d.pending).toBe(0);
  });

  it('flushes at maxMs even when events never stop', () => {
    const flushed: number[][] = [];
    const d = createDebouncer<number>({ quietMs: 100, maxMs: 1_000 }, (e) => flushed.push(e));
    for (let t = 0; t < 1_000; t += 50) {
      d.push(t);
      vi.advanceTimersByTime(50);
    }
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toHaveLength(20);
  });

  it('flush() delivers now and close() drops what is pending', () => {
    const flushed: string[][] = [];
    const d = createDebouncer<string>({ quietMs: 100, maxMs: 200 }, (e) => flushed.push(e));
    d.push('a');
    d.flush();
    expect(flushed).toEqual([['a']]);
    d.push('b');
    d.close();
    d.push('c');
    vi.advanceTimersByTime(1_000);
    expect(flushed).toEqual([['a']]);
  });

  it.each([
    [-1, 10],
    [100, 50],
    [Number.NaN, 10],
  ])('rejects quietMs=%s maxMs=%s', (quietMs, maxMs) => {
    expect(() => createDebouncer({ quietMs, maxMs }, () => {})).toThrow(RangeError);
  });
});
