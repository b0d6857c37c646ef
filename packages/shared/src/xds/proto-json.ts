// Renders a decoded xDS message (unpackAny's shape) as proto3 JSON with proto field names, which is
// what Envoy's admin /config_dump prints and what istioctl parses: Duration "5s", wrappers as bare
// values, Struct as a plain object, bytes as base64. Decoding itself lives in any.ts.

import protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { findMessageType } from './load.js';
import { structToPlain, valueToPlain, type StructMessage, type StructValue } from './struct.js';

const WRAPPER_DEFAULTS: Readonly<Record<string, unknown>> = {
  '.google.protobuf.DoubleValue': 0,
  '.google.protobuf.FloatValue': 0,
  '.google.protobuf.Int64Value': '0',
  '.google.protobuf.UInt64Value': '0',
  '.google.protobuf.Int32Value': 0,
  '.google.protobuf.UInt32Value': 0,
  '.google.protobuf.BoolValue': false,
  '.google.protobuf.StringValue': '',
  '.google.protobuf.BytesValue': '',
};

const base64 = (bytes: unknown): string => (bytes instanceof Uint8Array ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : String(bytes ?? ''));

/** proto3 JSON of a google.protobuf.Duration: seconds with 0, 3, 6 or 9 fractional digits and `s`. */
export function formatProtoDuration(seconds: string | number | undefined, nanos: number | undefined): string {
  const s = BigInt(seconds ?? 0);
  const n = nanos ?? 0;
  const negative = s < 0n || n < 0;
  const whole = (s < 0n ? -s : s).toString();
  const frac = Math.abs(n);
  if (frac === 0) return `${negative ? '-' : ''}${whole}s`;
  const digits = String(frac).padStart(9, '0');
  const trimmed = digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits;
  return `${negative ? '-' : ''}${whole}.${trimmed}s`;
}

function wellKnown(type: Type, value: Record<string, unknown>): { ok: true; json: unknown } | undefined {
  switch (type.fullName) {
    case '.google.protobuf.Duration':
      return { ok: true, json: formatProtoDuration(value.seconds as string | undefined, value.nanos as number | undefined) };
    case '.google.protobuf.Timestamp': {
      const ms = Number(value.seconds ?? 0) * 1000 + Math.floor(Number(value.nanos ?? 0) / 1e6);
      return { ok: true, json: new Date(ms).toISOString() };
    }
    case '.google.protobuf.Struct':
      return { ok: true, json: structToPlain(value as StructMessage) };
    case '.google.protobuf.Value':
      return { ok: true, json: valueToPlain(value as StructValue) };
    case '.google.protobuf.ListValue':
      return { ok: true, json: ((value.values as StructValue[] | undefined) ?? []).map(valueToPlain) };
    default:
      if (type.fullName in WRAPPER_DEFAULTS) {
        const inner = value.value ?? WRAPPER_DEFAULTS[type.fullName];
        return { ok: true, json: type.fullName === '.google.protobuf.BytesValue' ? base64(inner) : inner };
      }
      return undefined;
  }
}

function fieldJson(field: protobuf.Field, value: unknown): unknown {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return messageJson(resolved, value as Record<string, unknown>);
  if (field.type === 'bytes') return base64(value);
  return value;
}

function messageJson(type: Type, value: Record<string, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const known = wellKnown(type, value);
  if (known) return known.json;
  let target = type;
  const out: Record<string, unknown> = {};
  if (type.fullName === '.google.protobuf.Any') {
    const url = value['@type'];
    const inner = typeof url === 'string' ? findMessageType(url.slice(url.lastIndexOf('/') + 1)) : undefined;
    if (typeof url !== 'string' || !inner) return { '@type': String(value['@type'] ?? value.type_url ?? ''), value: base64(value.value) };
    const { '@type': _drop, ...rest } = value;
    const innerKnown = wellKnown(inner, rest);
    if (innerKnown) return { '@type': url, value: innerKnown.json };
    out['@type'] = url;
    target = inner;
    value = rest;
  }
  for (const [key, child] of Object.entries(value)) {
    const field = target.fields[key];
    if (!field || child === undefined || child === null) continue;
    if (field.map) out[key] = Object.fromEntries(Object.entries(child as Record<string, unknown>).map(([k, v]) => [k, fieldJson(field, v)]));
    else if (field.repeated && Array.isArray(child)) out[key] = child.map((v) => fieldJson(field, v));
    else out[key] = fieldJson(field, child);
  }
  return out;
}

/**
 * The proto3 JSON form (proto field names, as Envoy's admin prints with `preserve_proto_field_names`)
 * of a message decoded by {@link unpackAny} or written for {@link packAny}, of the type named by
 * `typeUrl`. Unknown fields are dropped; an Any whose type is not loaded is printed as
 * `{ '@type', value: <base64> }`. Throws a TypeError when `typeUrl` is not loaded (a caller bug).
 */
export function toProtoJson(typeUrl: string, message: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const type = findMessageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!type) throw new TypeError(`toProtoJson: ${typeUrl} is not a loaded xDS message type`);
  return messageJson(type, message as Record<string, unknown>) as Record<string, unknown>;
}
