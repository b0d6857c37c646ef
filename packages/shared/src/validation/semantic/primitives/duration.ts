// Duration strings as Istio reads them (Go's time.ParseDuration via jsonpb: `1.5s`, `100ms`, `1h30m`)
// and Istio's duration checks (at least 1ms, millisecond precision, ranges).

/** Nanoseconds per unit, as Go's time package defines them. */
const UNIT_NANOS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds in common units, for callers building ranges. */
export const NANOS = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 } as const;

// Go's maximum duration (int64 nanoseconds, 2^63 - 1), ~292 years.
const MAX_NANOS = 2 ** 63 - 1;

/**
 * Parses a duration the way Go's time.ParseDuration does and returns it in nanoseconds (a float:
 * exact below 2^53 ns, about 104 days), or undefined when the string is not a duration.
 */
export function parseDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) return undefined;
    const whole = m[1] ?? '';
    const frac = m[2];
    const unitName = m[3] ?? '';
    if (whole === '' && (frac === undefined || frac === '')) return undefined;
    // The unit is the longest run of non-digit, non-dot characters, as in Go.
    const unit = UNIT_NANOS[unitName];
    if (unit === undefined) return undefined;
    const fracValue = frac ? Number(`0.${frac}`) : 0;
    total += (Number(whole || '0') + fracValue) * unit;
    if (total > MAX_NANOS) return undefined;
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/** Formats nanoseconds the way Go's Duration.String does (`1h0m0s`, `1.5s`, `100ms`). */
export function formatDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const neg = nanos < 0;
  let n = Math.abs(nanos);
  let out: string;
  if (n < 1e9) {
    if (n < 1e3) out = `${n}ns`;
    else if (n < 1e6) out = `${trimFloat(n / 1e3)}µs`;
    else out = `${trimFloat(n / 1e6)}ms`;
  } else {
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const s = trimFloat(n / 1e9);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFloat(x: number): string {
  return String(Number(x.toFixed(9)));
}

/** Go's parse error wording for a string that is not a duration. */
export function invalidDurationMessage(s: string): string {
  return `time: invalid duration ${JSON.stringify(s)}`;
}

/**
 * Istio's ValidateDuration for a duration field given as a string: parseable, at least 1ms,
 * and to millisecond precision. Returns the error message or undefined.
 */
export function validateDuration(s: string): string | undefined {
  const d = parseDuration(s);
  if (d === undefined) return invalidDurationMessage(s);
  if (d < NANOS.ms) return 'duration must be greater than 1ms';
  if (d % NANOS.ms !== 0) return 'only durations to ms precision are supported';
  return undefined;
}

/** Istio's ValidateDurationRange: `min <= d <= max`, with Go's wording. */
export function validateDurationRange(nanos: number, min: number, max: number): string | undefined {
  if (nanos > max || nanos < min) return `time ${formatDuration(nanos)} must be >${formatDuration(min)} and <${formatDuration(max)}`;
  return undefined;
}

/** Istio's ValidateConnectTimeout: a valid duration between 1ms and 1h. */
export function validateConnectTimeout(s: string): string | undefined {
  const err = validateDuration(s);
  if (err) return err;
  return validateDurationRange(parseDuration(s) ?? 0, NANOS.ms, NANOS.h);
}

/** Reads a duration field: undefined when absent or not a string/parseable. */
export function durationNanos(v: unknown): number | undefined {
  return typeof v === 'string' ? parseDuration(v) : undefined;
}
