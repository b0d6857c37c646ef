// Turns loaded documents and their Validation into located findings (file:line:column, resource,
// field path, message, hint) in a stable order. Formatting for humans is the caller's job.

import type { JsonSchemaProps } from '../api/crd.js';
import type { GroupVersionKind } from '../api/gvk.js';
import { CRD_SCHEMAS, CRDS } from '../api/schemas.gen.js';
import type { ErrorCode } from '../errors/codes.js';
import { parseFieldPath } from '../yaml/field-path.js';
import type { LoadedDocument, SourcePosition } from '../yaml/load.js';
import type { Issue, Validation } from './result.js';
import { gvkOf, isCheckedKind, validateResource } from './validate.js';

/** How bad a finding is: errors make a resource invalid, warnings do not. */
export type Severity = 'error' | 'warning';

/** One problem, located in its source. `line`/`column` count from 1; 0 means "no position" (an
 *  unreadable file). `kind`/`namespace`/`name` are empty when the document has none. */
export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Field path in Kubernetes style (`spec.http[0].route[0].weight`); empty for the whole document. */
  readonly path: string;
  readonly message: string;
  readonly severity: Severity;
  readonly code: ErrorCode;
  /** A short suggestion ("did you mean ...", the allowed values), when one helps. */
  readonly hint?: string;
}

/** One document checked, valid or not. */
export interface ResourceResult {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly valid: boolean;
  /** False for a Kubernetes kind outside Istio's groups, accepted unchecked as istioctl does. */
  readonly checked: boolean;
  readonly errors: number;
  readonly warnings: number;
}

/** A source that could not be read (see yaml/load-paths.ts). */
export interface InputProblemLike {
  readonly code: ErrorCode;
  readonly path: string;
  readonly message: string;
}

/** Everything a validation run found. */
export interface ValidationReport {
  /** True when there is no error anywhere (warnings allowed). */
  readonly valid: boolean;
  /** Every document, in source order. */
  readonly resources: readonly ResourceResult[];
  /** Unreadable sources first (in the order given), then each document's findings in source order. */
  readonly findings: readonly Finding[];
}

/** Known field names under `path` (the parent of an unknown field) for a kind; lets a report say
 *  "did you mean ...". Undefined when the catalog does not know the place. */
export type FieldCatalog = (gvk: GroupVersionKind, parentPath: string) => readonly string[] | undefined;

/** Options of {@link reportDocuments}. */
export interface ReportOptions {
  /** Sources that could not be read; each becomes an error finding. */
  readonly problems?: readonly InputProblemLike[];
  /** Field names per place, for "did you mean" hints on unknown fields; {@link crdFieldCatalog} by default. */
  readonly knownFields?: FieldCatalog;
  /** Fields the CRD does not declare are errors instead of warnings (`weftctl validate --strict`). */
  readonly strict?: boolean;
}

/**
 * Validates every document with {@link validateResource} and locates each problem. Syntax errors,
 * documents that are not mappings and header problems are findings like any other. Order is stable:
 * unreadable sources first, then documents in the order given; within a document by line, column,
 * errors before warnings, then path and message. Identical findings of one document are reported once.
 */
export function reportDocuments(documents: readonly LoadedDocument[], options: ReportOptions = {}): ValidationReport {
  const findings: Finding[] = [];
  const resources: ResourceResult[] = [];
  for (const p of options.problems ?? []) findings.push(findingOfInputProblem(p));
  for (const doc of documents) {
    const { resource, findings: own } = reportDocument(doc, options);
    resources.push(resource);
    findings.push(...own);
  }
  return { valid: !findings.some((f) => f.severity === 'error'), resources, findings };
}

/** The error finding for a source that could not be read: no position (line and column 0), no resource. */
export function findingOfInputProblem(p: InputProblemLike): Finding {
  return { file: p.path, line: 0, column: 0, kind: '', namespace: '', name: '', path: '', message: p.message, severity: 'error', code: p.code };
}

/** The result and findings of one document (see {@link reportDocuments} for the order). */
export function reportDocument(doc: LoadedDocument, options: Pick<ReportOptions, 'knownFields' | 'strict'> = {}): { resource: ResourceResult; findings: Finding[] } {
  const header = headerOf(doc.value ?? doc.partial);
  const own: Finding[] = [];
  // Built field by field so JSON output reads in the documented order.
  const add = (pos: SourcePosition, path: string, message: string, severity: Severity, code: ErrorCode, hint?: string) =>
    own.push({
      file: doc.file,
      line: pos.line,
      column: pos.column,
      kind: header.kind,
      namespace: header.namespace,
      name: header.name,
      path,
      message,
      severity,
      code,
      ...(hint ? { hint } : {}),
    });
  for (const e of doc.syntaxErrors) add(e.position, '', e.message, 'error', 'WEFT_ERR_YAML_SYNTAX');
  for (const w of doc.syntaxWarnings) add(w.position, '', w.message, 'warning', 'WEFT_ERR_YAML_SYNTAX');
  if (doc.syntaxErrors.length === 0) {
    if (!isRecord(doc.value)) {
      add(doc.position, '', `expected a mapping with apiVersion, kind, metadata and spec, got ${describeValue(doc.value)}`, 'error', 'WEFT_ERR_YAML_NOT_OBJECT');
    } else {
      const validation: Validation = validateResource(doc.value, { strict: options.strict ?? false });
      const gvk = gvkOf(doc.value);
      const catalog = options.knownFields ?? crdFieldCatalog;
      for (const e of validation.errors) add(doc.locate(e.path), e.path, e.message, 'error', e.code, hintForIssue(e, gvk, catalog));
      for (const w of validation.warnings) add(doc.locate(w.path), w.path, w.message, 'warning', w.code, hintForIssue(w, gvk, catalog));
    }
  }
  const findings = dedupe(own).sort(compareFindings);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const resource: ResourceResult = {
    file: doc.file,
    line: doc.position.line,
    column: doc.position.column,
    apiVersion: header.apiVersion,
    kind: header.kind,
    namespace: header.namespace,
    name: header.name,
    valid: errors === 0,
    checked: doc.syntaxErrors.length > 0 || !isRecord(doc.value) || isCheckedValue(doc.value),
    errors,
    warnings: findings.length - errors,
  };
  return { resource, findings };
}

function isCheckedValue(value: unknown): boolean {
  const gvk = gvkOf(value);
  return gvk === undefined || isCheckedKind(gvk);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function headerOf(value: unknown): { apiVersion: string; kind: string; namespace: string; name: string } {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  if (!isRecord(value)) return { apiVersion: '', kind: '', namespace: '', name: '' };
  const meta = isRecord(value.metadata) ? value.metadata : {};
  return { apiVersion: str(value.apiVersion), kind: str(value.kind), namespace: str(meta.namespace), name: str(meta.name) || str(meta.generateName) };
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null || v === undefined) return 'nothing';
  return `a ${typeof v} (${JSON.stringify(v).slice(0, 40)})`;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1 };

function compareFindings(a: Finding, b: Finding): number {
  return (
    a.line - b.line ||
    a.column - b.column ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    cmp(a.path, b.path) ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.severity}\u0000${f.code}\u0000${f.path}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---- hints ----

/** Each Istio kind and the apiVersion to write for it (its CRD's storage version). */
const ISTIO_KINDS: Readonly<Record<string, string>> = Object.fromEntries(
  CRDS.map((crd) => [crd.kind, `${crd.group}/${(crd.versions.find((v) => v.storage) ?? crd.versions[0])?.name ?? ''}`]),
);

/**
 * The {@link FieldCatalog} of Istio's CRD schemas: the properties declared at a place (`spec.http[0]`
 * → `match`, `route`, ...). The default catalog of {@link reportDocuments}.
 */
export const crdFieldCatalog: FieldCatalog = (gvk, parentPath) => {
  const crd = CRDS.find((c) => c.group === gvk.group && c.kind === gvk.kind);
  const version = crd?.versions.find((v) => v.name === gvk.version) ?? crd?.versions.find((v) => v.storage);
  let node: JsonSchemaProps | undefined = version ? CRD_SCHEMAS[version.schema] : undefined;
  for (const seg of parseFieldPath(parentPath) ?? []) {
    if (!node) break;
    if (typeof seg === 'number') node = node.items;
    else node = node.properties?.[seg] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
  }
  return node?.properties ? Object.keys(node.properties) : undefined;
};

/**
 * A hint for one issue, or undefined: the issue's own `hint` if a validator attached one, else one
 * derived from its code and message: the kind meant for an unknown kind, the allowed values (and the
 * closest one) for an API-server style `Unsupported value: "x": supported values: ...`, the field
 * meant for an unknown field when `knownFields` knows its siblings.
 */
export function hintForIssue(issue: Issue, gvk: GroupVersionKind | undefined, knownFields: FieldCatalog | undefined): string | undefined {
  const own = (issue as { hint?: unknown }).hint;
  if (typeof own === 'string' && own !== '') return own;
  if (issue.code === 'WEFT_ERR_RESOURCE_UNKNOWN_KIND' && gvk) return kindHint(gvk);
  const supported = /supported values: (.+)$/.exec(issue.message);
  if (supported?.[1]) {
    const allowed = [...supported[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
    if (allowed.length > 0) {
      const bad = /Unsupported value: "((?:[^"\\]|\\.)*)"/.exec(issue.message)?.[1];
      const guess = bad === undefined ? undefined : closest(bad, allowed);
      const list = `allowed values: ${allowed.join(', ')}`;
      return guess ? `did you mean "${guess}"? ${list}` : list;
    }
  }
  if (gvk && knownFields && /unknown field|field not declared in schema|Unsupported field/i.test(issue.message)) {
    const segments = splitLast(issue.path);
    if (segments) {
      const guess = closest(segments.last, knownFields(gvk, segments.parent) ?? []);
      if (guess) return `did you mean "${guess}"?`;
    }
  }
  return undefined;
}

function kindHint(gvk: GroupVersionKind): string | undefined {
  const exact = Object.keys(ISTIO_KINDS).find((k) => k.toLowerCase() === gvk.kind.toLowerCase());
  if (exact) {
    const apiVersion = ISTIO_KINDS[exact] ?? '';
    const sameGroup = apiVersion.startsWith(`${gvk.group}/`);
    if (exact === gvk.kind && sameGroup) return undefined; // a version we do not serve: nothing better to say
    return sameGroup ? `did you mean kind: ${exact}?` : `${exact} belongs to ${apiVersion.split('/')[0] ?? ''}: use apiVersion: ${apiVersion}`;
  }
  const guess = closest(gvk.kind, Object.keys(ISTIO_KINDS));
  return guess ? `did you mean kind: ${guess}? (apiVersion: ${ISTIO_KINDS[guess] ?? ''})` : undefined;
}

/** `spec.http[0].rout` → parent `spec.http[0]`, last `rout`; undefined when the path ends in an index. */
function splitLast(path: string): { parent: string; last: string } | undefined {
  const m = /^(.*?)(?:\.([^.[\]]+)|\["((?:[^"\\]|\\.)*)"\])$/.exec(path) ?? /^()([^.[\]]+)$/.exec(path);
  if (!m) return undefined;
  const last = m[2] ?? m[3];
  return last === undefined ? undefined : { parent: m[1] ?? '', last };
}

/** The candidate closest to `word` when it is close enough to be a likely typo, else undefined. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  // Same words in another order (MUTUAL_ISTIO for ISTIO_MUTUAL) is a likely slip too.
  const tokens = (s: string) => s.toLowerCase().split(/[_\-.]/).sort().join(' ');
  const reordered = candidates.find((c) => c !== word && /[_\-.]/.test(c) && tokens(c) === tokens(word));
  if (reordered) return reordered;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === w ? 0 : editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A third of the word, at least one and at most three edits: `rout`→`route`, `mtsl`→`mtls`.
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** Damerau-Levenshtein distance (optimal string alignment), so a swap of two letters costs one. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Infinity;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Infinity;
}
