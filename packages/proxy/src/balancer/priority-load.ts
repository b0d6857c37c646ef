// Envoy's priority levels and panic mode (LoadBalancerBase::recalculatePerPriorityState and
// recalculatePerPriorityPanic in load_balancer_impl.cc): each priority's availability is its healthy
// share × the overprovisioning factor (1.4) capped at 100%; load fills priorities in order of
// availability; a priority whose healthy + degraded share is under the panic threshold (default 50%)
// routes to all of its hosts, unless the priorities together are fully available.

/** Host counts of one priority level. */
export interface PriorityCounts {
  /** Hosts of the priority (healthy, degraded and unhealthy). */
  readonly total: number;
  readonly healthy: number;
  readonly degraded: number;
}

/** Percentages of load per priority (healthy and degraded together sum to 100) and panic flags. */
export interface PriorityLoads {
  readonly healthy: readonly number[];
  readonly degraded: readonly number[];
  readonly panic: readonly boolean[];
}

/** Envoy's default overprovisioning factor, in percent. */
export const OVERPROVISIONING_FACTOR = 140;
/** Envoy's default healthy_panic_threshold, in percent. */
export const DEFAULT_PANIC_THRESHOLD = 50;

function distribute(load: number[], availability: readonly number[], total: number, normalizedTotal: number): { first: number; left: number } {
  let first = -1;
  for (let i = 0; i < availability.length; i++) {
    const a = availability[i] ?? 0;
    if (first < 0 && a > 0) first = i;
    load[i] = Math.min(total, Math.floor((a * 100) / normalizedTotal));
    total -= load[i] ?? 0;
  }
  return { first, left: total };
}

/** Per-priority loads and panic flags for `levels` (index = priority). `panicThreshold` is a percent;
 *  0 turns panic mode off. */
export function computePriorityLoads(levels: readonly PriorityCounts[], panicThreshold: number = DEFAULT_PANIC_THRESHOLD, overprovisioning: number = OVERPROVISIONING_FACTOR): PriorityLoads {
  const n = Math.max(1, levels.length);
  const healthy = new Array<number>(n).fill(0);
  const degraded = new Array<number>(n).fill(0);
  const panic = new Array<boolean>(n).fill(false);
  const health = levels.map((l) => (l.total > 0 ? Math.min(100, Math.floor((overprovisioning * l.healthy) / l.total)) : 0));
  const degradedAvail = levels.map((l) => (l.total > 0 ? Math.min(100, Math.floor((overprovisioning * l.degraded) / l.total)) : 0));
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  const normalizedTotal = Math.min(100, sum(health) + sum(degradedAvail));
  const threshold = Math.min(100, Math.max(0, panicThreshold));

  if (normalizedTotal > 0) {
    const h = distribute(healthy, health, 100, normalizedTotal);
    const d = distribute(degraded, degradedAvail, h.left, normalizedTotal);
    // Rounding leftovers go to the first healthy priority, else the first degraded one.
    if (d.left !== 0) {
      if (h.first >= 0) healthy[h.first] = (healthy[h.first] ?? 0) + d.left;
      else if (d.first >= 0) degraded[d.first] = (degraded[d.first] ?? 0) + d.left;
    }
  }
  if (threshold === 0 && normalizedTotal === 0) {
    // Nothing is available and panic is off: all load to P0, where no host will be found.
    healthy[0] = 100;
    return { healthy, degraded, panic };
  }
  let totalPanic = true;
  for (let i = 0; i < n; i++) {
    const l = levels[i] ?? { total: 0, healthy: 0, degraded: 0 };
    const usable = l.total === 0 ? 0 : (100 * (l.healthy + l.degraded)) / l.total;
    // Never panic while the priorities together can take all the load.
    panic[i] = normalizedTotal === 100 ? false : usable < threshold;
    totalPanic &&= panic[i] ?? false;
  }
  if (totalPanic) {
    // Every priority is in panic: spread load by host count, health ignored.
    const hosts = levels.reduce((a, l) => a + l.total, 0);
    healthy.fill(0);
    degraded.fill(0);
    if (hosts === 0) healthy[0] = 100;
    else {
      let left = 100;
      let firstNonEmpty = -1;
      for (let i = 0; i < n; i++) {
        const t = levels[i]?.total ?? 0;
        if (firstNonEmpty < 0 && t > 0) firstNonEmpty = i;
        healthy[i] = Math.floor((100 * t) / hosts);
        left -= healthy[i] ?? 0;
      }
      healthy[firstNonEmpty] = (healthy[firstNonEmpty] ?? 0) + left;
    }
  }
  return { healthy, degraded, panic };
}

/** Envoy's choosePriority: `point` in 1..100 walks the healthy loads, then the degraded ones. */
export function choosePriority(loads: PriorityLoads, point: number): { readonly priority: number; readonly degraded: boolean } {
  let acc = 0;
  for (let p = 0; p < loads.healthy.length; p++) {
    acc += loads.healthy[p] ?? 0;
    if (point <= acc) return { priority: p, degraded: false };
  }
  for (let p = 0; p < loads.degraded.length; p++) {
    acc += loads.degraded[p] ?? 0;
    if (point <= acc) return { priority: p, degraded: true };
  }
  return { priority: 0, degraded: false };
}
