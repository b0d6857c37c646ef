// Generated and packed config for one mesh snapshot, shared between proxies that read the same
// things: outbound config is generated once per sharing key and held by reference in every such
// proxy's snapshot; only each proxy's own (inbound) part is generated per proxy, from a small snapshot.

import { createHash } from 'node:crypto';
import { packAny, TYPE_URL, type AnyMessage } from '@weft/shared/xds';
import { clusterInputsFor, proxyLocalityOf, serviceClusterInput } from '../generators/cds-inputs.js';
import { serviceAssignments } from '../generators/eds.js';
import { generateProxyConfig, generateProxyEndpoints, SIDECAR_GENERATORS, type SidecarGenerators } from '../generators/index.js';
import type { EnvoyResource } from '../generators/types.js';
import { sidecarScopeFor } from '../snapshot/lookup-sidecar-scope.js';
import { serviceKey, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import type { SnapshotResources } from '../xds/snapshot.js';
import { hashResources, nextVersion } from '../xds/version-hash.js';
import { LayeredResources } from './layered-resources.js';
import { outboundSnapshot } from './outbound-snapshot.js';
import { isOwnResource, KINDS_WITH_OWN_PART, ownSnapshot, type XdsKind } from './own-config.js';
import { packResources, type PackOne } from './pack-config.js';
import { isShareable, sharingContextOf, sharingKeys, type SharingContext } from './sharing-key.js';

/** Generates the requested kinds of a proxy's config (others may be left out). Pure. */
export type KindGenerator = (snapshot: MeshSnapshot, proxy: ProxyView, kinds: ReadonlySet<XdsKind>) => Partial<Record<XdsKind, readonly EnvoyResource[]>>;

/** The type URL of each kind. */
export const KIND_TYPE_URL: Readonly<Record<XdsKind, string>> = Object.freeze({
  listeners: TYPE_URL.LISTENER,
  routes: TYPE_URL.ROUTE,
  clusters: TYPE_URL.CLUSTER,
  endpoints: TYPE_URL.ENDPOINT,
});

/**
 * A {@link KindGenerator} over the per-type sidecar generators: EDS alone goes through
 * generateProxyEndpoints (the endpoint-only fast path), all four through generateProxyConfig, and any
 * other set computes only the inputs it needs (the Sidecar scope for LDS/RDS, the cluster inputs for
 * CDS/EDS).
 */
export function kindGeneratorOf(generators: SidecarGenerators = SIDECAR_GENERATORS): KindGenerator {
  return (snapshot, proxy, kinds) => {
    if (kinds.size === 4) return generateProxyConfig(snapshot, proxy, generators);
    if (kinds.size === 1 && kinds.has('endpoints')) return { endpoints: generateProxyEndpoints(snapshot, proxy, generators) };
    const out: Partial<Record<XdsKind, readonly EnvoyResource[]>> = {};
    if (kinds.has('listeners') || kinds.has('routes')) {
      const scope = sidecarScopeFor(snapshot, proxy);
      if (kinds.has('listeners')) out.listeners = generators.listeners(snapshot, proxy, scope);
      if (kinds.has('routes')) out.routes = generators.routes(snapshot, proxy, scope);
    }
    if (kinds.has('clusters') || kinds.has('endpoints')) {
      const inputs = clusterInputsFor(snapshot, proxy);
      if (kinds.has('clusters')) out.clusters = generators.clusters(inputs);
      if (kinds.has('endpoints')) out.endpoints = generators.endpoints(inputs);
    }
    return out;
  };
}

/** Packed resources of one kind and their content version. */
export interface PackedPart {
  readonly version: string;
  readonly resources: ReadonlyMap<string, AnyMessage>;
}

/** A proxy's own parts (inbound listeners and clusters), kept between snapshots while unaffected. */
export type OwnParts = Partial<Record<XdsKind, PackedPart>>;

const EMPTY: PackedPart = Object.freeze({ version: hashResources(new Map()), resources: new Map<string, AnyMessage>() });

function pack(kind: XdsKind, resources: readonly EnvoyResource[], packOne: PackOne): PackedPart {
  const packed = packResources(KIND_TYPE_URL[kind], resources, packOne);
  return packed.size === 0 ? EMPTY : { version: hashResources(packed), resources: packed };
}

/** LDS/RDS share one key, CDS/EDS another (they also depend on locality). */
const GROUP_OF: Readonly<Record<XdsKind, 'listenersRoutes' | 'clustersEndpoints'>> = { listeners: 'listenersRoutes', routes: 'listenersRoutes', clusters: 'clustersEndpoints', endpoints: 'clustersEndpoints' };

type Cached = PackedPart | { readonly error: unknown };

/** Counters of one cache, for tests and the benchmark's understanding. */
export interface CacheStats {
  /** Shared generations (one per sharing key and group of kinds). */
  sharedGenerations: number;
  /** Own-part generations (one per proxy needing them). */
  ownGenerations: number;
}

/**
 * The config of one snapshot. {@link resourcesFor} gives the per-kind resources of a proxy: the shared
 * part of its sharing key (generated on first use from that proxy, which stands for all with the same
 * key) layered with its own part. A generator error is remembered per key and thrown to every proxy
 * of that key.
 */
export class SharedConfigCache {
  readonly context: SharingContext;
  readonly stats: CacheStats = { sharedGenerations: 0, ownGenerations: 0 };
  private readonly shared = new Map<string, Cached>();
  private readonly outbound = new Map<string, MeshSnapshot>();
  /** Set by {@link carryEndpointsFrom}: the previous snapshot's shared parts and the services whose
   *  endpoints are all that changed since. */
  private carry: { readonly shared: ReadonlyMap<string, Cached>; readonly services: ReadonlySet<string> } | undefined;

  /** `packOne` packs each resource (default packAny; the push controller passes a PackMemo's). */
  constructor(
    readonly snapshot: MeshSnapshot,
    private readonly generate: KindGenerator,
    private readonly packOne: PackOne = packAny,
  ) {
    this.context = sharingContextOf(snapshot);
  }

  /**
   * The resources of `kinds` for `proxy`, per type URL, and its own parts. `reuseOwn` are own parts
   * generated for an earlier snapshot that the change did not affect; missing ones are generated.
   * Throws what the generator throws.
   */
  resourcesFor(proxy: ProxyView, kinds: ReadonlySet<XdsKind>, reuseOwn: OwnParts = {}): { resources: Map<string, SnapshotResources>; own: OwnParts } {
    const shareable = isShareable(proxy);
    const shared = this.sharedParts(proxy, kinds, shareable);
    const ownKinds = shareable ? [...kinds].filter((k) => KINDS_WITH_OWN_PART.has(k)) : [];
    const own: OwnParts = {};
    const missing = new Set(ownKinds.filter((k) => !reuseOwn[k]));
    for (const k of ownKinds) if (reuseOwn[k]) own[k] = reuseOwn[k];
    if (missing.size > 0) {
      this.stats.ownGenerations++;
      const generated = this.generate(ownSnapshot(this.snapshot, proxy), proxy, missing);
      for (const k of missing) own[k] = pack(k, (generated[k] ?? []).filter((r) => isOwnResource(k, r)), this.packOne);
    }
    const resources = new Map<string, SnapshotResources>();
    for (const k of kinds) {
      const s = shared[k] ?? EMPTY;
      const o = own[k];
      if (!o || o.resources.size === 0) resources.set(KIND_TYPE_URL[k], s);
      else {
        const version = createHash('sha256').update(`${s.version}/${o.version}`).digest('hex').slice(0, 16);
        resources.set(KIND_TYPE_URL[k], { version, resources: new LayeredResources(s.resources, o.resources) });
      }
    }
    return { resources, own };
  }

  /**
   * Declares that this snapshot differs from `previous`'s only in the endpoints of `services`
   * (serviceKey), so a sharing key's EDS can be the previous one with those services' load
   * assignments replaced, instead of a generation of every visible service. Only valid with the
   * sidecar generators themselves (eds.ts), whose per-service output this reproduces; the push
   * controller calls it for endpoint-only changes. `previous` is not consulted after this snapshot's
   * first generations and drops its own carry, so caches do not chain.
   */
  carryEndpointsFrom(previous: SharedConfigCache, services: ReadonlySet<string>): void {
    this.carry = { shared: previous.shared, services };
    previous.carry = undefined;
  }

  /**
   * Takes over the previous snapshot's EDS of the sharing keys in `keys`, which the change did not
   * affect (no proxy of theirs has EDS in its change impact), so that a later endpoint-only change
   * can carry them over (see {@link carryEndpointsFrom}) even when this snapshot never generates EDS.
   */
  inheritEndpointsFrom(previous: SharedConfigCache, keys: ReadonlySet<string>): void {
    for (const key of keys) {
      const part = previous.shared.get(`endpoints|${key}`);
      if (part && !('error' in part) && !this.shared.has(`endpoints|${key}`)) this.shared.set(`endpoints|${key}`, part);
    }
  }

  /** The EDS part of `key` carried from the previous snapshot (see {@link carryEndpointsFrom}), or
   *  undefined when that snapshot has none for the key. */
  private carriedEndpoints(key: string, slice: MeshSnapshot, proxy: ProxyView): PackedPart | undefined {
    const before = this.carry?.shared.get(`endpoints|${key}`);
    if (!this.carry || !before || 'error' in before) return undefined;
    const context = { proxyLocality: proxyLocalityOf(slice, proxy), proxyLabels: proxy.labels };
    const changed = new Map<string, AnyMessage>();
    for (const service of slice.services) {
      // The slice holds the services the key sees; an invisible one has no assignments here.
      if (!this.carry.services.has(serviceKey(service.hostname, service.namespace))) continue;
      for (const assignment of serviceAssignments(serviceClusterInput(slice, proxy, service), context)) {
        const name = assignment.cluster_name as string;
        const packed = this.packOne(TYPE_URL.ENDPOINT, assignment);
        if (before.resources.get(name) !== packed) changed.set(name, packed);
      }
    }
    if (changed.size === 0) return before;
    const resources = new Map(before.resources);
    for (const [name, packed] of changed) resources.set(name, packed);
    return { version: nextVersion(before.version, changed), resources };
  }

  /** The outbound slice for a sharing key (the same for every proxy of the key). */
  private outboundSnapshotFor(key: string, proxy: ProxyView): MeshSnapshot {
    let slice = this.outbound.get(key);
    if (!slice) this.outbound.set(key, (slice = outboundSnapshot(this.snapshot, proxy)));
    return slice;
  }

  private sharedParts(proxy: ProxyView, kinds: ReadonlySet<XdsKind>, shareable: boolean): Partial<Record<XdsKind, PackedPart>> {
    const keys = sharingKeys(this.snapshot, proxy, this.context);
    const out: Partial<Record<XdsKind, PackedPart>> = {};
    const missing = new Set<XdsKind>();
    for (const k of kinds) {
      const cached = this.shared.get(`${k}|${keys[GROUP_OF[k]]}`);
      if (cached && 'error' in cached) throw cached.error;
      if (cached) out[k] = cached;
      else missing.add(k);
    }
    if (missing.size === 0) return out;
    if (shareable && missing.has('endpoints') && this.carry) {
      const carried = this.carriedEndpoints(keys.clustersEndpoints, this.outboundSnapshotFor(keys.listenersRoutes, proxy), proxy);
      if (carried) {
        this.shared.set(`endpoints|${keys.clustersEndpoints}`, carried);
        out.endpoints = carried;
        missing.delete('endpoints');
        if (missing.size === 0) return out;
      }
    }
    // The missing kinds are generated together (LDS and RDS share their inputs, as do CDS and EDS);
    // kinds not asked for are not generated, so an EDS-only push never builds clusters.
    this.stats.sharedGenerations++;
    const parts = new Map<XdsKind, PackedPart>();
    try {
      const generated = this.generate(shareable ? this.outboundSnapshotFor(keys.listenersRoutes, proxy) : this.snapshot, proxy, missing);
      for (const k of missing) {
        const resources = generated[k] ?? [];
        parts.set(k, pack(k, shareable ? resources.filter((r) => !isOwnResource(k, r)) : resources, this.packOne));
      }
    } catch (error) {
      for (const k of missing) this.shared.set(`${k}|${keys[GROUP_OF[k]]}`, { error });
      throw error;
    }
    for (const [k, part] of parts) {
      this.shared.set(`${k}|${keys[GROUP_OF[k]]}`, part);
      out[k] = part;
    }
    return out;
  }
}
