// The structural validator of a CRD catalog: what the apiserver checks on create for a custom resource
// (apiVersion/kind/metadata, OpenAPI schema with unknown fields as errors, list types, then CEL rules).
// One ajv validator is compiled lazily per distinct schema and cached for the validator's lifetime.

import { Ajv, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import type { JsonSchemaProps } from '../../api/crd.js';
import type { GroupVersionKind } from '../../api/gvk.js';
import { findCrd, findCrdVersion, ISTIO_CRDS, servedVersions, versionDeprecationWarning, type CrdCatalog } from '../../api/kinds.js';
import { Collector, type Validation } from '../result.js';
import { evaluateRules } from './cel-rules.js';
import { KUBE_FORMATS } from './formats.js';
import { goQuote } from './go-format.js';
import { checkListType } from './list-types.js';
import { validateMetadata } from './metadata.js';
import { toSchemaIssue, type SchemaIssue } from './schema-errors.js';
import { walkSchema } from './schema-walk.js';
import { toJsonSchema } from './to-json-schema.js';

/** Structural validation over one CRD catalog. */
export interface StructuralValidator {
  /** True when the catalog defines this group/kind and version (served or not). */
  hasSchema(gvk: GroupVersionKind): boolean;
  /** Validates a whole resource against the schema of `gvk`. Never throws. */
  validate(gvk: GroupVersionKind, obj: unknown): Validation;
}

// CRD patterns are Go RE2 expressions; ajv runs them through re2js so they mean what they mean in Go.
const re2RegExp = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    return { test: (s: string) => re.test(s), toString: () => `re2:${pattern}` };
  },
  { code: 'weftRe2RegExp' },
);

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, code: { regExp: re2RegExp } });
  for (const [name, f] of Object.entries(KUBE_FORMATS)) {
    if (f.type === 'number') ajv.addFormat(name, { type: 'number', validate: f.validate });
    else ajv.addFormat(name, { type: 'string', validate: f.validate });
  }
  return ajv;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/** Creates a validator over `catalog` (Istio's CRDs by default). */
export function createStructuralValidator(catalog: CrdCatalog = ISTIO_CRDS): StructuralValidator {
  let ajv: Ajv | undefined;
  const compiled = new Map<number, ValidateFunction | { error: string }>();

  const validatorFor = (index: number, schema: JsonSchemaProps): ValidateFunction | { error: string } => {
    let v = compiled.get(index);
    if (!v) {
      try {
        ajv ??= createAjv();
        v = ajv.compile(toJsonSchema(schema));
      } catch (e) {
        v = { error: e instanceof Error ? e.message : String(e) };
      }
      compiled.set(index, v);
    }
    return v;
  };

  const hasSchema = (gvk: GroupVersionKind): boolean => findCrdVersion(gvk, catalog) !== undefined;

  const validate = (gvk: GroupVersionKind, obj: unknown): Validation => {
    const c = new Collector();
    try {
      validateInto(gvk, obj, c);
    } catch (e) {
      c.error('WEFT_ERR_INTERNAL', '', `internal structural validator error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    return c.result();
  };

  const validateInto = (gvk: GroupVersionKind, obj: unknown, c: Collector): void => {
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    const crd = findCrd(gvk.group, gvk.kind, catalog);
    if (!crd) {
      c.error('WEFT_ERR_RESOURCE_UNKNOWN_KIND', 'kind', `no matches for kind ${goQuote(gvk.kind)} in version ${goQuote(apiVersion)}`);
      return;
    }
    const version = crd.versions.find((v) => v.name === gvk.version);
    if (!version || !version.served) {
      const supported = servedVersions(crd.group, crd.kind, catalog).map((v) => goQuote(`${crd.group}/${v}`));
      c.error('WEFT_ERR_RESOURCE_HEADER', 'apiVersion', `Unsupported value: ${goQuote(apiVersion)}: supported values: ${supported.join(', ')}`);
      return;
    }
    const warning = versionDeprecationWarning(crd, version);
    if (warning !== undefined) c.warn('WEFT_ERR_RESOURCE_DEPRECATED_VERSION', 'apiVersion', warning);

    if (!isRecord(obj)) {
      c.error('WEFT_ERR_RESOURCE_HEADER', '', 'Invalid value: the resource must be an object with apiVersion, kind, metadata and spec');
      return;
    }
    if (obj.apiVersion !== apiVersion) {
      c.error('WEFT_ERR_RESOURCE_HEADER', 'apiVersion', `Invalid value: ${goQuote(String(obj.apiVersion))}: must be ${goQuote(apiVersion)}`);
    }
    if (obj.kind !== gvk.kind) {
      c.error('WEFT_ERR_RESOURCE_HEADER', 'kind', `Invalid value: ${goQuote(String(obj.kind))}: must be ${goQuote(gvk.kind)}`);
    }
    for (const m of validateMetadata(obj.metadata, crd.scope === 'Namespaced')) c.error(m.message.startsWith('unknown field') ? 'WEFT_ERR_SCHEMA_UNKNOWN_FIELD' : 'WEFT_ERR_RESOURCE_HEADER', m.path, m.message);

    const schema = catalog.schemas[version.schema];
    if (!schema) {
      c.error('WEFT_ERR_INTERNAL', '', `no schema #${version.schema} for ${apiVersion} ${gvk.kind}`);
      return;
    }
    const validator = validatorFor(version.schema, schema);
    if (typeof validator !== 'function') {
      c.error('WEFT_ERR_INTERNAL', '', `cannot compile the schema of ${apiVersion} ${gvk.kind}: ${validator.error}`);
      return;
    }

    // 1. OpenAPI schema (ajv), every error collected.
    const issues: SchemaIssue[] = [];
    if (!validator(obj)) {
      const seen = new Set<string>();
      for (const e of validator.errors ?? []) {
        const issue = toSchemaIssue(e, schema, obj);
        if (!issue) continue;
        const key = `${issue.path}\u0000${issue.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        issues.push(issue);
      }
    }
    for (const i of issues) c.error(i.unknownField ? 'WEFT_ERR_SCHEMA_UNKNOWN_FIELD' : 'WEFT_ERR_SCHEMA', i.path, i.message);

    // 2. list-type invariants (sets and maps).
    walkSchema(schema, obj, '', (s, v, p) => {
      for (const i of checkListType(s, v, p)) c.error('WEFT_ERR_SCHEMA', i.path, i.message);
    });

    // 3. CEL rules, unless a type error makes the object unsafe to evaluate (as the apiserver does).
    if (issues.some((i) => i.blocking)) {
      c.warn('WEFT_ERR_SCHEMA_RULE', '', NOT_CHECKED);
      return;
    }
    for (const r of evaluateRules(schema, obj)) {
      if (r.kind === 'failed') c.error('WEFT_ERR_SCHEMA_RULE', r.path, r.message);
      else c.warn('WEFT_ERR_INTERNAL', r.path, r.message);
    }
  };

  return { hasSchema, validate };
}
