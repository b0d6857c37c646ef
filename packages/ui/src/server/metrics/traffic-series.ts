// The one shape both metric sources produce: per label combination of Istio's request metrics, the
// request rate and the rate of each latency bucket over a window. Also the label list they keep, the
// error rule and the quantile estimate (Prometheus' histogram_quantile), so every page computes them alike.

/** The labels of istio_requests_total the dashboard groups by; the others are summed away. */
export const TRAFFIC_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_app',
  'source_version',
  'source_canonical_service',
  'destination_workload',
  'destination_workload_namespace',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'response_code',
  'response_flags',
  'connection_security_policy',
] as const;

export type TrafficLabel = (typeof TRAFFIC_LABELS)[number];
export type TrafficLabels = Readonly<Record<TrafficLabel, string>>;

/** One label combination over a window. */
export interface TrafficSeries {
  readonly labels: TrafficLabels;
  /** Requests per second. */
  readonly rps: number;
  /** Per-second rate of observations at or below each bound (`le`, cumulative), sorted by bound; the last is +Inf. */
  readonly latency: readonly (readonly [number, number])[];
}

/** Rates over one window. `windowSeconds` is 0 when there was not enough data for a rate. */
export interface TrafficWindow {
  readonly end: number;
  readonly windowSeconds: number;
  readonly series: readonly TrafficSeries[];
}

/** Picks {@link TRAFFIC_LABELS} out of a sample's labels ('' for a missing one). */
export function pickLabels(all: Readonly<Record<string, string>>): TrafficLabels {
  const out = {} as Record<TrafficLabel, string>;
  for (const l of TRAFFIC_LABELS) out[l] = all[l] ?? '';
  return out;
}

/** A stable key of a label combination. */
export function labelKey(labels: TrafficLabels): string {
  return TRAFFIC_LABELS.map((l) => labels[l]).join('\u0001');
}

/** Istio's error rule for HTTP as Kiali applies it to health: a 5xx, or no response at all (code 0). */
export function isErrorCode(code: string): boolean {
  return code.startsWith('5') || code === '0' || code === '';
}

/** Adds cumulative bucket lists (same or different bounds) into `into`. */
export function addLatency(into: Map<number, number>, latency: TrafficSeries['latency'], factor = 1): void {
  for (const [le, v] of latency) into.set(le, (into.get(le) ?? 0) + v * factor);
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolated linearly inside the bucket as
 * Prometheus' histogram_quantile does; the highest finite bound when it falls in +Inf. Undefined
 * with no observations.
 */
export function quantile(q: number, buckets: ReadonlyMap<number, number> | readonly (readonly [number, number])[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevBound;
      if (count === prevCount) return le;
      return prevBound + (le - prevBound) * ((rank - prevCount) / (count - prevCount));
    }
    prevBound = le;
    prevCount = count;
  }
  return prevBound;
}

/** Totals of a set of series: rate, error percentage and latency quantiles. */
export function summarize(series: readonly TrafficSeries[]): { rps: number; errorPct: number; p50Ms?: number; p95Ms?: number; p99Ms?: number } {
  let rps = 0;
  let errors = 0;
  const latency = new Map<number, number>();
  for (const s of series) {
    rps += s.rps;
    if (isErrorCode(s.labels.response_code)) errors += s.rps;
    addLatency(latency, s.latency);
  }
  const out: { rps: number; errorPct: number; p50Ms?: number; p95Ms?: number; p99Ms?: number } = { rps, errorPct: rps > 0 ? (100 * errors) / rps : 0 };
  const p50 = quantile(0.5, latency);
  if (p50 !== undefined) {
    out.p50Ms = p50;
    out.p95Ms = quantile(0.95, latency);
    out.p99Ms = quantile(0.99, latency);
  }
  return out;
}
