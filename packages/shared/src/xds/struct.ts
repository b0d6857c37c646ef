// Converts google.protobuf.Struct / Value between protobufjs's decoded form
// (`{ fields: { k: { stringValue: 'x' } } }`) and plain JSON-like objects. Used for node metadata.

/** A google.protobuf.Value as protobufjs decodes it (camelCase even with `keepCase`): one kind set. */
export interface StructValue {
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructMessage;
  listValue?: { values?: StructValue[] };
}

/** A google.protobuf.Struct as protobufjs decodes it. */
export interface StructMessage {
  fields?: Record<string, StructValue>;
}

/** The JSON value a Struct Value stands for; a Value with no kind set becomes null. */
export function valueToPlain(value: StructValue | null | undefined): unknown {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.structValue !== undefined) return structToPlain(value.structValue);
  if (value.listValue !== undefined) return (value.listValue.values ?? []).map(valueToPlain);
  return null;
}

/** The plain object a Struct stands for (`{}` for an absent Struct). */
export function structToPlain(struct: StructMessage | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = valueToPlain(value);
  return out;
}

/** The Struct Value for a JSON value (undefined and functions become nullValue, like JSON.stringify's null). */
export function plainToValue(value: unknown): StructValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(plainToValue) } };
  if (value !== null && typeof value === 'object') return { structValue: plainToStruct(value as Record<string, unknown>) };
  return { nullValue: 'NULL_VALUE' };
}

/** The Struct for a plain object, e.g. node metadata a test client sends. */
export function plainToStruct(object: Record<string, unknown>): StructMessage {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = plainToValue(value);
  return { fields };
}
