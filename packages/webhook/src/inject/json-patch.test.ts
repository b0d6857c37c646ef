// The webhook's RFC 6902 diff: replayed by an independent applier, it must give the target exactly,
// for hand-picked pod edits and for arbitrary JSON (fast-check).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch } from './json-patch-apply.test-fixtures.js';
import { createJsonPatch, escapePointerToken } from './json-patch.js';

describe('createJsonPatch', () => {
  it('escapes / and ~ in keys (annotation names)', () => {
    expect(escapePointerToken('sidecar.istio.io/status')).toBe('sidecar.istio.io~1status');
    expect(createJsonPatch({ metadata: {} }, { metadata: { annotations: { 'a~b/c': 'x' } } })).toEqual([{ op: 'add', path: '/metadata/annotations', value: { 'a~b/c': 'x' } }]);
    expect(createJsonPatch({ a: { 'x/y': 1 } }, { a: { 'x/y': 2 } })).toEqual([{ op: 'replace', path: '/a/x~1y', value: 2 }]);
  });

  it('adds an item in front of a list without replacing the rest', () => {
    const ops = createJsonPatch({ initContainers: [{ name: 'app-init' }] }, { initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy' }, { name: 'app-init' }] });
    expect(ops).toEqual([
      { op: 'add', path: '/initContainers/0', value: { name: 'istio-init' } },
      { op: 'add', path: '/initContainers/1', value: { name: 'istio-proxy' } },
    ]);
  });

  it('gives no operation for equal documents', () => {
    expect(createJsonPatch({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
  });

  it('turns any JSON document into any other (property)', () => {
    const doc = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        expect(applyPatch(a, createJsonPatch(a, b))).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it('turns a list into an edited copy of itself (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 8 }), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 8 }), (a, b) => {
        expect(applyPatch({ l: a }, createJsonPatch({ l: a }, { l: b }))).toEqual({ l: b });
      }),
      { numRuns: 300 },
    );
  });
});
