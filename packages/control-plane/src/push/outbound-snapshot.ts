// The slice of a mesh snapshot that the outbound generators of one sharing key read: the services in
// the proxies' Sidecar scope, the VirtualServices that apply to them (and delegates), and the
// DestinationRules for hosts they may look up. Generating from it gives the same outbound config as
// the whole snapshot, without the lookups scanning the whole mesh for every service.

import { destinationHostsOf } from './virtual-service-hosts.js';
import type { MeshService } from '../registry/model.js';
import { hostsOverlap, resolveHost } from '../snapshot/lookup-host-names.js';
import { sidecarScopeFor } from '../snapshot/lookup-sidecar-scope.js';
import { virtualServicesFor } from '../snapshot/lookup-virtual-services.js';
import { serviceKey, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';

/**
 * `snapshot` narrowed for `proxy`'s outbound config. Kept whole: endpoints, workloads, Sidecars and
 * everything else. Narrowed, each keeping what the lookups would pick:
 * - services: those of its Sidecar scope (the scope computed again from them is the same, because
 *   each listener's services, VirtualService destinations included, are among them);
 * - VirtualServices: those virtualServicesFor selects for it, plus host-less delegates (roots
 *   reference them by name);
 * - DestinationRules: those whose host overlaps a scope service or a destination of those
 *   VirtualServices (a rule that overlaps no looked-up host can never be the most specific match).
 * The proxy's own workload is not covered: its inbound resources come from ownSnapshot().
 */
export function outboundSnapshot(snapshot: MeshSnapshot, proxy: ProxyView): MeshSnapshot {
  const { domainSuffix } = snapshot.mesh;
  const scope = sidecarScopeFor(snapshot, proxy);
  const inScope = new Set(scope.services.map((s) => serviceKey(s.hostname, s.namespace)));
  const services = snapshot.services.filter((s) => inScope.has(serviceKey(s.hostname, s.namespace)));
  const servicesByHost = new Map<string, MeshService[]>();
  for (const s of services) servicesByHost.set(s.hostname, [...(servicesByHost.get(s.hostname) ?? []), s]);
  const applied = virtualServicesFor(snapshot, proxy);
  const appliedItems = new Set(applied.map((vs) => vs.item));
  const virtualServices = snapshot.virtualServices.filter((vs) => appliedItems.has(vs) || (vs.spec.hosts ?? []).length === 0);
  const hosts = new Set(scope.services.map((s) => s.hostname));
  for (const vs of applied) for (const h of destinationHostsOf(vs.spec, vs.item.namespace, domainSuffix)) hosts.add(h);
  const lookedUp = [...hosts];
  const overlapping = snapshot.destinationRules.filter((dr) => {
    const host = resolveHost(dr.spec.host, dr.namespace, domainSuffix);
    return hosts.has(host) || lookedUp.some((h) => hostsOverlap(host, h));
  });
  // The snapshot's own list when nothing was left out, so per-list memos (destinationRuleFor's) are
  // shared by every key that sees the whole mesh.
  const destinationRules = overlapping.length === snapshot.destinationRules.length ? snapshot.destinationRules : overlapping;
  return { ...snapshot, services, servicesByHost, virtualServices, destinationRules };
}
