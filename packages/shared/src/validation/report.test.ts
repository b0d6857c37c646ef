import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../yaml/load.js';
import type { Issue } from './result.js';
import { crdFieldCatalog, hintForIssue, reportDocuments, type FieldCatalog } from './report.js';

// Unknown kinds in an Istio group keep these tests to the header layer, whatever the other layers do.
const report = (text: string, file = 'in.yaml', knownFields?: FieldCatalog) =>
  reportDocuments(parseDocuments(text, file), knownFields ? { knownFields } : {});

describe('reportDocuments', () => {
  it('reports a syntax error at its place, and still checks the other documents', () => {
    const r = report(['kind: [oops', '---', 'apiVersion: example.istio.io/v1', 'kind: Frobnicator', 'metadata:', '  name: ok', ''].join('\n'));
    expect(r.valid).toBe(false);
    expect(r.resources.map((x) => [x.kind, x.valid, x.line])).toEqual([
      ['', false, 1],
      ['Frobnicator', false, 3],
    ]);
    const syntax = r.findings.filter((f) => f.code === 'WEFT_ERR_YAML_SYNTAX');
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax.every((f) => f.severity === 'error' && f.file === 'in.yaml' && f.line >= 1)).toBe(true);
    expect(r.findings).toContainEqual(
      expect.objectContaining({ code: 'WEFT_ERR_RESOURCE_UNKNOWN_KIND', line: 4, column: 1, kind: 'Frobnicator', name: 'ok', path: 'kind' }),
    );
  });

  it('names a broken document from what could be read of it', () => {
    const r = report(['apiVersion: networking.istio.io/v1', 'kind: Gateway', 'metadata:', '  name: web', '  namespace: prod', 'spec:', '  servers: [', ''].join('\n'));
    expect(r.findings[0]).toMatchObject({ code: 'WEFT_ERR_YAML_SYNTAX', kind: 'Gateway', namespace: 'prod', name: 'web' });
  });

  it.each([
    ['- a\n- b\n', 'a list'],
    ['just a string\n', 'a string ("just a string")'],
    ['42\n', 'a number (42)'],
  ])('rejects a document that is not a mapping: %j', (text, what) => {
    const r = report(text);
    expect(r.findings).toEqual([
      {
        file: 'in.yaml',
        line: 1,
        column: 1,
        kind: '',
        namespace: '',
        name: '',
        path: '',
        message: `expected a mapping with apiVersion, kind, metadata and spec, got ${what}`,
        severity: 'error',
        code: 'WEFT_ERR_YAML_NOT_OBJECT',
      },
    ]);
  });

  it('locates header problems at their keys', () => {
    const r = report(['metadata:', '  name: x', 'spec: {}', ''].join('\n'));
    expect(r.findings.map((f) => [f.path, f.line, f.column, f.code])).toEqual([
      ['apiVersion', 1, 1, 'WEFT_ERR_RESOURCE_HEADER'],
      ['kind', 1, 1, 'WEFT_ERR_RESOURCE_HEADER'],
    ]);
  });

  it('checks metadata.name as the API server does', () => {
    const bad = report(['apiVersion: example.istio.io/v1', 'kind: Frobnicator', 'metadata:', '  name: Reviews_V1', ''].join('\n'));
    expect(bad.findings).toContainEqual(
      expect.objectContaining({ path: 'metadata.name', line: 4, column: 3, code: 'WEFT_ERR_RESOURCE_HEADER', message: expect.stringMatching(/^Invalid value: "Reviews_V1": a lowercase RFC 1123 subdomain/) }),
    );
    const missing = report(['apiVersion: example.istio.io/v1', 'kind: Frobnicator', 'metadata:', '  labels: {a: b}', ''].join('\n'));
    expect(missing.findings).toContainEqual(
      expect.objectContaining({ path: 'metadata.name', line: 3, column: 1, message: 'Required value: name or generateName is required' }),
    );
  });

  it('checks namespace and label syntax, pointing at the label', () => {
    const text = ['apiVersion: example.istio.io/v1', 'kind: Frobnicator', 'metadata:', '  name: ok', '  namespace: Bad.NS', '  labels:', '    app: "has space"', ''].join('\n');
    const r = report(text);
    expect(r.findings).toContainEqual(expect.objectContaining({ path: 'metadata.namespace', line: 5, column: 3 }));
    expect(r.findings).toContainEqual(expect.objectContaining({ path: 'metadata.labels[app]', line: 7, column: 5 }));
  });

  it('hints at the kind you probably meant, or at the right apiVersion', () => {
    const typo = report(['apiVersion: networking.istio.io/v1', 'kind: VirtualServce', 'metadata: {name: x}', ''].join('\n'));
    expect(typo.findings[0]).toMatchObject({ code: 'WEFT_ERR_RESOURCE_UNKNOWN_KIND', hint: 'did you mean kind: VirtualService? (apiVersion: networking.istio.io/v1)' });
    const group = report(['apiVersion: networking.istio.io/v1', 'kind: AuthorizationPolicy', 'metadata: {name: x}', ''].join('\n'));
    const unknown = group.findings.find((f) => f.code === 'WEFT_ERR_RESOURCE_UNKNOWN_KIND');
    expect(unknown?.hint).toBe('AuthorizationPolicy belongs to security.istio.io: use apiVersion: security.istio.io/v1');
    const far = report(['apiVersion: example.istio.io/v1', 'kind: Frobnicator', 'metadata: {name: x}', ''].join('\n'));
    expect(far.findings[0]?.hint).toBeUndefined();
  });

  it('orders findings by document, then line and column, and reports input problems first', () => {
    const docs = [
      ...parseDocuments(['apiVersion: example.istio.io/v1', 'kind: Frobnicator', 'metadata:', '  name: B_', '  namespace: N_', ''].join('\n'), 'b.yaml'),
      ...parseDocuments(['kind: Frobnicator', ''].join('\n'), 'a.yaml'),
    ];
    const r = reportDocuments(docs, { problems: [{ code: 'WEFT_ERR_INPUT_READ', path: 'gone.yaml', message: 'cannot read gone.yaml: no such file or directory' }] });
    expect(r.findings.map((f) => `${f.file}:${f.line}:${f.column}:${f.path}`)).toEqual([
      'gone.yaml:0:0:',
      'b.yaml:2:1:kind',
      'b.yaml:4:3:metadata.name',
      'b.yaml:5:3:metadata.namespace',
      'a.yaml:1:1:apiVersion',
    ]);
    expect(r.resources.map((x) => x.file)).toEqual(['b.yaml', 'a.yaml']);
  });

  it('accepts Kubernetes kinds outside Istio unchecked, as istioctl does', () => {
    const r = report(['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: Not_Checked', ''].join('\n'));
    expect(r.findings).toEqual([]);
    expect(r.resources).toEqual([expect.objectContaining({ kind: 'Deployment', valid: true, checked: false })]);
    expect(r.valid).toBe(true);
  });

  it('reports each resource of a kind: List at its own place', () => {
    const text = ['apiVersion: v1', 'kind: List', 'items:', '- apiVersion: example.istio.io/v1', '  kind: Frobnicator', '  metadata: {name: one}', '- kind: Frobnicator', '  metadata: {name: two}', ''].join('\n');
    const r = report(text);
    expect(r.resources.map((x) => [x.name, x.line, x.column])).toEqual([
      ['one', 4, 3],
      ['two', 7, 3],
    ]);
    expect(r.findings).toContainEqual(expect.objectContaining({ name: 'two', path: 'apiVersion', line: 7, column: 3 }));
  });

});

describe('hintForIssue', () => {
  const vs = { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' };
  const catalog: FieldCatalog = (_gvk, parent) => (parent === 'spec.http[0]' ? ['match', 'route', 'redirect', 'rewrite', 'timeout', 'retries'] : undefined);
  it.each<[string, Issue, string | undefined]>([
    [
      'enum with the same words reordered',
      { code: 'WEFT_ERR_SCHEMA', path: 'spec.trafficPolicy.tls.mode', message: 'Unsupported value: "MUTUAL_ISTIO": supported values: "DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"' },
      'did you mean "ISTIO_MUTUAL"? allowed values: DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL',
    ],
    [
      'enum with a typo',
      { code: 'WEFT_ERR_SCHEMA', path: 'spec.mtls.mode', message: 'Unsupported value: "STRICTT": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"' },
      'did you mean "STRICT"? allowed values: UNSET, DISABLE, PERMISSIVE, STRICT',
    ],
    ['unknown field near a known one', { code: 'WEFT_ERR_SCHEMA', path: 'spec.http[0].rout', message: 'unknown field "spec.http[0].rout"' }, 'did you mean "route"?'],
    ['unknown field far from any', { code: 'WEFT_ERR_SCHEMA', path: 'spec.http[0].banana', message: 'unknown field "spec.http[0].banana"' }, undefined],
    ['unknown field where the catalog knows nothing', { code: 'WEFT_ERR_SCHEMA', path: 'spec.tcp[0].rout', message: 'unknown field "spec.tcp[0].rout"' }, undefined],
    ['a hint the validator attached wins', { code: 'WEFT_ERR_SEMANTIC', path: 'spec', message: 'x', hint: 'try y' } as Issue, 'try y'],
    [
      'enum far from every value',
      { code: 'WEFT_ERR_SCHEMA', path: 'spec.mtls.mode', message: 'Unsupported value: "BLAH": supported values: "UNSET", "DISABLE", "PERMISSIVE", "STRICT"' },
      'allowed values: UNSET, DISABLE, PERMISSIVE, STRICT',
    ],
    ['nothing to say', { code: 'WEFT_ERR_SEMANTIC', path: 'spec.hosts[0]', message: 'wildcard host * is not allowed for virtual services bound to the mesh gateway' }, undefined],
  ])('%s', (_name, issue, hint) => {
    expect(hintForIssue(issue, vs, catalog)).toBe(hint);
  });
});

describe('crdFieldCatalog', () => {
  const gvk = (kind: string, group = 'networking.istio.io', version = 'v1') => ({ group, version, kind });
  it.each<[string, ReturnType<typeof gvk>, string, string | undefined]>([
    ['VirtualService http route', gvk('VirtualService'), 'spec.http[0]', 'route'],
    ['DestinationRule tls mode', gvk('DestinationRule'), 'spec.trafficPolicy.tls', 'mode'],
    ['an older served version', gvk('DestinationRule', 'networking.istio.io', 'v1beta1'), 'spec.subsets[2]', 'labels'],
    ['PeerAuthentication port-level map values', gvk('PeerAuthentication', 'security.istio.io'), 'spec.portLevelMtls["8080"]', 'mode'],
  ])('%s', (_name, g, parent, expected) => {
    expect(crdFieldCatalog(g, parent)).toContain(expected);
  });

  it('knows nothing of unknown kinds and of places without declared fields', () => {
    expect(crdFieldCatalog(gvk('Frobnicator', 'example.istio.io'), 'spec')).toBeUndefined();
    expect(crdFieldCatalog(gvk('VirtualService'), 'spec.hosts[0]')).toBeUndefined();
  });

  it('turns an unknown field into a "did you mean"', () => {
    const issue: Issue = { code: 'WEFT_ERR_SCHEMA', path: 'spec.trafficPolicy.tls.mdoe', message: 'unknown field "spec.trafficPolicy.tls.mdoe"' };
    expect(hintForIssue(issue, gvk('DestinationRule'), crdFieldCatalog)).toBe('did you mean "mode"?');
  });
});
