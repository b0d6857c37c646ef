// The JWT filter of one proxy's workload (Istio's authn Builder.BuildHTTP as the LDS generators call it):
// the RequestAuthentications that select the proxy, built once into envoy.filters.http.jwt_authn with
// the key sets the snapshot resolved. Inbound and gateway HCMs carry it before the RBAC filters.
// Translation itself is security/authn/.

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { buildJwtFilter, jwksKey, jwtRulesOf, selectRequestAuthentications, type RequestAuthnItem } from '../security/authn/index.js';
import type { WorkloadRbacFilters } from './filter-rbac.js';

type HttpFilter = Readonly<Record<string, unknown>>;

const NONE: readonly HttpFilter[] = Object.freeze([]);
const NO_KEYS: ReadonlyMap<string, string> = new Map();

/** Builds per policy list, per resolved key sets (both objects carry over between snapshots while
 *  unchanged) and per selection + proxy kind: proxies selected by the same policies share one build. */
const memo = new WeakMap<readonly RequestAuthnItem[], WeakMap<ReadonlyMap<string, string>, Map<string, readonly HttpFilter[]>>>();

/**
 * The jwt_authn filter for `proxy`'s workload, as a list of zero or one HTTP filter: the
 * RequestAuthentications of its namespace and of the mesh root namespace that select it, their rules
 * sorted by issuer, keys inline (`jwks`, else the snapshot's resolved JWKS, else a key nobody can sign
 * for). Gateways get `clear_route_cache` (Istio: every proxy that is not a sidecar). Pure; the result
 * is shared and frozen.
 */
export function workloadJwtFilters(snapshot: MeshSnapshot, proxy: ProxyView): readonly HttpFilter[] {
  const policies = snapshot.requestAuthentications;
  if (policies.length === 0) return NONE;
  const selected = selectRequestAuthentications(policies, { namespace: proxy.namespace, labels: proxy.labels }, snapshot.mesh.rootNamespace);
  if (selected.length === 0) return NONE;
  const keys = snapshot.jwks ?? NO_KEYS;
  let byKeys = memo.get(policies);
  if (!byKeys) memo.set(policies, (byKeys = new WeakMap()));
  let bySelection = byKeys.get(keys);
  if (!bySelection) byKeys.set(keys, (bySelection = new Map()));
  const clearRouteCache = proxy.type !== 'sidecar';
  const key = `${clearRouteCache}|${selected.map((p) => `${p.namespace}/${p.name}`).join(',')}`;
  const known = bySelection.get(key);
  if (known) return known;
  const filter = buildJwtFilter(jwtRulesOf(selected), { jwks: (issuer, uri) => keys.get(jwksKey(issuer, uri)), clearRouteCache });
  const built = Object.freeze(filter ? [filter] : []);
  bySelection.set(key, built);
  return built;
}

/** The workload's HTTP authentication and authorization filters in Istio's order: jwt_authn, then the
 *  RBAC filters (listener_builder: authn before authz). Network filters are RBAC's alone. */
export function withJwtFilters<T extends Pick<WorkloadRbacFilters, 'http'>>(authz: T, jwt: readonly HttpFilter[]): T {
  return jwt.length === 0 ? authz : { ...authz, http: [...jwt, ...authz.http] };
}
