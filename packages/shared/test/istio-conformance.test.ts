// Conformance against Istio's own test data, read in place from ../shared/corpus/istio (never
// copied): resources Istio accepts must be valid here, resources it rejects must be invalid here.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Issue } from '../src/validation/result.js';
import { validateResource } from '../src/validation/validate.js';
import { parseDocuments } from '../src/yaml/load.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/istio/', import.meta.url));
const present = existsSync(CORPUS);
if (!present) console.log(`SKIP: Istio corpus not found at ${CORPUS}`);

/** One document of the corpus, validated. */
interface Case {
  /** `file #index Kind/name`, so a failure names the document. */
  readonly name: string;
  readonly syntaxErrors: readonly string[];
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
  /** Istio's expected error text (`_err`), for documents of *-invalid.yaml files. */
  readonly expectedError?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every document of every `.yaml` file directly in `dir` (sorted), with `_err` taken out before validating. */
function loadCases(dir: string): Case[] {
  const root = join(CORPUS, dir);
  const files = readdirSync(root)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.flatMap((file) =>
    parseDocuments(readFileSync(join(root, file), 'utf8'), file).map((doc) => {
      let value = doc.value;
      let expectedError: string | undefined;
      if (isRecord(value) && '_err' in value) {
        const { _err, ...rest } = value;
        expectedError = typeof _err === 'string' ? _err : String(_err);
        value = rest;
      }
      const meta = isRecord(value) && isRecord(value.metadata) ? value.metadata : {};
      const kind = isRecord(value) ? String(value.kind) : '?';
      return {
        name: `${file} #${doc.index} ${kind}/${String(meta.name)}`,
        syntaxErrors: doc.syntaxErrors.map((e) => `${e.position.line}:${e.position.column} ${e.message}`),
        ...(doc.syntaxErrors.length === 0 ? validateResource(value) : { errors: [], warnings: [] }),
        ...(expectedError !== undefined ? { expectedError } : {}),
      };
    }),
  );
}

const explain = (c: Case) => c.errors.map((e) => `${e.path}: ${e.message}`).join('\n');

describe.skipIf(!present)('Istio conformance: pkg/config/validation/testdata/crds', () => {
  const cases = present ? loadCases('pkg/config/validation/testdata/crds') : [];
  const valid = cases.filter((c) => c.name.includes('-valid.yaml'));
  const invalid = cases.filter((c) => c.name.includes('-invalid.yaml'));

  afterAll(() => {
    const agree = valid.filter((c) => c.errors.length === 0).length + invalid.filter((c) => c.errors.length > 0).length;
    console.log(`crds: ${agree}/${cases.length} classified as Istio does (${valid.length} valid, ${invalid.length} invalid documents)`);
    // Istio's tests match a substring of its error; ours print `path: message`.
    const withText = invalid.filter((c) => c.expectedError !== undefined && c.expectedError !== 'TODO');
    const matched = withText.filter((c) => c.errors.some((e) => `${e.path}: ${e.message}`.includes(c.expectedError ?? '') || e.message.includes(c.expectedError ?? '')));
    console.log(`crds: our error message contains Istio's _err text for ${matched.length}/${withText.length} invalid documents`);
  });

  it('found the corpus documents (commented-out documents are not documents)', () => {
    expect(valid.length).toBeGreaterThan(20);
    expect(invalid.length).toBeGreaterThan(60);
    expect(cases.every((c) => c.syntaxErrors.length === 0)).toBe(true);
  });

  it.each(valid.map((c) => [c.name, c] as const))('valid: %s', (_name, c) => {
    expect(c.syntaxErrors).toEqual([]);
    expect(c.errors, explain(c)).toEqual([]);
  });

  it.each(invalid.map((c) => [c.name, c] as const))('invalid: %s', (_name, c) => {
    expect(c.syntaxErrors).toEqual([]);
    expect(c.errors.length, `Istio rejects it with: ${c.expectedError ?? '(no _err given)'}`).toBeGreaterThan(0);
  });
});

/**
 * Documents of the "valid" sets that carry a field Istio's CRD no longer declares. Kubernetes
 * prunes such fields (with a warning), so they are valid with a warning at that field; under
 * `--strict` they would be errors.
 */
const UNKNOWN_FIELD_WARNINGS: Readonly<Record<string, string>> = {
  'rule-websocket-route.yaml #2': 'spec.http[0].websocketUpgrade',
  'rule-websocket-route.yaml #3': 'spec.http[0].websocketUpgrade',
};
const prunedField = (c: Case) => Object.entries(UNKNOWN_FIELD_WARNINGS).find(([prefix]) => c.name.startsWith(`${prefix} `))?.[1];

describe.each([['tests/testdata/config'], ['samples/bookinfo/networking']])('Istio conformance: %s is valid', (dir) => {
  const cases = present ? loadCases(dir) : [];
  afterAll(() => {
    if (!present) return;
    const valid = cases.filter((c) => c.errors.length === 0 && c.syntaxErrors.length === 0).length;
    const pruned = cases.filter((c) => prunedField(c)).length;
    console.log(`${dir}: ${valid}/${cases.length} valid${pruned ? ` (${pruned} with a pruned-field warning)` : ''}`);
  });

  it.skipIf(!present)('found documents', () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  it.skipIf(!present).each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(c.syntaxErrors).toEqual([]);
    expect(c.errors, explain(c)).toEqual([]);
    const pruned = prunedField(c);
    if (pruned) expect(c.warnings.filter((w) => w.code === 'WEFT_ERR_SCHEMA_UNKNOWN_FIELD').map((w) => w.path)).toEqual([pruned]);
  });
});
