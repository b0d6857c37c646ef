// x-kubernetes-list-type invariants (apiextensions-apiserver structurallisttype): items of a `set`
// are unique, items of a `map` are unique by their x-kubernetes-list-map-keys, which must be present.

import type { JsonSchemaProps } from '../../api/crd.js';
import { fieldChild, fieldIndex } from './field-path.js';
import { goBadValue, goSharpV } from './go-format.js';

/** A list-type violation, in Kubernetes' words (`Duplicate value: ...`, `Required value`). */
export interface ListTypeIssue {
  readonly path: string;
  readonly message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// A canonical JSON text (sorted keys) so equal values compare equal whatever their key order.
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Checks one list value against its schema node's list type; other nodes yield nothing. */
export function checkListType(schema: JsonSchemaProps, value: unknown, path: string): ListTypeIssue[] {
  const type = schema['x-kubernetes-list-type'];
  if (!Array.isArray(value) || (type !== 'set' && type !== 'map')) return [];
  const issues: ListTypeIssue[] = [];
  const seen = new Set<string>();
  if (type === 'set') {
    value.forEach((item, i) => {
      const key = canonical(item);
      if (seen.has(key)) issues.push({ path: fieldIndex(path, i), message: `Duplicate value: ${goBadValue(item)}` });
      seen.add(key);
    });
    return issues;
  }
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const itemRequired = new Set(schema.items?.required ?? []);
  value.forEach((item, i) => {
    if (!isRecord(item)) return; // a type error, reported by the schema validator
    const keyValues: Record<string, unknown> = {};
    let complete = true;
    for (const k of keys) {
      if (Object.hasOwn(item, k)) {
        keyValues[k] = item[k];
        continue;
      }
      complete = false;
      if (!itemRequired.has(k) && schema.items?.properties?.[k]?.default === undefined) {
        // A missing key that the schema does not already require is reported here, as Kubernetes does.
        issues.push({ path: fieldChild(fieldIndex(path, i), k), message: 'Required value' });
      }
    }
    if (!complete) return; // an item without its keys cannot collide
    const key = canonical(keyValues);
    if (seen.has(key)) issues.push({ path: fieldIndex(path, i), message: `Duplicate value: ${goSharpV(keyValues)}` });
    seen.add(key);
  });
  return issues;
}
