// Number and time formatting shared by every page.

/** Requests per second: 3 significant digits, `0` for nothing. */
export function formatRps(rps: number): string {
  if (!(rps > 0)) return '0';
  if (rps >= 100) return rps.toFixed(0);
  if (rps >= 10) return rps.toFixed(1);
  return rps.toFixed(2);
}

/** A percentage with one decimal. */
export function formatPct(pct: number): string {
  return `${pct.toFixed(1)}%`;
}

/** Milliseconds, as `850ms` or `1.2s`; `–` when unknown. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 10) return `${ms.toFixed(0)}ms`;
  return `${ms.toFixed(1)}ms`;
}

/** Seconds as the selector labels them (`1m`, `1h`, `30s`). */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${Math.round(seconds)}s`;
}
