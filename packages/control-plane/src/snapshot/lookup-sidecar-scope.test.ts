import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { sidecarScopeFor, isVisible, sidecarFor } from './lookup-sidecar-scope.js';
import { DEFAULT_MESH_CONFIG } from './mesh-config.js';
import { buildMeshSnapshot } from './mesh-snapshot.js';
import { createProxyView } from './proxy-view.js';

function entry(kind: string, name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry {
  return { ref: { kind, namespace, name }, apiVersion: 'networking.istio.io/v1', resource: { kind, metadata: { name, namespace }, spec }, origin: { source: 'memory' } };
}
const se = (name: string, namespace: string, host: string, extra: Record<string, unknown> = {}): ConfigEntry =>
  entry('ServiceEntry', name, namespace, { hosts: [host], ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', endpoints: [{ address: '127.0.0.1' }], ...extra });
const sidecar = (name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry => entry('Sidecar', name, namespace, spec);
const proxy = (namespace: string, labels: Record<string, string> = {}, type = 'sidecar') =>
  createProxyView(`${type}~127.0.0.9~w.${namespace}~${namespace}.svc.cluster.local`, { NAMESPACE: namespace, LABELS: labels });

const services: ConfigEntry[] = [
  se('reviews', 'default', 'reviews.default.svc.cluster.local'),
  se('ratings', 'default', 'ratings.default.svc.cluster.local'),
  se('details', 'prod', 'details.prod.svc.cluster.local'),
  se('secret', 'prod', 'secret.prod.svc.cluster.local', { exportTo: ['.'] }),
  se('shared', 'prod', 'shared.prod.svc.cluster.local', { exportTo: ['default'] }),
  se('hidden', 'prod', 'hidden.prod.svc.cluster.local', { exportTo: ['~'] }),
  se('api', 'istio-system', 'api.example.com', { location: 'MESH_EXTERNAL' }),
  se('wild', 'istio-system', '*.wild.example.com', { resolution: 'NONE', endpoints: [] }),
];
const snapshotOf = (extra: ConfigEntry[]) => {
  const all = [...services, ...extra];
  return buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, all, buildServiceEntryRegistry(all));
};
const hosts = (s: { services: readonly { hostname: string }[] }) => s.services.map((x) => x.hostname);

describe('isVisible (exportTo)', () => {
  it.each([
    [undefined, 'a', 'b', true],
    [[], 'a', 'b', true],
    [['*'], 'a', 'b', true],
    [['.'], 'a', 'a', true],
    [['.'], 'a', 'b', false],
    [['b'], 'a', 'b', true],
    [['c'], 'a', 'b', false],
    [['~'], 'a', 'a', false],
  ])('exportTo %j from %s seen by %s: %s', (exportTo, owner, viewer, want) => {
    expect(isVisible(exportTo, owner, viewer, ['*'])).toBe(want);
  });
  it('falls back to the mesh default when exportTo is empty', () => {
    expect(isVisible(undefined, 'a', 'b', ['.'])).toBe(false);
    expect(isVisible(undefined, 'a', 'a', ['.'])).toBe(true);
  });
});

describe('sidecarFor', () => {
  const cfg = [
    sidecar('ns-wide', 'default', { egress: [{ hosts: ['./*'] }] }),
    sidecar('for-reviews', 'default', { workloadSelector: { labels: { app: 'reviews' } }, egress: [{ hosts: ['prod/*'] }] }),
    sidecar('root', 'istio-system', { egress: [{ hosts: ['istio-system/*'] }] }),
    sidecar('root-selected', 'istio-system', { workloadSelector: { labels: { app: 'x' } }, egress: [{ hosts: ['*/*'] }] }),
  ];
  it.each([
    ['a selector match in the proxy namespace wins', 'default', { app: 'reviews' }, 'for-reviews'],
    ['else the namespace-wide Sidecar', 'default', { app: 'ratings' }, 'ns-wide'],
    ['else the root namespace one without selector', 'prod', { app: 'x' }, 'root'],
  ])('%s', (_t, ns, labels, want) => {
    expect(sidecarFor(snapshotOf(cfg), proxy(ns, labels))?.name).toBe(want);
  });
  it('gives gateways no Sidecar', () => {
    expect(sidecarFor(snapshotOf(cfg), proxy('default', {}, 'router'))).toBeUndefined();
  });
  it('prefers the oldest of two namespace-wide Sidecars', () => {
    const snap = snapshotOf([sidecar('b-first', 'default', { egress: [{ hosts: ['./*'] }] }), sidecar('a-second', 'default', { egress: [{ hosts: ['*/*'] }] })]);
    expect(sidecarFor(snap, proxy('default'))?.name).toBe('b-first');
  });
});

describe('sidecarScopeFor', () => {
  it.each([
    [
      'no Sidecar: everything exported to the namespace',
      [],
      'default',
      ['*.wild.example.com', 'api.example.com', 'details.prod.svc.cluster.local', 'ratings.default.svc.cluster.local', 'reviews.default.svc.cluster.local', 'shared.prod.svc.cluster.local'],
    ],
    [
      'no Sidecar, in prod: its private services too, not those exported elsewhere',
      [],
      'prod',
      ['*.wild.example.com', 'api.example.com', 'details.prod.svc.cluster.local', 'ratings.default.svc.cluster.local', 'reviews.default.svc.cluster.local', 'secret.prod.svc.cluster.local'],
    ],
    ['./* is the proxy namespace only', [sidecar('s', 'default', { egress: [{ hosts: ['./*'] }] })], 'default', ['ratings.default.svc.cluster.local', 'reviews.default.svc.cluster.local']],
    [
      'ns/* still honours exportTo',
      [sidecar('s', 'default', { egress: [{ hosts: ['prod/*'] }] })],
      'default',
      ['details.prod.svc.cluster.local', 'shared.prod.svc.cluster.local'],
    ],
    ['an exact host in a namespace', [sidecar('s', 'default', { egress: [{ hosts: ['prod/details.prod.svc.cluster.local'] }] })], 'default', ['details.prod.svc.cluster.local']],
    ['the wrong namespace for a host imports nothing', [sidecar('s', 'default', { egress: [{ hosts: ['default/details.prod.svc.cluster.local'] }] })], 'default', []],
    ['*/ with a wildcard host', [sidecar('s', 'default', { egress: [{ hosts: ['*/*.example.com'] }] })], 'default', ['*.wild.example.com', 'api.example.com']],
    ['a name under a wildcard service imports it', [sidecar('s', 'default', { egress: [{ hosts: ['*/a.wild.example.com'] }] })], 'default', ['*.wild.example.com']],
    ['~/* imports nothing', [sidecar('s', 'default', { egress: [{ hosts: ['~/*'] }] })], 'default', []],
    [
      'several listeners are unioned',
      [sidecar('s', 'default', { egress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, hosts: ['./reviews.default.svc.cluster.local'] }, { hosts: ['istio-system/*'] }] })],
      'default',
      ['*.wild.example.com', 'api.example.com', 'reviews.default.svc.cluster.local'],
    ],
    [
      'a root namespace Sidecar reads . as the proxy namespace',
      [sidecar('root', 'istio-system', { egress: [{ hosts: ['./*'] }] })],
      'prod',
      ['details.prod.svc.cluster.local', 'secret.prod.svc.cluster.local'],
    ],
    [
      'destinations of imported VirtualServices are added',
      [
        sidecar('s', 'default', { egress: [{ hosts: ['./reviews.default.svc.cluster.local'] }] }),
        entry('VirtualService', 'reviews', 'default', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }),
      ],
      'default',
      ['ratings.default.svc.cluster.local', 'reviews.default.svc.cluster.local'],
    ],
  ])('%s', (_t, cfg, ns, want) => {
    expect(hosts(sidecarScopeFor(snapshotOf(cfg), proxy(ns)))).toEqual(want);
  });

  it('reports per-listener services and the outbound policy', () => {
    const snap = snapshotOf([
      sidecar('s', 'default', {
        outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
        egress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, hosts: ['./*'] }, { hosts: ['istio-system/api.example.com'] }],
      }),
    ]);
    const scope = sidecarScopeFor(snap, proxy('default'));
    expect(scope.sidecar?.name).toBe('s');
    expect(scope.outboundTrafficPolicy).toBe('REGISTRY_ONLY');
    expect(scope.egressListeners.map((l) => [l.listener.port?.number, hosts(l)])).toEqual([
      [9080, ['ratings.default.svc.cluster.local', 'reviews.default.svc.cluster.local']],
      [undefined, ['api.example.com']],
    ]);
    expect(sidecarScopeFor(snapshotOf([]), proxy('default')).outboundTrafficPolicy).toBe('ALLOW_ANY');
  });

  it('ignores Sidecars for gateways', () => {
    const scope = sidecarScopeFor(snapshotOf([sidecar('s', 'default', { egress: [{ hosts: ['~/*'] }] })]), proxy('default', {}, 'router'));
    expect(scope.sidecar).toBeUndefined();
    expect(scope.services.length).toBe(6);
  });

  it('prefers the proxy namespace when a host is defined twice', () => {
    const snap = snapshotOf([se('dup', 'prod', 'reviews.default.svc.cluster.local')]);
    expect(sidecarScopeFor(snap, proxy('prod')).services.find((s) => s.hostname === 'reviews.default.svc.cluster.local')?.namespace).toBe('prod');
    expect(sidecarScopeFor(snap, proxy('default')).services.find((s) => s.hostname === 'reviews.default.svc.cluster.local')?.namespace).toBe('default');
  });
});
