// Reads Envoy config in either shape it reaches the RBAC compiler: decoded xDS (proto field names,
// wrappers as `{ value }`, enums by name) or proto3 JSON / YAML (camelCase names, wrappers as bare
// values, enums by name or number). Read once at compile time; the request path never sees config.

/** A config message as a plain object. */
export type ConfigObject = Readonly<Record<string, unknown>>;

const camelNames = new Map<string, string>();

function camel(snake: string): string {
  let c = camelNames.get(snake);
  if (c === undefined) {
    c = snake.replace(/_([a-z0-9])/g, (_, x: string) => x.toUpperCase());
    camelNames.set(snake, c);
  }
  return c;
}

/** The field `snake` (its proto name) of `o`, under its proto name or its JSON (camelCase) name. */
export function field(o: ConfigObject, snake: string): unknown {
  const v = o[snake];
  return v !== undefined ? v : o[camel(snake)];
}

/** Whether `v` is a message (a non-array object). */
export const isConfigObject = (v: unknown): v is ConfigObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first of `names` (proto names of a oneof's members) that is set in `o`. */
export function oneofCase(o: ConfigObject, names: readonly string[]): string | undefined {
  for (const n of names) if (field(o, n) !== undefined) return n;
  return undefined;
}

/** A repeated field: its elements, [] when unset. */
export function repeated(o: ConfigObject, snake: string): readonly unknown[] {
  const v = field(o, snake);
  return Array.isArray(v) ? v : [];
}

/** An integer scalar or wrapper (`5`, `'5'`, `{ value: 5 }`), undefined when unset or not a number. */
export function integer(v: unknown): number | undefined {
  const raw = isConfigObject(v) ? v.value : v;
  if (raw === undefined && isConfigObject(v)) return 0; // a set wrapper without value holds the default
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** A bool scalar or wrapper. */
export function bool(v: unknown): boolean {
  return (isConfigObject(v) ? v.value : v) === true;
}

/** An enum by name, or by number translated through `names` (in proto order). */
export function enumName(v: unknown, names: readonly string[]): string | undefined {
  if (v === undefined) return names[0];
  if (typeof v === 'number') return names[v];
  return typeof v === 'string' ? v : undefined;
}
