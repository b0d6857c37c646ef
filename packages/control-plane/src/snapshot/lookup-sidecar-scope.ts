// The services a proxy can see (Istio's SidecarScope): services exported to its namespace, narrowed
// by its Sidecar's egress hosts, per egress listener. Which Sidecar applies and how hosts match is
// lookup-sidecar.ts; which VirtualServices apply is lookup-virtual-services.ts.

import type { IstioEgressListener, SidecarSpec } from '@weft/shared';
import type { MeshService } from '../registry/model.js';
import type { ConfigItem, MeshSnapshot } from './mesh-snapshot.js';
import type { ProxyView } from './proxy-view.js';
import { isVisible } from './lookup-export-to.js';
import { resolveHost } from './lookup-host-names.js';
import { DEFAULT_EGRESS_HOSTS, egressImportsService, egressImportsVirtualServiceHost, parseEgressHosts, sidecarFor } from './lookup-sidecar.js';
import { virtualServicesFor } from './lookup-virtual-services.js';

export { isVisible } from './lookup-export-to.js';
export { sidecarFor } from './lookup-sidecar.js';

/** One egress listener of the scope and the services it imports. */
export interface EgressListenerScope {
  /** The listener as configured; the default listener (no Sidecar, or one without egress) is `{ hosts: ['*\/*'] }`. */
  readonly listener: IstioEgressListener;
  /** Services this listener imports, sorted by hostname. */
  readonly services: readonly MeshService[];
}

/** What a proxy sees of the mesh. */
export interface SidecarScope {
  /** The Sidecar in force, if any. */
  readonly sidecar?: ConfigItem<SidecarSpec>;
  /** Every service any egress listener imports (one per hostname), sorted by hostname. */
  readonly services: readonly MeshService[];
  readonly egressListeners: readonly EgressListenerScope[];
  /** The Sidecar's outboundTrafficPolicy mode, else the mesh's. */
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
}

/**
 * Services visible from `namespace` (their exportTo), one per hostname: when a host exists in several
 * namespaces, the one in `namespace` wins, else the first by namespace name (Istio keeps the
 * proxy-namespace one too; its tie-break among others is creation time).
 */
function exportedServices(snapshot: MeshSnapshot, namespace: string): MeshService[] {
  const out: MeshService[] = [];
  for (const [, candidates] of snapshot.servicesByHost) {
    const visible = candidates.filter((s) => isVisible(s.exportTo, s.namespace, namespace, snapshot.mesh.defaultExportTo));
    const chosen = visible.find((s) => s.namespace === namespace) ?? visible[0];
    if (chosen) out.push(chosen);
  }
  return out.sort((a, b) => a.hostname.localeCompare(b.hostname));
}

/**
 * The scope of `proxy`. Without a Sidecar (and always for gateways) it sees every service exported
 * to its namespace. With one, each egress listener imports the services whose host and namespace
 * match its `hosts`, plus, as Istio does, the destination services of the VirtualServices it imports
 * (so a VirtualService for `reviews` that routes to `reviews-v2` keeps working).
 */
export function sidecarScopeFor(snapshot: MeshSnapshot, proxy: ProxyView): SidecarScope {
  const sidecar = sidecarFor(snapshot, proxy);
  const exported = exportedServices(snapshot, proxy.namespace);
  const outboundTrafficPolicy = sidecar?.spec.outboundTrafficPolicy?.mode ?? snapshot.mesh.outboundTrafficPolicy;
  const configured = sidecar?.spec.egress ?? [];
  if (configured.length === 0) {
    const listener: IstioEgressListener = { hosts: [...DEFAULT_EGRESS_HOSTS] };
    return { ...(sidecar ? { sidecar } : {}), services: exported, egressListeners: [{ listener, services: exported }], outboundTrafficPolicy };
  }
  const byHost = new Map(exported.map((s) => [s.hostname, s]));
  const virtualServices = virtualServicesFor(snapshot, proxy);
  const egressListeners = configured.map((listener): EgressListenerScope => {
    const egress = parseEgressHosts(listener.hosts, proxy.namespace);
    const services = exported.filter((s) => egressImportsService(egress, s.namespace, s.hostname));
    // Destinations of the VirtualServices this listener imports, resolved against each VS's namespace.
    for (const vs of virtualServices) {
      if (!vs.hosts.some((h) => egressImportsVirtualServiceHost(egress, vs.item.namespace, h))) continue;
      const routes = [...(vs.spec.http ?? []), ...(vs.spec.tcp ?? []), ...(vs.spec.tls ?? [])];
      for (const d of routes.flatMap((r) => r.route ?? [])) {
        const s = byHost.get(resolveHost(d.destination.host, vs.item.namespace, snapshot.mesh.domainSuffix));
        if (s && !services.includes(s)) services.push(s);
      }
    }
    return { listener, services: services.sort((a, b) => a.hostname.localeCompare(b.hostname)) };
  });
  const union = new Map<string, MeshService>();
  for (const l of egressListeners) for (const s of l.services) union.set(s.hostname, s);
  const services = [...union.values()].sort((a, b) => a.hostname.localeCompare(b.hostname));
  return { ...(sidecar ? { sidecar } : {}), services, egressListeners, outboundTrafficPolicy };
}

/** The service `hostname` if the scope includes it. */
export function scopeService(scope: SidecarScope, hostname: string): MeshService | undefined {
  return scope.services.find((s) => s.hostname === hostname);
}
