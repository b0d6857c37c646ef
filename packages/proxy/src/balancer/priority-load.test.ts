import { describe, expect, it } from 'vitest';
import { choosePriority, computePriorityLoads, type PriorityCounts } from './priority-load.js';

/** A priority with `total` hosts of which `healthy` are healthy. */
const level = (total: number, healthy: number, degraded = 0): PriorityCounts => ({ total, healthy, degraded });

describe('priority loads', () => {
  // Envoy's documented examples (arch_overview/upstream/load_balancing/priority), 100 hosts per level.
  it.each([
    ['all healthy', [level(100, 100), level(100, 100)], [100, 0]],
    ['72% still takes everything (72 × 1.4 ≥ 100)', [level(100, 72), level(100, 100)], [100, 0]],
    ['71% spills 1%', [level(100, 71), level(100, 100)], [99, 1]],
    ['50% / 100%', [level(100, 50), level(100, 100)], [70, 30]],
    ['25% / 100%', [level(100, 25), level(100, 100)], [35, 65]],
    ['0% / 100%', [level(100, 0), level(100, 100)], [0, 100]],
  ])('%s', (_name, levels, healthy) => {
    const loads = computePriorityLoads(levels);
    expect(loads.healthy).toEqual(healthy);
    expect(loads.panic).toEqual([false, false]);
  });

  it.each([
    ['one level under the threshold panics', [level(4, 1)], [100], [true]],
    ['exactly half healthy does not panic', [level(4, 2)], [100], [false]],
    ['both levels low: total panic, load by host count', [level(4, 1), level(2, 0)], [67, 33], [true, true]],
    ['a full second level keeps the first out of panic', [level(4, 0), level(4, 4)], [0, 100], [false, false]],
  ])('%s', (_name, levels, healthy, panic) => {
    const loads = computePriorityLoads(levels);
    expect(loads.healthy).toEqual(healthy);
    expect(loads.panic).toEqual(panic);
  });

  it('with threshold 0 never panics and sends everything to P0 when nothing is available', () => {
    expect(computePriorityLoads([level(3, 0)], 0)).toEqual({ healthy: [100], degraded: [0], panic: [false] });
  });

  it('uses degraded hosts only for the load healthy hosts cannot take', () => {
    const loads = computePriorityLoads([level(10, 5, 5)]);
    expect(loads.healthy).toEqual([70]);
    expect(loads.degraded).toEqual([30]);
    expect(choosePriority(loads, 70)).toEqual({ priority: 0, degraded: false });
    expect(choosePriority(loads, 71)).toEqual({ priority: 0, degraded: true });
  });

  it('chooses a priority by walking the loads', () => {
    const loads = computePriorityLoads([level(100, 50), level(100, 100)]);
    expect([1, 70, 71, 100].map((p) => choosePriority(loads, p).priority)).toEqual([0, 0, 1, 1]);
  });
});
