// The VirtualServices that apply to a proxy for one gateway name (`mesh` for sidecars), as Istio
// selects them: exportTo visibility, gateway binding, Sidecar egress hosts, short hosts resolved
// against the VirtualService's namespace, delegate VirtualServices merged into their root.

import type { HTTPMatchRequest, HTTPRoute, VirtualServiceSpec } from '@weft/shared';
import type { ConfigItem, MeshSnapshot } from './mesh-snapshot.js';
import type { ProxyView } from './proxy-view.js';
import { isVisible } from './lookup-export-to.js';
import { hostsOverlap, resolveHost } from './lookup-host-names.js';
import { allEgressHosts, egressImportsVirtualServiceHost, sidecarFor } from './lookup-sidecar.js';

/** The gateway name that binds a VirtualService to sidecars. */
export const MESH_GATEWAY = 'mesh';

/** A VirtualService as it applies: hosts and gateways resolved, delegates merged into `spec.http`. */
export interface ResolvedVirtualService {
  /** The VirtualService as configured (its spec unchanged). */
  readonly item: ConfigItem<VirtualServiceSpec>;
  /** `spec.hosts` resolved to FQDNs relative to the VirtualService's namespace. */
  readonly hosts: readonly string[];
  /** `spec.gateways` as `mesh` or `namespace/name` (default `['mesh']`). */
  readonly gateways: readonly string[];
  /** The spec with every delegating HTTP route replaced by the delegate's merged routes. */
  readonly spec: VirtualServiceSpec;
}

/**
 * Resolves a VirtualService gateway reference to `namespace/name`: `mesh` stays, `ns/name` stays, a
 * short `name` is relative to the VirtualService's namespace, and the legacy FQDN form
 * `name.ns.svc.cluster.local` becomes `ns/name` (Istio `resolveGatewayName`).
 */
export function resolveGatewayName(gateway: string, namespace: string): string {
  if (gateway === MESH_GATEWAY || gateway.includes('/')) return gateway;
  const parts = gateway.split('.');
  if (parts.length > 1 && parts[0] && parts[1]) return `${parts[1]}/${parts[0]}`;
  return `${namespace}/${gateway}`;
}

/** The resolved `gateways` of a VirtualService (Istio's default is `mesh` alone). */
export function gatewaysOf(vs: ConfigItem<VirtualServiceSpec>): string[] {
  const gws = vs.spec.gateways ?? [];
  return gws.length === 0 ? [MESH_GATEWAY] : gws.map((g) => resolveGatewayName(g, vs.namespace));
}

type MatchField = 'uri' | 'scheme' | 'method' | 'authority';
const MATCH_FIELDS: readonly MatchField[] = ['uri', 'scheme', 'method', 'authority'];
type StringMatch = NonNullable<HTTPMatchRequest['uri']>;

/** Istio `stringMatchConflict`: a leaf match must be narrower than the root's (regex never merges). */
function stringMatchConflict(root: StringMatch | undefined, leaf: StringMatch | undefined): boolean {
  if (!root || !leaf) return false;
  if (root.regex || leaf.regex) return true;
  if (root.exact) return Boolean(leaf.prefix) || leaf.exact !== root.exact;
  if (root.prefix) {
    if (leaf.prefix) return !leaf.prefix.startsWith(root.prefix);
    if (leaf.exact) return !leaf.exact.startsWith(root.prefix);
  }
  return true;
}

function hasConflict(root: HTTPMatchRequest, leaf: HTTPMatchRequest): boolean {
  if (MATCH_FIELDS.some((f) => stringMatchConflict(root[f], leaf[f]))) return true;
  if (Object.entries(leaf.headers ?? {}).some(([k, v]) => stringMatchConflict(root.headers?.[k], v))) return true;
  if (Object.entries(leaf.withoutHeaders ?? {}).some(([k, v]) => stringMatchConflict(root.headers?.[k], v))) return true;
  if (Object.entries(leaf.queryParams ?? {}).some(([k, v]) => stringMatchConflict(root.queryParams?.[k], v))) return true;
  if (Boolean(root.ignoreUriCase) !== Boolean(leaf.ignoreUriCase)) return true;
  return Boolean(root.port && leaf.port && root.port !== leaf.port);
}

const joinNames = (root: string | undefined, leaf: string | undefined): string | undefined => (leaf ? (root ? `${root}-${leaf}` : leaf) : root);

function mergeMatch(root: HTTPMatchRequest, leaf: HTTPMatchRequest): HTTPMatchRequest {
  const out: HTTPMatchRequest = { ...leaf };
  const name = joinNames(root.name, leaf.name);
  if (name !== undefined) out.name = name;
  for (const f of MATCH_FIELDS) {
    const v = out[f] ?? root[f];
    if (v) out[f] = v;
  }
  if (root.headers || leaf.headers) out.headers = { ...root.headers, ...leaf.headers };
  if (root.withoutHeaders || leaf.withoutHeaders) out.withoutHeaders = { ...root.withoutHeaders, ...leaf.withoutHeaders };
  if (root.queryParams || leaf.queryParams) out.queryParams = { ...root.queryParams, ...leaf.queryParams };
  if (!out.port && root.port) out.port = root.port;
  return out;
}

/** Istio `mergeHTTPMatchRequests`: every leaf match must fit at least one root match; undefined on conflict. */
function mergeMatches(root: readonly HTTPMatchRequest[], leaf: readonly HTTPMatchRequest[]): HTTPMatchRequest[] | undefined {
  if (root.length === 0) return [...leaf];
  if (leaf.length === 0) return [...root];
  const out: HTTPMatchRequest[] = [];
  for (const l of leaf) {
    const fits = root.filter((r) => !hasConflict(r, l));
    if (fits.length === 0) return undefined;
    out.push(...fits.map((r) => mergeMatch(r, l)));
  }
  return out;
}

/** Fields a delegate route inherits from the root route when it does not set them (Istio `mergeHTTPRoute`). */
const INHERITED: readonly (keyof HTTPRoute)[] = ['rewrite', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercent', 'mirrorPercentage', 'corsPolicy', 'headers'];

/** Merges one root route with one delegate route; undefined when their matches conflict (Istio drops it). */
function mergeRoute(root: HTTPRoute, leaf: HTTPRoute): HTTPRoute | undefined {
  const match = mergeMatches(root.match ?? [], leaf.match ?? []);
  if (!match) return undefined;
  const out: Record<string, unknown> = { ...leaf };
  if (match.length > 0) out.match = match;
  const name = joinNames(root.name, leaf.name);
  if (name !== undefined) out.name = name;
  for (const f of INHERITED) if (out[f] === undefined && root[f] !== undefined) out[f] = root[f];
  return out as unknown as HTTPRoute;
}

/**
 * Replaces each `delegate` HTTP route of `root` by the delegate VirtualService's routes merged with
 * it (Istio `mergeVirtualServicesIfNeeded`). A delegate that is missing or not exported to the
 * root's namespace drops just that route; delegate namespace defaults to the root's.
 */
function mergeDelegates(root: ConfigItem<VirtualServiceSpec>, delegates: ReadonlyMap<string, ConfigItem<VirtualServiceSpec>>, defaultExportTo: readonly string[]): VirtualServiceSpec {
  const http = root.spec.http ?? [];
  if (!http.some((r) => r.delegate)) return root.spec;
  const merged: HTTPRoute[] = [];
  for (const route of http) {
    if (!route.delegate) {
      merged.push(route);
      continue;
    }
    const ns = route.delegate.namespace || root.namespace;
    const delegate = delegates.get(`${ns}/${route.delegate.name ?? ''}`);
    if (!delegate || !isVisible(delegate.spec.exportTo, delegate.namespace, root.namespace, defaultExportTo)) continue;
    const { delegate: _dropped, ...rootRoute } = route;
    for (const leaf of delegate.spec.http ?? []) {
      const m = mergeRoute(rootRoute, leaf);
      if (m) merged.push(m);
    }
  }
  return { ...root.spec, http: merged };
}

/**
 * The VirtualServices that apply to `proxy` on `gateway` (`mesh` for a sidecar's own traffic,
 * `namespace/name` for a gateway's servers), oldest first (ConfigItem.order, Istio's creation-time
 * order, which decides which rule wins when several define the same host). A VirtualService applies
 * when it is exported to the proxy's namespace, lists the gateway (default `mesh`), has hosts
 * (host-less ones are delegates, used only through their root) and, for sidecars, when one of its
 * hosts is imported by the proxy's Sidecar egress hosts in the VirtualService's namespace.
 */
export function virtualServicesFor(snapshot: MeshSnapshot, proxy: ProxyView, gateway: string = MESH_GATEWAY): ResolvedVirtualService[] {
  const { domainSuffix, defaultExportTo } = snapshot.mesh;
  const delegates = new Map<string, ConfigItem<VirtualServiceSpec>>();
  for (const vs of snapshot.virtualServices) if ((vs.spec.hosts ?? []).length === 0) delegates.set(`${vs.namespace}/${vs.name}`, vs);
  const egress = gateway === MESH_GATEWAY && proxy.type === 'sidecar' ? allEgressHosts(sidecarFor(snapshot, proxy), proxy.namespace) : undefined;
  const out: ResolvedVirtualService[] = [];
  for (const vs of [...snapshot.virtualServices].sort((a, b) => a.order - b.order)) {
    const rawHosts = vs.spec.hosts ?? [];
    if (rawHosts.length === 0) continue;
    if (!isVisible(vs.spec.exportTo, vs.namespace, proxy.namespace, defaultExportTo)) continue;
    const gateways = gatewaysOf(vs);
    if (!gateways.includes(gateway)) continue;
    const hosts = rawHosts.map((h) => resolveHost(h, vs.namespace, domainSuffix));
    if (egress && !hosts.some((h) => egressImportsVirtualServiceHost(egress, vs.namespace, h))) continue;
    out.push({ item: vs, hosts, gateways, spec: mergeDelegates(vs, delegates, defaultExportTo) });
  }
  return out;
}

/** The VirtualServices among `virtualServices` with a host overlapping `hostname` (exact or
 *  wildcard, either way), in the given order. */
export function virtualServicesForHost(virtualServices: readonly ResolvedVirtualService[], hostname: string): ResolvedVirtualService[] {
  return virtualServices.filter((vs) => vs.hosts.some((h) => hostsOverlap(h, hostname)));
}
