// Which proxies a batch of config changes can affect, and which xDS kinds of theirs: Istio's
// "needs push" filter. Compares the previous and the next snapshot through the same lookups the
// generators use (Sidecar scope, VirtualService and DestinationRule selection). When unsure (a kind
// it does not know, a delegate VirtualService, a gateway), it says "everything".

import type { AuthorizationPolicySpec, DestinationRuleSpec, PeerAuthenticationSpec, RequestAuthenticationSpec, SidecarSpec, TelemetrySpec, VirtualServiceSpec } from '@weft/shared';
import type { ConfigEvent } from '../config/config-store.js';
import type { Endpoint, MeshService, Workload } from '../registry/model.js';
import { isHttpProtocol } from '../registry/protocol.js';
import { policyAppliesTo } from '../security/authz/index.js';
import { isVisible } from '../snapshot/lookup-export-to.js';
import { hostsOverlap, resolveHost } from '../snapshot/lookup-host-names.js';
import { destinationRuleFor } from '../snapshot/lookup-destination-rule.js';
import { allEgressHosts, egressImportsVirtualServiceHost, sidecarFor } from '../snapshot/lookup-sidecar.js';
import { sidecarScopeFor, type SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { gatewaysOf, MESH_GATEWAY, virtualServicesFor } from '../snapshot/lookup-virtual-services.js';
import { serviceKey, type ConfigItem, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { ALL_KINDS, type XdsKind } from './own-config.js';
import { isShareable, mayBeOwnEndpoint, sharingContextOf, sharingKeys } from './sharing-key.js';
import { destinationHostsOf } from './virtual-service-hosts.js';

/** What one proxy needs regenerated. */
export interface ProxyImpact {
  /** Kinds to regenerate (empty: the change cannot affect this proxy). */
  readonly kinds: ReadonlySet<XdsKind>;
  /** Whether its own workload's part (inbound listeners and clusters) may have changed. */
  readonly own: boolean;
}

/** The impact of one batch of changes. */
export interface ChangeImpact {
  /** Per proxy id. */
  readonly proxies: ReadonlyMap<string, ProxyImpact>;
  /** Every change is a ServiceEntry / WorkloadEntry and no service definition changed: only
   *  endpoints moved (Istio's EDS-only push trigger). */
  readonly endpointOnly: boolean;
  /** Services (serviceKey) whose endpoints changed. */
  readonly endpointsChanged: ReadonlySet<string>;
}

const REGISTRY_KINDS: ReadonlySet<string> = new Set(['ServiceEntry', 'WorkloadEntry']);
const TARGETED_KINDS: ReadonlySet<string> = new Set([...REGISTRY_KINDS, 'VirtualService', 'DestinationRule', 'Sidecar', 'AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication', 'Telemetry']);

const EVERYTHING: ProxyImpact = Object.freeze({ kinds: new Set(ALL_KINDS), own: true });
const NOTHING: ProxyImpact = Object.freeze({ kinds: new Set<XdsKind>(), own: false });

/** Whether `proxy` runs as `workload` (its node says so by name or by IP). */
function runsAs(proxy: ProxyView, workload: Workload): boolean {
  if (proxy.namespace !== workload.namespace) return false;
  return proxy.workloadName === workload.name || (workload.address !== '' && proxy.ipAddresses.includes(workload.address));
}

const itemKey = (item: { namespace: string; name: string }): string => `${item.namespace}/${item.name}`;

/** The old and new versions of the changed items of one kind (flattened: old ones, then new ones). */
function changedItems<S>(events: readonly ConfigEvent[], kind: string, prev: readonly ConfigItem<S>[], next: readonly ConfigItem<S>[]): ConfigItem<S>[] {
  const refs = new Set(events.filter((e) => e.ref.kind === kind).map((e) => itemKey(e.ref)));
  if (refs.size === 0) return [];
  return [...prev, ...next].filter((i) => refs.has(itemKey(i)));
}

/** One changed VirtualService: its version before and after (absent when added / deleted). */
interface VirtualServiceChange {
  readonly before?: ConfigItem<VirtualServiceSpec>;
  readonly after?: ConfigItem<VirtualServiceSpec>;
}

function virtualServiceChanges(events: readonly ConfigEvent[], prev: MeshSnapshot, next: MeshSnapshot): VirtualServiceChange[] {
  const refs = new Set(events.filter((e) => e.ref.kind === 'VirtualService').map((e) => itemKey(e.ref)));
  if (refs.size === 0) return [];
  const find = (items: readonly ConfigItem<VirtualServiceSpec>[], key: string) => items.find((i) => itemKey(i) === key);
  return [...refs].map((key) => {
    const before = find(prev.virtualServices, key);
    const after = find(next.virtualServices, key);
    return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
  });
}

/** Whether a VirtualService change leaves every Sidecar scope as it was: a Sidecar-scoped proxy's
 *  services include the destinations of the VirtualServices it imports, so the change must keep the
 *  hosts, exportTo, gateways and destination hosts (a weight or match edit does). */
function keepsScopes(change: VirtualServiceChange, domainSuffix: string): boolean {
  const { before, after } = change;
  if (!before || !after) return false;
  const shape = (vs: ConfigItem<VirtualServiceSpec>): string => {
    return JSON.stringify([vs.spec.hosts, vs.spec.exportTo, vs.spec.gateways, [...destinationHostsOf(vs.spec, vs.namespace, domainSuffix)].sort()]);
  };
  return shape(before) === shape(after);
}

/** Service keys whose value differs between two keyed lists (added, removed or changed). */
function changedKeys<T>(prev: ReadonlyMap<string, T>, next: ReadonlyMap<string, T>): Set<string> {
  const out = new Set<string>();
  for (const k of new Set([...prev.keys(), ...next.keys()])) if (JSON.stringify(prev.get(k)) !== JSON.stringify(next.get(k))) out.add(k);
  return out;
}

const servicesByKey = (services: readonly MeshService[]): Map<string, MeshService> => new Map(services.map((x) => [serviceKey(x.hostname, x.namespace), x]));

/** Sidecar scopes per snapshot and sharing key, so consecutive analyses (and groups) share them. */
const scopeMemo = new WeakMap<MeshSnapshot, Map<string, SidecarScope>>();

/** What a group of proxies with equal sharing keys sees in one snapshot (computed on demand). */
class GroupView {
  private hostsValue: string[] | undefined;

  constructor(
    readonly snapshot: MeshSnapshot,
    readonly proxy: ProxyView,
    private readonly key: string,
  ) {}

  get scope(): SidecarScope {
    let memo = scopeMemo.get(this.snapshot);
    if (!memo) scopeMemo.set(this.snapshot, (memo = new Map()));
    let scope = memo.get(this.key);
    if (!scope) memo.set(this.key, (scope = sidecarScopeFor(this.snapshot, this.proxy)));
    return scope;
  }

  get lookupHosts(): string[] {
    if (this.hostsValue) return this.hostsValue;
    const hosts = new Set(this.scope.services.map((s) => s.hostname));
    for (const vs of virtualServicesFor(this.snapshot, this.proxy)) for (const h of destinationHostsOf(vs.spec, vs.item.namespace, this.snapshot.mesh.domainSuffix)) hosts.add(h);
    return (this.hostsValue = [...hosts]);
  }

  /** Whether a VirtualService applies to the group (as lookup-virtual-services.ts selects them). */
  applies(vs: ConfigItem<VirtualServiceSpec>): boolean {
    const { domainSuffix, defaultExportTo } = this.snapshot.mesh;
    const hosts = vs.spec.hosts ?? [];
    if (!isVisible(vs.spec.exportTo, vs.namespace, this.proxy.namespace, defaultExportTo)) return false;
    if (!gatewaysOf(vs).includes(MESH_GATEWAY)) return false;
    const egress = allEgressHosts(sidecarFor(this.snapshot, this.proxy), this.proxy.namespace);
    return hosts.some((h) => egressImportsVirtualServiceHost(egress, vs.namespace, resolveHost(h, vs.namespace, domainSuffix)));
  }

  /** Whether a DestinationRule may be consulted for the group (destinationRuleFor's namespace,
   *  exportTo and selector rules, and a host it may be asked about). */
  consults(dr: ConfigItem<DestinationRuleSpec>): boolean {
    const { rootNamespace, domainSuffix, defaultExportTo } = this.snapshot.mesh;
    const proxy = this.proxy;
    const selector = Object.entries(dr.spec.workloadSelector?.matchLabels ?? {});
    if (selector.length > 0) {
      if (dr.namespace !== proxy.namespace && dr.namespace !== rootNamespace) return false;
      if (!selector.every(([k, v]) => proxy.labels[k] === v)) return false;
    }
    const namespaceOk = dr.namespace === proxy.namespace || proxy.namespace === rootNamespace || isVisible(dr.spec.exportTo, dr.namespace, proxy.namespace, defaultExportTo);
    if (!namespaceOk) return false;
    const host = resolveHost(dr.spec.host, dr.namespace, domainSuffix);
    return this.lookupHosts.some((h) => hostsOverlap(host, h));
  }
}

/** Whether a Sidecar may be the one chosen for the group (lookup-sidecar.ts's precedence). */
function sidecarMayApply(sidecar: ConfigItem<SidecarSpec>, proxy: ProxyView, rootNamespace: string): boolean {
  const selector = Object.entries(sidecar.spec.workloadSelector?.labels ?? {});
  if (selector.length > 0) return sidecar.namespace === proxy.namespace && selector.every(([k, v]) => proxy.labels[k] === v);
  return sidecar.namespace === proxy.namespace || sidecar.namespace === rootNamespace;
}

/** Whether a workload policy (AuthorizationPolicy, RequestAuthentication) may select the proxy's
 *  workload (the root namespace's and the workload namespace's, whose selector or targetRefs pick it:
 *  select-policies.ts, select-request-authentications.ts). */
function workloadPolicyMayApply(policy: ConfigItem<AuthorizationPolicySpec> | ConfigItem<RequestAuthenticationSpec>, proxy: ProxyView, rootNamespace: string): boolean {
  if (policy.namespace !== rootNamespace && policy.namespace !== proxy.namespace) return false;
  return policyAppliesTo(policy, { namespace: proxy.namespace, labels: proxy.labels });
}

/** Whether a Telemetry may be one of the proxy's (lookup-telemetry.ts applicableTelemetries: the root
 *  namespace's, and its namespace's selector-less or selecting ones). */
function telemetryMayApply(telemetry: ConfigItem<TelemetrySpec>, proxy: ProxyView, rootNamespace: string): boolean {
  if (telemetry.namespace === rootNamespace) return true;
  if (telemetry.namespace !== proxy.namespace) return false;
  return Object.entries(telemetry.spec.selector?.matchLabels ?? {}).every(([k, v]) => proxy.labels[k] === v);
}

/** Whether a PeerAuthentication may be part of the proxy's own policy (lookup-peer-authentication.ts:
 *  the root namespace's, and its namespace's selector-less or selecting ones). */
function peerAuthenticationMayApply(policy: ConfigItem<PeerAuthenticationSpec>, proxy: ProxyView, rootNamespace: string): boolean {
  if (policy.namespace === rootNamespace) return true;
  if (policy.namespace !== proxy.namespace) return false;
  return Object.entries(policy.spec.selector?.matchLabels ?? {}).every(([k, v]) => proxy.labels[k] === v);
}

/** The service keys whose endpoints' service accounts differ between two snapshots (ISTIO_MUTUAL
 *  verifies them in CDS, so such an endpoint change is a cluster change too, as Istio's full push on
 *  new service accounts). */
function accountsChangedOf(keys: ReadonlySet<string>, prev: MeshSnapshot, next: MeshSnapshot): Set<string> {
  const accounts = (s: MeshSnapshot, k: string): string => [...new Set((s.endpointsByService.get(k) ?? []).map((e) => e.serviceAccount))].sort().join(',');
  return new Set([...keys].filter((k) => accounts(prev, k) !== accounts(next, k)));
}

/** Same services per egress listener, by identity (content changes are checked separately). */
function sameScope(a: SidecarScope, b: SidecarScope): boolean {
  const sidecarId = (s: SidecarScope): string => (s.sidecar ? itemKey(s.sidecar) : '');
  if (sidecarId(a) !== sidecarId(b)) return false;
  if (a.outboundTrafficPolicy !== b.outboundTrafficPolicy || a.egressListeners.length !== b.egressListeners.length) return false;
  const ids = (s: readonly MeshService[]): string => s.map((x) => serviceKey(x.hostname, x.namespace)).join(',');
  return a.egressListeners.every((l, i) => ids(l.services) === ids(b.egressListeners[i]?.services ?? []));
}

/** Addresses and workload refs of a set of endpoints, to find the proxies they may belong to. */
interface EndpointOwners {
  readonly workloads: Set<string>;
  readonly addresses: Set<string>;
}

function ownersOf(endpoints: Iterable<Endpoint>): EndpointOwners {
  const owners: EndpointOwners = { workloads: new Set(), addresses: new Set() };
  for (const e of endpoints) {
    owners.workloads.add(e.workload);
    owners.addresses.add(e.address);
  }
  return owners;
}

/**
 * The impact of `events` (the batch that turned `prev` into `next`) on each of `proxies`. A proxy is
 * affected when something it reads changed: a VirtualService that applies to it; a DestinationRule it
 * may consult; the Sidecar that may apply to it; a service it sees (definition: every kind; endpoints:
 * EDS, plus CDS for DNS services, for changed service accounts and for passthrough rules, and LDS for
 * services with non-HTTP ports); a PeerAuthentication of the namespace of a service it sees, or of the
 * root namespace (EDS, plus CDS unless workload-level); an AuthorizationPolicy, RequestAuthentication
 * or PeerAuthentication that may select it before or after the change (LDS, own part included: RBAC and
 * JWT filters and mTLS chains sit on inbound chains only); a Telemetry that may apply to it (LDS, own part
 * included: access loggers sit on every listener); or its own workload (every kind, own part included). Any other kind of change, a delegate
 * VirtualService, and gateways or proxyless clients get everything.
 */
export function changeImpact(prev: MeshSnapshot | undefined, next: MeshSnapshot, events: readonly ConfigEvent[], proxies: Iterable<ProxyView>): ChangeImpact {
  const out = new Map<string, ProxyImpact>();
  const all = [...proxies];
  const registryOnly = events.every((e) => REGISTRY_KINDS.has(e.ref.kind));
  if (!prev || events.some((e) => !TARGETED_KINDS.has(e.ref.kind))) {
    for (const p of all) out.set(p.id, EVERYTHING);
    return { proxies: out, endpointOnly: false, endpointsChanged: new Set() };
  }
  const vsChanges = virtualServiceChanges(events, prev, next);
  const destinationRules = changedItems(events, 'DestinationRule', prev.destinationRules, next.destinationRules);
  const sidecars = changedItems(events, 'Sidecar', prev.sidecars, next.sidecars);
  const authorizationPolicies = changedItems(events, 'AuthorizationPolicy', prev.authorizationPolicies, next.authorizationPolicies);
  const peerAuthentications = changedItems(events, 'PeerAuthentication', prev.peerAuthentications, next.peerAuthentications);
  // A RequestAuthentication event also stands for new keys of its jwksUri (the push controller sends one then).
  const requestAuthentications = changedItems(events, 'RequestAuthentication', prev.requestAuthentications, next.requestAuthentications);
  // Telemetry accessLogging sets the access loggers of every listener, inbound ones included.
  const telemetries = changedItems(events, 'Telemetry', prev.telemetries, next.telemetries);
  const delegateChanged = vsChanges.some((c) => [c.before, c.after].some((vs) => vs && (vs.spec.hosts ?? []).length === 0));
  const vsKeepScopes = vsChanges.every((c) => keepsScopes(c, next.mesh.domainSuffix));

  const registryChanged = events.some((e) => REGISTRY_KINDS.has(e.ref.kind));
  let changedServices = new Set<string>();
  let changedEndpoints = new Set<string>();
  let changedWorkloads: Workload[] = [];
  const owners = new Map<string, EndpointOwners>();
  if (registryChanged) {
    // A ServiceEntry makes services in its own namespace, from WorkloadEntries of that namespace: only
    // the namespaces of the changed entries can hold changed services, endpoints or workloads.
    const namespaces = new Set(events.filter((e) => REGISTRY_KINDS.has(e.ref.kind)).map((e) => e.ref.namespace));
    const inChanged = <T extends { namespace: string }>(items: readonly T[]): T[] => items.filter((i) => namespaces.has(i.namespace));
    const endpointsIn = (s: MeshSnapshot): Map<string, readonly Endpoint[]> =>
      new Map([...s.endpointsByService].filter(([, eps]) => eps[0] !== undefined && namespaces.has(eps[0].namespace)));
    changedServices = changedKeys(servicesByKey(inChanged(prev.services)), servicesByKey(inChanged(next.services)));
    changedEndpoints = changedKeys(endpointsIn(prev), endpointsIn(next));
    const before = new Map(inChanged(prev.workloads).map((w) => [itemKey(w), JSON.stringify(w)]));
    const after = new Map(inChanged(next.workloads).map((w) => [itemKey(w), JSON.stringify(w)]));
    changedWorkloads = [...inChanged(prev.workloads), ...inChanged(next.workloads)].filter((w) => before.get(itemKey(w)) !== after.get(itemKey(w)));
    for (const k of new Set([...changedServices, ...changedEndpoints])) owners.set(k, ownersOf([...(prev.endpointsByService.get(k) ?? []), ...(next.endpointsByService.get(k) ?? [])]));
  }
  const endpointOnly = registryOnly && changedServices.size === 0;
  const accountsChanged = accountsChangedOf(changedEndpoints, prev, next);
  // Nothing that shapes Sidecar scopes changed: the previous snapshot's scopes hold for the next one
  // (same services by key and content), so they need not be computed again.
  const scopesKept = changedServices.size === 0 && sidecars.length === 0 && vsKeepScopes;
  const kept = scopeMemo.get(prev);
  if (scopesKept && kept && !scopeMemo.has(next)) scopeMemo.set(next, kept);

  // Proxies with equal sharing keys (over both snapshots' selectors) read the same outbound config.
  const context = sharingContextOf(prev, next);
  const groups = new Map<string, Set<XdsKind>>();
  const { rootNamespace } = next.mesh;
  const groupKinds = (proxy: ProxyView): Set<XdsKind> => {
    const key = sharingKeys(next, proxy, context).listenersRoutes;
    const known = groups.get(key);
    if (known) return known;
    const kinds = new Set<XdsKind>();
    groups.set(key, kinds);
    const before = new GroupView(prev, proxy, key);
    const after = new GroupView(next, proxy, key);
    const everything = (): Set<XdsKind> => {
      for (const k of ALL_KINDS) kinds.add(k);
      return kinds;
    };
    if (sidecars.some((s) => sidecarMayApply(s, proxy, rootNamespace))) return everything();
    if (destinationRules.some((dr) => before.consults(dr) || after.consults(dr))) return everything();
    const vsApplies = vsChanges.some((c) => (c.before !== undefined && before.applies(c.before)) || (c.after !== undefined && after.applies(c.after)));
    // Imported VirtualServices add their destinations to a Sidecar-scoped proxy's services.
    const scopeMayChange = changedServices.size > 0 || (vsApplies && !vsKeepScopes);
    if (scopeMayChange && !sameScope(before.scope, after.scope)) return everything();
    if (vsApplies) {
      kinds.add('listeners');
      kinds.add('routes');
    }
    // PeerAuthentication of a destination: its namespace- or mesh-level mode decides auto-mTLS (CDS),
    // and every level which endpoints advertise `tlsMode: istio` (EDS).
    for (const pa of peerAuthentications) {
      const meshWide = pa.namespace === rootNamespace;
      if (!after.scope.services.some((s) => meshWide || s.namespace === pa.namespace)) continue;
      kinds.add('endpoints');
      if (meshWide || Object.keys(pa.spec.selector?.matchLabels ?? {}).length === 0) kinds.add('clusters');
    }
    if (changedServices.size === 0 && changedEndpoints.size === 0) return kinds;
    for (const s of after.scope.services) {
      const key = serviceKey(s.hostname, s.namespace);
      if (changedServices.has(key)) return everything();
      if (!changedEndpoints.has(key)) continue;
      kinds.add('endpoints');
      // DNS clusters carry their endpoints inline; ISTIO_MUTUAL verifies the endpoints' accounts; a
      // passthrough cluster's auto-mTLS depends on every endpoint's tlsMode label.
      const passthrough = (snap: MeshSnapshot): boolean => destinationRuleFor(snap, proxy, s.hostname, s.namespace)?.spec.trafficPolicy?.loadBalancer?.simple === 'PASSTHROUGH';
      if (s.resolution !== 'STATIC' || accountsChanged.has(key) || passthrough(prev) || passthrough(next)) kinds.add('clusters');
      // TCP services sharing a port match endpoint IPs.
      if (s.ports.some((p) => !isHttpProtocol(p.protocol))) kinds.add('listeners');
    }
    return kinds;
  };

  for (const proxy of all) {
    if (!isShareable(proxy) || delegateChanged) {
      out.set(proxy.id, EVERYTHING);
      continue;
    }
    // Its own workload: inbound listeners and clusters, locality.
    const ownRef = `WorkloadEntry/${proxy.namespace}/${proxy.workloadName}`;
    const ownEndpointsChanged = (key: string, o: EndpointOwners): boolean => {
      if (!o.workloads.has(ownRef) && !proxy.ipAddresses.some((ip) => o.addresses.has(ip))) return false;
      // A service definition change (ports, protocols) reshapes the inbound side of its endpoints.
      if (changedServices.has(key)) return true;
      const mine = (s: MeshSnapshot): string => JSON.stringify((s.endpointsByService.get(key) ?? []).filter((e) => mayBeOwnEndpoint(e, proxy)));
      return mine(prev) !== mine(next);
    };
    const own =
      sidecars.some((s) => sidecarMayApply(s, proxy, rootNamespace)) ||
      changedWorkloads.some((w) => runsAs(proxy, w)) ||
      [...owners].some(([key, o]) => ownEndpointsChanged(key, o));
    if (own) {
      out.set(proxy.id, EVERYTHING);
      continue;
    }
    const kinds = groupKinds(proxy);
    // Authorization, request and peer authentication are part of the proxy's own inbound listeners,
    // which are never shared: regenerate them (and keep whatever the group needs besides).
    const policySelects = (p: ConfigItem<AuthorizationPolicySpec> | ConfigItem<RequestAuthenticationSpec>): boolean => workloadPolicyMayApply(p, proxy, rootNamespace);
    if (authorizationPolicies.some(policySelects) || requestAuthentications.some(policySelects) || peerAuthentications.some((p) => peerAuthenticationMayApply(p, proxy, rootNamespace)) || telemetries.some((t) => telemetryMayApply(t, proxy, rootNamespace))) {
      // Telemetry tracing also names its collectors' clusters (CDS), before or after the change.
      const tracing = telemetries.some((t) => (t.spec.tracing ?? []).length > 0 && telemetryMayApply(t, proxy, rootNamespace));
      out.set(proxy.id, { kinds: new Set<XdsKind>([...kinds, 'listeners', ...(tracing ? (['clusters'] as const) : [])]), own: true });
      continue;
    }
    out.set(proxy.id, kinds.size === 0 ? NOTHING : { kinds, own: false });
  }
  return { proxies: out, endpointOnly, endpointsChanged: changedEndpoints };
}
