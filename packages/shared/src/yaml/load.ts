// Parsing YAML text into documents that keep the source position of every field; multi-document,
// one syntax-error list per document, `kind: List` flattened. Browser-safe: files and stdin are in
// load-paths.ts. Parsing only: validation lives elsewhere.

import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar, visit, type Alias, type Document, type ScalarTag } from 'yaml';
import { parseFieldPath, type FieldPathSegment } from './field-path.js';

/** A place in a source: `file` is a path or `-` for stdin; line and column count from 1. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A syntax problem of one document, with where it is. */
export interface SyntaxIssue {
  readonly message: string;
  readonly position: SourcePosition;
}

/** One YAML document of a source. */
export interface LoadedDocument {
  /** The source it came from (a path, or `-` for stdin). */
  readonly file: string;
  /** Index of the document in its file, from 0, counting only non-empty documents (empty and
   *  comment-only documents are skipped). Items of a `kind: List` share their list's index. */
  readonly index: number;
  /** For a resource that came from the `items` of a `kind: List` document: its index there. */
  readonly item?: number;
  /** For such a resource: the List document itself (its apiVersion, kind, metadata and items), for
   *  callers that write the List back whole (`weftctl kube-inject`). Shared by its items; do not modify. */
  readonly list?: Readonly<Record<string, unknown>>;
  /** The parsed value (undefined for a document that failed to parse). */
  readonly value: unknown;
  /** For a document that failed to parse: what could be read of it, to name it in messages
   *  (`Gateway default/web`). Never validate it. */
  readonly partial?: unknown;
  /** Where the document starts. */
  readonly position: SourcePosition;
  /** Syntax problems of this document (a broken document does not hide its siblings). */
  readonly syntaxErrors: readonly SyntaxIssue[];
  /** Non-fatal parser remarks (e.g. an unresolved `!tag`): the value is still usable. */
  readonly syntaxWarnings: readonly SyntaxIssue[];
  /** The position of a field path (`spec.http[0].route`), or of its nearest existing ancestor. */
  locate(path: string): SourcePosition;
}

// kubectl reads YAML with go-yaml v2 (through sigs.k8s.io/yaml), where `yes`/`no`/`on`/`off`/`y`/`n`
// are booleans (YAML 1.1), even as keys (`y:` becomes "true"). Resolving them the same way keeps
// `weftctl validate` in step with `kubectl apply`: `exact: on` is a boolean there, not a string.
const yamlV2True: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
  resolve: () => true,
  identify: (v) => v === true,
};
const yamlV2False: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  resolve: () => false,
  identify: (v) => v === false,
};

// go-yaml v2 reads a leading-zero integer as octal (`0755` is 493), as YAML 1.1 did.
const yamlV2Octal: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
  identify: () => false,
};

/** Aliases expanded beyond this count make the document an error (a "billion laughs" guard). */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses `text` (the content of `file`) into its documents, in source order. Never throws: syntax
 * problems are reported per document, and a broken document does not hide the others. Empty and
 * comment-only documents (and a bare `null`) are skipped, as kubectl does. A document whose value
 * is a `...List` with an `items` array is replaced by one document per item, as kubectl does.
 */
export function parseDocuments(text: string, file: string): LoadedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    merge: true,
    uniqueKeys: true,
    customTags: (tags) => [yamlV2True, yamlV2False, yamlV2Octal, ...tags],
  });
  const at = (offset: number): SourcePosition => positionOf(lineCounter, file, offset);
  const out: LoadedDocument[] = [];
  let index = 0;
  for (const doc of docs) {
    const syntaxErrors: SyntaxIssue[] = doc.errors.map((e) => ({ message: cleanMessage(e.message), position: at(e.pos[0]) }));
    const syntaxWarnings: SyntaxIssue[] = doc.warnings.map((e) => ({ message: cleanMessage(e.message), position: at(e.pos[0]) }));
    if (syntaxErrors.length === 0 && isEmptyDocument(doc)) continue;
    if (syntaxErrors.length === 0) readFlowColonsAsGoYaml(doc, text);
    const start = nodeStart(doc.contents) ?? doc.range[0];
    let value: unknown;
    if (syntaxErrors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        syntaxErrors.push({ message: cleanMessage(e instanceof Error ? e.message : String(e)), position: at(start) });
      }
      if (syntaxErrors.length === 0 && isCyclic(value)) {
        // go-yaml (kubectl) refuses an alias inside its own anchor; a cyclic value would also send
        // every validator round in circles.
        const alias = findRecursiveAlias(doc);
        syntaxErrors.push({
          message: `anchor "${alias?.source ?? '?'}" value contains itself`,
          position: at(nodeStart(alias) ?? start),
        });
        value = undefined;
      }
    }
    const locateSegments = (segments: readonly FieldPathSegment[]): SourcePosition => at(offsetOf(doc, segments, start));
    const locate = (prefix: readonly FieldPathSegment[]) => (path: string) =>
      locateSegments([...prefix, ...(parseFieldPath(path) ?? [])]);
    const items = syntaxErrors.length === 0 ? listItems(value) : undefined;
    if (items) {
      items.forEach((itemValue, item) => {
        out.push({
          file,
          index,
          item,
          list: value as Record<string, unknown>,
          value: itemValue,
          position: locateSegments(['items', item]),
          syntaxErrors: [],
          syntaxWarnings,
          locate: locate(['items', item]),
        });
      });
    } else {
      out.push({
        file,
        index,
        value: syntaxErrors.length === 0 ? value : undefined,
        ...(syntaxErrors.length > 0 ? { partial: readPartial(doc) } : {}),
        position: at(start),
        syntaxErrors,
        syntaxWarnings,
        locate: locate([]),
      });
    }
    index += 1;
  }
  return out;
}

/**
 * In a flow list, go-yaml (kubectl) ends a plain scalar at `:` only when a space follows, so
 * `[1.2.3.4, 2001:db8::]` holds two strings; YAML 1.2 (the yaml package) reads the second as the
 * map `{"2001:db8:": null}`. Turn such implicit one-pair maps with no value, whose `:` touches the
 * next `,` `]` or `}`, back into the scalar kubectl sees (IPv6 addresses are the real-world case).
 */
function readFlowColonsAsGoYaml(doc: Document.Parsed, text: string): void {
  visit(doc, {
    Seq(_key, seq) {
      if (!seq.flow) return;
      seq.items = seq.items.map((item) => {
        if (!isMap(item) || item.items.length !== 1) return item;
        const pair = item.items[0];
        if (!pair || !isScalar(pair.key) || pair.key.type !== 'PLAIN' || !pair.key.range) return item;
        const value: unknown = pair.value;
        const noValue = value === null || value === undefined || (isScalar(value) && value.value === null && value.range?.[0] === value.range?.[1]);
        const end = pair.key.range[1];
        if (!noValue || item.range?.[0] !== pair.key.range[0] || text[end] !== ':' || !',]}'.includes(text[end + 1] ?? '')) return item;
        const scalar = new Scalar(`${text.slice(pair.key.range[0], end)}:`);
        scalar.range = [pair.key.range[0], end + 1, end + 1];
        return scalar;
      });
    },
  });
}

/** True when `value` contains itself (shared, non-circular references are fine). */
function isCyclic(value: unknown): boolean {
  const onPath = new Set<object>();
  const done = new Set<object>();
  const walk = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null || done.has(v)) return false;
    if (onPath.has(v)) return true;
    onPath.add(v);
    const children = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v);
    for (const child of children) if (walk(child)) return true;
    onPath.delete(v);
    done.add(v);
    return false;
  };
  return walk(value);
}

/** The first alias that sits inside a node carrying its anchor, for locating the error. */
function findRecursiveAlias(doc: Document.Parsed): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_key, node, path) {
      if (path.some((p) => (p as { anchor?: string }).anchor === node.source)) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function readPartial(doc: Document.Parsed): unknown {
  try {
    const partial: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return isCyclic(partial) ? undefined : partial;
  } catch {
    return undefined;
  }
}

/** The items of a kubectl-style list (`kind: List`, `kind: VirtualServiceList`, ...), if `value` is one. */
function listItems(value: unknown): unknown[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.kind !== 'string' || !o.kind.endsWith('List') || !Array.isArray(o.items)) return undefined;
  return o.items;
}

function isEmptyDocument(doc: Document.Parsed): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && (c.value === null || c.value === undefined));
}

/** The yaml package appends " at line L, column C" (we print positions ourselves). */
function cleanMessage(message: string): string {
  // The yaml package recurses per nesting level; a pathologically deep document overflows the
  // stack. Say what is wrong with the input instead of leaking the engine's message.
  if (/maximum call stack size exceeded/i.test(message)) return 'document nesting is too deep to read';
  const first = message.split('\n', 1)[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?\s*$/, '').trim();
}

function positionOf(lineCounter: LineCounter, file: string, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(Math.max(0, offset));
  // linePos reports line 0 only before the first known newline; that is line 1.
  return line === 0 ? { file, line: 1, column: offset + 1 } : { file, line, column: col };
}

function nodeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const range = (node as { range?: readonly number[] }).range;
  return range?.[0];
}

/** Offset of the deepest existing node along `segments`: the key of a map entry, the item of a list. */
function offsetOf(doc: Document.Parsed, segments: readonly FieldPathSegment[], fallback: number): number {
  let node: unknown = doc.contents;
  let offset = nodeStart(node) ?? fallback;
  for (const seg of segments) {
    node = resolveAlias(doc, node);
    if (isMap(node)) {
      const pair = findPair(doc, node, String(seg), 0);
      if (!pair) break;
      offset = nodeStart(pair.key) ?? nodeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      offset = nodeStart(isPair(item) ? item.key : item) ?? offset;
      node = isPair(item) ? item.value : item;
    } else break;
  }
  return offset;
}

function resolveAlias(doc: Document.Parsed, node: unknown): unknown {
  if (!isAlias(node)) return node;
  try {
    return node.resolve(doc);
  } catch {
    return undefined;
  }
}

type AnyPair = { key: unknown; value: unknown };

/** A `<<` key: the yaml package resolves it to a Symbol when merge keys are enabled. */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return key.source === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

/** The entry for `key` in a mapping; the last one wins (as in the parsed value), then `<<` merges. */
function findPair(doc: Document.Parsed, map: { items: AnyPair[] }, key: string, depth: number): AnyPair | undefined {
  let found: AnyPair | undefined;
  const merges: unknown[] = [];
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (k === key || (k !== null && typeof k !== 'object' && String(k) === key)) found = pair;
    else if (isMergeKey(pair.key)) merges.push(pair.value);
  }
  if (found || depth > 8) return found;
  for (const m of merges) {
    const sources = isSeq(m) ? m.items : [m];
    for (const s of sources) {
      const target = resolveAlias(doc, s);
      if (isMap(target)) {
        const p = findPair(doc, target as { items: AnyPair[] }, key, depth + 1);
        if (p) return p;
      }
    }
  }
  return undefined;
}
