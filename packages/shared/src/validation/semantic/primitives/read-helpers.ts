// Typed, defensive readers over YAML-decoded values. Semantic rules read resources that may be
// structurally invalid; these return undefined on a wrong type so a rule never throws.

/** A plain object (not null, not an array), or undefined. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** An array, or undefined. */
export function asArray(v: unknown): readonly unknown[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/** A string, or undefined. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A finite number, or undefined. Numeric strings are not numbers here: the schema rejects them. */
export function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A boolean, or undefined. */
export function asBoolean(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** The string elements of an array with their original index (non-strings are skipped). */
export function stringItems(v: unknown): Array<[index: number, value: string]> {
  const out: Array<[number, string]> = [];
  const arr = asArray(v);
  if (!arr) return out;
  arr.forEach((item, i) => {
    if (typeof item === 'string') out.push([i, item]);
  });
  return out;
}

/** The object elements of an array with their original index (non-objects are skipped). */
export function recordItems(v: unknown): Array<[index: number, value: Record<string, unknown>]> {
  const out: Array<[number, Record<string, unknown>]> = [];
  const arr = asArray(v);
  if (!arr) return out;
  arr.forEach((item, i) => {
    const r = asRecord(item);
    if (r) out.push([i, r]);
  });
  return out;
}

/** The entries of a map whose values are strings (other values are skipped). */
export function stringEntries(v: unknown): Array<[key: string, value: string]> {
  const r = asRecord(v);
  if (!r) return [];
  return Object.entries(r).filter((e): e is [string, string] => typeof e[1] === 'string');
}

/** The entries of a map whose values are objects (other values are skipped). */
export function recordEntries(v: unknown): Array<[key: string, value: Record<string, unknown>]> {
  const r = asRecord(v);
  if (!r) return [];
  const out: Array<[string, Record<string, unknown>]> = [];
  for (const [k, val] of Object.entries(r)) {
    const rv = asRecord(val);
    if (rv) out.push([k, rv]);
  }
  return out;
}

/** True when the field is set to something other than null/undefined (proto "has" semantics). */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** True when a string/array/map field is non-empty (Go's `len(x) > 0` over a decoded proto). */
export function isNonEmpty(v: unknown): boolean {
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  const r = asRecord(v);
  return r ? Object.keys(r).length > 0 : false;
}

/**
 * Reads a protobuf enum field given either as its name or its number (both decode in Istio), and
 * returns the name; `names[i]` is the name of value i. Unset means `names[0]` (proto3 default);
 * an unknown value returns undefined.
 */
export function asEnum<T extends string>(v: unknown, names: readonly T[]): T | undefined {
  if (v === undefined || v === null) return names[0];
  if (typeof v === 'string') return (names as readonly string[]).includes(v) ? (v as T) : undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return names[v];
  return undefined;
}
