import { describe, expect, it } from 'vitest';
import { parseDocuments } from './load.js';

const VS = `# leading comment
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
  labels:
    app.kubernetes.io/name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: 75
    - destination:
        host: reviews
        subset: v2
      weight: 25
`;

describe('parseDocuments', () => {
  it('parses one document with its value and start position', () => {
    const [doc, ...rest] = parseDocuments(VS, 'vs.yaml');
    expect(rest).toHaveLength(0);
    expect(doc?.file).toBe('vs.yaml');
    expect(doc?.index).toBe(0);
    expect(doc?.syntaxErrors).toEqual([]);
    expect(doc?.position).toEqual({ file: 'vs.yaml', line: 2, column: 1 });
    expect(doc?.value).toMatchObject({ kind: 'VirtualService', spec: { http: [{ route: [{ weight: 75 }, { weight: 25 }] }] } });
  });

  it.each([
    ['', 2, 1],
    ['kind', 3, 1],
    ['metadata.name', 5, 3],
    ['metadata.labels["app.kubernetes.io/name"]', 8, 5],
    ['spec.hosts[0]', 11, 5],
    ['spec.http[0]', 13, 5],
    ['spec.http[0].route[1]', 18, 7],
    ['spec.http[0].route[1].weight', 21, 7],
    ['spec.http[0].route[1].destination.subset', 20, 9],
    // missing fields fall back to the nearest existing ancestor
    ['spec.http[0].route[1].destination.port.number', 18, 7],
    ['spec.http[0].timeout', 13, 5],
    ['spec.http[3].route', 12, 3],
    ['spec.tcp[0]', 9, 1],
    ['status', 2, 1],
    // a malformed path points at the document
    ['spec..http', 2, 1],
  ])('locates %s at %i:%i', (path, line, column) => {
    const [doc] = parseDocuments(VS, 'vs.yaml');
    expect(doc?.locate(path)).toEqual({ file: 'vs.yaml', line, column });
  });

  it('splits multi-document files, skipping empty and comment-only documents', () => {
    const text = ['---', '# nothing here', '---', 'kind: A', '---', '', '---', '~', '---', 'kind: B', '...', '---', '# a commented-out doc', '# kind: C', '---', 'kind: D', ''].join('\n');
    const docs = parseDocuments(text, 'multi.yaml');
    expect(docs.map((d) => (d.value as { kind: string }).kind)).toEqual(['A', 'B', 'D']);
    expect(docs.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(docs.map((d) => d.position.line)).toEqual([4, 10, 16]);
  });

  it('keeps the syntax errors of each document to itself', () => {
    const text = ['kind: A', 'spec: [1, 2', '---', 'kind: B', 'spec: {}', '---', 'kind: C', 'kind: D', '---', 'kind: E', '  bad: indent', ''].join('\n');
    const docs = parseDocuments(text, 'broken.yaml');
    expect(docs).toHaveLength(4);
    const [a, b, c, e] = docs;
    expect(a?.syntaxErrors.length).toBeGreaterThan(0);
    expect(a?.value).toBeUndefined();
    expect(a?.syntaxErrors[0]?.position.file).toBe('broken.yaml');
    expect(b?.syntaxErrors).toEqual([]);
    expect(b?.value).toEqual({ kind: 'B', spec: {} });
    // duplicate keys are errors, as with kubectl's strict decoding
    expect(c?.syntaxErrors).toEqual([{ message: 'Map keys must be unique', position: { file: 'broken.yaml', line: 8, column: 1 } }]);
    expect(e?.syntaxErrors.length).toBeGreaterThan(0);
    expect(e?.syntaxErrors[0]?.position.line).toBeGreaterThanOrEqual(10);
  });

  it('strips the position suffix from syntax messages (positions are separate)', () => {
    const [doc] = parseDocuments('a: [1, 2\n', 'x.yaml');
    for (const e of doc?.syntaxErrors ?? []) expect(e.message).not.toMatch(/at line \d+/);
  });

  it.each([
    ['on', true],
    ['yes', true],
    ['Y', true],
    ['off', false],
    ['no', false],
    ['"on"', 'on'],
    ['true', true],
    ['0755', 493],
    ['0o17', 15],
    ['10', 10],
    ['1.5', 1.5],
    ['0x1F', 31],
    ['"0755"', '0755'],
  ])('reads the scalar %s as go-yaml v2 (kubectl) does: %j', (source, expected) => {
    const [doc] = parseDocuments(`v: ${source}\n`, 'x.yaml');
    expect(doc?.value).toEqual({ v: expected });
  });

  it.each([
    ['[1.2.3.4, 2001:db8::]', ['1.2.3.4', '2001:db8::']],
    ['[x::, z]', ['x::', 'z']],
    ['[k:]', ['k:']],
    ['[k: v]', [{ k: 'v' }]],
    ['[k: ]', [{ k: null }]],
    ['[{k: }]', [{ k: null }]],
  ])('reads colons in the flow list %s as go-yaml does', (source, expected) => {
    const [doc] = parseDocuments(`v: ${source}\n`, 'x.yaml');
    expect(doc?.value).toEqual({ v: expected });
  });

  it('reads JSON documents too', () => {
    const [doc] = parseDocuments('{"apiVersion": "v1", "kind": "X", "spec": {"a": [1, {"b": 2}]}}', 'x.json');
    expect(doc?.value).toEqual({ apiVersion: 'v1', kind: 'X', spec: { a: [1, { b: 2 }] } });
    expect(doc?.locate('spec.a[1].b')).toEqual({ file: 'x.json', line: 1, column: 54 });
  });

  it('expands merge keys and locates merged fields at their anchor', () => {
    const text = ['base: &b', '  port: 80', 'svc:', '  <<: *b', '  name: x', ''].join('\n');
    const [doc] = parseDocuments(text, 'm.yaml');
    expect(doc?.value).toEqual({ base: { port: 80 }, svc: { port: 80, name: 'x' } });
    expect(doc?.locate('svc.port')).toEqual({ file: 'm.yaml', line: 2, column: 3 });
    expect(doc?.locate('svc.name')).toEqual({ file: 'm.yaml', line: 5, column: 3 });
  });

  it('rejects alias bombs instead of expanding them', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 12; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const [doc] = parseDocuments(lines.join('\n'), 'bomb.yaml');
    expect(doc?.value).toBeUndefined();
    expect(doc?.syntaxErrors.length).toBe(1);
  });

  it.each([
    ['a: &x [*x]', 'x', 1, 8],
    ['spec:\n  hosts: &h\n    more: *h\n', 'h', 3, 11],
  ])('refuses an alias inside its own anchor, as go-yaml does: %j', (text, anchor, line, column) => {
    const [doc] = parseDocuments(text, 'r.yaml');
    expect(doc?.value).toBeUndefined();
    expect(doc?.syntaxErrors).toEqual([{ message: `anchor "${anchor}" value contains itself`, position: { file: 'r.yaml', line, column } }]);
  });

  it('accepts an alias used twice (shared, not circular)', () => {
    const [doc] = parseDocuments('a: &x {p: 1}\nb: *x\nc: [*x, *x]\n', 's.yaml');
    expect(doc?.syntaxErrors).toEqual([]);
    expect(doc?.value).toEqual({ a: { p: 1 }, b: { p: 1 }, c: [{ p: 1 }, { p: 1 }] });
  });

  it('flattens kind: List into one document per item, locating inside items', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: networking.istio.io/v1',
      '  kind: Gateway',
      '  metadata:',
      '    name: gw',
      '- apiVersion: networking.istio.io/v1',
      '  kind: VirtualService',
      '  metadata:',
      '    name: vs',
      '---',
      'kind: After',
      '',
    ].join('\n');
    const docs = parseDocuments(text, 'list.yaml');
    expect(docs.map((d) => [d.index, d.item, (d.value as { kind: string }).kind])).toEqual([
      [0, 0, 'Gateway'],
      [0, 1, 'VirtualService'],
      [1, undefined, 'After'],
    ]);
    expect(docs[1]?.position).toEqual({ file: 'list.yaml', line: 8, column: 3 });
    expect(docs[1]?.locate('metadata.name')).toEqual({ file: 'list.yaml', line: 11, column: 5 });
    expect(docs[1]?.locate('spec.hosts')).toEqual({ file: 'list.yaml', line: 8, column: 3 });
    expect(docs[0]?.list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(docs[1]?.list).toBe(docs[0]?.list);
    expect(docs[2]?.list).toBeUndefined();
  });

  it('keeps a non-mapping document as a value (the report says what is wrong)', () => {
    const docs = parseDocuments('- a\n- b\n---\njust text\n', 's.yaml');
    expect(docs.map((d) => d.value)).toEqual([['a', 'b'], 'just text']);
  });

  it('reports unresolved tags as warnings, keeping the value', () => {
    const [doc] = parseDocuments('a: !custom 1\n', 't.yaml');
    expect(doc?.syntaxErrors).toEqual([]);
    expect(doc?.syntaxWarnings.length).toBe(1);
    expect(doc?.value).toEqual({ a: '1' });
  });
});

describe('parseDocuments on pathological input', () => {
  it('reports nesting too deep to read as a syntax error, not the engine message', () => {
    const deep = `a: ${'['.repeat(5000)}${']'.repeat(5000)}`;
    const [doc] = parseDocuments(deep, 'deep.yaml');
    expect(new Set(doc?.syntaxErrors.map((e) => e.message))).toEqual(new Set(['document nesting is too deep to read']));
  });
});
