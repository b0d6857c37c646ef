// WasmPlugin semantic rules, table-driven from Istio's TestValidateWasmPlugin and the CRD test data.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'extensions.istio.io', version: 'v1alpha1', kind: 'WasmPlugin' };

function run(spec: unknown) {
  return validateSemantic(GVK, { apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'foo', namespace: 'bar' }, spec });
}

const SHA = '01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b';
const gatewayRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'foo' };
const env = (...vars: unknown[]) => ({ url: 'test.com/test', vmConfig: { env: vars } });

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  ['empty', {}, 'spec.url', 'url field needs to be set', false],
  ['ftp url', { url: 'ftp://test.com/test' }, 'spec.url', 'url contains unsupported scheme: ftp', false],
  ['unknown scheme', { url: 'fake://example.com' }, 'spec.url', 'unsupported scheme: fake', false],
  ['url that does not parse', { url: '#%blah$#@' }, 'spec.url', 'failed to parse url', false],
  ['http url', { url: 'http://test.com/test' }, null, '', false],
  ['http url with a sha', { url: 'http://test.com/test', sha256: SHA }, null, '', false],
  ['oci url', { url: 'oci://test.com/test' }, null, '', false],
  ['oci url without a scheme', { url: 'test.com/test' }, null, '', false],
  ['bare name', { url: 'test' }, null, '', false],
  ['file url', { url: 'file:///opt/filters/openid.wasm' }, null, '', false],
  ['absolute path', { url: '/opt/filters/openid.wasm' }, null, '', false],
  ['short sha', { url: 'http://test.com/test', sha256: '01ba47' }, 'spec.sha256', 'sha256 field must be 64 characters long', false],
  ['upper-case sha', { url: 'http://test.com/test', sha256: SHA.replace('b', 'B') }, 'spec.sha256', 'must match [a-f0-9]{64} pattern', false],
  ['long image pull secret', { url: 'http://t', imagePullSecret: 'x'.repeat(254) }, 'spec.imagePullSecret', 'less than 253 characters', false],
  ['long plugin name', { url: 'http://t', pluginName: 'x'.repeat(257) }, 'spec.pluginName', 'less than 255 characters', false],
  ['env without a name', env({ name: '', valueFrom: 'HOST' }), 'spec.vmConfig.env[0].name', 'spec.vmConfig.env invalid', false],
  ['duplicate env', env({ name: 'ENV1', value: 'VAL1' }, { name: 'ENV1', value: 'VAL1' }), 'spec.vmConfig.env[1].name', 'duplicate env', false],
  ['HOST env with a value', env({ name: 'test', valueFrom: 'HOST', value: 'value' }), 'spec.vmConfig.env[0].value', 'value may only be set when valueFrom is INLINE', false],
  ['valid env', env({ name: 'test', valueFrom: 'HOST' }, { name: 'test2', valueFrom: 'INLINE', value: 'test' }, { name: 'test3', value: 'test' }), null, '', false],
  ['match port unset', { url: 'http://t', match: [{ ports: [{}] }] }, 'spec.match[0].ports[0].number', 'out of range: 0', false],
  ['match port too high', { url: 'http://t', match: [{ mode: 'SERVER', ports: [{ number: 70000 }] }] }, 'spec.match[0].ports[0].number', 'out of range', false],
  ['null match', { url: 'http://t', match: [null] }, 'spec.match[0]', 'is nil', false],
  ['match port', { url: 'http://t', match: [{ mode: 'CLIENT', ports: [{ number: 8080 }] }] }, null, '', false],
  ['targetRef to a Service', { url: 'http://t', targetRef: { group: '', kind: 'Service', name: 'foo' } }, null, '', false],
  ['targetRef in another namespace', { url: 'http://t', targetRef: { ...gatewayRef, namespace: 'bar' } }, 'spec.targetRef.namespace', 'targetRef namespace must not be set', false],
  ['targetRef and selector', { url: 'http://t', targetRef: gatewayRef, selector: { matchLabels: { app: 'httpbin' } } }, 'spec', 'only one of targetRefs or workloadSelector', false],
  ['selector value with a wildcard', { url: 'http://t', selector: { matchLabels: { istio: 'bar*' } } }, 'spec.selector.matchLabels.istio', 'wildcard', false],
];

describe('WasmPlugin semantic rules', () => {
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
