// Turns config changes into pushes: store events → debounce → registry + mesh snapshot → which proxies
// and kinds the change can affect (change-impact.ts) → generate (shared between proxies with equal
// sharing keys, shared-config-cache.ts) → pack → snapshot cache (pushes only changed types).
// Endpoint-only changes regenerate EDS alone; new proxies get theirs without waiting for the debounce.

import { EventEmitter } from 'node:events';
import type { AnyMessage } from '@weft/shared/xds';
import type { Logger } from 'pino';
import type { ConfigEvent, ConfigStore } from '../config/config-store.js';
import { SIDECAR_GENERATORS, type SidecarGenerators } from '../generators/index.js';
import { workloadRbacFilters } from '../generators/filter-rbac.js';
import type { EnvoyResource, GeneratedConfig } from '../generators/types.js';
import type { PilotMetrics } from '../metrics/pilot-metrics.js';
import { metricType } from '../metrics/ads-metrics.js';
import type { RegistryView } from '../registry/model.js';
import type { MeshConfig } from '../snapshot/mesh-config.js';
import { gatewayWarningsFor } from '../snapshot/lookup-gateways.js';
import { buildMeshSnapshot, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';
import type { AdsServer, AdsServerEvents } from '../xds/ads-server.js';
import type { Snapshot, SnapshotResources } from '../xds/snapshot.js';
import type { SnapshotCache } from '../xds/snapshot-cache.js';
import type { JwksRef, JwksResolver } from '../security/authn/index.js';
import { changeImpact, type ProxyImpact } from './change-impact.js';
import { eventsForJwks, jwksRequestsOf } from './jwks-requests.js';
import { ConvergenceTracker } from './convergence-tracker.js';
import { createDebouncer, type DebounceOptions, type Debouncer } from './debounce.js';
import { ALL_KINDS, type XdsKind } from './own-config.js';
import { LayeredResources } from './layered-resources.js';
import { PackMemo } from './pack-memo.js';
import { NamespacedRegistry } from './registry-by-namespace.js';
import { isShareable, sharingKeys } from './sharing-key.js';
import { kindGeneratorOf, SharedConfigCache, type CacheStats, type KindGenerator, type OwnParts } from './shared-config-cache.js';

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
  /** Proxies regenerated whose config came out unchanged. */
  readonly unchanged: readonly string[];
  /** Proxies the change could not affect: not regenerated at all. */
  readonly skipped: readonly string[];
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
  /** The per-type generators (default: the real ones). Tests wrap them, e.g. to count calls per type. */
  readonly generators?: SidecarGenerators;
  /** Replaces the generators with one that builds a proxy's whole config (tests). Like the real ones it
   *  must depend on the proxy only through what the sharing key covers (sharing-key.ts) plus its own
   *  workload's inbound resources: its output is shared between proxies with equal keys. */
  readonly generate?: (snapshot: MeshSnapshot, proxy: ProxyView) => GeneratedConfig;
  /** EDS only, for the fast path, with {@link generate}. Default: the `endpoints` of {@link generate}. */
  readonly generateEndpoints?: (snapshot: MeshSnapshot, proxy: ProxyView) => readonly EnvoyResource[];
  /** Fetches the JWKS of RequestAuthentications that name a jwksUri (istiod's JwtKeyResolver). Without
   *  it such rules get a key nobody can sign for. */
  readonly jwks?: JwksResolver;
}

interface ProxyState {
  view: ProxyView;
  /** Open streams with this node id (a proxy may reconnect before its old stream is gone). */
  connections: number;
  /** Its own (inbound) parts, reused while changes do not touch its workload. */
  own: OwnParts;
  /** Routers: the Gateway warnings last logged (joined), so each set is logged once. */
  gatewayWarnings?: string;
  /** The AuthorizationPolicy translation warnings last logged (joined), so each set is logged once. */
  authzWarnings?: string;
}

/** One push round: the proxies a batch of changes can affect, pushed a slice at a time. */
interface PushRound {
  readonly trigger: PushTrigger;
  readonly version: number;
  readonly startedAt: number;
  /** Proxies to push, in order, with what to regenerate; those before `next` are done. */
  readonly pending: [string, ProxyImpact][];
  next: number;
  readonly report: { trigger: PushTrigger; version: number; pushed: string[]; unchanged: string[]; skipped: string[]; failed: string[]; endpointsOnly: string[] };
  /** The config cache's counters when the round began (for the log line). */
  readonly stats: Readonly<CacheStats>;
}

interface PendingChange {
  readonly events: readonly ConfigEvent[];
  readonly at: number;
}

const EVERY_KIND: ReadonlySet<XdsKind> = new Set(ALL_KINDS);
const REGISTRY_KINDS: ReadonlySet<string> = new Set(['ServiceEntry', 'WorkloadEntry']);
/** How long one turn of the event loop may spend on first configs of newly connected proxies. */
const CONNECT_SLICE_MS = 20;
/** How long one turn of the event loop may spend pushing a change (see drainRounds). */
const PUSH_SLICE_MS = 20;

const bytesMemo = new WeakMap<ReadonlyMap<string, AnyMessage>, number>();

/** Encoded size of a proxy's resources of one type; shared layers are summed once per snapshot, not
 *  once per proxy holding them. */
function encodedBytes(resources: ReadonlyMap<string, AnyMessage>): number {
  if (resources instanceof LayeredResources) return encodedBytes(resources.shared) + encodedBytes(resources.own);
  let bytes = bytesMemo.get(resources);
  if (bytes === undefined) {
    bytes = 0;
    for (const any of resources.values()) bytes += any.value.byteLength;
    bytesMemo.set(resources, bytes);
  }
  return bytes;
}

function kindGeneratorFor(options: PushControllerOptions): KindGenerator {
  const base = kindGeneratorOf(options.generators);
  const { generate, generateEndpoints } = options;
  if (!generate && !generateEndpoints) return base;
  return (snapshot, proxy, kinds) => {
    if (kinds.size === 1 && kinds.has('endpoints') && generateEndpoints) return { endpoints: generateEndpoints(snapshot, proxy) };
    return generate ? generate(snapshot, proxy) : base(snapshot, proxy, kinds);
  };
}

/**
 * The push controller. {@link start} builds the first snapshot from the store synchronously (so a
 * proxy connecting right after gets real config) and subscribes to the store and the ADS server.
 * On each debounced batch it regenerates only the proxies, and only the kinds, the batch can affect;
 * proxies with equal sharing keys share one generation. A newly connected proxy is queued and gets
 * its first config from the snapshot in force within a turn or so of the event loop. A generator that
 * throws for one proxy is logged and counted; that proxy keeps its last config and the others are
 * pushed as usual.
 */
export class PushController extends EventEmitter<PushControllerEvents> {
  private readonly proxies = new Map<string, ProxyState>();
  private readonly tracker: ConvergenceTracker;
  private readonly generateKinds: KindGenerator;
  private readonly packMemo = new PackMemo();
  private readonly registries = new NamespacedRegistry();
  private debouncer: Debouncer<PendingChange> | undefined;
  private unsubscribe: (() => void)[] = [];
  /** Proxies that connected and wait for their first config, with when they connected. */
  private readonly connecting = new Map<string, number>();
  private draining: NodeJS.Immediate | undefined;
  /** Push rounds not finished yet, oldest first, and the turn that continues them. */
  private readonly rounds: PushRound[] = [];
  private pushTurn: NodeJS.Immediate | undefined;
  private version = 0;
  private closed = false;
  private current: { snapshot: MeshSnapshot; registry: RegistryView; config: SharedConfigCache } | undefined;
  /** The mesh settings in force: `options.mesh`, then each {@link setMesh}. */
  private mesh: MeshConfig;

  /** Whether the sidecar generators are the real ones (tests may replace them). */
  private readonly realGenerators: boolean;

  constructor(private readonly options: PushControllerOptions) {
    super();
    this.realGenerators = !options.generate && !options.generateEndpoints && (options.generators === undefined || options.generators === SIDECAR_GENERATORS);
    this.mesh = options.mesh;
    this.generateKinds = kindGeneratorFor(options);
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

  /** Fetches the key sets the store's RequestAuthentications name (once, within each rule's timeout), so
   *  the first snapshot carries them: call before {@link start}. Never rejects. */
  async prepare(): Promise<void> {
    await this.options.jwks?.resolve(jwksRequestsOf(this.options.store.list()));
  }

  /** Builds the first snapshot and starts listening. */
  start(): void {
    if (this.debouncer) throw new Error('PushController.start called twice');
    const { store, ads, jwks } = this.options;
    this.rebuild();
    this.debouncer = createDebouncer<PendingChange>({ quietMs: this.options.debounce.quietMs, maxMs: this.options.debounce.maxMs }, (batch) => this.onFlush(batch));
    this.unsubscribe.push(store.subscribe((events) => this.onConfigEvents(events)));
    // New keys of a jwksUri (a refresh, or a retried fetch) are pushed like an edit of the
    // RequestAuthentications naming it (Istio: the resolver's PushFunc).
    if (jwks) this.unsubscribe.push(jwks.subscribe((changed) => this.onJwksChange(changed)));
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

  /**
   * Replaces the mesh settings (a new MeshConfig file, weftd --mesh-config): like istiod's mesh watcher,
   * the change is debounced with config changes and pushes every proxy everything (its event names the
   * `MeshConfig` kind, which the change impact analysis does not target).
   */
  setMesh(mesh: MeshConfig): void {
    this.mesh = mesh;
    this.debouncer?.push({ events: [{ type: 'updated', ref: { kind: 'MeshConfig', namespace: mesh.rootNamespace, name: 'mesh' } }], at: Date.now() });
  }

  /** Pushes pending changes now instead of waiting for the debounce timers. */
  flush(): void {
    this.debouncer?.flush();
  }

  /** Stops listening and drops pending changes. Snapshots already in the cache stay. */
  close(): void {
    this.closed = true;
    this.debouncer?.close();
    this.connecting.clear();
    if (this.draining) clearImmediate(this.draining);
    this.draining = undefined;
    if (this.pushTurn) clearImmediate(this.pushTurn);
    this.pushTurn = undefined;
    this.rounds.length = 0;
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private state(): { snapshot: MeshSnapshot; registry: RegistryView; config: SharedConfigCache } {
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

  /** Rebuilds registry + snapshot from the store; returns the previous snapshot. The registry is
   *  rebuilt only in the namespaces of `registryChanges` (ServiceEntry / WorkloadEntry events), and
   *  whole on the first build. */
  private rebuild(registryChanges: readonly ConfigEvent[] = []): MeshSnapshot | undefined {
    const started = performance.now();
    const entries = this.options.store.list();
    const registry = registryChanges.length > 0 || !this.current ? this.registries.update(entries, new Set(registryChanges.map((e) => e.ref.namespace))) : this.current.registry;
    const snapshot = buildMeshSnapshot(++this.version, this.mesh, entries, registry, this.current?.snapshot, this.options.jwks?.keys);
    const previous = this.current?.snapshot;
    this.packMemo.rotate();
    this.current = { snapshot, registry, config: new SharedConfigCache(snapshot, this.generateKinds, this.packMemo.pack) };
    const metrics = this.options.metrics;
    if (metrics) {
      metrics.pushContextInitSeconds.observe((performance.now() - started) / 1000);
      metrics.services.set(snapshot.services.length);
      metrics.virtualServices.set(snapshot.virtualServices.length);
    }
    return previous;
  }

  private onJwksChange(changed: readonly JwksRef[]): void {
    const events = eventsForJwks(this.options.store.list(), changed);
    if (events.length > 0) this.debouncer?.push({ events, at: Date.now() });
  }

  private onFlush(batch: PendingChange[]): void {
    // Key sets a RequestAuthentication names and weftd has not fetched yet are fetched first, once and
    // within each rule's timeout, as Istio's push fetches them: the snapshot then carries them (or, on
    // failure, the generators inline a key nobody can sign for).
    const fetching = this.options.jwks?.resolve(jwksRequestsOf(this.options.store.list()));
    if (fetching) {
      void fetching.then(() => {
        if (!this.closed) this.onFlush(batch);
      });
      return;
    }
    const startedAt = Math.min(...batch.map((b) => b.at));
    this.options.metrics?.debounceTime.observe(Math.max(0, Date.now() - startedAt) / 1000);
    const events = batch.flatMap((b) => b.events);
    let previous: MeshSnapshot | undefined;
    const previousConfig = this.current?.config;
    try {
      previous = this.rebuild(events.filter((e) => REGISTRY_KINDS.has(e.ref.kind)));
    } catch (e) {
      // A bug in the registry or snapshot code: keep serving the last snapshot.
      this.options.metrics?.totalXdsInternalErrors.inc();
      this.options.logger.error({ err: e, code: 'WEFT_ERR_INTERNAL' }, 'building the mesh snapshot failed; proxies keep their config');
      return;
    }
    const { snapshot } = this.state();
    let impact: ReturnType<typeof changeImpact> | undefined;
    try {
      impact = changeImpact(previous, snapshot, events, [...this.proxies.values()].map((p) => p.view));
    } catch (e) {
      // A bug in the impact analysis must not stop pushes: push everything instead.
      this.options.metrics?.totalXdsInternalErrors.inc();
      this.options.logger.error({ err: e, code: 'WEFT_ERR_INTERNAL' }, 'change impact analysis failed; pushing every proxy');
    }
    // Endpoints alone moved: each sharing key's EDS is the previous one with those services' load
    // assignments replaced (only the real generators are known to make EDS per service).
    if (impact && previousConfig && this.realGenerators) {
      const { config } = this.state();
      // EDS the change cannot affect stays valid: kept for the next endpoint-only change to carry.
      const kept = new Set<string>();
      for (const [nodeId, state] of this.proxies) {
        const kinds = impact.proxies.get(nodeId)?.kinds;
        if (kinds && !kinds.has('endpoints') && isShareable(state.view)) kept.add(sharingKeys(snapshot, state.view, config.context).clustersEndpoints);
      }
      config.inheritEndpointsFrom(previousConfig, kept);
      if (impact.endpointOnly) config.carryEndpointsFrom(previousConfig, impact.endpointsChanged);
    }
    this.pushAll(impact?.endpointOnly ? 'endpoint' : 'config', snapshot, startedAt, (nodeId) => impact?.proxies.get(nodeId));
  }

  /** Queues a push round: the proxies the change can affect are pushed in slices (see drainRounds). */
  private pushAll(trigger: PushTrigger, snapshot: MeshSnapshot, startedAt: number, impactOf: (nodeId: string) => ProxyImpact | undefined): void {
    this.options.metrics?.pushTriggers.inc({ type: trigger });
    const round: PushRound = { trigger, version: snapshot.version, startedAt, pending: [], next: 0, report: { trigger, version: snapshot.version, pushed: [], unchanged: [], skipped: [], failed: [], endpointsOnly: [] }, stats: { ...this.state().config.stats } };
    for (const nodeId of this.proxies.keys()) {
      // A proxy still waiting for its first config gets it from the newest snapshot when its turn comes.
      if (this.connecting.has(nodeId)) continue;
      const impact = impactOf(nodeId) ?? { kinds: EVERY_KIND, own: true };
      if (impact.kinds.size === 0) round.report.skipped.push(nodeId);
      else round.pending.push([nodeId, impact]);
    }
    this.rounds.push(round);
    this.drainRounds();
  }

  /**
   * Pushes queued rounds for at most PUSH_SLICE_MS per turn of the event loop, oldest round first, so
   * that responses already handed to gRPC are written and ACKs read while the rest are generated
   * (a change reaching 2,000 proxies is otherwise one long block of the loop). Proxies are pushed from
   * the snapshot in force when their turn comes, which may be newer than their round's: a newer round
   * pushes them again with its own kinds, so every change reaches them.
   */
  private drainRounds(): void {
    if (this.pushTurn) clearImmediate(this.pushTurn);
    this.pushTurn = undefined;
    const started = performance.now();
    while (this.rounds.length > 0) {
      const round = this.rounds[0] as PushRound;
      while (round.next < round.pending.length) {
        if (performance.now() - started > PUSH_SLICE_MS) {
          this.pushTurn = setImmediate(() => this.drainRounds());
          return;
        }
        const [nodeId, impact] = round.pending[round.next++] as [string, ProxyImpact];
        const state = this.proxies.get(nodeId);
        // Gone, or reconnected and queued for a first config that will cover this change.
        if (!state || this.connecting.has(nodeId)) continue;
        const outcome = this.pushProxy(nodeId, state, impact.kinds, impact.own, round.startedAt, false);
        round.report[outcome].push(nodeId);
        if (outcome === 'pushed' && impact.kinds.size === 1 && impact.kinds.has('endpoints')) round.report.endpointsOnly.push(nodeId);
      }
      this.rounds.shift();
      this.finishRound(round);
    }
  }

  private finishRound(round: PushRound): void {
    const { report } = round;
    const stats = this.state().config.stats;
    this.options.logger.debug(
      {
        trigger: round.trigger,
        version: round.version,
        pushed: report.pushed.length,
        unchanged: report.unchanged.length,
        skipped: report.skipped.length,
        failed: report.failed.length,
        // Counted on the cache in force at the end (a newer snapshot has a cache of its own).
        sharedGenerations: Math.max(0, stats.sharedGenerations - round.stats.sharedGenerations),
        ownGenerations: Math.max(0, stats.ownGenerations - round.stats.ownGenerations),
      },
      'push',
    );
    this.emit('push', report);
  }

  /** Generates (or takes from the shared cache) and hands one proxy's config to the cache. */
  private pushProxy(nodeId: string, state: ProxyState, kinds: ReadonlySet<XdsKind>, ownChanged: boolean, startedAt: number, newConnection: boolean): 'pushed' | 'unchanged' | 'failed' {
    const { cache, metrics, logger } = this.options;
    const { snapshot, config } = this.state();
    const previous = cache.getSnapshot(nodeId);
    const started = performance.now();
    let generated: Map<string, SnapshotResources>;
    try {
      // A proxy without a snapshot (its first generation failed) gets everything.
      const result = config.resourcesFor(state.view, previous ? kinds : EVERY_KIND, ownChanged || !previous ? {} : state.own);
      generated = result.resources;
      state.own = { ...state.own, ...result.own };
    } catch (e) {
      metrics?.totalXdsInternalErrors.inc();
      logger.error({ err: e, node: nodeId, version: snapshot.version, code: 'WEFT_ERR_INTERNAL' }, `generating config for ${nodeId} failed; it keeps its last config`);
      return 'failed';
    }
    const generateSeconds = (performance.now() - started) / 1000;
    if (state.view.type === 'router') this.logGatewayWarnings(nodeId, state, snapshot);
    if (kinds.has('listeners') || !previous) this.logAuthzWarnings(nodeId, state, snapshot);

    // The new snapshot: the previous one with the regenerated types replaced.
    const next = new Map<string, SnapshotResources>(previous ?? []);
    const changed: string[] = [];
    for (const [typeUrl, resources] of generated) {
      if (previous?.get(typeUrl)?.version !== resources.version) changed.push(typeUrl);
      next.set(typeUrl, resources);
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
        const resources = next.get(typeUrl)?.resources;
        metrics.xdsConfigSizeBytes.observe({ type: metricType(typeUrl) }, resources ? encodedBytes(resources) : 0);
      }
    }
    return 'pushed';
  }

  /** Logs the Gateway servers a router's config left out and why, once per distinct set. */
  private logGatewayWarnings(nodeId: string, state: ProxyState, snapshot: MeshSnapshot): void {
    const warnings = gatewayWarningsFor(snapshot, state.view);
    const key = warnings.join('\n');
    if (key === state.gatewayWarnings) return;
    state.gatewayWarnings = key;
    for (const w of warnings) this.options.logger.warn({ node: nodeId, code: 'WEFT_WARN_GATEWAY_SERVER' }, `gateway ${nodeId}: ${w}`);
  }

  /** Logs what the RBAC filters of a proxy's workload left out (invalid rules, CUSTOM policies), once
   *  per distinct set; the LDS generators build the same filters (memoized, so this costs a lookup). */
  private logAuthzWarnings(nodeId: string, state: ProxyState, snapshot: MeshSnapshot): void {
    // Proxyless gRPC clients get no RBAC filters.
    if (state.view.generator !== undefined) return;
    const warnings = workloadRbacFilters(snapshot, state.view).warnings;
    const key = warnings.join('\n');
    if (key === (state.authzWarnings ?? '')) return;
    state.authzWarnings = key;
    for (const w of warnings) this.options.logger.warn({ node: nodeId, code: 'WEFT_WARN_AUTHZ_POLICY' }, `authorization for ${nodeId}: ${w}`);
  }

  private onConnect(nodeId: string, metadata: Readonly<Record<string, unknown>>): void {
    const view = createProxyView(nodeId, metadata);
    let state = this.proxies.get(nodeId);
    if (state) {
      state.connections++;
      // The newest stream's metadata describes the proxy now.
      if (JSON.stringify(state.view) === JSON.stringify(view) && this.options.cache.getSnapshot(nodeId)) return;
      state.view = view;
      state.own = {};
    } else {
      state = { view, connections: 1, own: {} };
      this.proxies.set(nodeId, state);
    }
    // Generated right away, not after the debounce, from the snapshot in force (which may lag pending
    // changes by up to one debounce). Not inside this event, though: when hundreds of proxies connect
    // at once their first generations would block the event loop for seconds (ACKs unread, keepalive
    // pings unanswered). They are queued and generated in slices; the proxies' requests wait for them.
    if (!this.connecting.has(nodeId)) this.connecting.set(nodeId, Date.now());
    this.draining ??= setImmediate(() => this.drainConnecting());
  }

  /** Generates the first config of queued proxies, for at most CONNECT_SLICE_MS per turn of the loop. */
  private drainConnecting(): void {
    this.draining = undefined;
    const started = performance.now();
    for (const [nodeId, connectedAt] of this.connecting) {
      if (performance.now() - started > CONNECT_SLICE_MS) break;
      this.connecting.delete(nodeId);
      const state = this.proxies.get(nodeId);
      if (!state) continue;
      this.options.metrics?.pushTriggers.inc({ type: 'proxy' });
      const outcome = this.pushProxy(nodeId, state, EVERY_KIND, true, connectedAt, true);
      this.emit('push', {
        trigger: 'proxy',
        version: this.snapshot.version,
        pushed: outcome === 'pushed' ? [nodeId] : [],
        unchanged: outcome === 'unchanged' ? [nodeId] : [],
        skipped: [],
        failed: outcome === 'failed' ? [nodeId] : [],
        endpointsOnly: [],
      });
    }
    if (this.connecting.size > 0) this.draining = setImmediate(() => this.drainConnecting());
  }

  private onDisconnect(nodeId: string): void {
    this.tracker.abandon(nodeId);
    const state = this.proxies.get(nodeId);
    if (!state) return;
    state.connections--;
    if (state.connections > 0) return;
    this.proxies.delete(nodeId);
    this.connecting.delete(nodeId);
    // Nothing is connected under this id any more: free its config; a reconnect regenerates it.
    this.options.cache.clearSnapshot(nodeId);
  }
}
