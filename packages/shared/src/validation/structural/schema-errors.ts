// Translates ajv's errors into the field errors the Kubernetes apiserver returns for a custom resource
// (kube-openapi messages wrapped by apiextensions-apiserver): `spec.hosts: Required value`,
// `spec.x: Invalid value: "string": spec.x in body must be of type integer: "string"`, and so on.

import type { ErrorObject } from 'ajv';
import type { JsonSchemaProps } from '../../api/crd.js';
import { fieldChild, fieldIndex, fieldKey } from './field-path.js';
import { goBadValue, goFloat, goNumber, goQuote, jsonTypeName } from './go-format.js';

/** One schema violation: where, the message after the path, and whether it is a type error (which,
 *  as in the apiserver, stops the CEL rules from running). */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
  readonly blocking: boolean;
  /** True for a field the schema does not declare (Kubernetes prunes it; see validateResource). */
  readonly unknownField?: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodePointerSegment(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Converts an ajv instancePath (`/spec/http/0/route`) into a Kubernetes field path
 * (`spec.http[0].route`), using the schema to tell map keys (`[key]`) from fields (`.name`).
 */
export function pointerToFieldPath(pointer: string, root: JsonSchemaProps | undefined, data: unknown): string {
  if (pointer === '') return '';
  let path = '';
  let schema: JsonSchemaProps | undefined = root;
  let value: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = decodePointerSegment(raw);
    if (Array.isArray(value)) {
      const i = Number(seg);
      path = fieldIndex(path, i);
      value = value[i];
      schema = schema?.items;
      continue;
    }
    const props = schema?.properties;
    if (props && Object.hasOwn(props, seg)) {
      path = fieldChild(path, seg);
      schema = props[seg];
    } else if (schema && typeof schema.additionalProperties === 'object') {
      path = fieldKey(path, seg);
      schema = schema.additionalProperties;
    } else {
      path = fieldChild(path, seg);
      schema = undefined;
    }
    value = isRecord(value) ? value[seg] : undefined;
  }
  return path;
}

// Errors found inside a oneOf/anyOf branch or under `not` only explain why that branch did not match;
// kube-openapi reports the composition failure itself, so those inner errors are dropped.
function insideBranch(e: ErrorObject): boolean {
  const segs = e.schemaPath.split('/');
  const last = segs.length - 1;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if ((s === 'oneOf' || s === 'anyOf') && i < last) return true;
    if (s === 'not' && i < last) return true;
  }
  return false;
}

function limitText(limit: number, data: unknown): string {
  // kube-openapi prints the limit as int64 for integer data and as float64 otherwise.
  return typeof data === 'number' && Number.isInteger(data) ? goNumber(Math.trunc(limit)) : goFloat(limit);
}

function typesText(t: unknown): string {
  const list = Array.isArray(t) ? t : String(t).split(',');
  return list.filter((x) => x !== 'null').join(',');
}

function valueCount(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (isRecord(v)) return Object.keys(v).length;
  return 0;
}

/** Converts one ajv error (from a compile with `verbose: true`), or undefined to drop it. */
export function toSchemaIssue(e: ErrorObject, root: JsonSchemaProps, data: unknown): SchemaIssue | undefined {
  if (insideBranch(e)) return undefined;
  // kube-openapi validates a null value only for its type and enum; compositions are not evaluated.
  if (e.data === null && (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'allOf' || e.keyword === 'not')) return undefined;
  const path = pointerToFieldPath(e.instancePath, root, data);
  const v: unknown = e.data;
  const name = path; // kube-openapi names the value by its path in "<name> in body ..." texts
  const p = e.params as Record<string, unknown>;
  const invalid = (detail: string, bad: unknown = v): SchemaIssue => ({ path, message: `Invalid value: ${goBadValue(bad)}: ${detail}`, blocking: false });
  switch (e.keyword) {
    case 'required':
      return { path: fieldChild(path, String(p.missingProperty)), message: 'Required value', blocking: false };
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      return { path: fieldChild(path, field), message: `unknown field ${goQuote(field)}`, blocking: false, unknownField: true };
    }
    case 'type': {
      const t = jsonTypeName(v);
      return {
        path,
        message: `Invalid value: ${goQuote(t)}: ${name} in body must be of type ${typesText(p.type)}: ${goQuote(t)}`,
        blocking: true,
      };
    }
    case 'enum': {
      const allowed = (Array.isArray(p.allowedValues) ? p.allowedValues : []).filter((x) => x !== null);
      const list = allowed.map((x) => (typeof x === 'string' ? goQuote(x) : goQuote(JSON.stringify(x)))).join(', ');
      return { path, message: `Unsupported value: ${goBadValue(v)}: supported values: ${list}`, blocking: false };
    }
    case 'format': {
      const format = String(p.format);
      if (typeof v === 'number') {
        // kube-openapi's range check for numeric formats (int32, float).
        const typeName = format === 'int32' || format === 'int64' ? 'integer' : 'number';
        return invalid(`Checked value must be of type ${typeName} with format ${format} in ${name}`);
      }
      return { path, message: `Invalid value: ${goBadValue(v)}: ${name} in body must be of type ${format}: ${goBadValue(v)}`, blocking: true };
    }
    case 'minLength':
      return invalid(`${name} in body should be at least ${String(p.limit)} chars long`);
    case 'maxLength':
      return { path, message: `Too long: may not be more than ${String(p.limit)} bytes`, blocking: false };
    case 'pattern':
      return invalid(`${name} in body should match '${String(p.pattern)}'`);
    case 'minimum':
      return invalid(`${name} in body should be greater than or equal to ${limitText(Number(p.limit), v)}`);
    case 'exclusiveMinimum':
      return invalid(`${name} in body should be greater than ${limitText(Number(p.limit), v)}`);
    case 'maximum':
      return invalid(`${name} in body should be less than or equal to ${limitText(Number(p.limit), v)}`);
    case 'exclusiveMaximum':
      return invalid(`${name} in body should be less than ${limitText(Number(p.limit), v)}`);
    case 'multipleOf':
      return invalid(`${name} in body should be a multiple of ${limitText(Number(p.multipleOf), v)}`);
    case 'minItems':
      return invalid(`${name} in body should have at least ${String(p.limit)} items`, valueCount(v));
    case 'maxItems':
      return { path, message: `Too many: ${valueCount(v)}: must have at most ${String(p.limit)} items`, blocking: false };
    case 'uniqueItems':
      return invalid(`${name} in body shouldn't contain duplicates`, '');
    case 'minProperties':
      // kube-openapi reports the limit as the bad value here.
      return invalid(`${name} in body should have at least ${String(p.limit)} properties`, Number(p.limit));
    case 'maxProperties':
      return { path, message: `Too many: ${valueCount(v)}: must have at most ${String(p.limit)} items`, blocking: false };
    case 'oneOf': {
      const passing = Array.isArray(p.passingSchemas) ? p.passingSchemas.length : 0;
      const found = passing === 0 ? 'Found none valid' : `Found ${passing} valid alternatives`;
      return invalid(`${goQuote(name)} must validate one and only one schema (oneOf). ${found}`, '');
    }
    case 'anyOf':
      return invalid(`${goQuote(name)} must validate at least one schema (anyOf)`, '');
    case 'not':
      return invalid(`${goQuote(name)} must not validate the schema (not)`, '');
    case 'allOf':
      return invalid(`${goQuote(name)} must validate all the schemas (allOf)`, '');
    default:
      return invalid(`${name} ${e.message ?? 'is invalid'}`);
  }
}
