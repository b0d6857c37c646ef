// Test fixtures for the CDS/EDS generator tests: a bookinfo-like registry from ServiceEntry +
// WorkloadEntry (versions, localities, weights), Istio's bookinfo DestinationRules read in place
// from the corpus, proxies, and packers that prove output is valid Envoy. Test-only (the `.test-`
// infix keeps it out of the published package).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocuments } from '@weft/shared';
import { packAny, TYPE_URL } from '@weft/shared/xds';
import type { ConfigEntry } from '../config/config-store.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { DEFAULT_MESH_CONFIG } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';
import type { EnvoyResource } from './types.js';

/** A config entry as the store holds it. */
export function cfg(kind: string, name: string, spec: Record<string, unknown>, namespace = 'default'): ConfigEntry {
  return { ref: { kind, namespace, name }, apiVersion: 'networking.istio.io/v1', resource: { kind, metadata: { name, namespace }, spec }, origin: { source: 'memory' } };
}

/** A DestinationRule entry. */
export const destinationRule = (name: string, spec: Record<string, unknown>, namespace = 'default'): ConfigEntry => cfg('DestinationRule', name, spec, namespace);

/** A ServiceEntry selecting WorkloadEntries labelled `app: <name>`. */
export function bookinfoService(name: string, ports: Record<string, unknown>[] = [{ number: 9080, name: 'http', protocol: 'HTTP' }], extra: Record<string, unknown> = {}): ConfigEntry {
  return cfg('ServiceEntry', name, { hosts: [`${name}.default.svc.cluster.local`], ports, resolution: 'STATIC', workloadSelector: { labels: { app: name } }, ...extra });
}

/** A WorkloadEntry of `app` at `version`. */
export function workload(app: string, version: string, address: string, extra: Record<string, unknown> = {}): ConfigEntry {
  return cfg('WorkloadEntry', `${app}-${version}`, { address, labels: { app, version }, serviceAccount: `bookinfo-${app}`, ...extra });
}

/** Bookinfo: productpage, details, ratings, reviews v1/v2/v3 spread over localities, reviews-v2
 *  weighted 3 and reviews-v3 unhealthy-free but far away (us-west). */
export const BOOKINFO: readonly ConfigEntry[] = [
  bookinfoService('productpage'),
  bookinfoService('details'),
  bookinfoService('ratings'),
  bookinfoService('reviews'),
  workload('productpage', 'v1', '127.0.0.10', { locality: 'us-east/a/1' }),
  workload('details', 'v1', '127.0.0.41', { locality: 'us-east/a/1' }),
  workload('ratings', 'v1', '127.0.0.31', { locality: 'us-east/a/1' }),
  workload('reviews', 'v1', '127.0.0.21', { locality: 'us-east/a/1' }),
  workload('reviews', 'v2', '127.0.0.22', { locality: 'us-east/b/1', weight: 3 }),
  workload('reviews', 'v3', '127.0.0.23', { locality: 'us-west/c/1' }),
];

/** A snapshot of `entries`, registry included. */
export function meshOf(entries: readonly ConfigEntry[]): MeshSnapshot {
  return buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, entries, buildServiceEntryRegistry(entries));
}

/** The sidecar of productpage-v1 (or another workload) in `default`. */
export function sidecarOf(name = 'productpage-v1', labels: Record<string, string> = { app: 'productpage', version: 'v1' }, ip = '127.0.0.10', namespace = 'default'): ProxyView {
  return createProxyView(`sidecar~${ip}~${name}.${namespace}~${namespace}.svc.cluster.local`, { NAMESPACE: namespace, LABELS: labels, INSTANCE_IPS: ip, WORKLOAD_NAME: name });
}

/** A gateway proxy in `istio-system`. */
export function gatewayProxy(): ProxyView {
  return createProxyView('router~127.0.0.100~ingress.istio-system~istio-system.svc.cluster.local', { NAMESPACE: 'istio-system', WORKLOAD_NAME: 'ingress' });
}

const CORPUS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/corpus/istio/samples/bookinfo/networking');

/** The DestinationRules of a corpus file (namespace `default`), or undefined when the corpus is absent. */
export function corpusDestinationRules(file: string): ConfigEntry[] | undefined {
  const full = path.join(CORPUS, file);
  if (!existsSync(full)) return undefined;
  return parseDocuments(readFileSync(full, 'utf8'), full)
    .map((d) => d.value as { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> })
    .filter((v) => v?.kind === 'DestinationRule')
    .map((v) => destinationRule(v.metadata?.name ?? '', v.spec ?? {}));
}

/** Where corpus files are read from (for skip messages). */
export const CORPUS_DIR = CORPUS;

/** Packs every resource (packAny throws on any field Envoy's protos do not define); returns the count. */
export function packAll(typeUrl: string, resources: readonly EnvoyResource[]): number {
  for (const r of resources) packAny(typeUrl, r);
  return resources.length;
}

/** Packs clusters. */
export const packClusters = (resources: readonly EnvoyResource[]): number => packAll(TYPE_URL.CLUSTER, resources);
/** Packs load assignments. */
export const packEndpoints = (resources: readonly EnvoyResource[]): number => packAll(TYPE_URL.ENDPOINT, resources);

/** The resource named `name` (clusters) or with `cluster_name` `name` (load assignments). */
export function byName(resources: readonly EnvoyResource[], name: string): EnvoyResource | undefined {
  return resources.find((r) => r.name === name || r.cluster_name === name);
}

/** The value at a dotted path (`endpoints.0.lb_endpoints`), or undefined. */
export function dig(value: unknown, dotted: string): unknown {
  let v = value;
  for (const key of dotted.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}
