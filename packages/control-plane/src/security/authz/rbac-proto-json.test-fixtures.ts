// Test support: puts Istio's golden filters (proto3 JSON in YAML: camelCase names, wrappers as bare
// values) and the builder's output (proto field names, wrappers as `{ value }`) into one canonical
// shape, driven by the loaded Envoy protos, so the two can be compared field by field.

import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { findMessageType } from '@weft/shared/xds';

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `.google.protobuf.${n}`));

/** Keys of a message whose type is not loaded (an Any of an unloaded extension): names only. */
function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k === '@type' ? k : snake(k), snakeKeys(x)]));
}

function fieldValue(field: protobuf.Field, v: unknown): unknown {
  const resolved = field.resolve().resolvedType;
  if (!(resolved instanceof protobuf.Type)) return v;
  return message(resolved, v);
}

function defaultOf(field: protobuf.Field): unknown {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Enum) return Object.keys(resolved.values)[0];
  switch (field.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return undefined;
    default:
      return 0;
  }
}

/** One message in canonical form: proto field names, wrappers as `{ value }`, default scalars outside
 *  oneofs dropped, empty repeated and map fields dropped (proto3 cannot tell them from absent). */
function message(type: Type, v: unknown): unknown {
  if (WRAPPERS.has(type.fullName) && !isObject(v)) return { value: v };
  if (!isObject(v)) return v;
  if (type.fullName === '.google.protobuf.Any') {
    const url = v['@type'];
    const inner = typeof url === 'string' ? findMessageType(url.slice(url.lastIndexOf('/') + 1)) : undefined;
    const { '@type': _drop, ...rest } = v;
    return inner ? { '@type': url, ...(message(inner, rest) as object) } : { '@type': url, ...(snakeKeys(rest) as object) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) {
    const field = type.fields[key] ?? type.fieldsArray.find((f) => camel(f.name) === key);
    if (!field) throw new Error(`${type.fullName} has no field ${key}`);
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, fieldValue(field, x)]));
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length > 0) out[field.name] = list.map((x) => fieldValue(field, x));
    } else if (field.partOf || field.resolve().resolvedType instanceof protobuf.Type || value !== defaultOf(field)) {
      out[field.name] = fieldValue(field, value);
    }
  }
  return out;
}

/** `value` (either shape) of the message `typeName` (`envoy.config.listener.v3.Filter`) in canonical form. */
export function canonicalProto(typeName: string, value: unknown): unknown {
  const type = findMessageType(typeName);
  if (!type) throw new Error(`${typeName} is not loaded`);
  return message(type, value);
}
