import { describe, expect, it } from 'vitest';
import { findLeftoverProcesses, killAllChildrenNow, spawnNodeProcess } from './child-processes.js';
import { waitUntil } from './wait-until.js';

// A child that prints a line and then idles until killed (`node -e <code>`).
const IDLE = "console.log('up'); setInterval(() => undefined, 1000)";

describe('child processes', () => {
  it('finds a running child by its run marker, and no longer once it is stopped', async () => {
    const child = spawnNodeProcess('idle', '-e', [IDLE]);
    await child.waitForLine(/^up$/);
    expect(findLeftoverProcesses()).toContain(child.pid);
    expect(await child.stop()).toEqual({ code: null, signal: 'SIGTERM' });
    expect(child.isRunning()).toBe(false);
    await waitUntil('the child to leave /proc', () => !findLeftoverProcesses().includes(child.pid));
  });

  it('kills every child still running at once (what the exit hook does)', async () => {
    const children = [spawnNodeProcess('a', '-e', [IDLE]), spawnNodeProcess('b', '-e', [IDLE])];
    await Promise.all(children.map((c) => c.waitForLine(/^up$/)));
    killAllChildrenNow();
    const exits = await Promise.all(children.map((c) => c.exited));
    expect(exits.map((e) => e.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    await waitUntil('no leftovers', () => findLeftoverProcesses().length === 0);
  });

  it('explains a line that never comes with the output so far', async () => {
    const child = spawnNodeProcess('quiet', '-e', ["console.log('hello'); setTimeout(() => undefined, 5000)"]);
    try {
      await expect(child.waitForLine(/^never$/, 300)).rejects.toThrow(/\[quiet\] hello/);
    } finally {
      await child.stop('SIGKILL');
    }
  });
});
