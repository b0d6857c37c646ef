import { describe, expect, it } from 'vitest';
import { validateExportTo } from './export-to.js';

const msgs = (exportTo: unknown, opts: Parameters<typeof validateExportTo>[1]) => validateExportTo(exportTo, opts).map((f) => f.message);

describe('validateExportTo', () => {
  it.each([
    [['.'], []],
    [['*'], []],
    [['ns1', 'ns2'], []],
    [['ns1', 'ns1'], ['duplicate entries in exportTo for entry ns1']],
    [['a', '.'], ['duplicate entries in exportTo: . and current namespace a']],
    [['*', 'ns1'], ['cannot have both public (*) and non-public exportTo values for a resource']],
    [['~'], ['exportTo ~ (none) is not allowed for Istio configuration objects']],
    [['Bad_NS'], ['only .,*, or a valid DNS 1123 label is allowed as exportTo entry']],
  ])('%j', (exportTo, want) => expect(msgs(exportTo, { namespace: 'a' })).toEqual(want));

  it('lets a ServiceEntry export to nobody, alone', () => {
    expect(msgs(['~'], { namespace: 'a', isServiceEntry: true })).toEqual([]);
    expect(msgs(['~', 'b'], { namespace: 'a', isServiceEntry: true })).toEqual(['cannot export service entry to no one (~) and someone']);
  });

  it('keeps a selector DestinationRule in its namespace', () => {
    expect(msgs(['b'], { namespace: 'a', isDestinationRuleWithSelector: true })).toEqual(['destination rule with workload selector cannot have exportTo beyond current namespace']);
    expect(msgs(['.', 'b'], { namespace: 'a', isDestinationRuleWithSelector: true })).toEqual(['destination rule with workload selector cannot have multiple entries in exportTo']);
    expect(msgs(['.'], { namespace: 'a', isDestinationRuleWithSelector: true })).toEqual([]);
  });
});
