// The narrow slice of a snapshot the CDS and EDS generators read for one proxy: the services it
// sees with their DestinationRule, endpoints and mTLS facts, its own inbound endpoints, and where it runs.
// Built with the snapshot lookups; the generators never see the snapshot itself.

import { isIP } from 'node:net';
import { isOwnEndpoint } from '../snapshot/lookup-own-endpoints.js';
import type { DestinationRuleSpec } from '@weft/shared';
import type { Endpoint, MeshService, Protocol } from '../registry/model.js';
import { destinationRuleFor } from '../snapshot/lookup-destination-rule.js';
import { mtlsModeForPort, namespaceMtlsMode, peerAuthenticationFor, type MtlsMode } from '../snapshot/lookup-peer-authentication.js';
import { sidecarScopeFor } from '../snapshot/lookup-sidecar-scope.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { serviceKey } from '../snapshot/mesh-snapshot.js';
import type { ProxyType, ProxyView } from '../snapshot/proxy-view.js';
import { listenerTracingFor, type CollectorCluster } from './filter-tracing.js';

/** What mutual TLS to a service depends on, whoever the client is (Istio: PushContext.ServiceAccounts,
 *  BestEffortInferServiceMTLSMode, the EDS mtlsChecker's PeerAuthentication check). */
export interface ServiceMtls {
  /** The identities its workloads present: ServiceEntry `subjectAltNames` and the SPIFFE ID of each
   *  endpoint's service account, with trust domain aliases, sorted. ISTIO_MUTUAL verifies these. */
  readonly serviceAccounts: readonly string[];
  /** The PeerAuthentication mode of the service's namespace (namespace, else mesh, else PERMISSIVE). */
  readonly namespaceMode: MtlsMode;
  /** Endpoints whose workload's PeerAuthentication says DISABLE on the endpoint port. */
  readonly peerDisabled: ReadonlySet<Endpoint>;
}

/** A service the proxy sees, with what its clusters depend on. */
export interface ServiceClusterInput {
  readonly service: MeshService;
  /** The DestinationRule in force for this proxy and service (merged), if any. */
  readonly rule?: DestinationRuleSpec;
  /** All endpoints of the service (every port); generators filter per cluster. */
  readonly endpoints: readonly Endpoint[];
  /** mTLS facts about the service (the same object while they do not change, for memos). */
  readonly mtls: ServiceMtls;
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
  /** MeshConfig enableAutoMtls: clusters without DestinationRule TLS use mTLS to endpoints with a sidecar. */
  readonly autoMtls: boolean;
  /** Visible services, sorted by hostname. */
  readonly services: readonly ServiceClusterInput[];
  /** The proxy's own ports, sorted by port (empty for gateways). */
  readonly inbound: readonly InboundPortInput[];
  /** Where its tracers send spans (filter-tracing.ts); absent when it traces nothing. */
  readonly collectors?: readonly CollectorCluster[];
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

const SPIFFE = 'spiffe://';

/** `ids` plus, for each SPIFFE ID, the same ID in every trust domain alias (Istio ExpandWithTrustDomains), sorted. */
function expandTrustDomains(ids: ReadonlySet<string>, aliases: readonly string[]): string[] {
  const out = new Set(ids);
  for (const id of ids) {
    if (!id.startsWith(SPIFFE)) continue;
    const path = id.slice(id.indexOf('/', SPIFFE.length));
    for (const alias of aliases) out.add(`${SPIFFE}${alias}${path}`);
  }
  return [...out].sort();
}

interface RememberedMtls {
  readonly endpoints: readonly Endpoint[];
  readonly policies: MeshSnapshot['peerAuthentications'];
  readonly meshKey: string;
  readonly value: ServiceMtls;
}

/** Per service object: the last ServiceMtls and what it was computed from. */
const rememberedMtls = new WeakMap<MeshService, RememberedMtls>();

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The mTLS facts of `service` (see {@link ServiceMtls}), the same frozen object while its endpoints,
 * the snapshot's PeerAuthentications and the trust domains are the same objects / values, so memos
 * downstream (EDS assignments, packing) keep hitting.
 */
export function serviceMtlsOf(snapshot: MeshSnapshot, service: MeshService, endpoints: readonly Endpoint[]): ServiceMtls {
  const { trustDomain, trustDomainAliases = [], rootNamespace } = snapshot.mesh;
  const meshKey = `${rootNamespace}|${trustDomain}|${trustDomainAliases.join(',')}`;
  const known = rememberedMtls.get(service);
  if (known && known.policies === snapshot.peerAuthentications && known.meshKey === meshKey && sameItems(known.endpoints, endpoints)) return known.value;
  // Istio keeps an endpoint's service account only when set; weft's registry gives a WorkloadEntry
  // without one the namespace's `default` account (the identity its proxy gets), DNS hosts none.
  const ids = new Set(service.subjectAltNames ?? []);
  for (const ep of endpoints) if (ep.serviceAccount !== '') ids.add(`${SPIFFE}${trustDomain}/ns/${ep.namespace}/sa/${ep.serviceAccount}`);
  const peerDisabled = new Set(endpoints.filter((ep) => mtlsModeForPort(peerAuthenticationFor(snapshot, ep.namespace, ep.labels), ep.port) === 'DISABLE'));
  const serviceAccounts = expandTrustDomains(ids, trustDomainAliases);
  const namespaceMode = namespaceMtlsMode(snapshot, service.namespace);
  // Equal facts keep the previous object: a policy change elsewhere leaves this service's memos valid.
  const same =
    known !== undefined &&
    known.value.namespaceMode === namespaceMode &&
    sameItems(known.value.serviceAccounts, serviceAccounts) &&
    known.value.peerDisabled.size === peerDisabled.size &&
    [...peerDisabled].every((ep) => known.value.peerDisabled.has(ep));
  const value: ServiceMtls = same ? known.value : Object.freeze({ serviceAccounts: Object.freeze(serviceAccounts), namespaceMode, peerDisabled });
  rememberedMtls.set(service, { endpoints, policies: snapshot.peerAuthentications, meshKey, value });
  return value;
}

/** What CDS/EDS read about one service for `proxy`: its DestinationRule for the proxy, its endpoints and its mTLS facts. */
export function serviceClusterInput(snapshot: MeshSnapshot, proxy: ProxyView, service: MeshService): ServiceClusterInput {
  const rule = destinationRuleFor(snapshot, proxy, service.hostname, service.namespace)?.spec;
  const endpoints = snapshot.endpointsByService.get(serviceKey(service.hostname, service.namespace)) ?? [];
  const mtls = serviceMtlsOf(snapshot, service, endpoints);
  return rule ? { service, rule, endpoints, mtls } : { service, endpoints, mtls };
}

/** The CDS/EDS slice of `snapshot` for `proxy` (Sidecar scoping and exportTo already applied). */
export function clusterInputsFor(snapshot: MeshSnapshot, proxy: ProxyView): ClusterInputs {
  const scope = sidecarScopeFor(snapshot, proxy);
  const services = scope.services.map((service) => serviceClusterInput(snapshot, proxy, service));
  const inbound = new Map<number, InboundPortInput>();
  const appAddress = appAddressOf(proxy);
  const collectors = listenerTracingFor(snapshot, proxy).collectors;
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
    autoMtls: snapshot.mesh.enableAutoMtls,
    services,
    inbound: [...inbound.values()].sort((a, b) => a.port - b.port),
    ...(collectors.length > 0 ? { collectors } : {}),
  };
}
