// Sharing generated config between proxies must not change what any proxy gets: for a mesh that uses
// everything the sharing key has to capture (source labels, selectors, locality failover, Sidecar
// ingress, interception mode, DNS and TCP services, AuthorizationPolicies, PeerAuthentications,
// auto-mTLS and Telemetry access logs), each proxy's shared + own config equals its
// config generated alone, byte for byte; and proxies with equal keys share one generation.

import { describe, expect, it } from 'vitest';
import { createConfigEntry, type ConfigEntry } from '../config/config-store.js';
import { generateProxyConfig, SIDECAR_GENERATORS, type SidecarGenerators } from '../generators/index.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { DEFAULT_MESH_CONFIG } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';
import { LayeredResources } from './layered-resources.js';
import { ALL_KINDS, type XdsKind } from './own-config.js';
import { packGeneratedConfig } from './pack-config.js';
import { kindGeneratorOf, SharedConfigCache } from './shared-config-cache.js';

const res = (kind: string, name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry =>
  createConfigEntry({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec }, { source: 'test' });
const http = [{ number: 9080, name: 'http', protocol: 'HTTP' }];
const service = (app: string, ns: string, ports: object[] = http, extra: Record<string, unknown> = {}): ConfigEntry =>
  res('ServiceEntry', app, ns, { hosts: [`${app}.${ns}.svc.cluster.local`], location: 'MESH_INTERNAL', resolution: 'STATIC', ports, workloadSelector: { labels: { app } }, ...extra });
const workload = (app: string, version: string, ns: string, address: string, zone: string, name = `${app}-${version}`): ConfigEntry =>
  res('WorkloadEntry', name, ns, { address, labels: { app, version, team: name, 'security.istio.io/tlsMode': 'istio' }, locality: `region/${zone}`, serviceAccount: name });

const MESH: readonly ConfigEntry[] = [
  service('productpage', 'web'),
  workload('productpage', 'v1', 'web', '10.0.1.1', 'z1'),
  workload('productpage', 'v2', 'web', '10.0.1.2', 'z2'),
  service('reviews', 'web'),
  workload('reviews', 'v1', 'web', '10.0.2.1', 'z1'),
  workload('reviews', 'v2', 'web', '10.0.2.2', 'z2'),
  workload('reviews', 'v3', 'web', '10.0.2.3', 'z1'),
  // Replicas of reviews-v1: same selected labels; one in the same zone, one in another.
  workload('reviews', 'v1', 'web', '10.0.2.4', 'z1', 'reviews-v1b'),
  workload('reviews', 'v1', 'web', '10.0.2.5', 'z2', 'reviews-v1c'),
  service('ratings', 'data', [{ number: 9080, name: 'http', protocol: 'HTTP' }, { number: 5432, name: 'tcp', protocol: 'TCP' }]),
  workload('ratings', 'v1', 'data', '10.0.3.1', 'z1'),
  service('db', 'data', [{ number: 5432, name: 'tcp', protocol: 'TCP' }]),
  workload('db', 'v1', 'data', '10.0.4.1', 'z2'),
  res('ServiceEntry', 'external', 'data', { hosts: ['api.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] }),
  res('VirtualService', 'reviews', 'web', {
    hosts: ['reviews'],
    http: [
      { match: [{ sourceLabels: { version: 'v2' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
      { route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 80 }, { destination: { host: 'reviews', subset: 'v3' }, weight: 20 }] },
    ],
  }),
  res('DestinationRule', 'reviews', 'web', {
    host: 'reviews',
    trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, interval: '5s', baseEjectionTime: '30s' } },
    subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
  }),
  res('DestinationRule', 'ratings-for-v1', 'web', { host: 'ratings.data.svc.cluster.local', workloadSelector: { matchLabels: { version: 'v1' } }, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }),
  res('DestinationRule', 'ratings', 'data', { host: 'ratings', trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } }),
  // A wildcard rule, a delegate, and a VirtualService whose destination lies outside a Sidecar scope
  // (the lookups add it to the scope): the outbound slice must keep all of them.
  res('DestinationRule', 'web-wide', 'web', { host: '*.web.svc.cluster.local', trafficPolicy: { connectionPool: { tcp: { maxConnections: 7 } } } }),
  res('VirtualService', 'productpage', 'web', { hosts: ['productpage'], http: [{ match: [{ uri: { prefix: '/api' } }], delegate: { name: 'productpage-api', namespace: 'web' } }, { route: [{ destination: { host: 'productpage' } }] }] }),
  res('VirtualService', 'productpage-api', 'web', { http: [{ route: [{ destination: { host: 'productpage' } }], timeout: '3s' }] }),
  res('VirtualService', 'ratings', 'data', { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'reviews.web.svc.cluster.local', subset: 'v2' } }] }] }),
  // Authorization: RBAC filters on own inbound listeners (and the gateway's), selected by labels,
  // namespace and the root namespace; a {**} path needs the URI template proto to pack.
  res('AuthorizationPolicy', 'reviews-v1-deny', 'web', { selector: { matchLabels: { app: 'reviews', version: 'v1' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/{**}'] } }] }] }),
  res('AuthorizationPolicy', 'data-allow-get', 'data', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }),
  res('AuthorizationPolicy', 'mesh-audit', 'istio-system', { action: 'AUDIT', rules: [{ to: [{ operation: { ports: ['5432'] } }] }] }),
  // Peer authentication: a namespace STRICT, a workload PERMISSIVE with a port DISABLE (inbound chains of
  // those proxies, auto-mTLS clusters and endpoint metadata of every client).
  res('PeerAuthentication', 'data-strict', 'data', { mtls: { mode: 'STRICT' } }),
  res('PeerAuthentication', 'reviews-v3', 'web', { selector: { matchLabels: { app: 'reviews', version: 'v3' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { 9080: { mode: 'DISABLE' } } }),
  // Access logs: on mesh-wide (Telemetry `envoy`), off for one workload by selector, off on the client
  // side of a namespace: loggers on shared outbound and own inbound listeners alike.
  res('Telemetry', 'mesh-logs', 'istio-system', { accessLogging: [{ providers: [{ name: 'envoy' }] }] }),
  res('Telemetry', 'reviews-v2-quiet', 'web', { selector: { matchLabels: { app: 'reviews', version: 'v2' } }, accessLogging: [{ providers: [{ name: 'envoy' }], disabled: true }] }),
  res('Telemetry', 'data-server-only', 'data', { accessLogging: [{ match: { mode: 'CLIENT' }, disabled: true }] }),
  res('Sidecar', 'ratings', 'data', { workloadSelector: { labels: { app: 'ratings' } }, ingress: [{ port: { number: 9080, name: 'http', protocol: 'HTTP' }, defaultEndpoint: '127.0.0.1:9080' }], egress: [{ hosts: ['./*'] }] }),
];

const proxy = (app: string, version: string, ns: string, ip: string, extra: Record<string, unknown> = {}, name = `${app}-${version}`): ProxyView =>
  createProxyView(`sidecar~${ip}~${name}.${ns}~${ns}.svc.cluster.local`, {
    NAMESPACE: ns,
    WORKLOAD_NAME: name,
    LABELS: { app, version, team: name },
    INSTANCE_IPS: ip,
    SERVICE_ACCOUNT: name,
    ...extra,
  });

const PROXIES: readonly ProxyView[] = [
  proxy('productpage', 'v1', 'web', '10.0.1.1'),
  proxy('productpage', 'v2', 'web', '10.0.1.2'),
  proxy('reviews', 'v1', 'web', '10.0.2.1'),
  proxy('reviews', 'v2', 'web', '10.0.2.2'),
  proxy('reviews', 'v3', 'web', '10.0.2.3'),
  proxy('reviews', 'v1', 'web', '10.0.2.4', {}, 'reviews-v1b'),
  proxy('reviews', 'v1', 'web', '10.0.2.5', {}, 'reviews-v1c'),
  proxy('ratings', 'v1', 'data', '10.0.3.1'),
  proxy('db', 'v1', 'data', '10.0.4.1'),
  proxy('db', 'v1', 'data', '10.0.4.1', { INTERCEPTION_MODE: 'NONE' }),
  // A proxy the registry does not know (no WorkloadEntry): no inbound, no locality.
  proxy('stranger', 'v1', 'web', '10.9.9.9'),
  createProxyView('router~10.0.9.1~gateway.web~web.svc.cluster.local', { NAMESPACE: 'web' }),
];

const snapshot: MeshSnapshot = buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, MESH, buildServiceEntryRegistry(MESH));

/** Type URL → name → hex bytes, for exact comparison. */
function dump(resources: ReadonlyMap<string, { resources: ReadonlyMap<string, { value: Uint8Array }> }>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [typeUrl, entry] of resources) out[typeUrl] = Object.fromEntries([...entry.resources].map(([n, a]): [string, string] => [n, Buffer.from(a.value).toString('hex')]).sort(([a], [b]) => (a < b ? -1 : 1)));
  return out;
}

describe('SharedConfigCache', () => {
  it.each(PROXIES.map((p) => ({ id: p.id, p })))('gives $id exactly the config generated for it alone', ({ p }) => {
    const cache = new SharedConfigCache(snapshot, kindGeneratorOf());
    // Warm the cache from every other proxy first, so this one is served from shared parts.
    for (const other of PROXIES) if (other !== p) cache.resourcesFor(other, new Set(ALL_KINDS));
    const shared = cache.resourcesFor(p, new Set(ALL_KINDS)).resources;
    const alone = new Map([...packGeneratedConfig(generateProxyConfig(snapshot, p))].map(([t, r]) => [t, { resources: r }]));
    expect(dump(shared)).toEqual(dump(alone));
  });

  it('has RBAC filters in the compared config: every inbound side (mesh-wide AUDIT), the selected ones per policy', () => {
    const rbacPolicies = (p: ProxyView): string[] => [...JSON.stringify(generateProxyConfig(snapshot, p).listeners).matchAll(/ns\[[a-z-]+\]-policy\[[a-z0-9-]+\]/g)].map((m) => m[0]);
    const byId = (app: string, version = 'v1'): ProxyView => PROXIES.find((p) => p.labels.app === app && p.labels.version === version) as ProxyView;
    expect(new Set(rbacPolicies(byId('reviews')))).toEqual(new Set(['ns[istio-system]-policy[mesh-audit]', 'ns[web]-policy[reviews-v1-deny]']));
    expect(new Set(rbacPolicies(byId('reviews', 'v2')))).toEqual(new Set(['ns[istio-system]-policy[mesh-audit]']));
    expect(new Set(rbacPolicies(byId('ratings')))).toEqual(new Set(['ns[istio-system]-policy[mesh-audit]', 'ns[data]-policy[data-allow-get]']));
    // No workload port: the passthrough chains still carry the workload's filters.
    expect(new Set(rbacPolicies(byId('stranger')))).toEqual(new Set(['ns[istio-system]-policy[mesh-audit]']));
  });

  it('has access logs in the compared config: every proxy but reviews-v2 (a selector disables them), data proxies on their inbound side only', () => {
    const logged = (p: ProxyView): string[] =>
      (generateProxyConfig(snapshot, p).listeners as { name: string; traffic_direction?: string }[]).filter((l) => JSON.stringify(l).includes('envoy.access_loggers.file')).map((l) => l.traffic_direction ?? '');
    const byId = (app: string, version = 'v1'): ProxyView => PROXIES.find((p) => p.labels.app === app && p.labels.version === version) as ProxyView;
    expect(new Set(logged(byId('reviews')))).toEqual(new Set(['OUTBOUND', 'INBOUND']));
    expect(logged(byId('reviews', 'v2'))).toEqual([]);
    expect(new Set(logged(byId('ratings')))).toEqual(new Set(['INBOUND']));
  });

  it('has auto-mTLS in the compared config: matches on clusters, tlsMode on endpoints but reviews-v3 (port DISABLE)', () => {
    const cfg = generateProxyConfig(snapshot, PROXIES[0] as ProxyView);
    expect(JSON.stringify(cfg.clusters)).toContain('"tlsMode-istio"');
    const reviews = JSON.stringify(cfg.endpoints.find((e) => e.cluster_name === 'outbound|9080||reviews.web.svc.cluster.local'));
    expect(reviews.match(/envoy\.transport_socket_match/g)).toHaveLength(4);
  });

  it('shares one generation per kind between proxies with equal keys, and generates own parts per proxy', () => {
    const calls: Record<XdsKind, number> = { listeners: 0, routes: 0, clusters: 0, endpoints: 0 };
    const counting: SidecarGenerators = {
      listeners: (...a) => (calls.listeners++, SIDECAR_GENERATORS.listeners(...a)),
      routes: (...a) => (calls.routes++, SIDECAR_GENERATORS.routes(...a)),
      clusters: (...a) => (calls.clusters++, SIDECAR_GENERATORS.clusters(...a)),
      endpoints: (...a) => (calls.endpoints++, SIDECAR_GENERATORS.endpoints(...a)),
    };
    const cache = new SharedConfigCache(snapshot, kindGeneratorOf(counting));
    // reviews-v1, -v1b and -v1c differ only in name, IP, account and labels no config selects on
    // (team): they share LDS/RDS. -v1c runs in another zone, and a DestinationRule with outlier
    // detection makes EDS depend on locality, so it has CDS/EDS of its own.
    const replicas = PROXIES.filter((p) => p.labels.app === 'reviews' && p.labels.version === 'v1');
    expect(replicas).toHaveLength(3);
    for (const p of replicas) cache.resourcesFor(p, new Set(ALL_KINDS));
    expect(calls.routes).toBe(1);
    expect(calls.endpoints).toBe(2);
    // Listeners and clusters: the shared generations, plus one own-part generation per proxy.
    expect(calls.listeners).toBe(1 + 3);
    expect(calls.clusters).toBe(2 + 3);
    expect(cache.stats).toEqual({ sharedGenerations: 2, ownGenerations: 3 });
  });

  it('layers own resources over shared ones without copying the shared map', () => {
    const cache = new SharedConfigCache(snapshot, kindGeneratorOf());
    const [a, b] = PROXIES.filter((p) => p.labels.app === 'reviews' && p.labels.version === 'v1') as [ProxyView, ProxyView];
    const ra = cache.resourcesFor(a, new Set(ALL_KINDS)).resources;
    const rb = cache.resourcesFor(b, new Set(ALL_KINDS)).resources;
    const clustersA = [...ra.values()].map((e) => e.resources).find((r) => r instanceof LayeredResources);
    const clustersB = [...rb.values()].map((e) => e.resources).find((r) => r instanceof LayeredResources);
    expect(clustersA).toBeInstanceOf(LayeredResources);
    expect((clustersA as LayeredResources).shared).toBe((clustersB as LayeredResources).shared);
    expect([...(clustersA as LayeredResources).keys()]).toContain('inbound|9080||');
    expect((clustersA as LayeredResources).size).toBe([...(clustersA as LayeredResources).entries()].length);
  });

  it('throws the generator error to every proxy of the key, generating once', () => {
    let calls = 0;
    const cache = new SharedConfigCache(snapshot, () => {
      calls++;
      throw new Error('boom');
    });
    const [a, b] = PROXIES.filter((p) => p.labels.app === 'reviews' && p.labels.version === 'v1') as [ProxyView, ProxyView];
    expect(() => cache.resourcesFor(a, new Set(['routes']))).toThrow('boom');
    expect(() => cache.resourcesFor(b, new Set(['routes']))).toThrow('boom');
    expect(calls).toBe(1);
  });
});

describe('SharedConfigCache with tracing and metric overrides', () => {
  // Span tags carry the canonical service and revision, which no config selects on: proxies that
  // differ only there must not share outbound listeners once anything traces.
  const traced: readonly ConfigEntry[] = [
    ...MESH,
    // The root namespace's oldest namespace-wide Telemetry is mesh-logs: tracing and metrics come per
    // namespace (web) and per workload (reviews-v3).
    res('Telemetry', 'web-tracing', 'web', {
      tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 20, customTags: { zone: { environment: { name: 'ZONE' } } } }],
      metrics: [{ overrides: [{ match: { metric: 'REQUEST_COUNT' }, tagOverrides: { response_code: { operation: 'REMOVE' } } }] }],
    }),
    res('Telemetry', 'reviews-v3-sampled', 'web', { selector: { matchLabels: { app: 'reviews', version: 'v3' } }, tracing: [{ randomSamplingPercentage: 100 }] }),
  ];
  const mesh = { ...DEFAULT_MESH_CONFIG, extensionProviders: [{ name: 'zipkin', zipkin: { service: 'zipkin.istio-system.svc.cluster.local', port: 9411 } }] };
  const tracedSnapshot = buildMeshSnapshot(1, mesh, traced, buildServiceEntryRegistry(traced));
  const canary = (revision: string, ip: string): ProxyView =>
    createProxyView(`sidecar~${ip}~reviews-${revision}.web~web.svc.cluster.local`, {
      NAMESPACE: 'web',
      WORKLOAD_NAME: `reviews-${revision}`,
      LABELS: { app: 'reviews', version: 'v1', 'service.istio.io/canonical-revision': revision },
      INSTANCE_IPS: ip,
    });
  const proxies = [...PROXIES, canary('stable', '10.0.2.1'), canary('canary', '10.0.2.4')];

  it.each(proxies.map((p) => ({ id: p.id, p })))('gives $id exactly the config generated for it alone', ({ p }) => {
    const cache = new SharedConfigCache(tracedSnapshot, kindGeneratorOf());
    for (const other of proxies) if (other !== p) cache.resourcesFor(other, new Set(ALL_KINDS));
    const shared = cache.resourcesFor(p, new Set(ALL_KINDS)).resources;
    const alone = new Map([...packGeneratedConfig(generateProxyConfig(tracedSnapshot, p))].map(([t, r]) => [t, { resources: r }]));
    expect(dump(shared)).toEqual(dump(alone));
    if (p.namespace === 'web' && p.type === 'sidecar') expect(JSON.stringify(generateProxyConfig(tracedSnapshot, p).listeners)).toContain('envoy.tracers.zipkin');
  });
});
