// Which outbound ports a sidecar gets listeners (and, for HTTP, route configurations) on, and which
// services each port serves: Istio's walk over SidecarScope egress listeners in
// buildSidecarOutboundListeners. Shared by LDS and RDS so both always agree on the ports.

import type { MeshService, Protocol, ServicePort } from '../registry/model.js';
import { isHttpProtocol, resolveProtocol } from '../registry/protocol.js';
import type { EgressListenerScope, SidecarScope } from '../snapshot/lookup-sidecar-scope.js';

/** One service reachable on an outbound port. */
export interface PortService {
  readonly service: MeshService;
  /** The service's own port with this number; absent when a Sidecar egress port that the service
   *  does not declare imports it (Istio then uses the listener's protocol). */
  readonly servicePort?: ServicePort;
  /** The protocol traffic to this service on this port is handled as. */
  readonly protocol: Protocol;
}

/** An outbound port and everything the sidecar serves on it. */
export interface OutboundPort {
  readonly port: number;
  /** Services on this port, sorted by hostname. */
  readonly services: readonly PortService[];
  /** The egress listener that owns the port (for VirtualService selection). */
  readonly egress: EgressListenerScope;
  /** True when a Sidecar egress listener declares this port explicitly. */
  readonly explicit: boolean;
}

/**
 * The outbound ports of `scope`, sorted by number. Egress listeners with a `port` come first and own
 * their port (Istio locks them: the catch-all listener adds nothing to a declared port); the
 * catch-all listener (no `port`) contributes every port of every service it imports. Listeners
 * bound to a unix socket or using HTTP_PROXY (explicit proxy mode) are not supported and skipped.
 * UDP ports get no listener (Envoy sidecars do not proxy UDP).
 */
export function outboundPorts(scope: SidecarScope): OutboundPort[] {
  const byPort = new Map<number, { services: PortService[]; egress: EgressListenerScope; explicit: boolean }>();
  for (const egress of scope.egressListeners) {
    const declared = egress.listener.port;
    if (egress.listener.bind?.startsWith('unix://')) continue;
    if (declared?.number) {
      const protocol = resolveProtocol({ ...(declared.protocol ? { protocol: declared.protocol } : {}), ...(declared.name ? { name: declared.name } : {}) });
      if (declared.protocol?.toUpperCase() === 'HTTP_PROXY' || protocol === 'UDP' || byPort.has(declared.number)) continue;
      const services = egress.services.map((service): PortService => {
        const servicePort = service.ports.find((p) => p.port === declared.number);
        return { service, ...(servicePort ? { servicePort } : {}), protocol };
      });
      byPort.set(declared.number, { services, egress, explicit: true });
      continue;
    }
    for (const service of egress.services) {
      for (const servicePort of service.ports) {
        if (servicePort.protocol === 'UDP') continue;
        const entry = byPort.get(servicePort.port) ?? { services: [], egress, explicit: false };
        if (entry.explicit) continue;
        if (!entry.services.some((s) => s.service.hostname === service.hostname)) entry.services.push({ service, servicePort, protocol: servicePort.protocol });
        byPort.set(servicePort.port, entry);
      }
    }
  }
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, e]) => ({ port, explicit: e.explicit, egress: e.egress, services: [...e.services].sort((a, b) => a.service.hostname.localeCompare(b.service.hostname)) }));
}

/** True when some service on the port speaks HTTP there, so the port gets a route configuration. */
export function hasHttp(port: OutboundPort): boolean {
  return port.services.some((s) => isHttpProtocol(s.protocol));
}
