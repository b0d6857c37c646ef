// Conformance of the service-registry, security, telemetry and extension validators (ServiceEntry,
// WorkloadEntry, WorkloadGroup, PeerAuthentication, RequestAuthentication, AuthorizationPolicy,
// Telemetry, WasmPlugin, ProxyConfig) against Istio's own test data, read in place.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseApiVersion } from '../../api/gvk.js';
import { validateSemantic } from './index.js';

const CORPUS = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../../../shared/corpus/istio');
const KINDS = new Set([
  'ServiceEntry',
  'WorkloadEntry',
  'WorkloadGroup',
  'PeerAuthentication',
  'RequestAuthentication',
  'AuthorizationPolicy',
  'Telemetry',
  'WasmPlugin',
  'ProxyConfig',
]);
const CRD_FILES = /^(authz|peerauth|reqauth|serviceentry|telemetry|wasm|workloadentry|workloadgroup|proxyconfig)-(valid|invalid)\.yaml$/;
const present = existsSync(CORPUS);
if (!present) console.warn(`SKIPPED: Istio corpus not found at ${CORPUS}; registry/security semantic conformance not checked`);

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
        out.push({ where: `${dir}/${f}#${i} ${String((obj as { metadata?: { name?: unknown } }).metadata?.name)}`, obj: obj as Record<string, unknown> });
      }
    });
  }
  return out;
}

function semanticOf(obj: Record<string, unknown>) {
  const { group, version } = parseApiVersion(String(obj.apiVersion));
  return validateSemantic({ group, version, kind: String(obj.kind) }, obj);
}

describe.skipIf(!present)('Istio corpus: valid registry/security configs have no semantic errors', () => {
  const valid = [
    ...docsIn('tests/testdata/config'),
    ...docsIn('samples/bookinfo/networking'),
    ...docsIn('pkg/config/validation/testdata/crds', (f) => CRD_FILES.test(f) && f.endsWith('-valid.yaml')),
  ];

  it('finds documents of every kind it checks', () => {
    const kinds = new Set(valid.map((d) => String(d.obj.kind)));
    expect([...kinds].sort()).toEqual([...KINDS].sort());
  });

  it.each(valid.map((d) => [d.where, d.obj] as const))('%s', (_where, obj) => {
    expect(semanticOf(obj).errors).toEqual([]);
  });
});

// Each *-invalid.yaml document carries `_err`, the message kube-apiserver gives. Many of those
// rules live only in the CRD schema or its CEL rules (the structural layer); the documents below
// break a rule Istio's webhook enforces too, so the semantic layer must reject them.
const SEMANTIC_REJECTS = new Set([
  'authz-invalid.yaml service-account-and-namespace',
  'authz-invalid.yaml service-account-and-namespace-principal',
  'peerauth-invalid.yaml bad-port',
  'peerauth-invalid.yaml port-level-global',
  'peerauth-invalid.yaml empty-port-level',
  'peerauth-invalid.yaml zero-port',
  'peerauth-invalid.yaml high-port',
  'peerauth-invalid.yaml bad-mode',
  'reqauth-invalid.yaml multi-refs',
  'reqauth-invalid.yaml ref-and-selector',
  'reqauth-invalid.yaml bad-target-name',
  'reqauth-invalid.yaml bad-target-namespace',
  'reqauth-invalid.yaml bad-target-group',
  'reqauth-invalid.yaml bad-target-kind',
  'reqauth-invalid.yaml empty-aud',
  'reqauth-invalid.yaml invalid-jwks',
  'reqauth-invalid.yaml invalid-from-headers-no-name',
  'reqauth-invalid.yaml invalid-from-headers-empty-name',
  'reqauth-invalid.yaml invalid-from-params',
  'reqauth-invalid.yaml invalid-from-cookies',
  'reqauth-invalid.yaml invalid-claim-to-header-unset',
  'reqauth-invalid.yaml invalid-claim-to-header-claim-empty',
  'reqauth-invalid.yaml invalid-claim-to-header-header-empty',
  'reqauth-invalid.yaml invalid-claim-to-header-bad-header',
  'reqauth-invalid.yaml bad-timeout',
  'serviceentry-invalid.yaml no-spec',
  'serviceentry-invalid.yaml missing-host',
  'serviceentry-invalid.yaml bad-selector-value',
  'serviceentry-invalid.yaml selector-and-endpoints',
  'serviceentry-invalid.yaml bad-host-wildcard',
  'serviceentry-invalid.yaml bad-cidr-resolution',
  'serviceentry-invalid.yaml duplicate-ports-name',
  'serviceentry-invalid.yaml duplicate-ports-number',
  'serviceentry-invalid.yaml bad-port',
  'serviceentry-invalid.yaml bad-port-target',
  'serviceentry-invalid.yaml none-with-endpoints',
  'serviceentry-invalid.yaml dns-rr-with-multiple-endpoints',
  'telemetry-invalid.yaml bad-provider',
  'telemetry-invalid.yaml bad-custom-metric',
  'telemetry-invalid.yaml bad-tag-upsert',
  'telemetry-invalid.yaml bad-tag-remove',
  'wasm-invalid.yaml unset-port',
  'wasm-invalid.yaml unset-url',
  'wasm-invalid.yaml invalid-url',
  'wasm-invalid.yaml invalid-url-schema',
  'wasm-invalid.yaml invalid-sha256',
  'wasm-invalid.yaml duplicate-env',
  'wasm-invalid.yaml invalid-env-name',
  'wasm-invalid.yaml nil',
  'wasm-invalid.yaml nested-nil',
  'wasm-invalid.yaml invalid-selector',
  'workloadentry-invalid.yaml no-spec',
  'workloadentry-invalid.yaml missing-address',
  'workloadentry-invalid.yaml bad-uds-dir',
  'workloadentry-invalid.yaml bad-uds-relative',
  'workloadentry-invalid.yaml uds-with-ports',
  'workloadentry-invalid.yaml high-port',
  'workloadentry-invalid.yaml bad-port-name',
  'workloadgroup-invalid.yaml no-spec',
  'workloadgroup-invalid.yaml tcp-probe-invalid',
  'workloadgroup-invalid.yaml http-probe-invalid',
  'proxyconfig-invalid.yaml bad-concurrency',
  'proxyconfig-invalid.yaml empty-key-selector',
]);

describe.skipIf(!present)('Istio corpus: invalid registry/security configs', () => {
  const invalid = docsIn('pkg/config/validation/testdata/crds', (f) => CRD_FILES.test(f) && f.endsWith('-invalid.yaml'));
  const keyOf = (d: Doc): string => `${d.where.split('/').pop()?.replace(/#\d+/, '')}`;

  it('reports how many invalid documents the semantic layer rejects', () => {
    const rejected = invalid.filter((d) => semanticOf(d.obj).errors.length > 0);
    const left = invalid.filter((d) => !rejected.includes(d)).map((d) => `${keyOf(d)}: ${String(d.obj._err)}`);
    console.info(`semantic layer rejects ${rejected.length}/${invalid.length} invalid registry/security documents; left to the CRD schema/CEL:\n  ${left.join('\n  ')}`);
    expect(invalid.length).toBeGreaterThan(50);
  });

  it('lists only documents that exist', () => {
    const keys = new Set(invalid.map(keyOf));
    expect([...SEMANTIC_REJECTS].filter((k) => !keys.has(k))).toEqual([]);
  });

  it.each(invalid.filter((d) => SEMANTIC_REJECTS.has(keyOf(d))).map((d) => [keyOf(d), d.obj] as const))('%s is rejected', (_key, obj) => {
    expect(semanticOf(obj).errors.length).toBeGreaterThan(0);
  });
});
