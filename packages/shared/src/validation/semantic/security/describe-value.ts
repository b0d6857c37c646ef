// Prints any decoded YAML value for an error message without ever throwing (a null-prototype
// object or a BigInt would make String() or JSON.stringify() throw).

/** A short, safe rendering: strings quoted, scalars as written, containers by their kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : typeof v;
}
