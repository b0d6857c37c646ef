import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { destinationRuleFor, subsetOf } from './lookup-destination-rule.js';
import { DEFAULT_MESH_CONFIG } from './mesh-config.js';
import { buildMeshSnapshot } from './mesh-snapshot.js';
import { createProxyView } from './proxy-view.js';

function dr(name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry {
  return { ref: { kind: 'DestinationRule', namespace, name }, apiVersion: 'networking.istio.io/v1', resource: { kind: 'DestinationRule', metadata: { name, namespace }, spec }, origin: { source: 'memory' } };
}
const snapshotOf = (cfg: ConfigEntry[]) => buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, cfg, buildServiceEntryRegistry(cfg));
const proxy = (namespace: string, labels: Record<string, string> = {}) => createProxyView(`sidecar~127.0.0.9~w.${namespace}~${namespace}.svc.cluster.local`, { NAMESPACE: namespace, LABELS: labels });
const REVIEWS = 'reviews.default.svc.cluster.local';

describe('destinationRuleFor', () => {
  const rules = [
    dr('in-client-ns', 'client', { host: REVIEWS, exportTo: ['.'] }),
    dr('in-svc-ns', 'default', { host: 'reviews' }),
    dr('svc-ns-private', 'default', { host: 'ratings', exportTo: ['.'] }),
    dr('root', 'istio-system', { host: '*.svc.cluster.local' }),
    dr('root-private', 'istio-system', { host: 'details.default.svc.cluster.local', exportTo: ['.'] }),
    dr('wild-short', 'other', { host: '*.default.svc.cluster.local' }),
    dr('wild-long', 'other', { host: '*.svc.cluster.local' }),
    dr('selector', 'client', { host: REVIEWS, workloadSelector: { matchLabels: { app: 'canary' } } }),
    dr('foreign-selector', 'default', { host: 'productpage', workloadSelector: { matchLabels: { app: 'pp' } } }),
  ];
  it.each([
    ['the proxy namespace first, even when private', 'client', {}, REVIEWS, 'default', 'in-client-ns'],
    ['then the service namespace', 'elsewhere', {}, REVIEWS, 'default', 'in-svc-ns'],
    ['a private rule in the service namespace is skipped', 'elsewhere', {}, 'ratings.default.svc.cluster.local', 'default', 'root'],
    ['a private rule is used by its own namespace', 'default', {}, 'ratings.default.svc.cluster.local', 'default', 'svc-ns-private'],
    ['then the root namespace (exported rules only)', 'elsewhere', {}, 'details.default.svc.cluster.local', 'default', 'root'],
    ['the longer wildcard wins', 'other', {}, 'details.default.svc.cluster.local', 'default', 'wild-short'],
    ['a matching workloadSelector beats the plain rule', 'client', { app: 'canary' }, REVIEWS, 'default', 'selector'],
    ['selector rules of another namespace never apply', 'elsewhere', { app: 'pp' }, 'productpage.default.svc.cluster.local', 'default', 'root'],
    ['without the service namespace, skip that step', 'elsewhere', {}, REVIEWS, undefined, 'root'],
    ['nothing matches an unrelated host', 'elsewhere', {}, 'api.example.com', undefined, undefined],
  ])('%s', (_t, ns, labels, host, svcNs, want) => {
    expect(destinationRuleFor(snapshotOf(rules), proxy(ns, labels), host, svcNs)?.item.name).toBe(want);
  });

  it('looks in the service namespace first for proxies in the root namespace', () => {
    const snap = snapshotOf([dr('root-own', 'istio-system', { host: REVIEWS }), dr('svc', 'default', { host: REVIEWS, exportTo: ['.'] })]);
    expect(destinationRuleFor(snap, proxy('istio-system'), REVIEWS, 'default')?.item.name).toBe('svc');
    expect(destinationRuleFor(snap, proxy('client'), REVIEWS, 'default')?.item.name).toBe('root-own');
  });

  it('resolves short hosts against the rule namespace', () => {
    const snap = snapshotOf([dr('short', 'client', { host: 'reviews' })]);
    expect(destinationRuleFor(snap, proxy('client'), 'reviews.client.svc.cluster.local')?.host).toBe('reviews.client.svc.cluster.local');
    expect(destinationRuleFor(snap, proxy('client'), REVIEWS)).toBeUndefined();
  });

  it('merges rules for one host in one namespace: subsets add up, the oldest policy wins', () => {
    const snap = snapshotOf([
      dr('b-old', 'default', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }),
      dr('a-new', 'default', {
        host: 'reviews',
        trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
        subsets: [{ name: 'v1', labels: { version: 'other' } }, { name: 'v2', labels: { version: 'v2' } }],
      }),
    ]);
    const got = destinationRuleFor(snap, proxy('default'), REVIEWS, 'default');
    expect(got?.item.name).toBe('b-old');
    expect(got?.merged.map((m) => m.name)).toEqual(['b-old', 'a-new']);
    expect(got?.spec.subsets?.map((s) => [s.name, s.labels?.version])).toEqual([
      ['v1', 'v1'],
      ['v2', 'v2'],
    ]);
    expect(got?.spec.trafficPolicy?.loadBalancer?.simple).toBe('RANDOM');
    expect(subsetOf(got, 'v2')?.labels).toEqual({ version: 'v2' });
    expect(subsetOf(got, 'v3')).toBeUndefined();
  });
});
