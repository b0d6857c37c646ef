// Which Sidecar resource applies to a proxy, and what a Sidecar egress `hosts` entry imports
// (Istio pilot/pkg/model/sidecar.go). Computing the services a proxy sees is
// lookup-sidecar-scope.ts; this file only selects and matches.

import type { SidecarSpec } from '@weft/shared';
import type { ConfigItem, MeshSnapshot } from './mesh-snapshot.js';
import type { ProxyView } from './proxy-view.js';
import { hostsOverlap, isHostSubsetOf, isWildcardHost } from './lookup-host-names.js';

/** The egress `hosts` a Sidecar without egress listeners (or no Sidecar at all) imports: everything. */
export const DEFAULT_EGRESS_HOSTS: readonly string[] = Object.freeze(['*/*']);

const matchesSelector = (selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const byCreation = <T extends { order: number }>(items: readonly T[]): T[] => [...items].sort((a, b) => a.order - b.order);

/**
 * The Sidecar that applies to `proxy`, Istio's precedence: a Sidecar in the proxy's namespace whose
 * `workloadSelector` matches the proxy's labels; else that namespace's Sidecar without a selector;
 * else the root namespace's Sidecar without a selector. Ties go to the oldest (ConfigItem.order), as
 * Istio ignores later duplicates. Gateways (`router` proxies) never get a Sidecar.
 */
export function sidecarFor(snapshot: MeshSnapshot, proxy: ProxyView): ConfigItem<SidecarSpec> | undefined {
  if (proxy.type !== 'sidecar') return undefined;
  const inNamespace = byCreation(snapshot.sidecars.filter((s) => s.namespace === proxy.namespace));
  const hasSelector = (s: ConfigItem<SidecarSpec>): boolean => Object.keys(s.spec.workloadSelector?.labels ?? {}).length > 0;
  const selected = inNamespace.find((s) => hasSelector(s) && matchesSelector(s.spec.workloadSelector?.labels ?? {}, proxy.labels));
  if (selected) return selected;
  const namespaceWide = inNamespace.find((s) => !hasSelector(s));
  if (namespaceWide) return namespaceWide;
  return byCreation(snapshot.sidecars.filter((s) => s.namespace === snapshot.mesh.rootNamespace && !hasSelector(s)))[0];
}

/** An egress `hosts` entry split into its namespace part and its DNS part. */
export interface EgressHost {
  /** `*` (any namespace), `~` (none), or a namespace name (`.` is already replaced). */
  readonly namespace: string;
  /** `*`, `*.example.com` or an exact host. */
  readonly host: string;
}

/**
 * Parses `ns/host` entries of a Sidecar egress listener. `.` stands for the proxy's namespace (Istio
 * converts a root-namespace Sidecar for each namespace it applies to, so `.` is the proxy's namespace
 * there too). An entry without `/` is read as `*\/host` (older Istio accepted that form).
 */
export function parseEgressHosts(hosts: readonly string[], proxyNamespace: string): EgressHost[] {
  return hosts.map((h) => {
    const slash = h.indexOf('/');
    const ns = slash === -1 ? '*' : h.slice(0, slash);
    return { namespace: ns === '.' ? proxyNamespace : ns, host: slash === -1 ? h : h.slice(slash + 1) };
  });
}

const namespaceMatches = (e: EgressHost, namespace: string): boolean => e.namespace !== '~' && (e.namespace === '*' || e.namespace === namespace);

/**
 * Whether egress hosts import a service `hostname` defined in `namespace`: the service host is
 * covered by an entry (`reviews.default.svc.cluster.local`, `*.default.svc.cluster.local`, `*`), or
 * the service is a wildcard host and the entry is one of its names (Istio would then narrow the
 * service to the imported name; Weft keeps the wildcard service, which routes the same).
 */
export function egressImportsService(egress: readonly EgressHost[], namespace: string, hostname: string): boolean {
  return egress.some(
    (e) => namespaceMatches(e, namespace) && (isHostSubsetOf(hostname, e.host) || (isWildcardHost(hostname) && isHostSubsetOf(e.host, hostname))),
  );
}

/** Whether egress hosts import a VirtualService in `namespace` with the (FQDN) host `hostname`:
 *  Istio selects a VirtualService when any of its hosts overlaps an entry for its namespace or `*`. */
export function egressImportsVirtualServiceHost(egress: readonly EgressHost[], namespace: string, hostname: string): boolean {
  return egress.some((e) => namespaceMatches(e, namespace) && hostsOverlap(hostname, e.host));
}

/** The egress hosts of every listener of a Sidecar, parsed, or {@link DEFAULT_EGRESS_HOSTS} when it
 *  has no egress listeners (or there is no Sidecar). */
export function allEgressHosts(sidecar: ConfigItem<SidecarSpec> | undefined, proxyNamespace: string): EgressHost[] {
  const listeners = sidecar?.spec.egress ?? [];
  const hosts = listeners.length > 0 ? listeners.flatMap((l) => l.hosts) : DEFAULT_EGRESS_HOSTS;
  return parseEgressHosts(hosts, proxyNamespace);
}
