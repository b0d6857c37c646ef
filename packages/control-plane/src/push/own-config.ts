// The part of a sidecar's config that belongs to its own workload (inbound listeners and clusters)
// and therefore is never shared: how to tell those resources apart, and the small snapshot they are
// generated from so that generating them does not cost a whole-mesh generation.

import type { EnvoyResource } from '../generators/types.js';
import type { MeshService } from '../registry/model.js';
import { serviceKey, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { mayBeOwnEndpoint } from './sharing-key.js';

/** The xDS kinds, named as in GeneratedConfig. */
export type XdsKind = 'listeners' | 'routes' | 'clusters' | 'endpoints';

/** Every kind, in push order's spirit (CDS, EDS, LDS, RDS). */
export const ALL_KINDS: readonly XdsKind[] = Object.freeze(['clusters', 'endpoints', 'listeners', 'routes']);

/** Kinds that have a per-workload part: inbound listeners (virtualInbound and listeners bound to a
 *  workload port) and inbound clusters. Routes of inbound chains are inline; EDS is outbound only. */
export const KINDS_WITH_OWN_PART: ReadonlySet<XdsKind> = new Set(['listeners', 'clusters']);

/** Whether a generated resource describes the proxy's own workload (Istio's inbound side):
 *  `inbound|<port>||` clusters and INBOUND listeners. */
export function isOwnResource(kind: XdsKind, resource: EnvoyResource): boolean {
  if (kind === 'clusters') return typeof resource.name === 'string' && resource.name.startsWith('inbound|');
  if (kind === 'listeners') return resource.traffic_direction === 'INBOUND';
  return false;
}

interface EndpointIndex {
  readonly byWorkload: Map<string, Set<string>>;
  readonly byAddress: Map<string, Set<string>>;
  /** serviceKey → position in `snapshot.services`. */
  readonly position: Map<string, number>;
}

const indexes = new WeakMap<MeshSnapshot, EndpointIndex>();

function endpointIndex(snapshot: MeshSnapshot): EndpointIndex {
  let index = indexes.get(snapshot);
  if (index) return index;
  index = { byWorkload: new Map(), byAddress: new Map(), position: new Map(snapshot.services.map((s, i) => [serviceKey(s.hostname, s.namespace), i])) };
  const add = (m: Map<string, Set<string>>, k: string, v: string): void => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  };
  for (const [key, eps] of snapshot.endpointsByService) {
    for (const ep of eps) {
      add(index.byWorkload, ep.workload, key);
      add(index.byAddress, ep.address, key);
    }
  }
  indexes.set(snapshot, index);
  return index;
}

/** Keys (`serviceKey`) of the services that may have an endpoint of the proxy's own workload. */
export function ownServiceKeys(snapshot: MeshSnapshot, proxy: ProxyView): Set<string> {
  const { byWorkload, byAddress } = endpointIndex(snapshot);
  const keys = new Set(byWorkload.get(`WorkloadEntry/${proxy.namespace}/${proxy.workloadName}`) ?? []);
  for (const ip of proxy.ipAddresses) for (const k of byAddress.get(ip) ?? []) keys.add(k);
  // Confirm with the same predicate the impact analysis uses (the index is by exact strings).
  for (const k of keys) if (!(snapshot.endpointsByService.get(k) ?? []).some((e) => mayBeOwnEndpoint(e, proxy))) keys.delete(k);
  return keys;
}

/**
 * The snapshot a proxy's own part is generated from: only the services with an endpoint of its
 * workload, and no VirtualServices or DestinationRules (inbound config reads neither); everything
 * else (Sidecars, workloads, security config, mesh settings) as in `snapshot`. Generating from it
 * gives the same own resources as the whole snapshot, at the cost of a handful of services.
 */
export function ownSnapshot(snapshot: MeshSnapshot, proxy: ProxyView): MeshSnapshot {
  const keys = ownServiceKeys(snapshot, proxy);
  const { position } = endpointIndex(snapshot);
  // In snapshot order: the generators give a port shared by two services to the first.
  const services: MeshService[] = [...keys]
    .map((k) => position.get(k))
    .filter((i): i is number => i !== undefined)
    .sort((a, b) => a - b)
    .map((i) => snapshot.services[i] as MeshService);
  const servicesByHost = new Map<string, MeshService[]>();
  for (const s of services) servicesByHost.set(s.hostname, [...(servicesByHost.get(s.hostname) ?? []), s]);
  const endpointsByService = new Map(services.map((s) => serviceKey(s.hostname, s.namespace)).map((k) => [k, snapshot.endpointsByService.get(k) ?? []]));
  return { ...snapshot, services, servicesByHost, endpointsByService, virtualServices: [], destinationRules: [] };
}
