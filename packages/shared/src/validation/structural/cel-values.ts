// Turns a decoded JSON value into the CEL value a CRD rule sees, typed by its schema node as the
// apiserver does: integer -> int, number -> double, objects with properties -> field maps holding only
// declared fields (unknown ones are pruned) under CEL-escaped names, other maps -> CEL maps.

import type { JsonSchemaProps } from '../../api/crd.js';

/** JS values @bufbuild/cel accepts as input (bigint, number, string, boolean, null, Map, array). */
export type CelJs = bigint | number | string | boolean | null | Uint8Array | CelJs[] | Map<string, CelJs>;

// Kubernetes: property names that are CEL reserved words are reachable as `__name__`.
const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** The name under which a schema property is visible to CEL (apiserver/pkg/cel/escaping.go), or
 *  undefined when the name cannot be expressed (such a field is not accessible to rules). */
export function escapeCelField(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/** The schema property a CEL field name refers to (inverse of {@link escapeCelField}). */
export function unescapeCelField(name: string): string {
  const kw = /^__([a-z]+)__$/.exec(name);
  if (kw && CEL_RESERVED.has(kw[1] as string)) return kw[1] as string;
  return name.replace(/__(underscores|dot|dash|slash)__/g, (_m, w: string) =>
    w === 'underscores' ? '__' : w === 'dot' ? '.' : w === 'dash' ? '-' : '/',
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberToCel(v: number, integer: boolean): bigint | number {
  return integer && Number.isInteger(v) ? BigInt(v) : v;
}

/** Untyped conversion (preserve-unknown-fields, no schema): integral numbers become int. */
function dynamicToCel(v: unknown): CelJs {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return numberToCel(v, true);
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (Array.isArray(v)) return v.map(dynamicToCel);
  if (isRecord(v)) return new Map(Object.entries(v).map(([k, x]) => [k, dynamicToCel(x)]));
  return null;
}

/** Converts `value` (already structurally valid for `schema`, or as close as the caller has) to CEL. */
export function toCelValue(value: unknown, schema: JsonSchemaProps | undefined): CelJs {
  if (value === null || value === undefined) return null;
  if (!schema) return dynamicToCel(value);
  if (schema['x-kubernetes-int-or-string']) {
    return typeof value === 'number' ? numberToCel(value, true) : dynamicToCel(value);
  }
  switch (schema.type) {
    case 'integer':
      return typeof value === 'number' ? numberToCel(value, true) : dynamicToCel(value);
    case 'number':
      return typeof value === 'number' ? value : dynamicToCel(value);
    case 'string':
    case 'boolean':
      return dynamicToCel(value);
    case 'array':
      return Array.isArray(value) ? value.map((x) => toCelValue(x, schema.items)) : dynamicToCel(value);
    case 'object':
    case undefined:
      break;
  }
  if (!isRecord(value)) return dynamicToCel(value);
  const out = new Map<string, CelJs>();
  const props = schema.properties;
  if (props) {
    for (const [name, sub] of Object.entries(props)) {
      if (!(name in value)) continue;
      const celName = escapeCelField(name);
      if (celName !== undefined) out.set(celName, toCelValue(value[name], sub));
    }
    if (schema['x-kubernetes-preserve-unknown-fields']) {
      for (const [k, v] of Object.entries(value)) if (!(k in props)) out.set(k, dynamicToCel(v));
    }
    return out;
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const [k, v] of Object.entries(value)) out.set(k, toCelValue(v, schema.additionalProperties as JsonSchemaProps));
    return out;
  }
  if (schema['x-kubernetes-preserve-unknown-fields'] || schema.additionalProperties === true) return dynamicToCel(value);
  return out; // a closed object without properties: every field is pruned
}
