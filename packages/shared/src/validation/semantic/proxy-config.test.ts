// ProxyConfig semantic rules (Istio's ValidateProxyConfig) and the CRD test data cases.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'networking.istio.io', version: 'v1beta1', kind: 'ProxyConfig' };

function run(spec: unknown) {
  return validateSemantic(GVK, { apiVersion: 'networking.istio.io/v1beta1', kind: 'ProxyConfig', metadata: { name: 'foo', namespace: 'bar' }, spec });
}

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  ['empty', {}, null, '', false],
  ['full', { concurrency: 1, selector: { matchLabels: { foo: 'bar' } }, image: { imageType: 'distroless' }, environmentVariables: { foo: 'baz' } }, null, '', false],
  ['concurrency 0 (one worker per core)', { concurrency: 0 }, null, '', false],
  ['negative concurrency', { concurrency: -1 }, 'spec.concurrency', 'concurrency must be greater than or equal to 0', false],
  ['selector without labels warns', { selector: { matchLabels: {} } }, null, '', true],
  ['selector with an empty key', { selector: { matchLabels: { '': 'bar' } } }, 'spec.selector.matchLabels[""]', 'empty key is not supported in selector', false],
  ['selector with a wildcard key', { selector: { matchLabels: { 'a*': 'bar' } } }, 'spec.selector.matchLabels["a*"]', 'wildcard', false],
  ['debug image', { image: { imageType: 'debug' } }, null, '', false],
  ['default image', { image: { imageType: 'default' } }, null, '', false],
  ['unpublished image type warns', { image: { imageType: 'foo' } }, null, '', true],
];

describe('ProxyConfig semantic rules', () => {
  it.each(cases)('%s', (_name, spec, errorPath, message, warn) => {
    const { errors, warnings } = run(spec);
    if (errorPath === null) {
      expect(errors).toEqual([]);
      expect(warnings.length > 0).toBe(warn);
    } else {
      expect(errors).toContainEqual(expect.objectContaining({ path: errorPath, message: expect.stringContaining(message) }));
    }
  });
});
