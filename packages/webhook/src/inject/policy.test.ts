// Istio's injection policy, rule by rule: injectRequired (what the injector decides) and
// namespaceSelects (what the API server's selectors decide before calling it), with their precedence.

import { describe, expect, it } from 'vitest';
import type { ObjectMeta, PodSpec } from './kube-types.js';
import { injectRequired, namespaceSelects, selectorMatches, type PolicyConfig } from './policy.js';

const meta = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}, namespace = 'default'): ObjectMeta => ({ namespace, labels, annotations });
const spec: PodSpec = { containers: [{ name: 'app' }] };
const enabled: PolicyConfig = { policy: 'enabled' };
const disabled: PolicyConfig = { policy: 'disabled' };

describe('injectRequired', () => {
  it.each<[string, PodSpec, ObjectMeta, PolicyConfig, boolean]>([
    ['policy enabled, nothing said', spec, meta(), enabled, true],
    ['policy disabled, nothing said', spec, meta(), disabled, false],
    ['host network wins over everything', { ...spec, hostNetwork: true }, meta({ 'sidecar.istio.io/inject': 'true' }), enabled, false],
    ['kube-system is never injected', spec, meta({ 'sidecar.istio.io/inject': 'true' }, {}, 'kube-system'), enabled, false],
    ['kube-public', spec, meta({}, {}, 'kube-public'), enabled, false],
    ['kube-node-lease', spec, meta({}, {}, 'kube-node-lease'), enabled, false],
    ['local-path-storage', spec, meta({}, {}, 'local-path-storage'), enabled, false],
    ['istio-system is injected like any namespace (as Istio; gateways live there)', spec, meta({}, {}, 'istio-system'), enabled, true],
    ['extra ignored namespaces', spec, meta({}, {}, 'weft-system'), { policy: 'enabled', ignoredNamespaces: ['weft-system'] }, false],
    ['annotation false, policy enabled', spec, meta({}, { 'sidecar.istio.io/inject': 'false' }), enabled, false],
    ['annotation true, policy disabled', spec, meta({}, { 'sidecar.istio.io/inject': 'true' }), disabled, true],
    ['label true, policy disabled', spec, meta({ 'sidecar.istio.io/inject': 'true' }), disabled, true],
    ['label false, policy enabled', spec, meta({ 'sidecar.istio.io/inject': 'false' }), enabled, false],
    ['the label wins over the annotation (label false)', spec, meta({ 'sidecar.istio.io/inject': 'false' }, { 'sidecar.istio.io/inject': 'true' }), enabled, false],
    ['the label wins over the annotation (label true)', spec, meta({ 'sidecar.istio.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false' }), disabled, true],
    ['YAML 1.1 yes spellings: Yes', spec, meta({}, { 'sidecar.istio.io/inject': 'Yes' }), disabled, true],
    ['YAML 1.1 yes spellings: on', spec, meta({}, { 'sidecar.istio.io/inject': 'on' }), disabled, true],
    ['YAML 1.1 yes spellings: y', spec, meta({}, { 'sidecar.istio.io/inject': 'y' }), disabled, true],
    ['any other value is a no', spec, meta({}, { 'sidecar.istio.io/inject': 'maybe' }), enabled, false],
    ['an already injected pod is injected again (idempotent, as Istio)', spec, meta({}, { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' }), enabled, true],
    ['neverInjectSelector', spec, meta({ app: 'legacy' }), { policy: 'enabled', neverInjectSelector: [{ matchLabels: { app: 'legacy' } }] }, false],
    ['alwaysInjectSelector', spec, meta({ app: 'new' }), { policy: 'disabled', alwaysInjectSelector: [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['new'] }] }] }, true],
    ['never wins over always', spec, meta({ app: 'x' }), { policy: 'enabled', neverInjectSelector: [{ matchLabels: { app: 'x' } }], alwaysInjectSelector: [{ matchLabels: { app: 'x' } }] }, false],
    ['the pod choice wins over the selectors', spec, meta({ app: 'legacy', 'sidecar.istio.io/inject': 'true' }), { policy: 'enabled', neverInjectSelector: [{ matchLabels: { app: 'legacy' } }] }, true],
    ['an empty selector matches nothing', spec, meta({ app: 'x' }), { policy: 'enabled', neverInjectSelector: [{}] }, true],
  ])('%s', (_name, s, m, config, want) => {
    const d = injectRequired(s, m, config);
    expect(d.inject).toBe(want);
    expect(d.reason).not.toBe('');
  });
});

describe('selectorMatches', () => {
  it.each<[string, Parameters<typeof selectorMatches>[0], Record<string, string>, boolean]>([
    ['matchLabels', { matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    ['matchLabels mismatch', { matchLabels: { a: '1' } }, { a: '2' }, false],
    ['In', { matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    ['NotIn with the key absent', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    ['NotIn', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    ['Exists', { matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: 'x' }, false],
  ])('%s', (_name, selector, labels, want) => expect(selectorMatches(selector, labels)).toBe(want));
});

describe("namespaceSelects (Istio's MutatingWebhookConfiguration selectors)", () => {
  it.each<[string, Record<string, string>, Record<string, string>, string, boolean]>([
    ['istio-injection=enabled', { 'istio-injection': 'enabled' }, {}, '', true],
    ['weft-injection=enabled', { 'weft-injection': 'enabled' }, {}, '', true],
    ['istio-injection=enabled, pod label inject=false', { 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' }, '', false],
    ['istio-injection=disabled beats the pod label inject=true', { 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' }, '', false],
    ['weft-injection=disabled beats the pod label', { 'weft-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' }, '', false],
    ['disabled on either label wins', { 'istio-injection': 'enabled', 'weft-injection': 'disabled' }, {}, '', false],
    ['an unknown value is not enabled', { 'istio-injection': 'yes' }, {}, '', false],
    ['the injection label beats istio.io/rev', { 'istio-injection': 'disabled', 'istio.io/rev': 'default' }, {}, '', false],
    ['namespace istio.io/rev of this revision', { 'istio.io/rev': 'canary' }, {}, 'canary', true],
    ['namespace istio.io/rev=default for the default revision', { 'istio.io/rev': 'default' }, {}, '', true],
    ['namespace istio.io/rev of another revision', { 'istio.io/rev': 'stable' }, {}, 'canary', false],
    ['namespace istio.io/rev, pod label inject=false', { 'istio.io/rev': 'default' }, { 'sidecar.istio.io/inject': 'false' }, '', false],
    ['no namespace label, nothing on the pod', {}, {}, '', false],
    ['no namespace label, pod label inject=true', {}, { 'sidecar.istio.io/inject': 'true' }, '', true],
    ['no namespace label, pod label istio.io/rev of this revision', {}, { 'istio.io/rev': 'canary' }, 'canary', true],
    ['no namespace label, pod label inject=true but another revision', {}, { 'sidecar.istio.io/inject': 'true', 'istio.io/rev': 'stable' }, 'canary', false],
  ])('%s', (_name, ns, pod, revision, want) => expect(namespaceSelects(ns, pod, revision).inject).toBe(want));
});
