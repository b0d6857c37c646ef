import { describe, expect, it } from 'vitest';
import type { CrdDefinition } from './crd.js';
import {
  compareKubeVersions,
  deprecationWarning,
  findCrd,
  findCrdVersion,
  isServed,
  listKinds,
  schemaOf,
  servedVersions,
  storageVersion,
  versionDeprecationWarning,
} from './kinds.js';
import { CRD_SCHEMAS, CRDS } from './schemas.gen.js';

describe('the generated CRD table', () => {
  it.each([
    ['networking.istio.io', 'VirtualService', 'virtualservices'],
    ['networking.istio.io', 'DestinationRule', 'destinationrules'],
    ['networking.istio.io', 'Gateway', 'gateways'],
    ['networking.istio.io', 'ServiceEntry', 'serviceentries'],
    ['networking.istio.io', 'WorkloadEntry', 'workloadentries'],
    ['networking.istio.io', 'WorkloadGroup', 'workloadgroups'],
    ['networking.istio.io', 'Sidecar', 'sidecars'],
    ['networking.istio.io', 'EnvoyFilter', 'envoyfilters'],
    ['networking.istio.io', 'ProxyConfig', 'proxyconfigs'],
    ['security.istio.io', 'PeerAuthentication', 'peerauthentications'],
    ['security.istio.io', 'RequestAuthentication', 'requestauthentications'],
    ['security.istio.io', 'AuthorizationPolicy', 'authorizationpolicies'],
    ['telemetry.istio.io', 'Telemetry', 'telemetries'],
    ['extensions.istio.io', 'WasmPlugin', 'wasmplugins'],
  ])('has %s %s (plural %s, namespaced)', (group, kind, plural) => {
    const crd = findCrd(group, kind);
    expect(crd?.plural).toBe(plural);
    expect(crd?.scope).toBe('Namespaced');
  });

  it('stores each distinct schema once and every version references one', () => {
    const texts = CRD_SCHEMAS.map((s) => JSON.stringify(s));
    expect(new Set(texts).size).toBe(texts.length);
    const versions = CRDS.flatMap((c) => c.versions);
    expect(versions.every((v) => v.schema >= 0 && v.schema < CRD_SCHEMAS.length)).toBe(true);
    expect(CRD_SCHEMAS.length).toBeLessThan(versions.length);
  });

  it('shares one schema object between identical versions', () => {
    const v1 = schemaOf({ group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' });
    const v1alpha3 = schemaOf({ group: 'networking.istio.io', version: 'v1alpha3', kind: 'VirtualService' });
    expect(v1).toBeDefined();
    expect(v1alpha3).toBe(v1);
    expect(v1?.properties?.spec?.properties?.hosts?.type).toBe('array');
  });

  it('lists every kind once', () => {
    const kinds = listKinds().map((k) => `${k.group}/${k.kind}`);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(kinds).toContain('networking.istio.io/VirtualService');
  });
});

describe('versions', () => {
  it('orders versions by Kubernetes priority', () => {
    const sorted = ['v1alpha1', 'v2', 'foo', 'v1beta1', 'v1', 'v1beta2', 'v10', 'v1alpha3'].sort(compareKubeVersions);
    expect(sorted).toEqual(['v10', 'v2', 'v1', 'v1beta2', 'v1beta1', 'v1alpha3', 'v1alpha1', 'foo']);
  });

  it.each([
    ['networking.istio.io', 'VirtualService', ['v1', 'v1beta1', 'v1alpha3']],
    ['security.istio.io', 'AuthorizationPolicy', ['v1', 'v1beta1']],
    ['telemetry.istio.io', 'Telemetry', ['v1', 'v1alpha1']],
    ['networking.istio.io', 'EnvoyFilter', ['v1alpha3']],
    ['networking.istio.io', 'Nope', []],
  ])('served versions of %s %s', (group, kind, want) => {
    expect(servedVersions(group, kind)).toEqual(want);
  });

  it('knows the storage version, which is not always the preferred one', () => {
    expect(storageVersion('networking.istio.io', 'VirtualService')).toBe('v1');
    expect(storageVersion('telemetry.istio.io', 'Telemetry')).toBe('v1alpha1');
  });

  it.each([
    [{ group: 'networking.istio.io', version: 'v1beta1', kind: 'Gateway' }, true],
    [{ group: 'networking.istio.io', version: 'v1alpha3', kind: 'Sidecar' }, true],
    [{ group: 'networking.istio.io', version: 'v2', kind: 'Gateway' }, false],
    [{ group: 'security.istio.io', version: 'v1', kind: 'Gateway' }, false],
  ])('isServed(%j) = %s', (gvk, want) => {
    expect(isServed(gvk)).toBe(want);
  });

  it('has no deprecated version in Istio today (v1alpha3/v1beta1 are plainly served)', () => {
    for (const crd of CRDS) for (const v of crd.versions) expect(deprecationWarning({ group: crd.group, version: v.name, kind: crd.kind })).toBeUndefined();
  });

  it('uses the CRD deprecationWarning, else the apiserver default text', () => {
    const crd: CrdDefinition = {
      group: 'example.com',
      kind: 'Thing',
      plural: 'things',
      scope: 'Namespaced',
      versions: [
        { name: 'v1', served: true, storage: true, schema: 0 },
        { name: 'v1beta1', served: true, storage: false, deprecated: true, schema: 0 },
        { name: 'v1alpha1', served: true, storage: false, deprecated: true, deprecationWarning: 'use v1', schema: 0 },
      ],
    };
    const catalog = { crds: [crd], schemas: [{ type: 'object' as const }] };
    expect(deprecationWarning({ group: 'example.com', version: 'v1', kind: 'Thing' }, catalog)).toBeUndefined();
    expect(deprecationWarning({ group: 'example.com', version: 'v1beta1', kind: 'Thing' }, catalog)).toBe('example.com/v1beta1 Thing is deprecated');
    const found = findCrdVersion({ group: 'example.com', version: 'v1alpha1', kind: 'Thing' }, catalog);
    expect(found && versionDeprecationWarning(found.crd, found.version)).toBe('use v1');
  });
});
