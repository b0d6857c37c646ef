// Converts a CRD's structural openAPIV3Schema into a JSON Schema that ajv compiles, with Kubernetes'
// meaning: int-or-string, nullable, preserve-unknown-fields, known formats only, and unknown fields
// rejected (additionalProperties: false) as `kubectl apply --validate=strict` does. CEL rules and
// list types are not JSON Schema; cel-rules.ts and list-types.ts handle them.

import type { JsonSchemaProps } from '../../api/crd.js';
import { KUBE_FORMATS } from './formats.js';

/** A JSON Schema object for ajv. */
export type AjvSchema = Record<string, unknown>;

/** The fields Kubernetes adds to every resource; metadata.ts validates them, so the schema accepts them. */
const ROOT_FIELDS = ['apiVersion', 'kind', 'metadata'] as const;

/**
 * Converts the root openAPIV3Schema of one CRD version. The result is a fresh object; the input is
 * not modified. `structural` nodes (reachable through properties/items/additionalProperties) are
 * closed to unknown fields; value-validation nodes (inside oneOf/anyOf/allOf/not) only constrain.
 */
export function toJsonSchema(root: JsonSchemaProps): AjvSchema {
  const out = convert(root, true);
  const props = { ...((out.properties as Record<string, AjvSchema> | undefined) ?? {}) };
  for (const f of ROOT_FIELDS) if (!(f in props)) props[f] = {};
  out.properties = props;
  if (out.type === undefined) out.type = 'object';
  return out;
}

function isIntOrStringAnyOf(list: readonly JsonSchemaProps[] | undefined): boolean {
  if (!list || list.length !== 2) return false;
  const types = list.map((s) => (Object.keys(s).length === 1 ? s.type : undefined)).sort();
  return types[0] === 'integer' && types[1] === 'string';
}

function convert(s: JsonSchemaProps, structural: boolean): AjvSchema {
  const out: AjvSchema = {};
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;

  let types: string[] | undefined;
  if (intOrString) types = ['integer', 'string'];
  else if (s.type) types = [s.type];
  if (types && s.nullable === true) types.push('null');
  if (types) out.type = types.length === 1 ? types[0] : types;

  if (s.enum) out.enum = s.nullable === true && !s.enum.includes(null) ? [...s.enum, null] : [...s.enum];
  if (s.format !== undefined && s.format in KUBE_FORMATS) out.format = s.format;
  // OpenAPI v3.0 boolean exclusive bounds become JSON Schema numeric ones.
  if (s.minimum !== undefined) {
    if (s.exclusiveMinimum === true) out.exclusiveMinimum = s.minimum;
    else out.minimum = s.minimum;
  }
  if (s.maximum !== undefined) {
    if (s.exclusiveMaximum === true) out.exclusiveMaximum = s.maximum;
    else out.maximum = s.maximum;
  }
  for (const k of ['multipleOf', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties'] as const) {
    if (s[k] !== undefined) out[k] = s[k];
  }
  if (s.required && s.required.length > 0) out.required = [...s.required];

  if (s.properties) {
    const props: Record<string, AjvSchema> = {};
    for (const [name, sub] of Object.entries(s.properties)) props[name] = convert(sub, structural);
    out.properties = props;
  }
  if (s.items) out.items = convert(s.items, structural);
  if (typeof s.additionalProperties === 'object') out.additionalProperties = convert(s.additionalProperties, structural);
  else if (typeof s.additionalProperties === 'boolean') out.additionalProperties = s.additionalProperties;
  else if (structural && !preserve && (s.type === 'object' || s.properties)) out.additionalProperties = false;

  // int-or-string nodes carry anyOf [integer, string]; the union type above already says it.
  if (s.anyOf && !(intOrString && isIntOrStringAnyOf(s.anyOf))) out.anyOf = s.anyOf.map((x) => convert(x, false));
  if (s.oneOf) out.oneOf = s.oneOf.map((x) => convert(x, false));
  if (s.allOf) out.allOf = s.allOf.map((x) => convert(x, false));
  if (s.not) out.not = convert(s.not, false);
  return out;
}
