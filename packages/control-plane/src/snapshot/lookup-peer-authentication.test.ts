// PeerAuthentication precedence as Istio's ComposePeerAuthentication and BestEffortInferServiceMTLSMode
// (pilot/pkg/security/authn/policy_applier.go, pilot/pkg/model/push_context.go), one table.

import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { DEFAULT_MESH_CONFIG } from './mesh-config.js';
import { buildMeshSnapshot } from './mesh-snapshot.js';
import { mtlsModeForPort, namespaceMtlsMode, peerAuthenticationFor } from './lookup-peer-authentication.js';

const pa = (name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry => ({
  ref: { kind: 'PeerAuthentication', namespace, name },
  apiVersion: 'security.istio.io/v1',
  resource: { kind: 'PeerAuthentication', metadata: { name, namespace }, spec },
  origin: { source: 'memory' },
});
const snapshotOf = (entries: readonly ConfigEntry[]) => buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, entries, { services: [], endpoints: [], workloads: [] });
const mode = (m: string) => ({ mtls: { mode: m } });
const REVIEWS = { app: 'reviews', version: 'v1' };

describe('peerAuthenticationFor', () => {
  it.each([
    ['nothing: PERMISSIVE', [], 'PERMISSIVE'],
    ['mesh-level (root namespace, no selector)', [pa('m', 'istio-system', mode('STRICT'))], 'STRICT'],
    ['namespace-level beats mesh-level', [pa('m', 'istio-system', mode('STRICT')), pa('n', 'default', mode('DISABLE'))], 'DISABLE'],
    ['workload-level beats namespace-level', [pa('n', 'default', mode('DISABLE')), pa('w', 'default', { selector: { matchLabels: { app: 'reviews' } }, ...mode('STRICT') })], 'STRICT'],
    ['UNSET inherits the level above', [pa('m', 'istio-system', mode('STRICT')), pa('n', 'default', mode('UNSET')), pa('w', 'default', { selector: { matchLabels: { app: 'reviews' } } })], 'STRICT'],
    ['an empty selector is namespace-level', [pa('n', 'default', { selector: { matchLabels: {} }, ...mode('DISABLE') })], 'DISABLE'],
    ['a selector that does not match is ignored', [pa('w', 'default', { selector: { matchLabels: { app: 'ratings' } }, ...mode('DISABLE') })], 'PERMISSIVE'],
    ['another namespace is ignored', [pa('n', 'other', mode('DISABLE'))], 'PERMISSIVE'],
    ['a selector in the root namespace is ignored', [pa('w', 'istio-system', { selector: { matchLabels: { app: 'reviews' } }, ...mode('DISABLE') })], 'PERMISSIVE'],
    ['the oldest of a level wins', [pa('b-new', 'default', mode('DISABLE')), pa('a-old', 'default', mode('STRICT'))], 'DISABLE'],
  ])('%s', (_t, entries, want) => {
    // Entries are given in creation order; the snapshot sorts by name, order keeps age.
    expect(peerAuthenticationFor(snapshotOf(entries), 'default', REVIEWS).mode).toBe(want);
  });

  it('takes port-level settings from the workload-level policy, UNSET ports inheriting its mode', () => {
    const merged = peerAuthenticationFor(snapshotOf([pa('w', 'default', { selector: { matchLabels: { app: 'reviews' } }, ...mode('STRICT'), portLevelMtls: { 8080: { mode: 'DISABLE' }, 9090: { mode: 'UNSET' } } })]), 'default', REVIEWS);
    expect([mtlsModeForPort(merged, 8080), mtlsModeForPort(merged, 9090), mtlsModeForPort(merged, 9080)]).toEqual(['DISABLE', 'STRICT', 'STRICT']);
  });

  it('a workload in the root namespace sees only the mesh-level policy', () => {
    expect(peerAuthenticationFor(snapshotOf([pa('m', 'istio-system', mode('DISABLE'))]), 'istio-system', { istio: 'ingressgateway' }).mode).toBe('DISABLE');
  });
});

describe('namespaceMtlsMode (what clients infer)', () => {
  it.each([
    ['no policy', [], 'PERMISSIVE'],
    ['mesh DISABLE', [pa('m', 'istio-system', mode('DISABLE'))], 'DISABLE'],
    ['namespace STRICT over mesh DISABLE', [pa('m', 'istio-system', mode('DISABLE')), pa('n', 'default', mode('STRICT'))], 'STRICT'],
    ['workload-level policies are not read', [pa('w', 'default', { selector: { matchLabels: { app: 'reviews' } }, ...mode('DISABLE') })], 'PERMISSIVE'],
  ])('%s', (_t, entries, want) => {
    expect(namespaceMtlsMode(snapshotOf(entries), 'default')).toBe(want);
  });
});
