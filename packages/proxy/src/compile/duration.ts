// Reads a decoded google.protobuf.Duration ({ seconds, nanos }, seconds as a string for 64-bit) or its
// JSON form ("1.5s") as milliseconds. Used by the compiler only, never per request.

/** Milliseconds of a decoded Duration, or undefined when it is absent or not a duration. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^(-?\d+(?:\.\d+)?)s$/.exec(value);
    return m ? Number(m[1]) * 1000 : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const d = value as { seconds?: unknown; nanos?: unknown };
  const seconds = Number(d.seconds ?? 0);
  const nanos = Number(d.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isFinite(nanos)) return undefined;
  return seconds * 1000 + nanos / 1e6;
}
