// The narrow slice of a snapshot the CDS and EDS generators read for one proxy: the services it
// sees with their DestinationRule and endpoints, its own inbound endpoints, and where it runs.
// Built with the snapshot lookups; the generators never see the snapshot itself.

import { isIP } from 'node:net';
import { isOwnEndpoint } from '../snapshot/lookup-own-endpoints.js';
import type { DestinationRuleSpec } from '@weft/shared';
import type { Endpoint, MeshService, Protocol } from '../registry/model.js';
import { destinationRuleFor } from '../snapshot/lookup-destination-rule.js';
import { sidecarScopeFor } from '../snapshot/lookup-sidecar-scope.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { serviceKey } from '../snapshot/mesh-snapshot.js';
import type { ProxyType, ProxyView } from '../snapshot/proxy-view.js';

/** A service the proxy sees, with what its clusters depend on. */
export interface ServiceClusterInput {
  readonly service: MeshService;
  /** The DestinationRule in force for this proxy and service (merged), if any. */
  readonly rule?: DestinationRuleSpec;
  /** All endpoints of the service (every port); generators filter per cluster. */
  readonly endpoints: readonly Endpoint[];
}

/** One port the proxy's own workload serves (an endpoint of one of its services). */
export interface InboundPortInput {
  /** The workload port (the endpoint port; Istio names inbound clusters by it). */
  readonly port: number;
  /** Where the application listens: the proxy's WEFT_APP_ADDRESS (see {@link appAddressOf}), else
   *  the endpoint address the registry gives for this workload. */
  readonly address: string;
  readonly protocol: Protocol;
}

/** Everything CDS and EDS need for one proxy. Also their cache key. */
export interface ClusterInputs {
  readonly proxyType: ProxyType;
  /** `region/zone/subzone` of the proxy's workload ('' when unknown). */
  readonly proxyLocality: string;
  readonly proxyLabels: Readonly<Record<string, string>>;
  /** Mesh default connect timeout. */
  readonly connectTimeoutMs: number;
  /** Visible services, sorted by hostname. */
  readonly services: readonly ServiceClusterInput[];
  /** The proxy's own ports, sorted by port (empty for gateways). */
  readonly inbound: readonly InboundPortInput[];
}

/** The proxy's locality: its workload's (by name), else that of an endpoint at one of its IPs. */
export function proxyLocalityOf(snapshot: MeshSnapshot, proxy: ProxyView): string {
  const workload = snapshot.workloads.find((w) => w.namespace === proxy.namespace && w.name === proxy.workloadName);
  if (workload) return workload.locality;
  for (const eps of snapshot.endpointsByService.values()) {
    const own = eps.find((e) => isOwnEndpoint(e, proxy) && e.locality !== '');
    if (own) return own.locality;
  }
  return '';
}

/**
 * Where the proxy's application listens, when the proxy says so: node metadata `WEFT_APP_ADDRESS` (an
 * IP; weft-proxy sends it, 127.0.0.1 by default). weft-proxy without iptables owns the workload address
 * itself (peers dial it), so its app must listen elsewhere and the inbound clusters must point there.
 * Without it (Envoy, or capture where the app owns the workload address) the endpoint address is used,
 * as Istio's inbound clusters reach the workload's own IP.
 */
export function appAddressOf(proxy: ProxyView): string | undefined {
  const value = proxy.metadata.WEFT_APP_ADDRESS;
  return typeof value === 'string' && isIP(value) !== 0 ? value : undefined;
}

/** The CDS/EDS slice of `snapshot` for `proxy` (Sidecar scoping and exportTo already applied). */
export function clusterInputsFor(snapshot: MeshSnapshot, proxy: ProxyView): ClusterInputs {
  const scope = sidecarScopeFor(snapshot, proxy);
  const services = scope.services.map((service): ServiceClusterInput => {
    const rule = destinationRuleFor(snapshot, proxy, service.hostname, service.namespace)?.spec;
    const endpoints = snapshot.endpointsByService.get(serviceKey(service.hostname, service.namespace)) ?? [];
    return rule ? { service, rule, endpoints } : { service, endpoints };
  });
  const inbound = new Map<number, InboundPortInput>();
  const appAddress = appAddressOf(proxy);
  if (proxy.type === 'sidecar') {
    for (const service of snapshot.services) {
      for (const ep of snapshot.endpointsByService.get(serviceKey(service.hostname, service.namespace)) ?? []) {
        if (!isOwnEndpoint(ep, proxy) || inbound.has(ep.port)) continue;
        const protocol = service.ports.find((p) => p.name === ep.servicePortName)?.protocol ?? 'TCP';
        inbound.set(ep.port, { port: ep.port, address: appAddress ?? ep.address, protocol });
      }
    }
  }
  return {
    proxyType: proxy.type,
    proxyLocality: proxyLocalityOf(snapshot, proxy),
    proxyLabels: proxy.labels,
    connectTimeoutMs: snapshot.mesh.connectTimeoutMs,
    services,
    inbound: [...inbound.values()].sort((a, b) => a.port - b.port),
  };
}
