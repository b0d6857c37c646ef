// Reading Prometheus' text format as the proxies serve it (/stats/prometheus), for scenarios that
// count istio_* series without a Prometheus server.

/** One sample: its labels and value. */
export interface PromSample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of one metric in a Prometheus text body. */
export function promSamples(text: string, metric: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const m of line.slice(metric.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] as string] = m[2] as string;
    out.push({ labels, value: Number(line.slice(close + 2)) });
  }
  return out;
}
