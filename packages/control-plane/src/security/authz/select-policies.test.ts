// Which AuthorizationPolicies apply to a workload: namespaces, selectors, targetRefs, actions.

import { describe, expect, it } from 'vitest';
import type { AuthorizationPolicySpec } from '@weft/shared';
import { GATEWAY_NAME_LABEL, policyAppliesTo, selectAuthorizationPolicies, type AuthzPolicyItem } from './select-policies.js';

const item = (namespace: string, name: string, spec: AuthorizationPolicySpec, order = 0): AuthzPolicyItem => ({ name, namespace, annotations: {}, spec, order });
const workload = { namespace: 'foo', labels: { app: 'httpbin', version: 'v1' } };
const names = (xs: readonly AuthzPolicyItem[]): string[] => xs.map((x) => `${x.namespace}/${x.name}`);

describe('selectAuthorizationPolicies', () => {
  it('takes the root namespace first, then the workload namespace, and no other namespace', () => {
    const selected = selectAuthorizationPolicies([item('foo', 'local', {}), item('istio-system', 'mesh', {}), item('bar', 'other', {})], workload, 'istio-system');
    expect(names(selected.allow)).toEqual(['istio-system/mesh', 'foo/local']);
  });

  it('matches selectors against the workload labels (all must match; none = the whole namespace)', () => {
    const selected = selectAuthorizationPolicies(
      [item('foo', 'all', {}), item('foo', 'app', { selector: { matchLabels: { app: 'httpbin' } } }), item('foo', 'v2', { selector: { matchLabels: { app: 'httpbin', version: 'v2' } } }), item('istio-system', 'root-app', { selector: { matchLabels: { app: 'httpbin' } } })],
      workload,
      'istio-system',
    );
    expect(names(selected.allow)).toEqual(['istio-system/root-app', 'foo/all', 'foo/app']);
  });

  it('groups by action, ALLOW when absent, creation order within a namespace', () => {
    const selected = selectAuthorizationPolicies(
      [item('foo', 'b', { action: 'DENY' }, 2), item('foo', 'a', { action: 'DENY' }, 1), item('foo', 'c', { action: 'AUDIT' }), item('foo', 'd', { action: 'CUSTOM' }), item('foo', 'e', { action: 'ALLOW' })],
      workload,
      'istio-system',
    );
    expect(names(selected.deny)).toEqual(['foo/a', 'foo/b']);
    expect(names(selected.audit)).toEqual(['foo/c']);
    expect(names(selected.custom)).toEqual(['foo/d']);
    expect(names(selected.allow)).toEqual(['foo/e']);
  });

  it('a sidecar ignores policies with targetRefs', () => {
    expect(policyAppliesTo(item('foo', 'p', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }] }), workload)).toBe(false);
    expect(policyAppliesTo(item('foo', 'p', { targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' } }), workload)).toBe(false);
  });

  it('a Gateway API gateway takes policies targeting its Gateway in its namespace, and selector policies', () => {
    const gw = { namespace: 'foo', labels: { [GATEWAY_NAME_LABEL]: 'gw' } };
    const ref = { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' };
    expect(policyAppliesTo(item('foo', 'p', { targetRefs: [ref] }), gw)).toBe(true);
    expect(policyAppliesTo(item('foo', 'p', { targetRefs: [{ ...ref, name: 'other' }] }), gw)).toBe(false);
    expect(policyAppliesTo(item('bar', 'p', { targetRefs: [ref] }), gw)).toBe(false);
    expect(policyAppliesTo(item('foo', 'p', { targetRefs: [{ ...ref, namespace: 'bar' }] }), gw)).toBe(false);
    expect(policyAppliesTo(item('foo', 'p', {}), gw)).toBe(true);
  });
});
