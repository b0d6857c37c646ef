// Conformance of the networking validators (VirtualService, DestinationRule, Gateway, Sidecar,
// EnvoyFilter) against Istio's own test data, read in place from ../shared/corpus/istio.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseApiVersion } from '../../api/gvk.js';
import { validateSemantic } from './index.js';

const CORPUS = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../../../shared/corpus/istio');
const KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'Sidecar', 'EnvoyFilter']);
const present = existsSync(CORPUS);
if (!present) console.warn(`SKIPPED: Istio corpus not found at ${CORPUS}; networking semantic conformance not checked`);

interface Doc {
  readonly where: string;
  readonly obj: Record<string, unknown>;
}

function docsIn(dir: string, filter: (f: string) => boolean = () => true): Doc[] {
  const abs = join(CORPUS, dir);
  if (!existsSync(abs)) return [];
  const out: Doc[] = [];
  for (const f of readdirSync(abs).filter((n) => n.endsWith('.yaml') && filter(n)).sort()) {
    parseAllDocuments(readFileSync(join(abs, f), 'utf8')).forEach((d, i) => {
      const obj = d.toJS() as unknown;
      if (typeof obj === 'object' && obj !== null && KINDS.has(String((obj as Record<string, unknown>).kind))) {
        out.push({ where: `${dir}/${f}#${i}`, obj: obj as Record<string, unknown> });
      }
    });
  }
  return out;
}

function semanticOf(obj: Record<string, unknown>) {
  const { group, version } = parseApiVersion(String(obj.apiVersion));
  return validateSemantic({ group, version, kind: String(obj.kind) }, obj);
}

describe.skipIf(!present)('Istio corpus: valid networking configs have no semantic errors', () => {
  const valid = [
    ...docsIn('tests/testdata/config'),
    ...docsIn('samples/bookinfo/networking'),
    ...docsIn('pkg/config/validation/testdata/crds', (f) => f.endsWith('-valid.yaml')),
  ];

  it('finds documents of every networking kind it checks', () => {
    const kinds = new Set(valid.map((d) => String(d.obj.kind)));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['DestinationRule', 'EnvoyFilter', 'Gateway', 'VirtualService']));
    expect(valid.length).toBeGreaterThan(40);
  });

  it.each(valid.map((d) => [d.where, d.obj] as const))('%s', (_where, obj) => {
    expect(semanticOf(obj).errors).toEqual([]);
  });
});

// The *-invalid.yaml documents carry `_err`: the message kube-apiserver gives. For the rules Istio
// also enforces in its webhook, the semantic layer must reject the document at that field path;
// the others (CEL-only rules) belong to the structural layer and are listed here on purpose.
const SCHEMA_ONLY = new Set(['only support waypointMatch when context is WAYPOINT', 'port must be between 1-65535']);

describe.skipIf(!present)('Istio corpus: invalid networking configs', () => {
  const invalid = docsIn('pkg/config/validation/testdata/crds', (f) => f.endsWith('-invalid.yaml'));

  it('finds invalid documents', () => {
    expect(invalid.length).toBeGreaterThan(3);
  });

  it.each(invalid.map((d) => [d.where, d.obj] as const))('%s', (_where, obj) => {
    const expected = String(obj._err ?? '');
    const path = expected.split(':')[0] ?? '';
    const { errors } = semanticOf(obj);
    if ([...SCHEMA_ONLY].some((m) => expected.includes(m))) {
      // Not a webhook rule: the semantic layer must not claim it (other webhook errors may remain).
      expect(errors.map((e) => e.path)).not.toContain(path);
    } else {
      expect(errors.map((e) => e.path)).toContain(path);
    }
  });
});
