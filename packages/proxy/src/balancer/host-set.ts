// A cluster's endpoints as Envoy's PrioritySet sees them at one moment: per priority, all hosts, the
// healthy ones and the degraded ones, and the same split per locality, given which hosts outlier
// detection has ejected. Rebuilt by the cluster picker whenever an ejection changes.

import { EdfScheduler } from './edf-scheduler.js';
import { OVERPROVISIONING_FACTOR, type PriorityCounts } from './priority-load.js';
import { edsHealthOf, type Endpoint } from './picker.js';

/** The hosts of one locality within one priority. */
export interface LocalityHosts {
  readonly locality: string;
  /** The locality's load_balancing_weight (0 when unset). */
  readonly weight: number;
  readonly all: readonly Endpoint[];
  readonly healthy: readonly Endpoint[];
  readonly degraded: readonly Endpoint[];
}

/** The hosts of one priority level. */
export interface HostSet extends PriorityCounts {
  readonly priority: number;
  readonly all: readonly Endpoint[];
  readonly healthyHosts: readonly Endpoint[];
  readonly degradedHosts: readonly Endpoint[];
  readonly localities: readonly LocalityHosts[];
}

interface MutableLocality {
  locality: string;
  weight: number;
  all: Endpoint[];
  healthy: Endpoint[];
  degraded: Endpoint[];
}

/**
 * Groups `endpoints` into dense priority levels 0..max (levels without hosts are empty, as in Envoy)
 * and, within each, localities in order of first appearance. A host is healthy when EDS says healthy
 * and it is not ejected; degraded when EDS says degraded and it is not ejected; otherwise it is only
 * in `all` (used in panic mode).
 */
export function buildHostSets(endpoints: readonly Endpoint[], isEjected: (e: Endpoint) => boolean): HostSet[] {
  const levels: { all: Endpoint[]; healthy: Endpoint[]; degraded: Endpoint[]; localities: Map<string, MutableLocality> }[] = [];
  for (const e of endpoints) {
    const p = Math.max(0, e.priority ?? 0);
    while (levels.length <= p) levels.push({ all: [], healthy: [], degraded: [], localities: new Map() });
    const level = levels[p] as (typeof levels)[number];
    let loc = level.localities.get(e.locality);
    if (!loc) {
      loc = { locality: e.locality, weight: e.localityWeight ?? 0, all: [], healthy: [], degraded: [] };
      level.localities.set(e.locality, loc);
    }
    level.all.push(e);
    loc.all.push(e);
    const eds = edsHealthOf(e);
    if (eds === 'unhealthy' || isEjected(e)) continue;
    (eds === 'degraded' ? level.degraded : level.healthy).push(e);
    (eds === 'degraded' ? loc.degraded : loc.healthy).push(e);
  }
  if (levels.length === 0) levels.push({ all: [], healthy: [], degraded: [], localities: new Map() });
  return levels.map((l, priority) => ({
    priority,
    total: l.all.length,
    healthy: l.healthy.length,
    degraded: l.degraded.length,
    all: l.all,
    healthyHosts: l.healthy,
    degradedHosts: l.degraded,
    localities: [...l.localities.values()],
  }));
}

/** Envoy's effectiveLocalityWeight: the locality weight × its available share × the overprovisioning
 *  factor, capped at the full weight. */
export function effectiveLocalityWeight(loc: LocalityHosts, kind: 'healthy' | 'degraded'): number {
  if (loc.all.length === 0) return 0;
  const eligible = kind === 'healthy' ? loc.healthy.length : loc.degraded.length;
  return loc.weight * Math.min(1, ((OVERPROVISIONING_FACTOR / 100) * eligible) / loc.all.length);
}

/** A weighted round robin over the localities of `set` with a positive effective weight (Envoy's
 *  chooseHealthyLocality / chooseDegradedLocality), or undefined when none has one. Returns the
 *  index into `set.localities`. */
export function createLocalityChooser(set: HostSet, kind: 'healthy' | 'degraded'): (() => number | undefined) | undefined {
  const weights = set.localities.map((l) => effectiveLocalityWeight(l, kind));
  const edf = new EdfScheduler<number>();
  weights.forEach((w, i) => edf.add(w, i));
  if (edf.size === 0) return undefined;
  return () => edf.pickAndAdd((i) => weights[i] ?? 0);
}
