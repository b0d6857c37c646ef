// Reads Istio's request metrics out of a Prometheus text exposition (a proxy's /stats/prometheus):
// istio_requests_total and istio_request_duration_milliseconds_bucket, everything else skipped.

/** One sample line. */
export interface TextSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of the two metrics the dashboard reads. */
export interface IstioSamples {
  readonly requests: readonly TextSample[];
  readonly durationBuckets: readonly TextSample[];
}

const REQUESTS = 'istio_requests_total';
const BUCKETS = 'istio_request_duration_milliseconds_bucket';
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (v: string): string => (v.includes('\\') ? v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c)) : v);

function parseLine(line: string, nameLength: number): TextSample | undefined {
  const close = line.lastIndexOf('}');
  if (line[nameLength] !== '{' || close < 0) return undefined;
  const labels: Record<string, string> = {};
  for (const m of line.slice(nameLength + 1, close).matchAll(LABEL)) labels[m[1] as string] = unescape(m[2] as string);
  // The value may be followed by a timestamp.
  const value = Number(line.slice(close + 1).trim().split(/\s+/)[0]);
  return Number.isNaN(value) ? undefined : { labels, value };
}

/** Parses `text`; lines it does not understand are skipped (a scrape is never fatal for one line). */
export function parseIstioSamples(text: string): IstioSamples {
  const requests: TextSample[] = [];
  const durationBuckets: TextSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(REQUESTS)) {
      const s = parseLine(line, REQUESTS.length);
      if (s) requests.push(s);
    } else if (line.startsWith(BUCKETS)) {
      const s = parseLine(line, BUCKETS.length);
      if (s) durationBuckets.push(s);
    }
  }
  return { requests, durationBuckets };
}

/** A bucket bound: `+Inf` is Infinity. */
export function parseLe(le: string | undefined): number {
  if (le === undefined || le === '+Inf') return Infinity;
  return Number(le);
}
