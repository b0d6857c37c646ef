// Walks a value together with the structural schema that describes it, the way the apiserver's
// structural validators do: declared properties, map entries and list items; unknown fields are
// pruned (not visited) and absent or null values are skipped.

import type { JsonSchemaProps } from '../../api/crd.js';
import { fieldChild, fieldIndex, fieldKey } from './field-path.js';

/** Called for every present, non-null value with its schema node and Kubernetes field path. */
export type SchemaVisitor = (schema: JsonSchemaProps, value: unknown, path: string) => void;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Visits `value` and its descendants, parents before children. */
export function walkSchema(schema: JsonSchemaProps, value: unknown, path: string, visit: SchemaVisitor): void {
  if (value === undefined || value === null) return;
  visit(schema, value, path);
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => walkSchema(schema.items as JsonSchemaProps, item, fieldIndex(path, i), visit));
    return;
  }
  if (!isRecord(value)) return;
  const props = schema.properties;
  if (props) {
    for (const [name, sub] of Object.entries(props)) {
      if (Object.hasOwn(value, name)) walkSchema(sub, value[name], fieldChild(path, name), visit);
    }
  }
  const extra = schema.additionalProperties;
  if (typeof extra === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!props || !Object.hasOwn(props, k)) walkSchema(extra, v, fieldKey(path, k), visit);
    }
  }
}
