// Test fixtures for the LDS/RDS generator tests: config entries, a bookinfo-like mesh (ServiceEntry +
// WorkloadEntry), sidecar proxies and a packer that proves output is valid Envoy. Test-only (the
// `.test-` infix keeps it out of the published package).

import type { ConfigEntry } from '../config/config-store.js';
import { packAny, TYPE_URL } from '@weft/shared/xds';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';
import type { EnvoyResource } from './types.js';

/** A config entry as the store holds it. */
export function entry(kind: string, name: string, namespace: string, spec: Record<string, unknown>, apiVersion = 'networking.istio.io/v1'): ConfigEntry {
  return { ref: { kind, namespace, name }, apiVersion, resource: { apiVersion, kind, metadata: { name, namespace }, spec }, origin: { source: 'memory' } };
}

/** A VirtualService entry. */
export const virtualService = (name: string, spec: Record<string, unknown>, namespace = 'default'): ConfigEntry => entry('VirtualService', name, namespace, spec);

/** A ServiceEntry for one in-mesh host with HTTP/TCP ports and static endpoints. */
export function serviceEntry(
  name: string,
  opts: { namespace?: string; host?: string; ports?: { number: number; name: string; protocol?: string; targetPort?: number }[]; addresses?: string[]; endpoints?: string[]; resolution?: string; exportTo?: string[] } = {},
): ConfigEntry {
  const namespace = opts.namespace ?? 'default';
  return entry('ServiceEntry', name, namespace, {
    hosts: [opts.host ?? `${name}.${namespace}.svc.cluster.local`],
    ports: opts.ports ?? [{ number: 9080, name: 'http' }],
    location: 'MESH_INTERNAL',
    resolution: opts.resolution ?? 'STATIC',
    ...(opts.addresses ? { addresses: opts.addresses } : {}),
    ...(opts.exportTo ? { exportTo: opts.exportTo } : {}),
    endpoints: (opts.endpoints ?? ['10.0.0.1']).map((address) => ({ address })),
  });
}

/** Bookinfo's four services in `default`, all HTTP on 9080. */
export const BOOKINFO: readonly ConfigEntry[] = ['productpage', 'reviews', 'ratings', 'details'].map((n, i) => serviceEntry(n, { endpoints: [`10.0.0.${i + 1}`] }));

/** A snapshot of `entries` (registry built from their ServiceEntries / WorkloadEntries). */
export function meshOf(entries: readonly ConfigEntry[], mesh: Partial<MeshConfig> = {}): MeshSnapshot {
  return buildMeshSnapshot(1, { ...DEFAULT_MESH_CONFIG, ...mesh }, entries, buildServiceEntryRegistry(entries));
}

/** A sidecar proxy of workload `name` in `namespace` with `labels` at `ip`. */
export function sidecar(namespace = 'default', labels: Record<string, string> = { app: 'productpage' }, ip = '10.0.0.1', name = 'productpage-v1'): ProxyView {
  return createProxyView(`sidecar~${ip}~${name}.${namespace}~${namespace}.svc.cluster.local`, { NAMESPACE: namespace, LABELS: labels, INSTANCE_IPS: ip, WORKLOAD_NAME: name });
}

/** Packs every resource with packAny (which throws on anything Envoy's protos do not define) and
 *  returns how many were packed. */
export function packAll(typeUrl: string, resources: readonly EnvoyResource[]): number {
  for (const r of resources) packAny(typeUrl, r);
  return resources.length;
}

/** Packs one route inside a minimal RouteConfiguration, proving the route alone is valid. */
export function packRoute(route: Record<string, unknown>): void {
  packAll(TYPE_URL.ROUTE, [{ name: 'test', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [route] }] }]);
}
