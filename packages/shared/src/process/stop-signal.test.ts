import { describe, expect, it } from 'vitest';
import { waitForStopSignal } from './stop-signal.js';

describe('waitForStopSignal', () => {
  it('resolves with the signal name and removes its handlers on dispose', async () => {
    const before = process.listenerCount('SIGTERM');
    const beforeInt = process.listenerCount('SIGINT');
    const stop = waitForStopSignal();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    await expect(stop.promise).resolves.toBe('SIGTERM');
    stop.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('SIGINT')).toBe(beforeInt);
  });
});
