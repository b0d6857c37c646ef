// Metrics from Prometheus' HTTP API (/api/v1/query, /api/v1/query_range): the request rate and the
// latency bucket rates grouped by the dashboard's labels, in the same TrafficSeries the scraper yields.

import type { MetricSource } from './metric-source.js';
import { parseLe } from './prom-text.js';
import { labelKey, pickLabels, TRAFFIC_LABELS, type TrafficLabels, type TrafficSeries, type TrafficWindow } from './traffic-series.js';

/** Options of {@link createPrometheusSource}. */
export interface PrometheusSourceOptions {
  /** e.g. http://127.0.0.1:9090 */
  readonly url: string;
  /** Shortest rate window, two scrape intervals of the server (default 10 s). */
  readonly minWindowSeconds?: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface PromVector {
  readonly metric: Record<string, string>;
  readonly value?: readonly [number, string];
  readonly values?: readonly (readonly [number, string])[];
}

const BY = TRAFFIC_LABELS.join(',');

/** The two queries of a window of `seconds`. */
export function windowQueries(seconds: number): { requests: string; buckets: string } {
  const w = `${Math.max(1, Math.round(seconds))}s`;
  return {
    requests: `sum by (${BY}) (rate(istio_requests_total[${w}]))`,
    buckets: `sum by (${BY},le) (rate(istio_request_duration_milliseconds_bucket[${w}]))`,
  };
}

/** Joins a request vector and a bucket vector (one value each) into series. */
function joinSeries(requests: readonly { metric: Record<string, string>; v: number }[], buckets: readonly { metric: Record<string, string>; v: number }[]): TrafficSeries[] {
  const byKey = new Map<string, { labels: TrafficLabels; rps: number; latency: Map<number, number> }>();
  for (const r of requests) {
    if (!(r.v > 0)) continue;
    const labels = pickLabels(r.metric);
    byKey.set(labelKey(labels), { labels, rps: r.v, latency: new Map() });
  }
  for (const b of buckets) {
    const s = byKey.get(labelKey(pickLabels(b.metric)));
    if (s && Number.isFinite(b.v)) s.latency.set(parseLe(b.metric.le), b.v);
  }
  return [...byKey.values()].map((s) => ({ labels: s.labels, rps: s.rps, latency: [...s.latency].sort((a, b) => a[0] - b[0]) }));
}

export function createPrometheusSource(options: PrometheusSourceOptions): MetricSource {
  const base = options.url.replace(/\/$/, '');
  const minWindow = options.minWindowSeconds ?? 10;
  const now = options.now ?? Date.now;
  let lastError: string | undefined;

  const api = async (path: string, params: Record<string, string>): Promise<PromVector[]> => {
    const url = `${base}${path}?${new URLSearchParams(params)}`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
      const body = (await res.json()) as { status: string; error?: string; data?: { result?: PromVector[] } };
      if (body.status !== 'success') throw new Error(body.error ?? `answered ${res.status}`);
      lastError = undefined;
      return body.data?.result ?? [];
    } catch (e) {
      lastError = `${base}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`;
      throw new Error(lastError);
    }
  };

  return {
    info: () => ({ kind: 'prometheus', targets: [base], errors: lastError ? [lastError] : [] }),
    async window(durationSeconds) {
      const seconds = Math.max(minWindow, durationSeconds);
      const q = windowQueries(seconds);
      const time = String(now() / 1000);
      const [req, buck] = await Promise.all([api('/api/v1/query', { query: q.requests, time }), api('/api/v1/query', { query: q.buckets, time })]);
      const one = (v: PromVector): { metric: Record<string, string>; v: number } => ({ metric: v.metric, v: Number(v.value?.[1]) });
      return { end: Number(time) * 1000, windowSeconds: seconds, series: joinSeries(req.map(one), buck.map(one)) };
    },
    async range(durationSeconds, points) {
      const step = Math.max(1, Math.round(durationSeconds / points));
      const q = windowQueries(Math.max(minWindow, step));
      const end = Math.floor(now() / 1000);
      const params = { start: String(end - (points - 1) * step), end: String(end), step: String(step) };
      const [req, buck] = await Promise.all([api('/api/v1/query_range', { ...params, query: q.requests }), api('/api/v1/query_range', { ...params, query: q.buckets })]);
      const out: TrafficWindow[] = [];
      for (let i = 0; i < points; i++) {
        const t = end - (points - 1 - i) * step;
        const at = (list: PromVector[]) => list.flatMap((v) => (v.values ?? []).filter(([ts]) => ts === t).map(([, x]) => ({ metric: v.metric, v: Number(x) })));
        out.push({ end: t * 1000, windowSeconds: step, series: joinSeries(at(req), at(buck)) });
      }
      return out;
    },
    async close() {},
  };
}
