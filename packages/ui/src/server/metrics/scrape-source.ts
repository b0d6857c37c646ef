// Metrics without Prometheus: weft-ui scrapes every proxy's /stats/prometheus itself on an interval,
// keeps the counters of each scrape for the longest window it serves, and computes rates from two
// scrapes (a counter that went down is a restarted proxy: its new value is the increase).

import type { MetricsSourceInfo } from '../../api-types.js';
import type { MetricSource } from './metric-source.js';
import { parseIstioSamples, parseLe } from './prom-text.js';
import { labelKey, pickLabels, type TrafficLabels, type TrafficSeries, type TrafficWindow } from './traffic-series.js';

/** Options of {@link createScrapeSource}. */
export interface ScrapeSourceOptions {
  /** Stats URLs, e.g. http://127.0.0.1:15090/stats/prometheus. */
  readonly targets: readonly string[];
  /** Time between scrapes (default 5000 ms). */
  readonly intervalMs?: number;
  /** How long scrapes are kept, the longest window served (default 1 h). */
  readonly retentionMs?: number;
  /** Per-scrape timeout (default 2000 ms). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface Counters {
  readonly labels: TrafficLabels;
  requests: number;
  readonly buckets: Map<number, number>;
}

/** One scrape of every target: counters by target, then label key. */
interface Scrape {
  readonly at: number;
  readonly byTarget: readonly Map<string, Counters>[];
}

function countersOf(text: string): Map<string, Counters> {
  const out = new Map<string, Counters>();
  const { requests, durationBuckets } = parseIstioSamples(text);
  const entry = (all: Readonly<Record<string, string>>): Counters => {
    const labels = pickLabels(all);
    const key = labelKey(labels);
    let c = out.get(key);
    if (!c) out.set(key, (c = { labels, requests: 0, buckets: new Map() }));
    return c;
  };
  for (const s of requests) entry(s.labels).requests += s.value;
  for (const s of durationBuckets) {
    const c = entry(s.labels);
    const le = parseLe(s.labels.le);
    c.buckets.set(le, (c.buckets.get(le) ?? 0) + s.value);
  }
  return out;
}

/** Rates between two scrapes, summed over targets. */
export function ratesBetween(a: Scrape | undefined, b: Scrape): TrafficWindow {
  const seconds = a ? (b.at - a.at) / 1000 : 0;
  if (!a || seconds <= 0) return { end: b.at, windowSeconds: 0, series: [] };
  const sum = new Map<string, { labels: TrafficLabels; requests: number; buckets: Map<number, number> }>();
  b.byTarget.forEach((now, i) => {
    const before = a.byTarget[i];
    for (const [key, c] of now) {
      const prev = before?.get(key);
      const reset = prev === undefined || c.requests < prev.requests;
      const requests = reset ? c.requests : c.requests - prev.requests;
      if (requests <= 0) continue;
      let acc = sum.get(key);
      if (!acc) sum.set(key, (acc = { labels: c.labels, requests: 0, buckets: new Map() }));
      acc.requests += requests;
      for (const [le, v] of c.buckets) acc.buckets.set(le, (acc.buckets.get(le) ?? 0) + Math.max(0, reset ? v : v - (prev.buckets.get(le) ?? 0)));
    }
  });
  const series: TrafficSeries[] = [...sum.values()].map((s) => ({
    labels: s.labels,
    rps: s.requests / seconds,
    latency: [...s.buckets].sort((x, y) => x[0] - y[0]).map(([le, v]) => [le, v / seconds] as const),
  }));
  return { end: b.at, windowSeconds: seconds, series };
}

/** The latest scrape taken at or before `t`, else the oldest. */
function scrapeAt(scrapes: readonly Scrape[], t: number): Scrape | undefined {
  let found: Scrape | undefined;
  for (const s of scrapes) {
    if (s.at <= t) found = s;
    else break;
  }
  return found ?? scrapes[0];
}

/** Starts scraping `targets` at once and every interval; `close()` stops it. */
export function createScrapeSource(options: ScrapeSourceOptions): MetricSource & { scrapeNow(): Promise<void> } {
  const interval = options.intervalMs ?? 5000;
  const retention = options.retentionMs ?? 3_600_000;
  const timeout = options.timeoutMs ?? 2000;
  const now = options.now ?? Date.now;
  const scrapes: Scrape[] = [];
  const errors = new Map<string, string>();
  let inFlight: Promise<void> | undefined;

  const scrapeOnce = async (): Promise<void> => {
    const previous = scrapes.at(-1);
    const byTarget = await Promise.all(
      options.targets.map(async (url, i) => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
          if (res.status !== 200) throw new Error(`answered ${res.status}`);
          const counters = countersOf(await res.text());
          errors.delete(url);
          return counters;
        } catch (e) {
          errors.set(url, `${url}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
          // Keep the target's last counters, so its next good scrape is not taken for a restart.
          return previous?.byTarget[i] ?? new Map<string, Counters>();
        }
      }),
    );
    const at = now();
    scrapes.push({ at, byTarget });
    while (scrapes.length > 2 && (scrapes[1] as Scrape).at < at - retention - interval) scrapes.shift();
  };
  const scrapeNow = (): Promise<void> => (inFlight ??= scrapeOnce().finally(() => (inFlight = undefined)));
  const timer = setInterval(() => void scrapeNow(), interval);
  timer.unref();
  void scrapeNow();

  /** Makes sure there are two scrapes at least 0.5 s apart, so a rate exists right after start. */
  const ensureTwo = async (): Promise<void> => {
    if (inFlight) await inFlight;
    const latest = scrapes.at(-1);
    if (scrapes.length < 2 || (latest && now() - latest.at > interval * 2)) {
      const first = scrapes[0];
      if (first && now() - first.at < 500) await new Promise((r) => setTimeout(r, 500 - (now() - first.at)));
      await scrapeNow();
    }
  };

  return {
    scrapeNow,
    info(): MetricsSourceInfo {
      return { kind: 'scrape', targets: [...options.targets], errors: [...errors.values()] };
    },
    async window(durationSeconds) {
      await ensureTwo();
      const b = scrapes.at(-1);
      if (!b) return { end: now(), windowSeconds: 0, series: [] };
      const a = scrapeAt(scrapes, b.at - durationSeconds * 1000);
      return ratesBetween(a === b ? undefined : a, b);
    },
    async range(durationSeconds, points) {
      await ensureTwo();
      const end = scrapes.at(-1)?.at ?? now();
      const step = (durationSeconds * 1000) / points;
      const out: TrafficWindow[] = [];
      for (let i = 1; i <= points; i++) {
        const t = end - durationSeconds * 1000 + i * step;
        const a = scrapeAt(scrapes, t - step);
        const b = scrapeAt(scrapes, t);
        out.push(a && b && a !== b && a.at < b.at ? { ...ratesBetween(a, b), end: t } : { end: t, windowSeconds: 0, series: [] });
      }
      return out;
    },
    async close() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
