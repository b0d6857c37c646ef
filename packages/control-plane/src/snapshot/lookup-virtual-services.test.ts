import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { resolveGatewayName, virtualServicesFor, virtualServicesForHost } from './lookup-virtual-services.js';
import { DEFAULT_MESH_CONFIG } from './mesh-config.js';
import { buildMeshSnapshot } from './mesh-snapshot.js';
import { createProxyView } from './proxy-view.js';

function entry(kind: string, name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry {
  return { ref: { kind, namespace, name }, apiVersion: 'networking.istio.io/v1', resource: { kind, metadata: { name, namespace }, spec }, origin: { source: 'memory' } };
}
const vs = (name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry => entry('VirtualService', name, namespace, spec);
const snapshotOf = (cfg: ConfigEntry[]) => buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, cfg, buildServiceEntryRegistry(cfg));
const proxy = (namespace: string, type = 'sidecar') => createProxyView(`${type}~127.0.0.9~w.${namespace}~${namespace}.svc.cluster.local`, { NAMESPACE: namespace });
const names = (list: readonly { item: { namespace: string; name: string } }[]) => list.map((v) => `${v.item.namespace}/${v.item.name}`);

describe('resolveGatewayName', () => {
  it.each([
    ['mesh', 'default', 'mesh'],
    ['bookinfo-gateway', 'default', 'default/bookinfo-gateway'],
    ['istio-system/ingress', 'default', 'istio-system/ingress'],
    ['ingress.istio-system.svc.cluster.local', 'default', 'istio-system/ingress'],
  ])('%s in %s → %s', (gw, ns, want) => expect(resolveGatewayName(gw, ns)).toBe(want));
});

describe('virtualServicesFor', () => {
  const base = [
    vs('z-reviews', 'default', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] }),
    vs('a-ratings', 'default', { hosts: ['ratings.default.svc.cluster.local'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'ratings' } }] }] }),
    vs('gw-only', 'default', { hosts: ['*'], gateways: ['bookinfo-gateway'], http: [{ route: [{ destination: { host: 'productpage' } }] }] }),
    vs('both', 'prod', { hosts: ['details'], gateways: ['mesh', 'istio-system/ingress'], http: [{ route: [{ destination: { host: 'details' } }] }] }),
    vs('external', 'prod', { hosts: ['*.example.com'], exportTo: ['default'], tls: [] }),
  ];
  it.each([
    ['sidecar in default sees mesh VSs exported to it, in creation order', proxy('default'), 'mesh', ['default/z-reviews', 'default/a-ratings', 'prod/both', 'prod/external']],
    ['sidecar in prod does not see a private VS of default', proxy('prod'), 'mesh', ['default/z-reviews', 'prod/both']],
    ['a gateway gets VSs bound to it by short name', proxy('default', 'router'), 'default/bookinfo-gateway', ['default/gw-only']],
    ['a gateway gets VSs bound to it by namespace/name', proxy('istio-system', 'router'), 'istio-system/ingress', ['prod/both']],
  ])('%s', (_t, p, gw, want) => {
    expect(names(virtualServicesFor(snapshotOf(base), p, gw))).toEqual(want);
  });

  it('resolves short hosts relative to the VirtualService namespace', () => {
    const got = virtualServicesFor(snapshotOf(base), proxy('default'));
    expect(got.map((v) => v.hosts[0])).toEqual(['reviews.default.svc.cluster.local', 'ratings.default.svc.cluster.local', 'details.prod.svc.cluster.local', '*.example.com']);
    expect(got[2]?.gateways).toEqual(['mesh', 'istio-system/ingress']);
  });

  it.each([
    ['./*', ['default/z-reviews', 'default/a-ratings']],
    ['prod/*', ['prod/both', 'prod/external']],
    ['*/api.example.com', ['prod/external']],
    ['prod/details.prod.svc.cluster.local', ['prod/both']],
  ])('Sidecar egress %s selects %j', (host, want) => {
    const cfg = [...base, entry('Sidecar', 's', 'default', { egress: [{ hosts: [host] }] })];
    expect(names(virtualServicesFor(snapshotOf(cfg), proxy('default')))).toEqual(want);
  });

  it('virtualServicesForHost matches exact and wildcard hosts', () => {
    const all = virtualServicesFor(snapshotOf(base), proxy('default'));
    expect(names(virtualServicesForHost(all, 'api.example.com'))).toEqual(['prod/external']);
    expect(names(virtualServicesForHost(all, 'reviews.default.svc.cluster.local'))).toEqual(['default/z-reviews']);
  });
});

describe('delegate VirtualServices', () => {
  const root = vs('root', 'default', {
    hosts: ['reviews'],
    http: [
      { name: 'r', match: [{ uri: { prefix: '/api' } }], timeout: '5s', delegate: { name: 'leaf', namespace: 'team' } },
      { name: 'other', delegate: { name: 'missing' } },
      { name: 'fallback', route: [{ destination: { host: 'reviews' } }] },
    ],
  });
  it('replaces the delegating route with the merged delegate routes', () => {
    const leaf = vs('leaf', 'team', {
      http: [
        { name: 'v2', match: [{ uri: { prefix: '/api/v2' }, headers: { end: { exact: 'x' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
        { name: 'conflict', match: [{ uri: { prefix: '/other' } }], route: [{ destination: { host: 'reviews' } }] },
        { timeout: '1s', route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      ],
    });
    const [got, ...rest] = virtualServicesFor(snapshotOf([root, leaf]), proxy('default'));
    expect(rest).toEqual([]);
    expect(got?.item.name).toBe('root');
    expect(got?.spec.http).toEqual([
      { name: 'r-v2', match: [{ uri: { prefix: '/api/v2' }, headers: { end: { exact: 'x' } } }], timeout: '5s', route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
      { name: 'r', match: [{ uri: { prefix: '/api' } }], timeout: '1s', route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      { name: 'fallback', route: [{ destination: { host: 'reviews' } }] },
    ]);
  });
  it('drops the route when the delegate is not exported to the root namespace', () => {
    const leaf = vs('leaf', 'team', { exportTo: ['.'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
    expect(virtualServicesFor(snapshotOf([root, leaf]), proxy('default'))[0]?.spec.http?.map((r) => r.name)).toEqual(['fallback']);
  });
});
