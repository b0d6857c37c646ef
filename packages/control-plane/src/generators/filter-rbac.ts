// The RBAC filters of one proxy's workload (Istio's authz builder as the LDS generators call it): the
// AuthorizationPolicies that select the proxy, built once into HTTP filters (inbound and gateway HCMs)
// and network filters (inbound TCP chains). Translation itself is security/authz/.

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { buildHttpRbacFilters, buildNetworkRbacFilters, createTrustDomainBundle, selectAuthorizationPolicies, type AuthzPolicyItem, type SelectedAuthorizationPolicies } from '../security/authz/index.js';
import type { EnvoyNetworkFilter } from './filter-tcp-proxy.js';

/** A proxy's RBAC filters, in the order they run, and what the builder could not translate. */
export interface WorkloadRbacFilters {
  /** envoy.filters.http.rbac entries for the front of an HCM's http_filters; empty: no policy applies. */
  readonly http: readonly Readonly<Record<string, unknown>>[];
  /** envoy.filters.network.rbac filters for the front of a TCP chain's filters; empty: no policy applies. */
  readonly network: readonly EnvoyNetworkFilter[];
  /** One line per skipped rule or unsupported policy (HTTP and TCP builds, deduplicated). */
  readonly warnings: readonly string[];
}

const NONE: WorkloadRbacFilters = Object.freeze({ http: Object.freeze([]), network: Object.freeze([]), warnings: Object.freeze([]) });

/** Builds per policy list (a snapshot's list object carries over while no AuthorizationPolicy changes)
 *  and per selection + trust domains: proxies selected by the same policies share one build. */
const memo = new WeakMap<readonly AuthzPolicyItem[], Map<string, WorkloadRbacFilters>>();

const idsOf = (items: readonly AuthzPolicyItem[]): string => items.map((p) => `${p.namespace}/${p.name}`).join(',');

function selectionKey(selected: SelectedAuthorizationPolicies, trustDomains: readonly string[]): string {
  return [idsOf(selected.custom), idsOf(selected.deny), idsOf(selected.allow), idsOf(selected.audit), trustDomains.join(',')].join('|');
}

/**
 * The RBAC filters for `proxy`'s workload: the AuthorizationPolicies of the mesh root namespace and of
 * the proxy's namespace that select its labels (selectAuthorizationPolicies), with the mesh trust
 * domain and its aliases. Pure; the result is shared and frozen. No policy: no filters (everything
 * allowed, as Envoy without an RBAC filter).
 */
export function workloadRbacFilters(snapshot: MeshSnapshot, proxy: ProxyView): WorkloadRbacFilters {
  const policies = snapshot.authorizationPolicies;
  if (policies.length === 0) return NONE;
  const { rootNamespace, trustDomain, trustDomainAliases } = snapshot.mesh;
  const selected = selectAuthorizationPolicies(policies, { namespace: proxy.namespace, labels: proxy.labels }, rootNamespace);
  if (selected.custom.length + selected.deny.length + selected.allow.length + selected.audit.length === 0) return NONE;
  const trustDomains = createTrustDomainBundle(trustDomain, trustDomainAliases ?? []);
  let byKey = memo.get(policies);
  if (!byKey) memo.set(policies, (byKey = new Map()));
  const key = selectionKey(selected, trustDomains.trustDomains);
  const known = byKey.get(key);
  if (known) return known;
  const http = buildHttpRbacFilters(selected, { trustDomains });
  const network = buildNetworkRbacFilters(selected, { trustDomains });
  const built: WorkloadRbacFilters = Object.freeze({
    // Spread into plain object types (the generators' Envoy shapes are index-signature records).
    http: Object.freeze(http.filters.map((f) => ({ ...f }))),
    network: Object.freeze(network.filters.map((f) => ({ ...f }))),
    warnings: Object.freeze([...new Set([...http.warnings, ...network.warnings])]),
  });
  byKey.set(key, built);
  return built;
}
