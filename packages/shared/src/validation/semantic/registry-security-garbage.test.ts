// The service-registry, security, telemetry and extension validators never throw, whatever shape
// the resource has: null specs, numbers for objects, strings for lists, lists of the wrong items.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const KINDS: ReadonlyArray<[kind: string, group: string]> = [
  ['ServiceEntry', 'networking.istio.io'],
  ['WorkloadEntry', 'networking.istio.io'],
  ['WorkloadGroup', 'networking.istio.io'],
  ['PeerAuthentication', 'security.istio.io'],
  ['RequestAuthentication', 'security.istio.io'],
  ['AuthorizationPolicy', 'security.istio.io'],
  ['Telemetry', 'telemetry.istio.io'],
  ['WasmPlugin', 'extensions.istio.io'],
  ['ProxyConfig', 'networking.istio.io'],
];

// Every field any of these validators reads, so random values land where they are looked at.
const FIELDS = [
  'hosts', 'addresses', 'ports', 'endpoints', 'resolution', 'workloadSelector', 'exportTo', 'address', 'network', 'labels',
  'serviceAccount', 'template', 'metadata', 'probe', 'selector', 'mtls', 'portLevelMtls', 'jwtRules', 'targetRef', 'targetRefs',
  'action', 'provider', 'rules', 'metrics', 'tracing', 'accessLogging', 'url', 'sha256', 'vmConfig', 'match', 'concurrency', 'image',
];

// Null-prototype objects too: String() and template literals throw on them.
const NULL_PROTO: unknown = Object.assign(Object.create(null) as object, { 'istio.io/dry-run': Object.create(null) as object, http: Object.create(null) as object });
const GARBAGE: unknown[] = [null, undefined, 0, -1, 1.5, 'x', '', true, [], ['a', 'b'], [null], [1, 2], {}, { a: null }, [{}], [[]], [{ a: 1 }], NULL_PROTO];

function check(kind: string, group: string, obj: unknown): void {
  expect(() => validateSemantic({ group, version: 'v1', kind }, obj)).not.toThrow();
}

describe('registry/security validators never throw', () => {
  it.each(KINDS)('%s: garbage in every field', (kind, group) => {
    for (const g of GARBAGE) {
      check(kind, group, { apiVersion: `${group}/v1`, kind, metadata: g, spec: g });
      for (const field of FIELDS) {
        check(kind, group, { kind, metadata: { name: 'x', annotations: g, labels: g }, spec: { [field]: g } });
        // One level down: lists of garbage items and objects whose fields are garbage.
        check(kind, group, { kind, metadata: {}, spec: { [field]: [g, { [FIELDS[0] ?? 'x']: g }] } });
        check(kind, group, { kind, metadata: {}, spec: { [field]: Object.fromEntries(FIELDS.map((f) => [f, g])) } });
      }
    }
  });

  it.each(KINDS)('%s: random documents', (kind, group) => {
    const value = fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true });
    const spec = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 });
    fc.assert(
      fc.property(spec, value, (s, meta) => {
        check(kind, group, { apiVersion: `${group}/v1`, kind, metadata: meta, spec: s });
      }),
      { numRuns: 300 },
    );
  });
});
