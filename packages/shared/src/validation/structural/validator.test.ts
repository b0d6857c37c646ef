import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CrdDefinition, JsonSchemaProps } from '../../api/crd.js';
import { createStructuralValidator, hasSchema, validateStructural } from './index.js';

const VS = { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' };
const SE = { group: 'networking.istio.io', version: 'v1', kind: 'ServiceEntry' };

function lines(v: { errors: readonly { path: string; message: string }[] }): string[] {
  return v.errors.map((e) => `${e.path}: ${e.message}`);
}

function serviceEntry(spec: unknown, metadata: unknown = { name: 'se', namespace: 'default' }): Record<string, unknown> {
  return { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata, spec };
}

describe('kinds and versions', () => {
  it.each([
    [{ group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' }, true],
    [{ group: 'networking.istio.io', version: 'v1alpha3', kind: 'VirtualService' }, true],
    [{ group: 'networking.istio.io', version: 'v1alpha2', kind: 'VirtualService' }, false],
    [{ group: 'networking.istio.io', version: 'v1', kind: 'VirtualServices' }, false],
    [{ group: 'security.istio.io', version: 'v1beta1', kind: 'AuthorizationPolicy' }, true],
    [{ group: 'apps', version: 'v1', kind: 'Deployment' }, false],
  ])('hasSchema(%j) = %s', (gvk, want) => {
    expect(hasSchema(gvk)).toBe(want);
  });

  it('accepts the older served versions Istio still serves (v1alpha3, v1beta1) without warnings', () => {
    for (const version of ['v1alpha3', 'v1beta1']) {
      const r = validateStructural({ ...SE, version }, { ...serviceEntry({ hosts: ['a.com'] }), apiVersion: `networking.istio.io/${version}` });
      expect(r).toEqual({ errors: [], warnings: [] });
    }
  });

  it('rejects an unknown kind and an unserved version in Kubernetes words', () => {
    expect(lines(validateStructural({ ...VS, kind: 'VirtualServis' }, {}))).toEqual(['kind: no matches for kind "VirtualServis" in version "networking.istio.io/v1"']);
    expect(lines(validateStructural({ ...VS, version: 'v2' }, {}))).toEqual([
      'apiVersion: Unsupported value: "networking.istio.io/v2": supported values: "networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3"',
    ]);
  });

  it('checks that apiVersion and kind of the object agree with the GVK', () => {
    const r = validateStructural(SE, { ...serviceEntry({ hosts: ['a'] }), apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway' });
    expect(lines(r)).toEqual(['apiVersion: Invalid value: "networking.istio.io/v1beta1": must be "networking.istio.io/v1"', 'kind: Invalid value: "Gateway": must be "ServiceEntry"']);
  });

  it('warns (does not fail) on a version its CRD marks deprecated, with the CRD text or the default', () => {
    const crd: CrdDefinition = {
      group: 'example.com',
      kind: 'Widget',
      plural: 'widgets',
      scope: 'Namespaced',
      versions: [
        { name: 'v1', served: true, storage: true, schema: 0 },
        { name: 'v1beta1', served: true, storage: false, deprecated: true, deprecationWarning: 'example.com/v1beta1 Widget is deprecated; use v1', schema: 0 },
        { name: 'v1alpha1', served: true, storage: false, deprecated: true, schema: 0 },
        { name: 'v0', served: false, storage: false, schema: 0 },
      ],
    };
    const schema: JsonSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } };
    const v = createStructuralValidator({ crds: [crd], schemas: [schema] });
    const obj = (version: string) => ({ apiVersion: `example.com/${version}`, kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } });
    const run = (version: string) => v.validate({ group: 'example.com', version, kind: 'Widget' }, obj(version));
    expect(run('v1')).toEqual({ errors: [], warnings: [] });
    expect(run('v1beta1')).toEqual({ errors: [], warnings: [{ code: 'WEFT_ERR_RESOURCE_DEPRECATED_VERSION', path: 'apiVersion', message: 'example.com/v1beta1 Widget is deprecated; use v1' }] });
    expect(run('v1alpha1').warnings.map((w) => w.message)).toEqual(['example.com/v1alpha1 Widget is deprecated']);
    expect(run('v1alpha1').errors).toEqual([]);
    expect(lines(run('v0'))).toEqual(['apiVersion: Unsupported value: "example.com/v0": supported values: "example.com/v1", "example.com/v1beta1", "example.com/v1alpha1"']);
    expect(v.hasSchema({ group: 'example.com', version: 'v0', kind: 'Widget' })).toBe(true);
  });
});

describe('metadata', () => {
  it.each<[unknown, string[]]>([
    [{ name: 'ok', namespace: 'default' }, []],
    [{ generateName: 'prefix-' }, []],
    [null, ['metadata.name: Required value: name or generateName is required']],
    [{ namespace: 'default' }, ['metadata.name: Required value: name or generateName is required']],
    [
      { name: 'Bad_Name' },
      [
        `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ],
    [{ name: 'a'.repeat(254) }, [`metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`]],
    [{ name: 'ok', namespace: 'a.b' }, [expect.stringContaining('metadata.namespace: Invalid value: "a.b": a lowercase RFC 1123 label must consist of')]],
    [{ name: 'ok', nmae: 'typo' }, ['metadata.nmae: unknown field "nmae"']],
    [{ name: 'ok', labels: { app: 'has space' } }, [expect.stringContaining('metadata.labels[app]: Invalid value: "has space": a valid label must be an empty string')]],
    [{ name: 'ok', labels: { 'bad key!': 'v' } }, [expect.stringContaining('metadata.labels: Invalid value: "bad key!": name part must consist of')]],
    [{ name: 'ok', annotations: { 'example.com/a': 'any text is fine' } }, []],
  ])('%j', (metadata, want) => {
    expect(lines(validateStructural(SE, serviceEntry({ hosts: ['a'] }, metadata)))).toEqual(want);
  });
});

describe('OpenAPI schema in Kubernetes words', () => {
  it.each<[string, unknown, string[]]>([
    ['missing spec', undefined, ['spec: Required value']],
    ['missing hosts', {}, ['spec.hosts: Required value']],
    [
      'bad enum',
      { hosts: ['a'], resolution: 'FOO' },
      ['spec.resolution: Unsupported value: "FOO": supported values: "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"'],
    ],
    ['unknown field', { hosts: ['a'], foo: 1 }, ['spec.foo: unknown field "foo"']],
    ['unknown nested field', { hosts: ['a'], ports: [{ number: 80, name: 'http', protocl: 'HTTP' }] }, ['spec.ports[0].protocl: unknown field "protocl"']],
    ['wrong type', { hosts: 'a' }, ['spec.hosts: Invalid value: "string": spec.hosts in body must be of type array: "string"']],
    [
      'string where an integer is expected',
      { hosts: ['a'], ports: [{ number: '80', name: 'http' }] },
      ['spec.ports[0].number: Invalid value: "string": spec.ports[0].number in body must be of type integer: "string"'],
    ],
    [
      'map value of the wrong type (map key path)',
      { hosts: ['a'], resolution: 'STATIC', endpoints: [{ address: '1.1.1.1', ports: { http: 'x' } }] },
      ['spec.endpoints[0].ports[http]: Invalid value: "string": spec.endpoints[0].ports[http] in body must be of type integer: "string"'],
    ],
    [
      'every error at once',
      { hosts: 'a', resolution: 'FOO', foo: true, location: 3 },
      [
        'spec.foo: unknown field "foo"',
        'spec.hosts: Invalid value: "string": spec.hosts in body must be of type array: "string"',
        'spec.location: Invalid value: "integer": spec.location in body must be of type string: "integer"',
        'spec.location: Unsupported value: 3: supported values: "MESH_EXTERNAL", "MESH_INTERNAL"',
        'spec.resolution: Unsupported value: "FOO": supported values: "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"',
      ],
    ],
  ])('%s', (_name, spec, want) => {
    const obj = serviceEntry(spec);
    if (spec === undefined) delete obj.spec;
    expect(lines(validateStructural(SE, obj)).sort()).toEqual([...want].sort());
  });

  it('does not run CEL rules after a type error, as the apiserver', () => {
    const r = validateStructural(SE, serviceEntry({ hosts: ['*'], ports: [{ number: '80', name: 'a' }] }));
    expect(lines(r)).toEqual(['spec.ports[0].number: Invalid value: "string": spec.ports[0].number in body must be of type integer: "string"']);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('runs CEL rules after non-type errors (unknown fields, enums)', () => {
    const r = validateStructural(SE, serviceEntry({ hosts: ['*'], foo: 1 }));
    expect(lines(r)).toEqual(['spec.foo: unknown field "foo"', 'spec.hosts[0]: Invalid value: "string": hostname cannot be wildcard']);
  });

  it('accepts anything under x-kubernetes-preserve-unknown-fields', () => {
    const ef = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'ef' },
      spec: { configPatches: [{ applyTo: 'CLUSTER', patch: { operation: 'ADD', value: { name: 'c', anything: { nested: [1, 'x'] } } } }] },
    };
    expect(validateStructural({ group: 'networking.istio.io', version: 'v1alpha3', kind: 'EnvoyFilter' }, ef)).toEqual({ errors: [], warnings: [] });
  });

  it('int-or-string accepts both and rejects others', () => {
    const withStatus = (observedGeneration: unknown) => ({ ...serviceEntry({ hosts: ['a'] }), status: { observedGeneration } });
    expect(lines(validateStructural(SE, withStatus(3)))).toEqual([]);
    expect(lines(validateStructural(SE, withStatus('3')))).toEqual([]);
    expect(lines(validateStructural(SE, withStatus(true)))).toEqual([
      'status.observedGeneration: Invalid value: "boolean": status.observedGeneration in body must be of type integer,string: "boolean"',
    ]);
  });

  it('nullable fields accept null; others fail their type (and enum, as kube-openapi checks both on null)', () => {
    const pc = (concurrency: unknown) => ({ apiVersion: 'networking.istio.io/v1beta1', kind: 'ProxyConfig', metadata: { name: 'p' }, spec: { concurrency } });
    const gvk = { group: 'networking.istio.io', version: 'v1beta1', kind: 'ProxyConfig' };
    expect(lines(validateStructural(gvk, pc(null)))).toEqual([]);
    expect(lines(validateStructural(SE, serviceEntry({ hosts: ['a'], location: null })))).toEqual([
      'spec.location: Invalid value: "null": spec.location in body must be of type string: "null"',
      'spec.location: Unsupported value: "null": supported values: "MESH_EXTERNAL", "MESH_INTERNAL"',
    ]);
  });

  it.each<[string, unknown, string[]]>([
    ['int32 in range', 2, []],
    ['int32 overflow', 3_000_000_000, ['spec.concurrency: Invalid value: 3000000000: Checked value must be of type integer with format int32 in spec.concurrency']],
    ['minimum', -1, ['spec.concurrency: Invalid value: -1: spec.concurrency in body should be greater than or equal to 0']],
  ])('numeric constraints: %s', (_n, concurrency, want) => {
    const gvk = { group: 'networking.istio.io', version: 'v1beta1', kind: 'ProxyConfig' };
    expect(lines(validateStructural(gvk, { apiVersion: 'networking.istio.io/v1beta1', kind: 'ProxyConfig', metadata: { name: 'p' }, spec: { concurrency } }))).toEqual(want);
  });

  it('checks the byte format (base64)', () => {
    const vs = (bytes: string) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'v' },
      spec: { hosts: ['a'], http: [{ directResponse: { status: 200, body: { bytes } } }] },
    });
    expect(lines(validateStructural(VS, vs('aGVsbG8=')))).toEqual([]);
    expect(lines(validateStructural(VS, vs('not base64!')))).toEqual([
      'spec.http[0].directResponse.body.bytes: Invalid value: "not base64!": spec.http[0].directResponse.body.bytes in body must be of type byte: "not base64!"',
    ]);
  });
});

describe('schema features outside Istio CRDs (synthetic CRD)', () => {
  const crd: CrdDefinition = { group: 'example.com', kind: 'Box', plural: 'boxes', scope: 'Cluster', versions: [{ name: 'v1', served: true, storage: true, schema: 0 }] };
  const schema: JsonSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3 },
          when: { type: 'string', format: 'date-time' },
          shape: { type: 'string', format: 'some-unknown-format' },
          ratio: { type: 'number', minimum: 0.5, exclusiveMaximum: true, maximum: 1 },
          name: { type: 'string', maxLength: 3 },
        },
      },
    },
  };
  const v = createStructuralValidator({ crds: [crd], schemas: [schema] });
  const run = (spec: unknown, metadata: unknown = { name: 'b' }) =>
    lines(v.validate({ group: 'example.com', version: 'v1', kind: 'Box' }, { apiVersion: 'example.com/v1', kind: 'Box', metadata, spec }));

  it.each<[string, unknown, string[]]>([
    ['valid', { tags: ['a', 'b'], when: '2024-01-02T03:04:05Z', shape: 'anything', ratio: 0.75, name: 'abc' }, []],
    ['set duplicates', { tags: ['a', 'b', 'a'] }, ['spec.tags[2]: Duplicate value: "a"']],
    ['too many items', { tags: ['a', 'b', 'c', 'd'] }, ['spec.tags: Too many: 4: must have at most 3 items']],
    ['date-time', { when: 'yesterday' }, ['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"']],
    ['exclusive maximum', { ratio: 1 }, ['spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1']],
    ['float minimum', { ratio: 0.25 }, ['spec.ratio: Invalid value: 0.25: spec.ratio in body should be greater than or equal to 0.5']],
    ['too long', { name: 'abcd' }, ['spec.name: Too long: may not be more than 3 bytes']],
  ])('%s', (_n, spec, want) => {
    expect(run(spec)).toEqual(want);
  });

  it('forbids a namespace on a cluster-scoped kind', () => {
    expect(run({}, { name: 'b', namespace: 'ns' })).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });
});

describe('robustness', () => {
  it('never throws and always returns well-formed issues, whatever the input', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (spec, metadata) => {
        const r = validateStructural(VS, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata, spec });
        for (const i of [...r.errors, ...r.warnings]) {
          expect(typeof i.path).toBe('string');
          expect(i.message.length).toBeGreaterThan(0);
          expect(i.code).not.toBe('WEFT_ERR_INTERNAL');
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['array', []],
    ['string', 'VirtualService'],
  ])('rejects a non-object resource (%s)', (_n, obj) => {
    const r = validateStructural(VS, obj);
    expect(r.errors.map((e) => e.code)).toEqual(['WEFT_ERR_RESOURCE_HEADER']);
  });
});
