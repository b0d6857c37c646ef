import { describe, expect, it } from 'vitest';
import { validateLabelKey, validateLabels, validateLabelValue, validateSelectorLabels } from './labels.js';

describe('labels (Istio labels.Instance.Validate)', () => {
  it.each([
    ['app', undefined],
    ['app.kubernetes.io/name', undefined],
    ['a_b.c-d', undefined],
    ['', 'invalid tag key: ""'],
    ['-app', 'invalid tag key: "-app"'],
    ['a/b/c', 'invalid tag key: "a/b/c"'],
    [`${'a'.repeat(64)}`, 'invalid tag key: "' + 'a'.repeat(64) + '" (name is too long)'],
  ])('key %j', (k, want) => expect(validateLabelKey(k)).toBe(want));

  it.each([
    ['', undefined],
    ['v1', undefined],
    ['v 1', 'invalid tag value: "v 1"'],
    ['*', 'invalid tag value: "*"'],
  ])('value %j', (v, want) => expect(validateLabelValue(v)).toBe(want));

  it('reports problems under the label key', () => {
    expect(validateLabels({ 'bad key': 'ok', good: 'bad value' }).map((f) => [f.key, f.at])).toEqual([
      ['bad key', ['bad key']],
      ['good', ['good']],
    ]);
  });
});

describe('validateSelectorLabels (Istio validateWorkloadSelector)', () => {
  it('rejects wildcards and empty keys, warns on an empty selector', () => {
    expect(validateSelectorLabels({ app: 'a*' }).map((f) => f.severity)).toEqual(['error']);
    expect(validateSelectorLabels({ '': 'x' })[0]?.message).toBe('empty key is not supported in selector: "=x"');
    expect(validateSelectorLabels(undefined)).toEqual([expect.objectContaining({ severity: 'warning', message: 'workload selector specified without labels' })]);
    expect(validateSelectorLabels({ app: 'reviews' })).toEqual([]);
  });
});
