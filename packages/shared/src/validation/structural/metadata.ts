// ObjectMeta checks the apiserver applies to every custom resource (apimachinery ValidateObjectMeta with
// NameIsDNSSubdomain): name (or generateName) required and a DNS-1123 subdomain, namespace a DNS-1123
// label, labels and annotations well-formed, and no fields ObjectMeta does not have.

import { fieldChild, fieldKey } from './field-path.js';
import { goQuote, jsonTypeName } from './go-format.js';

/** A metadata problem: path and message after the path. */
export interface MetadataIssue {
  readonly path: string;
  readonly message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** The fields of Kubernetes ObjectMeta; anything else in metadata is an unknown field. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
  'managedFields',
]);

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** apimachinery IsDNS1123Subdomain: the error details, empty when valid. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) errs.push(SUBDOMAIN_MSG);
  return errs;
}

/** apimachinery IsDNS1123Label: the error details, empty when valid. */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) errs.push(LABEL_MSG);
  return errs;
}

/** apimachinery IsQualifiedName (label and annotation keys): the error details, empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix = '', n = ''] = parts;
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name)) errs.push(NAME_PART_MSG);
  return errs;
}

function checkStringMap(meta: Record<string, unknown>, field: 'labels' | 'annotations', out: MetadataIssue[]): void {
  const m = meta[field];
  if (m === undefined || m === null) return;
  const path = fieldChild('metadata', field);
  if (!isRecord(m)) {
    out.push({ path, message: `Invalid value: ${goQuote(jsonTypeName(m))}: ${path} must be a map of strings` });
    return;
  }
  let total = 0;
  for (const [k, v] of Object.entries(m)) {
    for (const d of qualifiedNameErrors(k)) out.push({ path, message: `Invalid value: ${goQuote(k)}: ${d}` });
    if (typeof v !== 'string') {
      out.push({ path: fieldKey(path, k), message: `Invalid value: ${goQuote(jsonTypeName(v))}: ${field} values must be strings` });
      continue;
    }
    total += k.length + v.length;
    if (field === 'labels') {
      if (v.length > 63) out.push({ path: fieldKey(path, k), message: `Invalid value: ${goQuote(v)}: must be no more than 63 characters` });
      if (!LABEL_VALUE.test(v)) out.push({ path: fieldKey(path, k), message: `Invalid value: ${goQuote(v)}: ${LABEL_VALUE_MSG}` });
    }
  }
  if (field === 'annotations' && total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    out.push({ path, message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
}

/** Validates `metadata` of a resource whose CRD is namespaced (or not). */
export function validateMetadata(metadata: unknown, namespaced: boolean): MetadataIssue[] {
  const out: MetadataIssue[] = [];
  if (metadata === undefined || metadata === null) {
    out.push({ path: 'metadata.name', message: 'Required value: name or generateName is required' });
    return out;
  }
  if (!isRecord(metadata)) {
    out.push({ path: 'metadata', message: `Invalid value: ${goQuote(jsonTypeName(metadata))}: metadata in body must be of type object: ${goQuote(jsonTypeName(metadata))}` });
    return out;
  }
  for (const k of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(k)) out.push({ path: fieldChild('metadata', k), message: `unknown field ${goQuote(k)}` });
  }
  const { name, generateName, namespace } = metadata;
  if (name === undefined || name === null || name === '') {
    if (typeof generateName !== 'string' || generateName === '') {
      out.push({ path: 'metadata.name', message: 'Required value: name or generateName is required' });
    }
  } else if (typeof name !== 'string') {
    out.push({ path: 'metadata.name', message: `Invalid value: ${goQuote(jsonTypeName(name))}: metadata.name must be a string` });
  } else {
    for (const d of dns1123SubdomainErrors(name)) out.push({ path: 'metadata.name', message: `Invalid value: ${goQuote(name)}: ${d}` });
  }
  if (typeof generateName === 'string' && generateName !== '') {
    // A generateName prefix may end in '-' (Kubernetes masks a trailing dash before checking).
    const masked = generateName.endsWith('-') ? `${generateName.slice(0, -1)}a` : generateName;
    for (const d of dns1123SubdomainErrors(masked)) out.push({ path: 'metadata.generateName', message: `Invalid value: ${goQuote(generateName)}: ${d}` });
  }
  if (namespace !== undefined && namespace !== null && namespace !== '') {
    if (!namespaced) out.push({ path: 'metadata.namespace', message: 'Forbidden: not allowed on this type' });
    else if (typeof namespace !== 'string') {
      out.push({ path: 'metadata.namespace', message: `Invalid value: ${goQuote(jsonTypeName(namespace))}: metadata.namespace must be a string` });
    } else {
      for (const d of dns1123LabelErrors(namespace)) out.push({ path: 'metadata.namespace', message: `Invalid value: ${goQuote(namespace)}: ${d}` });
    }
  }
  checkStringMap(metadata, 'labels', out);
  checkStringMap(metadata, 'annotations', out);
  return out;
}
