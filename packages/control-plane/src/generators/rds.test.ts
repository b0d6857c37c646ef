import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocuments } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { TYPE_URL } from '@weft/shared/xds';
import { createConfigEntry, type ConfigEntry } from '../config/config-store.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar, virtualService } from './lds-rds.test-fixtures.js';
import { generateRoutes } from './rds.js';
import type { EnvoyResource } from './types.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
type VHost = { name: string; domains: string[]; routes: { name?: string; route?: { cluster?: string; weighted_clusters?: unknown }; direct_response?: unknown }[] };
const vhosts = (rc: EnvoyResource | undefined): VHost[] => (rc?.virtual_hosts ?? []) as VHost[];
const vhost = (rcs: EnvoyResource[], port: string, name: string): VHost | undefined => vhosts(rcs.find((r) => r.name === port)).find((v) => v.name === name);
function routesOf(cfg: readonly ConfigEntry[], proxy = sidecar(), mesh = {}): EnvoyResource[] {
  const out = generateRoutes(meshOf(cfg, mesh), proxy);
  packAll(TYPE_URL.ROUTE, out);
  return out;
}

describe('route configurations per port', () => {
  it('makes one route configuration per outbound HTTP port, named by the port; TCP ports get none', () => {
    const cfg = [
      ...BOOKINFO,
      serviceEntry('web', { ports: [{ number: 8080, name: 'http-web' }, { number: 9080, name: 'http' }] }),
      serviceEntry('db', { ports: [{ number: 3306, name: 'tcp-mysql' }], addresses: ['10.1.0.5'] }),
    ];
    expect(routesOf(cfg).map((r) => r.name)).toEqual(['8080', '9080']);
  });

  it('gives every service on the port a virtual host `<host>:<port>`, sorted, then the catch-all', () => {
    const names = vhosts(routesOf(BOOKINFO)[0]).map((v) => v.name);
    expect(names).toEqual([
      'details.default.svc.cluster.local:9080',
      'productpage.default.svc.cluster.local:9080',
      'ratings.default.svc.cluster.local:9080',
      `${REVIEWS}:9080`,
      'allow_any',
    ]);
  });

  it.each([
    ['same namespace: FQDN, short names and VIP, with and without port', 'default', ['reviews', 'reviews.default', 'reviews.default.svc'], []],
    ['another namespace: no bare name', 'prod', ['reviews.default', 'reviews.default.svc'], ['reviews', 'reviews:9080']],
  ])('domains from %s', (_l, ns, shortNames, absent) => {
    const cfg = [serviceEntry('reviews', { addresses: ['240.0.0.10'] })];
    const v = vhost(routesOf(cfg, sidecar(ns)), '9080', `${REVIEWS}:9080`);
    const want = [REVIEWS, ...shortNames, '240.0.0.10'].flatMap((h) => [h, `${h}:9080`]);
    expect([...(v?.domains ?? [])].sort()).toEqual(want.sort());
    for (const d of absent) expect(v?.domains).not.toContain(d);
  });

  it('keeps only the FQDN for hosts outside the cluster domain', () => {
    const cfg = [serviceEntry('api', { host: 'api.example.com', ports: [{ number: 80, name: 'http' }], resolution: 'DNS' })];
    expect(vhost(routesOf(cfg), '80', 'api.example.com:80')?.domains).toEqual(['api.example.com', 'api.example.com:80']);
  });
});

describe('default routes and the catch-all', () => {
  it('routes a service without VirtualService to outbound|port||host', () => {
    const v = vhost(routesOf(BOOKINFO), '9080', `${REVIEWS}:9080`);
    expect(v?.routes).toMatchObject([{ name: 'default', match: { prefix: '/' }, route: { cluster: `outbound|9080||${REVIEWS}` } }]);
  });

  it.each([
    ['mesh ALLOW_ANY → allow_any to PassthroughCluster', [], {}, { name: 'allow_any', routes: [{ route: { cluster: 'PassthroughCluster' } }] }],
    ['mesh REGISTRY_ONLY → block_all 502', [], { outboundTrafficPolicy: 'REGISTRY_ONLY' }, { name: 'block_all', routes: [{ direct_response: { status: 502 } }] }],
    [
      'Sidecar REGISTRY_ONLY overrides the mesh',
      [entry('Sidecar', 's', 'default', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } })],
      {},
      { name: 'block_all' },
    ],
    [
      'Sidecar egressProxy → its cluster',
      [entry('Sidecar', 's', 'default', { outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: 'egress.istio-system.svc.cluster.local', port: { number: 80 } } } })],
      {},
      { name: 'allow_any', routes: [{ route: { cluster: 'outbound|80||egress.istio-system.svc.cluster.local' } }] },
    ],
  ])('%s', (_l, extra, mesh, want) => {
    const last = vhosts(routesOf([...BOOKINFO, ...extra], sidecar(), mesh)[0]).at(-1);
    expect(last).toMatchObject({ domains: ['*'], ...want });
  });
});

describe('VirtualServices', () => {
  const reviewsV2ForJason = virtualService('reviews', {
    hosts: ['reviews'],
    http: [{ match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] }, { route: [{ destination: { host: 'reviews', subset: 'v1' } }] }],
  });

  it('replaces the default route with the VirtualService routes, short hosts resolved', () => {
    const v = vhost(routesOf([...BOOKINFO, reviewsV2ForJason]), '9080', `${REVIEWS}:9080`);
    expect(v?.routes.map((r) => r.route?.cluster)).toEqual([`outbound|9080|v2|${REVIEWS}`, `outbound|9080|v1|${REVIEWS}`]);
    expect(vhost(routesOf([...BOOKINFO, reviewsV2ForJason]), '9080', 'ratings.default.svc.cluster.local:9080')?.routes[0]?.name).toBe('default');
  });

  it('includes sourceLabels routes only for proxies with those labels', () => {
    const vs = virtualService('ratings', {
      hosts: ['ratings'],
      http: [{ match: [{ sourceLabels: { app: 'reviews', version: 'v2' } }], fault: { abort: { httpStatus: 500, percentage: { value: 100 } } }, route: [{ destination: { host: 'ratings', subset: 'v1' } }] }, { route: [{ destination: { host: 'ratings', subset: 'v1' } }] }],
    });
    const fromReviewsV2 = vhost(routesOf([...BOOKINFO, vs], sidecar('default', { app: 'reviews', version: 'v2' })), '9080', 'ratings.default.svc.cluster.local:9080');
    const fromProductpage = vhost(routesOf([...BOOKINFO, vs]), '9080', 'ratings.default.svc.cluster.local:9080');
    expect(fromReviewsV2?.routes[0]).toHaveProperty('typed_per_filter_config');
    expect(fromProductpage?.routes).toHaveLength(1);
    expect(fromProductpage?.routes[0]).not.toHaveProperty('typed_per_filter_config');
  });

  it('uses a VirtualService port match only on that port', () => {
    const cfg = [
      serviceEntry('web', { ports: [{ number: 8080, name: 'http-a' }, { number: 9090, name: 'http-b' }] }),
      virtualService('web', { hosts: ['web'], http: [{ match: [{ port: 8080 }], route: [{ destination: { host: 'web', subset: 'a', port: { number: 8080 } } }] }] }),
    ];
    const rcs = routesOf(cfg);
    expect(vhost(rcs, '8080', 'web.default.svc.cluster.local:8080')?.routes[0]?.route?.cluster).toBe('outbound|8080|a|web.default.svc.cluster.local');
    // The VirtualService has no route for 9090, so that port keeps the default route.
    expect(vhost(rcs, '9090', 'web.default.svc.cluster.local:9090')?.routes[0]?.name).toBe('default');
  });

  it('expands a delegate VirtualService into its root', () => {
    const cfg = [
      ...BOOKINFO,
      virtualService('root', { hosts: ['reviews'], http: [{ match: [{ uri: { prefix: '/v2' } }], delegate: { name: 'leaf' } }, { route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] }),
      virtualService('leaf', { http: [{ match: [{ uri: { prefix: '/v2/x' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }),
    ];
    const v = vhost(routesOf(cfg), '9080', `${REVIEWS}:9080`);
    expect(v?.routes.map((r) => [(r as { match: { prefix?: string } }).match.prefix, r.route?.cluster])).toEqual([
      ['/v2/x', `outbound|9080|v2|${REVIEWS}`],
      ['/', `outbound|9080|v1|${REVIEWS}`],
    ]);
  });

  it('gives a VirtualService host outside the registry a virtual host on port 80', () => {
    const cfg = [...BOOKINFO, virtualService('site', { hosts: ['bookinfo.com'], http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] })];
    const rcs = routesOf([...cfg, serviceEntry('web', { ports: [{ number: 80, name: 'http' }] })]);
    expect(vhost(rcs, '80', 'bookinfo.com:80')).toMatchObject({ domains: ['bookinfo.com', 'bookinfo.com:80'], routes: [{ route: { cluster: 'outbound|9080||productpage.default.svc.cluster.local' } }] });
  });

  it('lets the oldest VirtualService win a host, and a wildcard cover the rest', () => {
    const cfg = [
      ...BOOKINFO,
      virtualService('first', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'first' } }] }] }),
      virtualService('second', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'second' } }] }] }),
      virtualService('wild', { hosts: ['*.default.svc.cluster.local'], http: [{ route: [{ destination: { host: 'ratings', subset: 'wild' } }] }] }),
    ];
    const rcs = routesOf(cfg);
    expect(vhost(rcs, '9080', `${REVIEWS}:9080`)?.routes[0]?.route?.cluster).toBe(`outbound|9080|first|${REVIEWS}`);
    expect(vhost(rcs, '9080', 'details.default.svc.cluster.local:9080')?.routes[0]?.route?.cluster).toBe('outbound|9080|wild|ratings.default.svc.cluster.local');
  });
});

describe('DestinationRule consistentHash → route hash policy', () => {
  it('puts the hash key on the default route and on VirtualService routes to a hashed subset', () => {
    const cfg = [
      ...BOOKINFO,
      entry('DestinationRule', 'reviews', 'default', {
        host: 'reviews',
        trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
        subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } }, { name: 'v2', labels: { version: 'v2' } }],
      }),
    ];
    type R = { route: { hash_policy?: unknown; retry_policy?: Record<string, unknown> } };
    const plain = vhost(routesOf(cfg), '9080', `${REVIEWS}:9080`)?.routes[0] as unknown as R;
    expect(plain.route.hash_policy).toEqual([{ header: { header_name: 'x-user' } }]);
    const vs = virtualService('reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] });
    const routed = vhost(routesOf([...cfg, vs]), '9080', `${REVIEWS}:9080`)?.routes[0] as unknown as R;
    expect(routed.route.hash_policy).toEqual([{ connection_properties: { source_ip: true } }]);
    // Retries must stay on the hashed host.
    expect(routed.route.retry_policy).not.toHaveProperty('retry_host_predicate');
  });
});

describe('Sidecar scoping', () => {
  it('gives a service the Sidecar hides no virtual host', () => {
    const cfg = [...BOOKINFO, entry('Sidecar', 's', 'default', { egress: [{ hosts: ['./ratings.default.svc.cluster.local', './details.default.svc.cluster.local'] }] })];
    const names = vhosts(routesOf(cfg)[0]).map((v) => v.name);
    expect(names).toEqual(['details.default.svc.cluster.local:9080', 'ratings.default.svc.cluster.local:9080', 'allow_any']);
  });

  it('gives a service not exported to the proxy namespace no virtual host', () => {
    const cfg = [...BOOKINFO, serviceEntry('secret', { exportTo: ['.'] })];
    expect(vhost(routesOf(cfg, sidecar('prod')), '9080', 'secret.default.svc.cluster.local:9080')).toBeUndefined();
    expect(vhost(routesOf(cfg, sidecar('default')), '9080', 'secret.default.svc.cluster.local:9080')).toBeDefined();
  });
});

// Istio's own bookinfo routing samples against a bookinfo registry: every one must translate into
// route configurations Envoy accepts.
const CORPUS = path.resolve(import.meta.dirname, '../../../../../shared/corpus/istio/samples/bookinfo/networking');
describe.skipIf(!existsSync(CORPUS))('bookinfo samples (../shared/corpus/istio)', () => {
  const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')) : [];
  it.each(files)('%s', (file) => {
    const docs = parseDocuments(readFileSync(path.join(CORPUS, file), 'utf8'), file);
    const entries = docs.filter((d) => typeof d.value === 'object' && d.value !== null).map((d) => createConfigEntry(d.value as Record<string, unknown>, { source: 'corpus' }));
    const out = routesOf([...BOOKINFO, ...entries]);
    expect(out.length).toBeGreaterThan(0);
    // Every VirtualService host in the sample that names a bookinfo service routes by its rules.
    for (const vs of entries.filter((e) => e.ref.kind === 'VirtualService')) {
      const spec = vs.resource.spec as { hosts?: string[]; gateways?: string[] };
      if (spec.gateways?.length) continue;
      for (const h of spec.hosts ?? []) {
        if (!['productpage', 'reviews', 'ratings', 'details'].includes(h)) continue;
        const v = vhost(out, '9080', `${h}.default.svc.cluster.local:9080`);
        expect(v?.routes[0]?.name, `${file}: ${h}`).not.toBe('default');
      }
    }
  });
});
if (!existsSync(CORPUS)) console.warn(`rds.test: Istio corpus not found at ${CORPUS}; bookinfo sample tests skipped`);
