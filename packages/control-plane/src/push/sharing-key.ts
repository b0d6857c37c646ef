// Which proxies can share generated config: the key of what the outbound generators read about a
// proxy (type, namespace, the labels some config selects on, locality when a policy uses it, node
// metadata other than per-instance fields). Its own workload's part (inbound) is never shared.

import type { Endpoint, Workload } from '../registry/model.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { canonicalServiceOf, meshMayTrace } from '../snapshot/lookup-tracing.js';

/** Node metadata that names one instance (who it is, where it runs). Generators read these only for
 *  the proxy's own workload (inbound listeners and clusters, locality), which is never shared. */
const PER_INSTANCE_METADATA: ReadonlySet<string> = new Set(['NAME', 'POD_NAME', 'WORKLOAD_NAME', 'INSTANCE_IPS', 'LABELS', 'SERVICE_ACCOUNT', 'NAMESPACE', 'POD_PORTS', 'APP_CONTAINERS', 'WEFT_APP_ADDRESS']);

/** Config properties whose object keys are proxy label names some config selects proxies on. Subset
 *  `labels` are not among them: those select endpoints, not proxies. */
const PROXY_SELECTOR_PROPERTIES: ReadonlySet<string> = new Set(['workloadSelector', 'selector', 'sourceLabels']);

/** What a snapshot makes the sharing key depend on. */
export interface SharingContext {
  /** Proxy label names any config selects on (sorted). Labels outside this set cannot change output. */
  readonly labelKeys: readonly string[];
  /** Whether some DestinationRule makes EDS depend on the proxy's locality (outlier detection, which
   *  turns on locality failover, or explicit locality settings). */
  readonly localityMatters: boolean;
  /** Whether some HCM may trace: span tags carry the proxy's canonical service and revision
   *  (Istio's buildServiceTags), which then become part of the key. */
  readonly tracing?: boolean;
}

function collectSelectorKeys(value: unknown, inSelector: boolean, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectSelectorKeys(v, inSelector, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    // Inside a selector every string-valued key is a label name (`labels`, `matchLabels` or the map itself).
    if (inSelector && typeof v === 'string') out.add(k);
    if (k === 'failoverPriority' && Array.isArray(v)) for (const e of v) if (typeof e === 'string') out.add(e.split('=')[0] ?? e);
    collectSelectorKeys(v, inSelector || PROXY_SELECTOR_PROPERTIES.has(k), out);
  }
}

function mentions(value: unknown, keys: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => mentions(v, keys));
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => keys.has(k) || mentions(v, keys));
}

const LOCALITY_POLICY_FIELDS: ReadonlySet<string> = new Set(['outlierDetection', 'localityLbSetting']);

const contexts = new WeakMap<MeshSnapshot, SharingContext>();

function contextOf(s: MeshSnapshot): SharingContext {
  const known = contexts.get(s);
  if (known) return known;
  const labelKeys = new Set<string>();
  // AuthorizationPolicy selectors are among them: with the namespace they decide which policies select
  // a proxy, so proxies of one key also share their RBAC filters (which only own inbound listeners and
  // unshared gateways carry).
  const all = [s.virtualServices, s.destinationRules, s.gateways, s.sidecars, s.peerAuthentications, s.authorizationPolicies, s.requestAuthentications, s.telemetries];
  for (const items of all) for (const item of items) collectSelectorKeys(item.spec, false, labelKeys);
  const context = { labelKeys: [...labelKeys].sort(), localityMatters: s.destinationRules.some((dr) => mentions(dr.spec, LOCALITY_POLICY_FIELDS)), tracing: meshMayTrace(s) };
  contexts.set(s, context);
  return context;
}

/** The sharing context of one snapshot or, given several, of all of them (a key built from it is then
 *  valid for each). Computed once per snapshot. */
export function sharingContextOf(...snapshots: readonly MeshSnapshot[]): SharingContext {
  const each = snapshots.map(contextOf);
  if (each.length === 1 && each[0]) return each[0];
  return { labelKeys: [...new Set(each.flatMap((c) => c.labelKeys))].sort(), localityMatters: each.some((c) => c.localityMatters), tracing: each.some((c) => c.tracing === true) };
}

/** Whether `ep` may be an instance of the proxy's own workload: its WorkloadEntry, or an endpoint at
 *  one of its IPs. Deliberately wider than the generators' rule (which also wants the same namespace
 *  for IP matches): callers use it to find what the proxy's own part could depend on. */
export function mayBeOwnEndpoint(ep: Endpoint, proxy: ProxyView): boolean {
  return ep.workload === `WorkloadEntry/${proxy.namespace}/${proxy.workloadName}` || proxy.ipAddresses.includes(ep.address);
}

const workloadIndexes = new WeakMap<MeshSnapshot, Map<string, Workload>>();

/** The proxy's locality as the CDS/EDS inputs compute it: its workload's, else that of an endpoint of
 *  its own workload (generators/cds-inputs.ts; the sharing equivalence test keeps the two in step). */
export function proxyLocality(snapshot: MeshSnapshot, proxy: ProxyView): string {
  let index = workloadIndexes.get(snapshot);
  if (!index) {
    index = new Map(snapshot.workloads.map((w) => [`${w.namespace}/${w.name}`, w]));
    workloadIndexes.set(snapshot, index);
  }
  const workload = index.get(`${proxy.namespace}/${proxy.workloadName}`);
  if (workload) return workload.locality;
  const own = (e: Endpoint): boolean => e.workload === `WorkloadEntry/${proxy.namespace}/${proxy.workloadName}` || (e.namespace === proxy.namespace && proxy.ipAddresses.includes(e.address));
  for (const eps of snapshot.endpointsByService.values()) {
    const found = eps.find((e) => own(e) && e.locality !== '');
    if (found) return found.locality;
  }
  return '';
}

/** Whether a proxy's config may be shared with others at all. Gateways and proxyless gRPC clients
 *  have generators of their own that may read anything about the proxy: never shared. */
export function isShareable(proxy: ProxyView): boolean {
  return proxy.type === 'sidecar' && proxy.generator === undefined;
}

/** The sharing keys of a proxy: `listenersRoutes` for LDS + RDS, `clustersEndpoints` for CDS + EDS
 *  (which also depend on locality). Proxies with equal keys get equal outbound config of those types.
 *  An unshareable proxy gets keys of its own. */
export function sharingKeys(snapshot: MeshSnapshot, proxy: ProxyView, context: SharingContext): { readonly listenersRoutes: string; readonly clustersEndpoints: string } {
  if (!isShareable(proxy)) return { listenersRoutes: `proxy:${proxy.id}`, clustersEndpoints: `proxy:${proxy.id}` };
  let base = baseKey(proxy, context.labelKeys);
  if (context.tracing === true) {
    const canonical = canonicalServiceOf(proxy);
    base += JSON.stringify([canonical.service, canonical.revision]);
  }
  const locality = context.localityMatters ? proxyLocality(snapshot, proxy) : '';
  return { listenersRoutes: `lr:${base}`, clustersEndpoints: `ce:${base}:${locality}` };
}

const baseKeys = new WeakMap<ProxyView, Map<string, string>>();

/** Namespace, selected labels and non-instance metadata of a proxy (views are immutable: memoized). */
function baseKey(proxy: ProxyView, labelKeys: readonly string[]): string {
  let byLabels = baseKeys.get(proxy);
  if (!byLabels) baseKeys.set(proxy, (byLabels = new Map()));
  const labelsId = labelKeys.join('\n');
  const known = byLabels.get(labelsId);
  if (known !== undefined) return known;
  const labels = labelKeys.filter((k) => proxy.labels[k] !== undefined).map((k) => [k, proxy.labels[k]]);
  const metadata = Object.keys(proxy.metadata)
    .filter((k) => !PER_INSTANCE_METADATA.has(k))
    .sort()
    .map((k) => [k, proxy.metadata[k]]);
  const key = JSON.stringify([proxy.namespace, labels, metadata]);
  byLabels.set(labelsId, key);
  return key;
}
