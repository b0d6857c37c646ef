// Which proxies and kinds a change affects: a two-namespace mesh, proxies in each, with and without
// Sidecar scoping; one row per kind of change.

import { describe, expect, it } from 'vitest';
import { ConfigStore, createConfigEntry, type ConfigEntry, type ConfigEvent } from '../config/config-store.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { DEFAULT_MESH_CONFIG } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';
import { changeImpact } from './change-impact.js';

const res = (kind: string, name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry =>
  createConfigEntry({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec }, { source: 'test' });

const service = (app: string, ns: string, extra: Record<string, unknown> = {}): ConfigEntry =>
  res('ServiceEntry', app, ns, { hosts: [`${app}.${ns}.svc.cluster.local`], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app } }, ...extra });
const workload = (app: string, version: string, ns: string, address: string, extra: Record<string, unknown> = {}): ConfigEntry =>
  res('WorkloadEntry', `${app}-${version}`, ns, { address, labels: { app, version }, ...extra });
const weighted = (app: string, ns: string, v1: number, extra: Record<string, unknown> = {}): ConfigEntry =>
  res('VirtualService', app, ns, { hosts: [app], http: [{ route: [{ destination: { host: app, subset: 'v1' }, weight: v1 }, { destination: { host: app, subset: 'v2' }, weight: 100 - v1 }] }], ...extra });
const peer = (name: string, ns: string, spec: Record<string, unknown>): ConfigEntry =>
  createConfigEntry({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec }, { source: 'test' });
const ownNamespaceOnly = (ns: string, hosts = ['./*']): ConfigEntry => res('Sidecar', 'default', ns, { egress: [{ hosts }] });

const MESH: readonly ConfigEntry[] = [
  service('alpha', 'a'),
  workload('alpha', 'v1', 'a', '10.1.0.1'),
  workload('alpha', 'v2', 'a', '10.1.0.2'),
  service('beta', 'b'),
  workload('beta', 'v1', 'b', '10.2.0.1'),
  workload('beta', 'v2', 'b', '10.2.0.2'),
  weighted('alpha', 'a', 90),
];
const SCOPED: readonly ConfigEntry[] = [...MESH, ownNamespaceOnly('a'), ownNamespaceOnly('b')];

const proxy = (app: string, ns: string, ip: string): ProxyView =>
  createProxyView(`sidecar~${ip}~${app}-v1.${ns}~${ns}.svc.cluster.local`, { NAMESPACE: ns, WORKLOAD_NAME: `${app}-v1`, LABELS: { app, version: 'v1' }, INSTANCE_IPS: ip });
const PA = proxy('alpha', 'a', '10.1.0.1');
const PB = proxy('beta', 'b', '10.2.0.1');

function snapshotOf(entries: readonly ConfigEntry[], version: number): MeshSnapshot {
  return buildMeshSnapshot(version, DEFAULT_MESH_CONFIG, entries, buildServiceEntryRegistry(entries));
}

/** Applies `before` then `after` through a real store and returns the impact of the difference (or of
 *  `extra` events, which the push controller sends for things the store does not see, such as new JWKS). */
function impactOf(before: readonly ConfigEntry[], after: readonly ConfigEntry[], extra: readonly ConfigEvent[] = []) {
  const store = new ConfigStore();
  store.replaceSource('test', before);
  const prev = snapshotOf(store.list(), 1);
  const events = [...store.replaceSource('test', after), ...extra];
  const next = snapshotOf(store.list(), 2);
  const impact = changeImpact(prev, next, events, [PA, PB]);
  const kinds = (p: ProxyView): string[] => [...(impact.proxies.get(p.id)?.kinds ?? [])].sort();
  return { a: kinds(PA), b: kinds(PB), endpointOnly: impact.endpointOnly, ownB: impact.proxies.get(PB.id)?.own };
}

const ALL = ['clusters', 'endpoints', 'listeners', 'routes'];
const replace = (entries: readonly ConfigEntry[], next: ConfigEntry): ConfigEntry[] => [...entries.filter((e) => !(e.ref.kind === next.ref.kind && e.ref.namespace === next.ref.namespace && e.ref.name === next.ref.name)), next];

describe('changeImpact', () => {
  it.each([
    { name: 'a VirtualService weight edit, Sidecar-scoped: only the namespace that imports it', before: SCOPED, after: replace(SCOPED, weighted('alpha', 'a', 80)), a: ['listeners', 'routes'], b: [] },
    { name: 'a VirtualService weight edit, no Sidecar: every proxy, LDS + RDS only', before: MESH, after: replace(MESH, weighted('alpha', 'a', 80)), a: ['listeners', 'routes'], b: ['listeners', 'routes'] },
    { name: 'a VirtualService exported only to its namespace', before: MESH, after: replace(MESH, weighted('alpha', 'a', 80, { exportTo: ['.'] })), a: ['listeners', 'routes'], b: ['listeners', 'routes'] },
    { name: 'a VirtualService not exported to b, before and after', before: replace(MESH, weighted('alpha', 'a', 90, { exportTo: ['.'] })), after: replace(MESH, weighted('alpha', 'a', 70, { exportTo: ['.'] })), a: ['listeners', 'routes'], b: [] },
    { name: 'a DestinationRule for a service only b sees', before: SCOPED, after: [...SCOPED, res('DestinationRule', 'beta', 'b', { host: 'beta', subsets: [{ name: 'v1', labels: { version: 'v1' } }] })], a: [], b: ALL },
    { name: 'a DestinationRule in a not exported to b, no Sidecar', before: MESH, after: [...MESH, res('DestinationRule', 'alpha', 'a', { host: 'alpha', exportTo: ['.'] })], a: ALL, b: [] },
    { name: 'a DestinationRule whose workloadSelector picks other workloads', before: MESH, after: [...MESH, res('DestinationRule', 'alpha', 'a', { host: 'alpha', workloadSelector: { matchLabels: { app: 'nobody' } } })], a: [], b: [] },
    { name: 'an endpoint weight of a service only b sees', before: SCOPED, after: replace(SCOPED, workload('beta', 'v2', 'b', '10.2.0.2', { weight: 5 })), a: [], b: ['endpoints'] },
    { name: 'a new endpoint, no Sidecar: EDS for everyone who sees the service', before: MESH, after: [...MESH, workload('beta', 'v3', 'b', '10.2.0.3')], a: ['endpoints'], b: ['endpoints'] },
    { name: "b's own workload changes (inbound may change)", before: SCOPED, after: replace(SCOPED, workload('beta', 'v1', 'b', '10.2.0.1', { ports: { http: 9090 } })), a: [], b: ALL },
    { name: 'a ServiceEntry gains a port', before: SCOPED, after: replace(SCOPED, service('alpha', 'a', { ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }, { number: 9090, name: 'grpc', protocol: 'GRPC' }] })), a: ALL, b: [] },
    { name: "b's Sidecar starts importing a", before: SCOPED, after: replace(SCOPED, ownNamespaceOnly('b', ['./*', 'a/*'])), a: [], b: ALL },
    { name: 'a kind the analysis does not know (Gateway): everything', before: SCOPED, after: [...SCOPED, res('Gateway', 'gw', 'a', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] })], a: ALL, b: ALL },
    { name: 'a namespace-level PeerAuthentication in b: CDS + EDS for who sees b, own LDS for b', before: SCOPED, after: [...SCOPED, peer('b-strict', 'b', { mtls: { mode: 'STRICT' } })], a: [], b: ['clusters', 'endpoints', 'listeners'] },
    { name: 'a mesh-level PeerAuthentication: CDS + EDS + own LDS for everyone', before: SCOPED, after: [...SCOPED, peer('mesh', 'istio-system', { mtls: { mode: 'DISABLE' } })], a: ['clusters', 'endpoints', 'listeners'], b: ['clusters', 'endpoints', 'listeners'] },
    { name: 'a workload-level PeerAuthentication for beta-v2: only EDS of who sees it', before: SCOPED, after: [...SCOPED, peer('v2', 'b', { selector: { matchLabels: { app: 'beta', version: 'v2' } }, mtls: { mode: 'DISABLE' } })], a: [], b: ['endpoints'] },
    { name: "a workload-level PeerAuthentication selecting b's workload: EDS + its own LDS", before: SCOPED, after: [...SCOPED, peer('v1', 'b', { selector: { matchLabels: { app: 'beta', version: 'v1' } }, mtls: { mode: 'STRICT' } })], a: [], b: ['endpoints', 'listeners'] },
    { name: "an endpoint's service account: CDS too (ISTIO_MUTUAL verifies it)", before: SCOPED, after: replace(SCOPED, workload('beta', 'v2', 'b', '10.2.0.2', { serviceAccount: 'beta' })), a: [], b: ['clusters', 'endpoints'] },
    { name: 'a delegate VirtualService: everything', before: SCOPED, after: [...SCOPED, res('VirtualService', 'leaf', 'b', { http: [{ route: [{ destination: { host: 'beta' } }] }] })], a: ALL, b: ALL },
  ])('$name', ({ before, after, a, b }) => {
    const impact = impactOf(before, after);
    expect(impact.a).toEqual(a);
    expect(impact.b).toEqual(b);
  });

  it('sends CDS too when a DNS service changes endpoints, and LDS when it has TCP ports', () => {
    const dns = (extra: Record<string, unknown>) => service('gamma', 'b', { resolution: 'DNS', ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }], ...extra });
    const before = [...SCOPED, dns({}), workload('gamma', 'v1', 'b', 'gamma-1.example.com')];
    const after = [...SCOPED, dns({}), workload('gamma', 'v1', 'b', 'gamma-2.example.com')];
    expect(impactOf(before, after)).toMatchObject({ a: [], b: ['clusters', 'endpoints', 'listeners'], endpointOnly: true, ownB: false });
  });

  it('calls a ServiceEntry port change a config change, a WorkloadEntry change an endpoint change', () => {
    expect(impactOf(SCOPED, replace(SCOPED, service('alpha', 'a', { ports: [{ number: 8081, name: 'http', protocol: 'HTTP' }] }))).endpointOnly).toBe(false);
    expect(impactOf(SCOPED, replace(SCOPED, workload('alpha', 'v2', 'a', '10.1.0.9'))).endpointOnly).toBe(true);
  });

  describe('AuthorizationPolicy changes: LDS with the own (inbound) part, for the proxies a policy selects', () => {
    const authz = (name: string, ns: string, spec: Record<string, unknown>): ConfigEntry => res('AuthorizationPolicy', name, ns, spec);
    const denyPath = (path: string, selector?: Record<string, string>): Record<string, unknown> => ({ ...(selector ? { selector: { matchLabels: selector } } : {}), action: 'DENY', rules: [{ to: [{ operation: { paths: [path] } }] }] });
    it.each([
      { name: 'a policy selecting a workload of a', before: SCOPED, after: [...SCOPED, authz('p', 'a', denyPath('/x', { app: 'alpha' }))], a: ['listeners'], b: [] },
      { name: 'a namespace-wide policy in b', before: MESH, after: [...MESH, authz('p', 'b', denyPath('/x'))], a: [], b: ['listeners'] },
      { name: 'an edit of a policy in b', before: [...MESH, authz('p', 'b', denyPath('/x'))], after: [...MESH, authz('p', 'b', denyPath('/y'))], a: [], b: ['listeners'] },
      { name: 'a policy removed', before: [...SCOPED, authz('p', 'a', denyPath('/x', { app: 'alpha' }))], after: SCOPED, a: ['listeners'], b: [] },
      { name: 'a selector in a moved from alpha to beta (beta runs in b: never selected)', before: [...MESH, authz('p', 'a', denyPath('/x', { app: 'alpha' }))], after: [...MESH, authz('p', 'a', denyPath('/x', { app: 'beta' }))], a: ['listeners'], b: [] },
      { name: 'a root-namespace policy: everyone', before: MESH, after: [...MESH, authz('p', 'istio-system', denyPath('/x'))], a: ['listeners'], b: ['listeners'] },
      { name: 'a policy selecting nobody', before: MESH, after: [...MESH, authz('p', 'a', denyPath('/x', { app: 'nobody' }))], a: [], b: [] },
      { name: 'a policy in a namespace without proxies', before: MESH, after: [...MESH, authz('p', 'c', denyPath('/x'))], a: [], b: [] },
    ])('$name', ({ before, after, a, b }) => {
      const impact = impactOf(before, after);
      expect(impact.a).toEqual(a);
      expect(impact.b).toEqual(b);
      if (b.length > 0) expect(impact.ownB).toBe(true);
      expect(impact.endpointOnly).toBe(false);
    });

    it('adds LDS (own part) to what a batch with a VirtualService change needs', () => {
      const impact = impactOf(MESH, [...replace(MESH, weighted('alpha', 'a', 80)), authz('p', 'b', denyPath('/x'))]);
      expect(impact).toMatchObject({ a: ['listeners', 'routes'], b: ['listeners', 'routes'], ownB: true });
    });
  });

  describe('RequestAuthentication changes: LDS with the own (inbound) part, for the proxies a policy selects', () => {
    const ra = (name: string, ns: string, selector?: Record<string, string>, issuer = 'https://issuer.example'): ConfigEntry =>
      res('RequestAuthentication', name, ns, { ...(selector ? { selector: { matchLabels: selector } } : {}), jwtRules: [{ issuer, jwks: '{"keys":[]}' }] });
    it.each([
      { name: 'a policy selecting a workload of a', before: SCOPED, after: [...SCOPED, ra('j', 'a', { app: 'alpha' })], a: ['listeners'], b: [] },
      { name: 'a namespace-wide policy in b', before: MESH, after: [...MESH, ra('j', 'b')], a: [], b: ['listeners'] },
      { name: 'an edit of a policy in b', before: [...MESH, ra('j', 'b')], after: [...MESH, ra('j', 'b', undefined, 'https://other.example')], a: [], b: ['listeners'] },
      { name: 'a root-namespace policy: everyone', before: MESH, after: [...MESH, ra('j', 'istio-system')], a: ['listeners'], b: ['listeners'] },
      { name: 'a policy selecting nobody', before: MESH, after: [...MESH, ra('j', 'a', { app: 'nobody' })], a: [], b: [] },
    ])('$name', ({ before, after, a, b }) => {
      const impact = impactOf(before, after);
      expect(impact.a).toEqual(a);
      expect(impact.b).toEqual(b);
      if (b.length > 0) expect(impact.ownB).toBe(true);
    });

    it('pushes an unchanged policy again when its event stands for new keys of its jwksUri', () => {
      const cfg = [...MESH, ra('j', 'b')];
      expect(impactOf(cfg, cfg, [{ type: 'updated', ref: { kind: 'RequestAuthentication', namespace: 'b', name: 'j' } }])).toMatchObject({ a: [], b: ['listeners'], ownB: true });
    });
  });

  describe('Telemetry changes: LDS with the own (inbound) part, for the proxies a Telemetry applies to', () => {
    const tel = (name: string, ns: string, selector?: Record<string, string>, disabled = false): ConfigEntry =>
      res('Telemetry', name, ns, { ...(selector ? { selector: { matchLabels: selector } } : {}), accessLogging: [{ providers: [{ name: 'envoy' }], disabled }] });
    it.each([
      { name: 'a mesh-wide Telemetry: everyone', before: MESH, after: [...MESH, tel('t', 'istio-system')], a: ['listeners'], b: ['listeners'] },
      { name: 'a namespace-wide Telemetry in b', before: MESH, after: [...MESH, tel('t', 'b')], a: [], b: ['listeners'] },
      { name: 'an edit of a Telemetry selecting alpha', before: [...SCOPED, tel('t', 'a', { app: 'alpha' })], after: [...SCOPED, tel('t', 'a', { app: 'alpha' }, true)], a: ['listeners'], b: [] },
      { name: 'a Telemetry selecting nobody', before: MESH, after: [...MESH, tel('t', 'b', { app: 'nobody' })], a: [], b: [] },
    ])('$name', ({ before, after, a, b }) => {
      const impact = impactOf(before, after);
      expect(impact.a).toEqual(a);
      expect(impact.b).toEqual(b);
      if (b.length > 0) expect(impact.ownB).toBe(true);
    });
  });

  it('gives everything to every proxy without a previous snapshot', () => {
    const next = snapshotOf(SCOPED, 1);
    const impact = changeImpact(undefined, next, [], [PA, PB]);
    expect([...(impact.proxies.get(PA.id)?.kinds ?? [])].sort()).toEqual(ALL);
  });
});

describe('changeImpact for gateways (router proxies)', () => {
  // Routers are never shareable (their generators read their Gateways), so any change reaches them whole.
  const ROUTER = createProxyView('router~10.9.0.1~ingress-1.a~a.svc.cluster.local', { NAMESPACE: 'a', LABELS: { istio: 'ingressgateway' }, INSTANCE_IPS: '10.9.0.1', WORKLOAD_NAME: 'ingress' });
  const gw = (hosts: string[]): ConfigEntry => res('Gateway', 'gw', 'a', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts }] });
  const bound = (prefix: string): ConfigEntry => res('VirtualService', 'edge', 'a', { hosts: ['*'], gateways: ['gw'], http: [{ match: [{ uri: { prefix } }], route: [{ destination: { host: 'alpha' } }] }] });
  const routerKinds = (before: readonly ConfigEntry[], after: readonly ConfigEntry[]): string[] => {
    const store = new ConfigStore();
    store.replaceSource('test', before);
    const prev = snapshotOf(store.list(), 1);
    const events = store.replaceSource('test', after);
    const impact = changeImpact(prev, snapshotOf(store.list(), 2), events, [ROUTER, PA]);
    return [...(impact.proxies.get(ROUTER.id)?.kinds ?? [])].sort();
  };

  it.each([
    ['a Gateway edit', [...SCOPED, gw(['*'])], [...SCOPED, gw(['a.example.com'])]],
    ['an edit of a VirtualService bound to the gateway', [...SCOPED, gw(['*']), bound('/v1')], [...SCOPED, gw(['*']), bound('/v2')]],
    ['a DestinationRule edit', [...SCOPED, gw(['*'])], [...SCOPED, gw(['*']), res('DestinationRule', 'alpha', 'a', { host: 'alpha' })]],
  ])('%s regenerates everything for the router', (_name, before, after) => {
    expect(routerKinds(before, after)).toEqual(ALL);
  });
});
