// Turns config changes into pushes: store events → debounce → registry + mesh snapshot → per connected
// proxy: generate → pack → snapshot cache (which pushes only the types whose version changed).
// Endpoint-only changes regenerate EDS alone; new proxies get their config at once.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ConfigEvent, ConfigStore } from '../config/config-store.js';
import { generateProxyConfig } from '../generators/index.js';
import type { EnvoyResource, GeneratedConfig } from '../generators/types.js';
import type { PilotMetrics } from '../metrics/pilot-metrics.js';
import { metricType } from '../metrics/ads-metrics.js';
import type { RegistryView, Workload } from '../registry/model.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import type { MeshConfig } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';
import type { AdsServer, AdsServerEvents } from '../xds/ads-server.js';
import type { Snapshot, SnapshotResources } from '../xds/snapshot.js';
import type { SnapshotCache } from '../xds/snapshot-cache.js';
import { TYPE_URL } from '../xds/type-urls.js';
import { hashResources } from '../xds/version-hash.js';
import { ConvergenceTracker } from './convergence-tracker.js';
import { createDebouncer, type DebounceOptions, type Debouncer } from './debounce.js';
import { packGeneratedConfig, packResources, type PackedConfig } from './pack-config.js';

/** Why a push happened (Istio's push trigger reasons, lower-case): a config change, an endpoint-only
 *  change (EDS fast path), or a proxy that just connected. */
export type PushTrigger = 'config' | 'endpoint' | 'proxy';

/** What one push round did, emitted as `push` (tests and logs use it). */
export interface PushReport {
  readonly trigger: PushTrigger;
  /** The mesh snapshot version pushed. */
  readonly version: number;
  /** Proxies whose config changed and was handed to the cache. */
  readonly pushed: readonly string[];
  /** Proxies whose generated config was unchanged. */
  readonly unchanged: readonly string[];
  /** Proxies whose generator threw; they keep their last config. */
  readonly failed: readonly string[];
  /** Proxies that got only EDS (the fast path). */
  readonly endpointsOnly: readonly string[];
}

/** Events of {@link PushController}. */
export interface PushControllerEvents {
  push: [PushReport];
}

/** Settings of {@link PushController}. */
export interface PushControllerOptions {
  readonly store: ConfigStore;
  readonly ads: AdsServer;
  readonly cache: SnapshotCache;
  readonly mesh: MeshConfig;
  readonly debounce: DebounceOptions;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  readonly metrics?: PilotMetrics;
  /** The whole config of one proxy. Default: generators/index.ts's generateProxyConfig. */
  readonly generate?: (snapshot: MeshSnapshot, proxy: ProxyView) => GeneratedConfig;
  /** EDS only, for the fast path. Default: the `endpoints` of {@link generate}. */
  readonly generateEndpoints?: (snapshot: MeshSnapshot, proxy: ProxyView) => readonly EnvoyResource[];
}

interface ProxyState {
  view: ProxyView;
  /** Open streams with this node id (a proxy may reconnect before its old stream is gone). */
  connections: number;
}

interface PendingChange {
  readonly events: readonly ConfigEvent[];
  readonly at: number;
}

const REGISTRY_KINDS = new Set(['ServiceEntry', 'WorkloadEntry']);

function workloadKey(w: Workload): string {
  return `${w.namespace}/${w.name}`;
}

/** Whether `proxy` runs as `workload` (its node says so by name or by IP). */
function runsAs(proxy: ProxyView, workload: Workload): boolean {
  if (proxy.namespace !== workload.namespace) return false;
  return proxy.workloadName === workload.name || (workload.address !== '' && proxy.ipAddresses.includes(workload.address));
}

/**
 * The push controller. {@link start} builds the first snapshot from the store synchronously (so a
 * proxy connecting right after gets real config) and subscribes to the store and the ADS server.
 * A generator that throws for one proxy is logged and counted; that proxy keeps its last config and
 * the others are pushed as usual.
 */
export class PushController extends EventEmitter<PushControllerEvents> {
  private readonly proxies = new Map<string, ProxyState>();
  private readonly tracker: ConvergenceTracker;
  private readonly generate: (snapshot: MeshSnapshot, proxy: ProxyView) => GeneratedConfig;
  private readonly generateEndpoints: (snapshot: MeshSnapshot, proxy: ProxyView) => readonly EnvoyResource[];
  private debouncer: Debouncer<PendingChange> | undefined;
  private unsubscribe: (() => void)[] = [];
  private version = 0;
  private current: { snapshot: MeshSnapshot; registry: RegistryView } | undefined;

  constructor(private readonly options: PushControllerOptions) {
    super();
    this.generate = options.generate ?? generateProxyConfig;
    this.generateEndpoints = options.generateEndpoints ?? ((s, p) => this.generate(s, p).endpoints);
    this.tracker = new ConvergenceTracker((seconds) => options.metrics?.proxyConvergenceTime.observe(seconds));
  }

  /** The snapshot in force (built by {@link start}). */
  get snapshot(): MeshSnapshot {
    return this.state().snapshot;
  }

  /** The registry the snapshot was built from. */
  get registry(): RegistryView {
    return this.state().registry;
  }

  /** The view of a connected proxy, by node id. */
  proxy(nodeId: string): ProxyView | undefined {
    return this.proxies.get(nodeId)?.view;
  }

  /** Builds the first snapshot and starts listening. */
  start(): void {
    if (this.debouncer) throw new Error('PushController.start called twice');
    const { store, ads } = this.options;
    this.rebuild();
    this.debouncer = createDebouncer<PendingChange>({ quietMs: this.options.debounce.quietMs, maxMs: this.options.debounce.maxMs }, (batch) => this.onFlush(batch));
    this.unsubscribe.push(store.subscribe((events) => this.onConfigEvents(events)));
    const on = <K extends keyof AdsServerEvents>(event: K, listener: (...args: AdsServerEvents[K]) => void): void => {
      ads.on(event, listener as never);
      this.unsubscribe.push(() => ads.off(event, listener as never));
    };
    on('connect', ({ node }) => this.onConnect(node.id, node.metadata));
    on('disconnect', ({ node }) => this.onDisconnect(node.id));
    on('response', ({ node, typeUrl, version }) => this.tracker.response(node.id, typeUrl, version));
    on('ack', ({ node, typeUrl, version }) => this.tracker.ack(node.id, typeUrl, version));
    on('nack', ({ node }) => this.tracker.abandon(node.id));
  }

  /** Pushes pending changes now instead of waiting for the debounce timers. */
  flush(): void {
    this.debouncer?.flush();
  }

  /** Stops listening and drops pending changes. Snapshots already in the cache stay. */
  close(): void {
    this.debouncer?.close();
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private state(): { snapshot: MeshSnapshot; registry: RegistryView } {
    if (!this.current) throw new Error('PushController not started');
    return this.current;
  }

  private onConfigEvents(events: readonly ConfigEvent[]): void {
    const metrics = this.options.metrics;
    if (metrics) {
      metrics.inboundUpdates.inc({ type: 'config' }, events.length);
      for (const e of events) metrics.cfgEvents.inc({ type: e.ref.kind, event: e.type === 'added' ? 'add' : e.type === 'updated' ? 'update' : 'delete' });
    }
    this.debouncer?.push({ events, at: Date.now() });
  }

  /** Rebuilds registry + snapshot from the store; returns the previous ones. */
  private rebuild(): { snapshot: MeshSnapshot; registry: RegistryView } | undefined {
    const started = performance.now();
    const entries = this.options.store.list();
    const registry = buildServiceEntryRegistry(entries);
    const snapshot = buildMeshSnapshot(++this.version, this.options.mesh, entries, registry);
    const previous = this.current;
    this.current = { snapshot, registry };
    const metrics = this.options.metrics;
    if (metrics) {
      metrics.pushContextInitSeconds.observe((performance.now() - started) / 1000);
      metrics.services.set(snapshot.services.length);
      metrics.virtualServices.set(snapshot.virtualServices.length);
    }
    return previous;
  }

  private onFlush(batch: PendingChange[]): void {
    const startedAt = Math.min(...batch.map((b) => b.at));
    this.options.metrics?.debounceTime.observe(Math.max(0, Date.now() - startedAt) / 1000);
    const events = batch.flatMap((b) => b.events);
    let previous: { snapshot: MeshSnapshot; registry: RegistryView } | undefined;
    try {
      previous = this.rebuild();
    } catch (e) {
      // A bug in the registry or snapshot code: keep serving the last snapshot.
      this.options.metrics?.totalXdsInternalErrors.inc();
      this.options.logger.error({ err: e, code: 'WEFT_ERR_INTERNAL' }, 'building the mesh snapshot failed; proxies keep their config');
      return;
    }
    const { snapshot, registry } = this.state();
    const endpointOnly = events.every((e) => REGISTRY_KINDS.has(e.ref.kind)) && JSON.stringify(previous?.registry.services) === JSON.stringify(registry.services);
    if (!endpointOnly || !previous) {
      this.pushAll('config', snapshot, startedAt, () => 'full');
      return;
    }
    // Endpoint-only: a proxy whose own workload changed (labels, ports, address) may need new inbound
    // listeners, so it gets a full push; every other proxy gets EDS alone.
    const before = new Map(previous.registry.workloads.map((w) => [workloadKey(w), JSON.stringify(w)]));
    const after = new Map(registry.workloads.map((w) => [workloadKey(w), JSON.stringify(w)]));
    const changed = [...previous.registry.workloads, ...registry.workloads].filter((w) => before.get(workloadKey(w)) !== after.get(workloadKey(w)));
    this.pushAll('endpoint', snapshot, startedAt, (view) => (changed.some((w) => runsAs(view, w)) ? 'full' : 'eds'));
  }

  private pushAll(trigger: PushTrigger, snapshot: MeshSnapshot, startedAt: number, mode: (view: ProxyView) => 'full' | 'eds'): void {
    this.options.metrics?.pushTriggers.inc({ type: trigger });
    const report = { trigger, version: snapshot.version, pushed: [] as string[], unchanged: [] as string[], failed: [] as string[], endpointsOnly: [] as string[] };
    for (const [nodeId, state] of this.proxies) {
      const m = mode(state.view);
      const outcome = this.pushProxy(nodeId, state.view, snapshot, startedAt, m, false);
      report[outcome].push(nodeId);
      if (outcome === 'pushed' && m === 'eds') report.endpointsOnly.push(nodeId);
    }
    this.options.logger.debug({ trigger, version: snapshot.version, pushed: report.pushed.length, unchanged: report.unchanged.length, failed: report.failed.length }, 'push');
    this.emit('push', report);
  }

  /** Generates and hands one proxy's config to the cache. */
  private pushProxy(nodeId: string, view: ProxyView, snapshot: MeshSnapshot, startedAt: number, mode: 'full' | 'eds', newConnection: boolean): 'pushed' | 'unchanged' | 'failed' {
    const { cache, metrics, logger } = this.options;
    const previous = cache.getSnapshot(nodeId);
    const started = performance.now();
    let packed: PackedConfig;
    try {
      packed =
        mode === 'eds' && previous
          ? new Map([[TYPE_URL.ENDPOINT, packResources(TYPE_URL.ENDPOINT, this.generateEndpoints(snapshot, view))]])
          : packGeneratedConfig(this.generate(snapshot, view));
    } catch (e) {
      metrics?.totalXdsInternalErrors.inc();
      logger.error({ err: e, node: nodeId, version: snapshot.version, code: 'WEFT_ERR_INTERNAL' }, `generating config for ${nodeId} failed; it keeps its last config`);
      return 'failed';
    }
    const generateSeconds = (performance.now() - started) / 1000;

    // The new snapshot: the previous one with the regenerated types replaced (all four on a full push).
    const next = new Map<string, SnapshotResources>(previous ?? []);
    const changed: string[] = [];
    for (const [typeUrl, resources] of packed) {
      const version = hashResources(resources);
      if (previous?.get(typeUrl)?.version !== version) changed.push(typeUrl);
      next.set(typeUrl, { version, resources });
    }
    if (changed.length === 0 && previous) return 'unchanged';

    this.tracker.beginPush(nodeId, startedAt, newConnection);
    const sendStarted = performance.now();
    cache.setSnapshot(nodeId, next as Snapshot);
    this.tracker.endPush(nodeId);
    if (metrics) {
      metrics.xdsSendTime.observe((performance.now() - sendStarted) / 1000);
      for (const typeUrl of changed) {
        metrics.xdsPushTime.observe({ type: metricType(typeUrl) }, generateSeconds);
        let bytes = 0;
        for (const any of next.get(typeUrl)?.resources.values() ?? []) bytes += any.value.byteLength;
        metrics.xdsConfigSizeBytes.observe({ type: metricType(typeUrl) }, bytes);
      }
    }
    return 'pushed';
  }

  private onConnect(nodeId: string, metadata: Readonly<Record<string, unknown>>): void {
    const view = createProxyView(nodeId, metadata);
    const existing = this.proxies.get(nodeId);
    if (existing) {
      existing.connections++;
      // The newest stream's metadata describes the proxy now.
      if (JSON.stringify(existing.view) === JSON.stringify(view) && this.options.cache.getSnapshot(nodeId)) return;
      existing.view = view;
    } else this.proxies.set(nodeId, { view, connections: 1 });
    // Generated now, on the connect path, so the proxy's first requests are answered without waiting
    // for the debounce; the snapshot in force may lag pending changes by up to one debounce.
    this.options.metrics?.pushTriggers.inc({ type: 'proxy' });
    const outcome = this.pushProxy(nodeId, view, this.snapshot, Date.now(), 'full', true);
    this.emit('push', { trigger: 'proxy', version: this.snapshot.version, pushed: outcome === 'pushed' ? [nodeId] : [], unchanged: outcome === 'unchanged' ? [nodeId] : [], failed: outcome === 'failed' ? [nodeId] : [], endpointsOnly: [] });
  }

  private onDisconnect(nodeId: string): void {
    this.tracker.abandon(nodeId);
    const state = this.proxies.get(nodeId);
    if (!state) return;
    state.connections--;
    if (state.connections > 0) return;
    this.proxies.delete(nodeId);
    // Nothing is connected under this id any more: free its config; a reconnect regenerates it.
    this.options.cache.clearSnapshot(nodeId);
  }
}
