// Conformance with Istio's CRD validation corpus (pkg/config/validation/testdata/crds): every valid
// document passes the structural + CEL layer, and invalid ones fail with the apiserver's wording
// (`_err` on each document). Read in place from ../shared/corpus/istio; skipped loudly when absent.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseApiVersion } from '../../api/gvk.js';
import { parseDocuments } from '../../yaml/load.js';
import { hasSchema, validateStructural } from './index.js';

const corpusDir = process.env.WEFT_ISTIO_CORPUS ?? fileURLToPath(new URL('../../../../../../shared/corpus/istio', import.meta.url));
const crdDir = join(corpusDir, 'pkg', 'config', 'validation', 'testdata', 'crds');
const exists = existsSync(crdDir);
if (!exists) console.warn(`SKIP: Istio corpus not found at ${corpusDir}; structural corpus tests skipped`);

interface CorpusDoc {
  readonly file: string;
  readonly name: string;
  readonly err: string | undefined;
  readonly obj: Record<string, unknown>;
}

function load(suffix: string): CorpusDoc[] {
  if (!exists) return [];
  const out: CorpusDoc[] = [];
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith(suffix)).sort()) {
    // The project's loader reads YAML as go-yaml does (flow-list colons, YAML 1.1 booleans).
    for (const doc of parseDocuments(readFileSync(join(crdDir, file), 'utf8'), file)) {
      const obj = doc.value as Record<string, unknown> | null;
      if (!obj || typeof obj !== 'object') continue;
      const { _err, ...rest } = obj;
      const meta = rest.metadata as { name?: string } | undefined;
      out.push({ file, name: meta?.name ?? '?', err: typeof _err === 'string' ? _err : undefined, obj: rest });
    }
  }
  return out;
}

function validate(obj: Record<string, unknown>): string[] {
  const { group, version } = parseApiVersion(String(obj.apiVersion));
  return validateStructural({ group, version, kind: String(obj.kind) }, obj).errors.map((e) => `${e.path}: ${e.message}`);
}

describe.skipIf(!exists)('Istio CRD corpus: valid documents', () => {
  const docs = load('-valid.yaml');
  it('has documents', () => {
    expect(docs.length).toBeGreaterThan(20);
  });
  it.each(docs.map((d) => [`${d.file}/${d.name}`, d] as const))('%s passes', (id, d) => {
    expect(validate(d.obj), id).toEqual([]);
  });
});

describe.skipIf(!exists)('Istio CRD corpus: invalid documents', () => {
  const docs = load('-invalid.yaml');
  const results = docs.map((d) => ({ ...d, errors: validate(d.obj) }));

  it('rejects them with the apiserver wording', () => {
    const rejected = results.filter((r) => r.errors.length > 0);
    const missed = results.filter((r) => r.errors.length === 0).map((r) => `${r.file}/${r.name}: ${r.err ?? ''}`);
    const wrongWording = rejected
      .filter((r) => r.err !== undefined && !r.errors.some((e) => e.includes(r.err as string)))
      .map((r) => `${r.file}/${r.name}: want ${JSON.stringify(r.err)}, got ${JSON.stringify(r.errors)}`);
    console.log(`structural: ${rejected.length}/${results.length} invalid rejected`);
    if (missed.length > 0) console.log(`not rejected by the structural layer:\n  ${missed.join('\n  ')}`);
    if (wrongWording.length > 0) console.log(`rejected with other wording:\n  ${wrongWording.join('\n  ')}`);
    // Every invalid document of the corpus is a CRD-level (schema or CEL) case; all are caught.
    expect(results.length).toBeGreaterThan(70);
    expect(rejected.length).toBe(results.length);
    expect(wrongWording).toEqual([]);
  });
});

/**
 * Istio kinds in folders the corpus says must validate. `websocketUpgrade` was removed from the API
 * long ago; the apiserver in strict mode (and istioctl validate) rejects it as an unknown field.
 */
const MUST_VALIDATE = ['tests/testdata/config', 'samples/bookinfo/networking'];
const KNOWN_UNKNOWN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'tests/testdata/config/rule-websocket-route.yaml/websocket-route': ['spec.http[0].websocketUpgrade: unknown field "websocketUpgrade"'],
  'tests/testdata/config/rule-websocket-route.yaml/websocket-route2': ['spec.http[0].websocketUpgrade: unknown field "websocketUpgrade"'],
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
    });
}

describe.skipIf(!exists)('Istio sample and test configs validate', () => {
  const cases: [string, Record<string, unknown>][] = [];
  for (const folder of exists ? MUST_VALIDATE : []) {
    for (const file of yamlFiles(join(corpusDir, folder))) {
      for (const doc of parseDocuments(readFileSync(file, 'utf8'), file)) {
        const obj = doc.value as Record<string, unknown> | null;
        if (!obj || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') continue;
        if (!hasSchema({ ...parseApiVersion(obj.apiVersion), kind: obj.kind })) continue;
        const name = (obj.metadata as { name?: string } | undefined)?.name ?? '?';
        cases.push([`${file.slice(corpusDir.length + 1)}/${name}`, obj]);
      }
    }
  }
  it('has Istio documents', () => {
    expect(cases.length).toBeGreaterThan(50);
  });
  it.each(cases)('%s', (id, obj) => {
    expect(validate(obj)).toEqual(KNOWN_UNKNOWN_FIELDS[id] ?? []);
  });
});
