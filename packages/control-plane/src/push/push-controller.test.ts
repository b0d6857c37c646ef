// The push controller against a real ADS server and a real gRPC client: immediate config on connect,
// debounced pushes, the EDS fast path, skipping unaffected proxies, surviving a generator that throws,
// and convergence time.

import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { unpackAny, TYPE_URL } from '@weft/shared/xds';
import { AdsTestClient } from '../../test/ads-test-client.js';
import { clusterName, servicesGenerator } from '../../test/services-generator.js';
import { ConfigStore } from '../config/config-store.js';
import { MemorySource } from '../config/memory-source.js';
import { SIDECAR_GENERATORS, type SidecarGenerators } from '../generators/index.js';
import type { GeneratedConfig } from '../generators/types.js';
import { createPilotMetrics, type PilotMetrics } from '../metrics/pilot-metrics.js';
import { DEFAULT_MESH_CONFIG } from '../snapshot/mesh-config.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { AdsServer } from '../xds/ads-server.js';
import { createSnapshotCache, type SnapshotCache } from '../xds/snapshot-cache.js';
import { PushController, type PushControllerOptions, type PushReport } from './push-controller.js';

const { CLUSTER: CDS, ENDPOINT: EDS, LISTENER: LDS } = TYPE_URL;
const NODE_A = 'sidecar~10.0.0.1~productpage-v1.bookinfo~bookinfo.svc.cluster.local';
const NODE_B = 'sidecar~10.0.0.2~other-v1.other~other.svc.cluster.local';

const serviceEntry = (name: string, namespace: string, port = 9080, exportTo = ['.']) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name, namespace },
  spec: { hosts: [`${name}.${namespace}.svc.cluster.local`], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: port, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: name } }, exportTo },
});
const workloadEntry = (name: string, namespace: string, app: string, address: string) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'WorkloadEntry',
  metadata: { name, namespace },
  spec: { address, labels: { app } },
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Harness {
  store: ConfigStore;
  memory: MemorySource;
  cache: SnapshotCache;
  ads: AdsServer;
  controller: PushController;
  metrics: PilotMetrics;
  logs: Record<string, unknown>[];
  connect(nodeId: string, metadata?: Record<string, unknown>): AdsTestClient;
  nextPush(): Promise<PushReport>;
}

async function start(options: Partial<PushControllerOptions> = {}, initial: object[] = []): Promise<Harness> {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _e, cb) => (logs.push(JSON.parse(chunk.toString())), cb()) }));
  const store = new ConfigStore();
  const memory = new MemorySource(store);
  if (initial.length > 0) expect(memory.apply(...initial).ok).toBe(true);
  const cache = createSnapshotCache();
  const ads = new AdsServer({ cache, shutdownGraceMs: 200, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined } });
  const port = await ads.listen(0, '127.0.0.1');
  cleanups.push(() => ads.close());
  const metrics = createPilotMetrics();
  const controller = new PushController({ store, ads, cache, mesh: DEFAULT_MESH_CONFIG, debounce: { quietMs: 10, maxMs: 100 }, logger, metrics, generate: servicesGenerator, ...options });
  controller.start();
  cleanups.push(() => controller.close());
  return {
    store,
    memory,
    cache,
    ads,
    controller,
    metrics,
    logs,
    connect(nodeId, metadata) {
      const c = new AdsTestClient(`127.0.0.1:${port}`, nodeId, metadata);
      cleanups.push(() => c.close());
      return c;
    },
    nextPush: async () => (await once(controller, 'push'))[0] as PushReport,
  };
}

function resourceNames(response: { resources: { type_url: string; value: Uint8Array }[] }): string[] {
  return response.resources.map((r) => {
    const u = unpackAny(r);
    if (!u.ok) throw new Error(u.error);
    return String(u.message.name ?? u.message.cluster_name);
  });
}

/** Subscribes to CDS, EDS (the given clusters) and LDS and ACKs the first responses. */
async function subscribe(client: AdsTestClient, clusters: string[]): Promise<void> {
  client.send(CDS);
  client.ack(await client.next(CDS));
  client.send(EDS, { resource_names: clusters });
  client.ack(await client.next(EDS), clusters);
  client.send(LDS);
  client.ack(await client.next(LDS));
}

describe('PushController', () => {
  it('logs the Gateway servers a router\'s config leaves out, once', async () => {
    const gateway = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'ingress', namespace: 'bookinfo' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'no-such-credential' } }] },
    };
    const h = await start({ debounce: { quietMs: 60_000, maxMs: 60_000 } }, [serviceEntry('reviews', 'bookinfo'), gateway]);
    const router = 'router~127.0.0.50~ingress-1.bookinfo~bookinfo.svc.cluster.local';
    const pushed = h.nextPush();
    const client = h.connect(router, { NAMESPACE: 'bookinfo', LABELS: { istio: 'ingressgateway' } });
    client.send(CDS);
    await pushed;
    const warnings = h.logs.filter((l) => l.code === 'WEFT_WARN_GATEWAY_SERVER');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toContain('no-such-credential');
  });

  it('generates a new proxy config on connect, without waiting for the debounce', async () => {
    const h = await start({ debounce: { quietMs: 60_000, maxMs: 60_000 } }, [serviceEntry('reviews', 'bookinfo')]);
    const client = h.connect(NODE_A);
    const before = Date.now();
    client.send(CDS);
    const cds = await client.next(CDS);
    expect(Date.now() - before).toBeLessThan(2000);
    expect(resourceNames(cds)).toEqual([clusterName('reviews.bookinfo.svc.cluster.local', 9080)]);
    expect(h.controller.proxy(NODE_A)).toMatchObject({ namespace: 'bookinfo', workloadName: 'productpage-v1' });
  });

  it('pushes a debounced config change to connected proxies, only the types that changed', async () => {
    const h = await start({}, [serviceEntry('reviews', 'bookinfo')]);
    const client = h.connect(NODE_A);
    await subscribe(client, [clusterName('reviews.bookinfo.svc.cluster.local', 9080)]);
    const pushed = h.nextPush();
    h.memory.apply(serviceEntry('ratings', 'bookinfo'));
    const report = await pushed;
    expect(report).toMatchObject({ trigger: 'config', pushed: [NODE_A] });
    const cds = await client.next(CDS);
    expect(resourceNames(cds).sort()).toEqual([clusterName('ratings.bookinfo.svc.cluster.local', 9080), clusterName('reviews.bookinfo.svc.cluster.local', 9080)]);
    // LDS did not change, so it was not sent again (EDS for the subscribed name did not change either).
    await new Promise((r) => setTimeout(r, 50));
    expect(client.pending().map((r) => r.type_url)).not.toContain(LDS);
  });

  it('takes the EDS-only fast path when only a WorkloadEntry changed', async () => {
    const h = await start({}, [serviceEntry('reviews', 'bookinfo'), workloadEntry('reviews-1', 'bookinfo', 'reviews', '10.1.0.1')]);
    const cluster = clusterName('reviews.bookinfo.svc.cluster.local', 9080);
    const client = h.connect(NODE_A);
    await subscribe(client, [cluster]);
    const pushed = h.nextPush();
    h.memory.apply(workloadEntry('reviews-1', 'bookinfo', 'reviews', '10.1.0.2'));
    expect(await pushed).toMatchObject({ trigger: 'endpoint', pushed: [NODE_A], endpointsOnly: [NODE_A] });
    const eds = await client.next(EDS);
    const decoded = unpackAny(eds.resources[0] as never);
    expect(JSON.stringify(decoded)).toContain('10.1.0.2');
    await new Promise((r) => setTimeout(r, 50));
    expect(client.pending()).toEqual([]);
    expect(await h.metrics.registry.getSingleMetricAsString('pilot_push_triggers')).toContain('pilot_push_triggers{type="endpoint"} 1');
  });

  it('does a full push when a ServiceEntry changes its ports', async () => {
    const h = await start({}, [serviceEntry('reviews', 'bookinfo'), workloadEntry('reviews-1', 'bookinfo', 'reviews', '10.1.0.1')]);
    h.connect(NODE_A).send(CDS);
    await h.nextPush(); // the connect push
    const pushed = h.nextPush();
    h.memory.apply(serviceEntry('reviews', 'bookinfo', 9081));
    expect(await pushed).toMatchObject({ trigger: 'config', pushed: [NODE_A], endpointsOnly: [] });
  });

  it('skips proxies the change cannot affect, without regenerating them', async () => {
    const h = await start({}, [serviceEntry('reviews', 'bookinfo'), serviceEntry('other', 'other')]);
    const a = h.connect(NODE_A);
    const b = h.connect(NODE_B);
    a.send(CDS);
    b.send(CDS);
    await a.next(CDS);
    await b.next(CDS);
    const pushed = h.nextPush();
    h.memory.apply(serviceEntry('ratings', 'bookinfo')); // visible to bookinfo only (exportTo '.')
    const report = await pushed;
    expect(report.pushed).toEqual([NODE_A]);
    expect(report.skipped).toEqual([NODE_B]);
    expect(report.unchanged).toEqual([]);
  });

  it('keeps the last config of a proxy whose generator throws, and pushes the others', async () => {
    const failing = new Set<string>();
    const generate = (s: MeshSnapshot, p: ProxyView): GeneratedConfig => {
      if (failing.has(p.id)) throw new Error('boom');
      return servicesGenerator(s, p);
    };
    const h = await start({ generate }, [serviceEntry('reviews', 'bookinfo', 9080, ['*'])]);
    const a = h.connect(NODE_A);
    const b = h.connect(NODE_B);
    a.send(CDS);
    b.send(CDS);
    const firstA = await a.next(CDS);
    await b.next(CDS);
    failing.add(NODE_A);
    const pushed = h.nextPush();
    h.memory.apply(serviceEntry('ratings', 'bookinfo', 9080, ['*']));
    const report = await pushed;
    expect(report.failed).toEqual([NODE_A]);
    expect(report.pushed).toEqual([NODE_B]);
    expect(h.cache.getSnapshot(NODE_A)?.get(CDS)?.version).toBe(firstA.version_info);
    expect(resourceNames(await b.next(CDS))).toHaveLength(2);
    expect(h.logs.some((l) => l.level === 50 && l.node === NODE_A && String(l.msg).includes('keeps its last config'))).toBe(true);
    expect(await h.metrics.registry.getSingleMetricAsString('pilot_total_xds_internal_errors')).toContain('pilot_total_xds_internal_errors 1');
  });

  it('records convergence once the proxy ACKs every response a push sent', async () => {
    const h = await start({}, [serviceEntry('reviews', 'bookinfo')]);
    const client = h.connect(NODE_A);
    const cluster = clusterName('reviews.bookinfo.svc.cluster.local', 9080);
    await subscribe(client, [cluster]);
    await new Promise((r) => setTimeout(r, 20));
    const countBefore = await convergenceCount(h.metrics);
    h.memory.apply(serviceEntry('ratings', 'bookinfo'), workloadEntry('reviews-1', 'bookinfo', 'reviews', '10.0.0.9'));
    // A new cluster changes CDS, and the new endpoint changes the subscribed load assignment (EDS
    // pushes carry only changed assignments): both responses must be ACKed.
    const cds = await client.next(CDS);
    const eds = await client.next(EDS);
    let acked = once(h.ads, 'ack');
    client.ack(cds);
    await acked;
    expect(await convergenceCount(h.metrics)).toBe(countBefore);
    acked = once(h.ads, 'ack');
    client.ack(eds, [cluster]);
    await acked;
    expect(await convergenceCount(h.metrics)).toBe(countBefore + 1);
  });

  it('forgets a proxy when its last stream ends', async () => {
    const h = await start({}, [serviceEntry('reviews', 'bookinfo')]);
    const client = h.connect(NODE_A);
    client.send(CDS);
    await client.next(CDS);
    expect(h.cache.getSnapshot(NODE_A)).toBeDefined();
    const gone = once(h.ads, 'disconnect');
    client.close();
    await gone;
    expect(h.cache.getSnapshot(NODE_A)).toBeUndefined();
    expect(h.controller.proxy(NODE_A)).toBeUndefined();
  });
});

/** The real generators, each wrapped to count its calls (per xDS type and per proxy namespace). */
function countingGenerators(): { generators: SidecarGenerators; calls: Record<string, number>; byNamespace: Record<string, number>; reset(): void } {
  const calls: Record<string, number> = { listeners: 0, routes: 0, clusters: 0, endpoints: 0 };
  const byNamespace: Record<string, number> = {};
  const generators: SidecarGenerators = {
    listeners: (snapshot, proxy, scope) => (calls.listeners!++, SIDECAR_GENERATORS.listeners(snapshot, proxy, scope)),
    routes: (snapshot, proxy, scope) => {
      calls.routes!++;
      byNamespace[proxy.namespace] = (byNamespace[proxy.namespace] ?? 0) + 1;
      return SIDECAR_GENERATORS.routes(snapshot, proxy, scope);
    },
    clusters: (inputs) => (calls.clusters!++, SIDECAR_GENERATORS.clusters(inputs)),
    endpoints: (inputs) => (calls.endpoints!++, SIDECAR_GENERATORS.endpoints(inputs)),
  };
  const reset = (): void => {
    for (const k of Object.keys(calls)) calls[k] = 0;
    for (const k of Object.keys(byNamespace)) delete byNamespace[k];
  };
  return { generators, calls, byNamespace, reset };
}

const sidecarNode = (app: string, ns: string, ip: string) => ({
  id: `sidecar~${ip}~${app}-v1.${ns}~${ns}.svc.cluster.local`,
  metadata: { NAMESPACE: ns, WORKLOAD_NAME: `${app}-v1`, LABELS: { app, version: 'v1' }, INSTANCE_IPS: ip, ISTIO_VERSION: '1.22.0' },
});
const sidecarResource = (ns: string, hosts: string[]) => ({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default', namespace: ns }, spec: { egress: [{ hosts }] } });
const weightedVs = (app: string, ns: string, v1: number) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: app, namespace: ns },
  spec: { hosts: [app], http: [{ route: [{ destination: { host: app, subset: 'v1' }, weight: v1 }, { destination: { host: app, subset: 'v2' }, weight: 100 - v1 }] }] },
});

describe('PushController with the real generators', () => {
  // Two namespaces, a proxy in each, services exported everywhere.
  const mesh = [
    serviceEntry('reviews', 'bookinfo', 9080, ['*']),
    workloadEntry('reviews-1', 'bookinfo', 'reviews', '10.1.0.1'),
    serviceEntry('other', 'other', 9080, ['*']),
    workloadEntry('other-1', 'other', 'other', '10.2.0.1'),
    workloadEntry('other-2', 'other', 'other', '10.2.0.2'),
  ];
  const A = sidecarNode('productpage', 'bookinfo', '10.0.0.1');
  const B = sidecarNode('client', 'other', '10.0.0.2');

  async function connected(extra: object[]) {
    const counting = countingGenerators();
    const h = await start({ generate: undefined, generators: counting.generators }, [...mesh, ...extra]);
    for (const n of [A, B]) {
      const connectedPush = h.nextPush();
      h.connect(n.id, n.metadata).send(CDS);
      await connectedPush;
    }
    counting.reset();
    return { h, counting };
  }

  it('regenerates only EDS, once per sharing key, when only endpoints change', async () => {
    const { h, counting } = await connected([]);
    const pushed = h.nextPush();
    h.memory.apply(workloadEntry('other-2', 'other', 'other', '10.2.0.9'));
    const report = await pushed;
    expect(report).toMatchObject({ trigger: 'endpoint', endpointsOnly: [A.id, B.id] });
    expect(counting.calls).toEqual({ listeners: 0, routes: 0, clusters: 0, endpoints: 2 });
  });

  it('regenerates LDS and RDS, not CDS or EDS, for a VirtualService edit', async () => {
    const { h, counting } = await connected([weightedVs('reviews', 'bookinfo', 90)]);
    const pushed = h.nextPush();
    h.memory.apply(weightedVs('reviews', 'bookinfo', 80));
    const report = await pushed;
    expect([...report.pushed].sort()).toEqual([A.id, B.id].sort());
    expect(counting.calls).toEqual({ listeners: 2, routes: 2, clusters: 0, endpoints: 0 });
  });

  it('regenerates only the proxy whose Sidecar scope sees the changed VirtualService', async () => {
    const { h, counting } = await connected([sidecarResource('bookinfo', ['./*']), sidecarResource('other', ['./*']), weightedVs('reviews', 'bookinfo', 90)]);
    const pushed = h.nextPush();
    h.memory.apply(weightedVs('reviews', 'bookinfo', 80));
    const report = await pushed;
    expect(report).toMatchObject({ trigger: 'config', pushed: [A.id], skipped: [B.id] });
    expect(counting.byNamespace).toEqual({ bookinfo: 1 });
  });

  it('pushes LDS alone, with the RBAC filters, only to the proxies an AuthorizationPolicy selects', async () => {
    const { h, counting } = await connected([]);
    const policy = (name: string, spec: object) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'bookinfo' }, spec });
    const ldsVersion = (id: string) => h.cache.getSnapshot(id)?.get(LDS)?.version;
    const [aBefore, bBefore] = [ldsVersion(A.id), ldsVersion(B.id)];
    const pushed = h.nextPush();
    const applied = h.memory.apply(
      policy('deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] }),
      policy('allow-get', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }),
      // Valid Istio config Weft cannot enforce (no ext_authz): left out with a warning.
      policy('ext-authz', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/ext'] } }] }] }),
    );
    expect(applied.ok).toBe(true);
    const report = await pushed;
    expect(report).toMatchObject({ trigger: 'config', pushed: [A.id], skipped: [B.id] });
    // The shared outbound part for A's key (a new snapshot's cache) and A's own inbound part.
    expect(counting.calls).toEqual({ listeners: 2, routes: 0, clusters: 0, endpoints: 0 });
    expect(ldsVersion(A.id)).not.toBe(aBefore);
    expect(ldsVersion(B.id)).toBe(bBefore);
    const inbound = h.cache.getSnapshot(A.id)?.get(LDS)?.resources.get('virtualInbound');
    const decoded = inbound ? unpackAny(inbound) : undefined;
    expect(decoded?.ok).toBe(true);
    const catchAll = (decoded?.ok ? (decoded.message.filter_chains as { name: string; filters: { typed_config: { http_filters?: { name: string }[] } }[] }[]) : []).find((c) => c.name === 'virtualInbound-catchall-http');
    expect(catchAll?.filters[0]?.typed_config.http_filters?.map((f) => f.name)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
    const warnings = h.logs.filter((l) => l.code === 'WEFT_WARN_AUTHZ_POLICY');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toContain('CUSTOM action is not supported (no ext_authz): skipped bookinfo/ext-authz');

    // Removing the policies: the same proxy again, warnings not repeated.
    const removed = h.nextPush();
    for (const name of ['deny-admin', 'allow-get', 'ext-authz']) h.memory.delete({ kind: 'AuthorizationPolicy', namespace: 'bookinfo', name });
    expect(await removed).toMatchObject({ pushed: [A.id], skipped: [B.id] });
    expect(ldsVersion(A.id)).toBe(aBefore);
    expect(h.logs.filter((l) => l.code === 'WEFT_WARN_AUTHZ_POLICY')).toHaveLength(1);
  });
});

async function convergenceCount(metrics: PilotMetrics): Promise<number> {
  const text = await metrics.registry.getSingleMetricAsString('pilot_proxy_convergence_time');
  return Number(/pilot_proxy_convergence_time_count (\d+)/.exec(text)?.[1] ?? NaN);
}
