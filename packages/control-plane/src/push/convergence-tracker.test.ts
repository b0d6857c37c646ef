import { describe, expect, it } from 'vitest';
import { ConvergenceTracker } from './convergence-tracker.js';

function tracker() {
  let now = 1000;
  const observed: number[] = [];
  const t = new ConvergenceTracker((s) => observed.push(s), () => now);
  return { t, observed, at: (ms: number) => (now = ms) };
}

describe('ConvergenceTracker', () => {
  it('records the time from the change to the last ACK of what the push sent', () => {
    const { t, observed, at } = tracker();
    t.beginPush('a', 1000);
    t.response('a', 'cds', 'v1');
    t.response('a', 'lds', 'v1');
    t.endPush('a');
    at(1300);
    t.ack('a', 'cds', 'v1');
    expect(observed).toEqual([]);
    at(1500);
    t.ack('a', 'lds', 'v0'); // an older version: not this push
    expect(observed).toEqual([]);
    t.ack('a', 'lds', 'v1');
    expect(observed).toEqual([0.5]);
    expect(t.pendingNodes()).toEqual([]);
  });

  it('keeps the older start when a push supersedes an unconverged one', () => {
    const { t, observed, at } = tracker();
    t.beginPush('a', 1000);
    t.response('a', 'cds', 'v1');
    t.endPush('a');
    t.beginPush('a', 2000);
    t.response('a', 'cds', 'v2');
    t.endPush('a');
    at(2500);
    t.ack('a', 'cds', 'v1');
    expect(observed).toEqual([]);
    t.ack('a', 'cds', 'v2');
    expect(observed).toEqual([1.5]);
  });

  it('ignores responses outside a push, pushes that sent nothing, NACKed and disconnected pushes', () => {
    const { t, observed } = tracker();
    t.response('a', 'cds', 'v1');
    t.ack('a', 'cds', 'v1');
    t.beginPush('b', 1000);
    t.endPush('b');
    t.beginPush('c', 1000);
    t.response('c', 'cds', 'v1');
    t.endPush('c');
    t.abandon('c');
    t.ack('c', 'cds', 'v1');
    expect(observed).toEqual([]);
    expect(t.pendingNodes()).toEqual([]);
  });

  it('for a new connection, counts responses written after the push, when requests arrive', () => {
    const { t, observed, at } = tracker();
    t.beginPush('a', 1000, true);
    t.endPush('a');
    t.response('a', 'cds', 'v1');
    at(1100);
    t.ack('a', 'cds', 'v1');
    expect(observed).toEqual([0.1]);
  });
});
