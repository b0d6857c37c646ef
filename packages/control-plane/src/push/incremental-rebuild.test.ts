// What a change leaves untouched keeps its objects from the config store to the packed resources, so
// the memos keyed by them (EDS assignments, packed resources, rule lookups) carry over between
// snapshots: an endpoint change rebuilds one service's load assignments, not the mesh's. And what the
// memos give is what a generation from scratch gives.

import { describe, expect, it } from 'vitest';
import { ConfigStore, createConfigEntry, type ConfigEntry } from '../config/config-store.js';
import { clusterInputsFor } from '../generators/cds-inputs.js';
import { generateEndpoints } from '../generators/eds.js';
import type { EnvoyResource } from '../generators/types.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { DEFAULT_MESH_CONFIG } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { createProxyView } from '../snapshot/proxy-view.js';
import { TYPE_URL } from '@weft/shared/xds';
import type { XdsKind } from './own-config.js';
import { PackMemo } from './pack-memo.js';
import { kindGeneratorOf, SharedConfigCache } from './shared-config-cache.js';
import { sharingKeys } from './sharing-key.js';
import { NamespacedRegistry } from './registry-by-namespace.js';

const res = (kind: string, name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry =>
  createConfigEntry({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec }, { source: 'test' });
const service = (app: string, ns: string): ConfigEntry =>
  res('ServiceEntry', app, ns, { hosts: [`${app}.${ns}.svc.cluster.local`], resolution: 'STATIC', ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app } } });
const workload = (name: string, app: string, ns: string, address: string, version = 'v1'): ConfigEntry => res('WorkloadEntry', name, ns, { address, labels: { app, version } });
const subsets = (app: string, ns: string): ConfigEntry =>
  res('DestinationRule', app, ns, { host: app, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }], trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3 } } });

const PROXY = createProxyView('sidecar~10.0.9.1~client-1.c~c.svc.cluster.local', { NAMESPACE: 'c', WORKLOAD_NAME: 'client-1', INSTANCE_IPS: '10.0.9.1', LABELS: { app: 'client' } });

const BASE: readonly ConfigEntry[] = [service('web', 'a'), workload('web-1', 'web', 'a', '10.0.0.1'), subsets('web', 'a'), service('db', 'b'), workload('db-1', 'db', 'b', '10.0.1.1'), subsets('db', 'b'), workload('client-1', 'client', 'c', '10.0.9.1')];

/** The store → per-namespace registry → snapshot path of the push controller. */
function pipeline() {
  const store = new ConfigStore();
  const registry = new NamespacedRegistry();
  let snapshot: MeshSnapshot | undefined;
  return (entries: readonly ConfigEntry[]): MeshSnapshot => {
    const events = store.replaceSource('test', entries);
    const listed = store.list();
    const changed = new Set(events.filter((e) => e.ref.kind === 'ServiceEntry' || e.ref.kind === 'WorkloadEntry').map((e) => e.ref.namespace));
    snapshot = buildMeshSnapshot((snapshot?.version ?? 0) + 1, DEFAULT_MESH_CONFIG, listed, registry.update(listed, snapshot ? changed : new Set()), snapshot);
    return snapshot;
  };
}

const byCluster = (assignments: readonly EnvoyResource[]): Map<string, EnvoyResource> => new Map(assignments.map((a) => [a.cluster_name as string, a]));
const fromScratch = (entries: readonly ConfigEntry[]): EnvoyResource[] =>
  generateEndpoints(clusterInputsFor(buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, entries, buildServiceEntryRegistry(entries)), PROXY));

describe('incremental rebuilds', () => {
  it('an endpoint change rebuilds only the load assignments of its service, equal to a generation from scratch', () => {
    const next = pipeline();
    const before = byCluster(generateEndpoints(clusterInputsFor(next(BASE), PROXY)));
    const changedEntries = [...BASE, workload('db-2', 'db', 'b', '10.0.1.2', 'v2')];
    const afterList = generateEndpoints(clusterInputsFor(next(changedEntries), PROXY));
    const after = byCluster(afterList);

    expect([...after.keys()].sort()).toEqual(['outbound|8080|v1|db.b.svc.cluster.local', 'outbound|8080|v1|web.a.svc.cluster.local', 'outbound|8080|v2|db.b.svc.cluster.local', 'outbound|8080|v2|web.a.svc.cluster.local', 'outbound|8080||db.b.svc.cluster.local', 'outbound|8080||web.a.svc.cluster.local'].sort());
    for (const [name, assignment] of after) {
      // web's namespace did not change: the very same (frozen) objects; db's were rebuilt.
      if (name.endsWith('web.a.svc.cluster.local')) expect(assignment).toBe(before.get(name));
      else expect(assignment).not.toBe(before.get(name));
      expect(Object.isFrozen(assignment)).toBe(true);
    }
    expect(JSON.stringify(after.get('outbound|8080|v2|db.b.svc.cluster.local'))).toContain('10.0.1.2');
    expect(JSON.parse(JSON.stringify(afterList))).toEqual(JSON.parse(JSON.stringify(fromScratch(changedEntries))));
  });

  it('a rule edit rebuilds the assignments of its host; unchanged kinds keep their lists', () => {
    const next = pipeline();
    const first = next(BASE);
    const before = byCluster(generateEndpoints(clusterInputsFor(first, PROXY)));
    // Rewriting every resource with equal content (a re-read file) changes nothing.
    const reread = next(BASE.map((e) => createConfigEntry(structuredClone(e.resource), { source: 'test', file: 'moved.yaml' })));
    expect(reread.destinationRules).toBe(first.destinationRules);
    expect(reread.virtualServices).toBe(first.virtualServices);
    for (const [name, a] of byCluster(generateEndpoints(clusterInputsFor(reread, PROXY)))) expect(a).toBe(before.get(name));

    const edited = BASE.map((e) => (e.ref.kind === 'DestinationRule' && e.ref.name === 'db' ? res('DestinationRule', 'db', 'b', { host: 'db', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }) : e));
    const third = next(edited);
    expect(third.destinationRules).not.toBe(first.destinationRules);
    const after = byCluster(generateEndpoints(clusterInputsFor(third, PROXY)));
    expect(after.has('outbound|8080|v2|db.b.svc.cluster.local')).toBe(false);
    expect(after.get('outbound|8080|v1|web.a.svc.cluster.local')).toBe(before.get('outbound|8080|v1|web.a.svc.cluster.local'));
    expect(JSON.parse(JSON.stringify([...after.values()]))).toEqual(JSON.parse(JSON.stringify(fromScratch(edited))));
  });

  it('an endpoint-only change carries each key\'s EDS over, replacing only the changed services\' assignments', () => {
    const next = pipeline();
    const memo = new PackMemo();
    const endpointsOnly = new Set<XdsKind>(['endpoints']);
    const first = new SharedConfigCache(next(BASE), kindGeneratorOf(), memo.pack);
    const before = first.resourcesFor(PROXY, endpointsOnly).resources.get(TYPE_URL.ENDPOINT);
    memo.rotate();
    const changedEntries = [...BASE, workload('db-2', 'db', 'b', '10.0.1.2', 'v2')];
    const second = new SharedConfigCache(next(changedEntries), kindGeneratorOf(), memo.pack);
    second.carryEndpointsFrom(first, new Set(['db.b.svc.cluster.local|b']));
    const carried = second.resourcesFor(PROXY, endpointsOnly).resources.get(TYPE_URL.ENDPOINT);
    expect(second.stats.sharedGenerations).toBe(0); // carried, not generated
    const fresh = new SharedConfigCache(second.snapshot, kindGeneratorOf()).resourcesFor(PROXY, endpointsOnly).resources.get(TYPE_URL.ENDPOINT);
    if (!before || !carried || !fresh) throw new Error('no EDS');
    const bytes = (r: typeof carried) => Object.fromEntries([...r.resources].map(([n, a]) => [n, Buffer.from(a.value).toString('base64')]));
    expect(bytes(carried)).toEqual(bytes(fresh));
    expect(carried.version).not.toBe(before.version);
    expect(carried.resources.get('outbound|8080||web.a.svc.cluster.local')).toBe(before.resources.get('outbound|8080||web.a.svc.cluster.local'));
    expect(carried.resources.get('outbound|8080|v2|db.b.svc.cluster.local')).not.toBe(before.resources.get('outbound|8080|v2|db.b.svc.cluster.local'));
  });

  it('EDS a change did not affect is inherited, so the next endpoint-only change can still carry it', () => {
    const next = pipeline();
    const endpointsOnly = new Set<XdsKind>(['endpoints']);
    const first = new SharedConfigCache(next(BASE), kindGeneratorOf());
    first.resourcesFor(PROXY, endpointsOnly);
    const key = sharingKeys(first.snapshot, PROXY, first.context).clustersEndpoints;
    // A change that regenerates nothing of EDS (a VirtualService elsewhere): the second cache never
    // generates EDS itself, but holds the first one's.
    const vs = res('VirtualService', 'web', 'a', { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', subset: 'v1' } }] }] });
    const second = new SharedConfigCache(next([...BASE, vs]), kindGeneratorOf());
    second.inheritEndpointsFrom(first, new Set([key]));
    const changedEntries = [...BASE, vs, workload('db-2', 'db', 'b', '10.0.1.2', 'v2')];
    const third = new SharedConfigCache(next(changedEntries), kindGeneratorOf());
    third.carryEndpointsFrom(second, new Set(['db.b.svc.cluster.local|b']));
    const carried = third.resourcesFor(PROXY, endpointsOnly).resources.get(TYPE_URL.ENDPOINT);
    expect(second.stats.sharedGenerations + third.stats.sharedGenerations).toBe(0);
    const fresh = new SharedConfigCache(third.snapshot, kindGeneratorOf()).resourcesFor(PROXY, endpointsOnly).resources.get(TYPE_URL.ENDPOINT);
    if (!carried || !fresh) throw new Error('no EDS');
    const bytes = (r: typeof carried) => Object.fromEntries([...r.resources].map(([n, a]) => [n, Buffer.from(a.value).toString('base64')]));
    expect(bytes(carried)).toEqual(bytes(fresh));
  });

  it("a PeerAuthentication change rebuilds only the assignments of the endpoints it selects, equal to a generation from scratch", () => {
    const injected = (name: string, app: string, ns: string, address: string): ConfigEntry => res('WorkloadEntry', name, ns, { address, labels: { app, version: 'v1', 'security.istio.io/tlsMode': 'istio' } });
    const mesh = [service('web', 'a'), injected('web-1', 'web', 'a', '10.0.0.1'), service('db', 'b'), injected('db-1', 'db', 'b', '10.0.1.1'), workload('client-1', 'client', 'c', '10.0.9.1')];
    const next = pipeline();
    const before = byCluster(generateEndpoints(clusterInputsFor(next(mesh), PROXY)));
    const withPolicy = [...mesh, createConfigEntry({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'db', namespace: 'b' }, spec: { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'DISABLE' } } }, { source: 'test' })];
    const afterList = generateEndpoints(clusterInputsFor(next(withPolicy), PROXY));
    const after = byCluster(afterList);
    expect(after.get('outbound|8080||web.a.svc.cluster.local')).toBe(before.get('outbound|8080||web.a.svc.cluster.local'));
    expect(JSON.stringify(before.get('outbound|8080||db.b.svc.cluster.local'))).toContain('tlsMode');
    expect(JSON.stringify(after.get('outbound|8080||db.b.svc.cluster.local'))).not.toContain('tlsMode');
    expect(JSON.parse(JSON.stringify(afterList))).toEqual(JSON.parse(JSON.stringify(fromScratch(withPolicy))));
  });

  it('packs a remembered (frozen) resource once and gives the same packed object again', () => {
    const memo = new PackMemo();
    const [assignment] = generateEndpoints(clusterInputsFor(pipeline()(BASE), PROXY));
    if (!assignment) throw new Error('no assignment generated');
    const typeUrl = TYPE_URL.ENDPOINT;
    const packed = memo.pack(typeUrl, assignment);
    expect(Object.isFrozen(packed)).toBe(true);
    // A fresh object with the same content is found by content...
    expect(memo.pack(typeUrl, structuredClone(assignment))).toBe(packed);
    // ...and the remembered one by identity, even after its content entry has rotated out.
    memo.rotate();
    memo.rotate();
    expect(memo.pack(typeUrl, assignment)).toBe(packed);
    expect(memo.misses).toBe(1);
  });
});
