// Istio duration strings (Go's time.ParseDuration syntax: `1.5s`, `100ms`, `1h30m`) as Envoy
// google.protobuf.Duration objects (`{ seconds, nanos }`). Nothing else.

/** A google.protobuf.Duration as packAny takes it (int64 seconds as a decimal string, as decoding gives). */
export interface EnvoyDuration {
  readonly seconds: string;
  readonly nanos?: number;
}

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Parses a Go duration into nanoseconds; undefined when it is not one. Exact (bigint), so `0.1s`
 *  is 100000000 ns and not a float approximation. */
export function parseDurationNanos(text: string): bigint | undefined {
  let rest = text.trim();
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  const part = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) return undefined;
    const whole = m[1] ?? '';
    const frac = m[2] ?? '';
    const unit = UNIT_NANOS[m[3] ?? ''];
    if (unit === undefined || (whole === '' && frac === '')) return undefined;
    total += BigInt(whole || '0') * unit;
    if (frac !== '') total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    rest = rest.slice(m[0].length);
  }
  return negative ? -total : total;
}

/** Envoy Duration from nanoseconds. */
export function durationFromNanos(nanos: bigint): EnvoyDuration {
  const seconds = nanos / 1_000_000_000n;
  const rest = Number(nanos % 1_000_000_000n);
  return rest === 0 ? { seconds: seconds.toString() } : { seconds: seconds.toString(), nanos: rest };
}

/** Envoy Duration from an Istio duration string; undefined when absent or not a duration (the
 *  validator rejects those before config reaches a generator). */
export function toEnvoyDuration(text: string | undefined): EnvoyDuration | undefined {
  if (text === undefined) return undefined;
  const nanos = parseDurationNanos(text);
  return nanos === undefined ? undefined : durationFromNanos(nanos);
}

/** A zero Duration: Istio's "no timeout" (`0s` disables Envoy's route and stream timeouts). */
export const ZERO_DURATION: EnvoyDuration = Object.freeze({ seconds: '0' });
