// Which Telemetry resources apply to a proxy and what their `accessLogging` says for each direction
// (Istio's Telemetries.applicableTelemetries and mergeLogs, pilot/pkg/model/telemetry.go). A lookup
// only: the Envoy access loggers that follow are generators/filter-access-log.ts's.

import type { TelemetryAccessLogging, TelemetrySpec } from '@weft/shared';
import type { ProxyView } from './proxy-view.js';
import { policyAppliesTo } from '../security/authz/index.js';
import type { ConfigItem, MeshSnapshot } from './mesh-snapshot.js';

type Item = ConfigItem<TelemetrySpec>;

/** Istio's WorkloadMode of a listener class: CLIENT for outbound listeners and gateways, SERVER for
 *  a sidecar's inbound listeners. */
export type WorkloadMode = 'CLIENT' | 'SERVER';

/** What one access log provider is in the end, for one mode (Istio's loggingSpec). */
export interface ProviderLogging {
  /** The provider's name as the Telemetry resources spell it. */
  readonly provider: string;
  /** `disabled: true` at the most specific level that names it: no log, and no MeshConfig fallback. */
  readonly disabled: boolean;
  /** The CEL filter of the entry that enabled it, if any. */
  readonly filter: string | undefined;
}

const hasSelector = (item: Item): boolean => Object.keys(item.spec.selector?.matchLabels ?? {}).length > 0;
const hasTargetRefs = (item: Item): boolean => item.spec.targetRef !== undefined || (item.spec.targetRefs?.length ?? 0) > 0;

/** Oldest first, as Istio sorts Telemetries by creation time. */
const byAge = (items: readonly Item[]): Item[] => [...items].sort((a, b) => a.order - b.order);

/**
 * The Telemetries that apply to `proxy`, least specific first (Istio applicableTelemetries): the root
 * namespace's oldest namespace-wide one (no selector, no targetRefs), the proxy namespace's oldest
 * namespace-wide one (when that is not the root namespace), then every Telemetry of the proxy's
 * namespace whose selector matches its labels or whose `targetRef(s)` name its Gateway API gateway
 * (label `gateway.networking.k8s.io/gateway-name`), oldest first. Other targetRefs (services of a
 * waypoint) attach to nothing Weft runs: they are left out.
 */
export function applicableTelemetries(snapshot: MeshSnapshot, proxy: Pick<ProxyView, 'namespace' | 'labels'>): Item[] {
  const { rootNamespace } = snapshot.mesh;
  const all = byAge(snapshot.telemetries);
  const namespaceWide = (ns: string): Item | undefined => all.find((t) => t.namespace === ns && !hasSelector(t) && !hasTargetRefs(t));
  const out: Item[] = [];
  const root = namespaceWide(rootNamespace);
  if (root) out.push(root);
  if (proxy.namespace !== rootNamespace) {
    const ns = namespaceWide(proxy.namespace);
    if (ns) out.push(ns);
  }
  for (const t of all) {
    if (t.namespace !== proxy.namespace || !(hasSelector(t) || hasTargetRefs(t))) continue;
    // Workload level: a selector matching the proxy's labels, or targetRefs naming its Gateway API
    // gateway (Istio's WorkloadPolicyMatcher, as for AuthorizationPolicy).
    if (policyAppliesTo(t, proxy)) out.push(t);
  }
  return out;
}

const matchesMode = (entry: TelemetryAccessLogging, mode: WorkloadMode): boolean => {
  const m = entry.match?.mode;
  return m === undefined || m === 'CLIENT_AND_SERVER' || m === mode;
};

const providerNames = (entry: TelemetryAccessLogging): string[] => (entry.providers ?? []).map((p) => p.name);

/**
 * Istio's mergeLogs for one mode over the `accessLogging` lists of `levels` (least specific first;
 * levels without `accessLogging` are skipped, as Istio does). Undefined when no level says anything:
 * the MeshConfig access log applies. Otherwise the providers in scope (those named at the most specific
 * level that names any, for this mode) with the last word on each: disabled, or enabled with the filter
 * of the entry naming it. An entry without providers speaks for its parent's providers. Weft's MeshConfig
 * has no `defaultProviders`, so nothing is in scope before the first level that names a provider.
 */
export function mergeAccessLogging(levels: readonly Item[], mode: WorkloadMode): ProviderLogging[] | undefined {
  const logs = levels.map((t) => t.spec.accessLogging ?? []).filter((l) => l.length > 0);
  if (logs.length === 0) return undefined;
  let inScope: string[] = [];
  const filters = new Map<string, string | undefined>();
  for (const level of logs) {
    const names = new Set<string>();
    for (const entry of level) {
      if (!matchesMode(entry, mode)) continue;
      for (const p of providerNames(entry)) {
        names.add(p);
        filters.set(p, entry.filter?.expression);
      }
    }
    if (names.size > 0) inScope = [...names];
  }
  const scope = new Set(inScope);
  const result = new Map<string, ProviderLogging>();
  let parent: string[] = [];
  for (const level of logs) {
    for (const entry of level) {
      const named = providerNames(entry);
      const names = named.length > 0 ? named : parent;
      parent = names;
      for (const provider of names) {
        if (!scope.has(provider) || !matchesMode(entry, mode)) continue;
        result.set(provider, entry.disabled === true ? { provider, disabled: true, filter: undefined } : { provider, disabled: false, filter: filters.get(provider) });
      }
    }
  }
  return [...result.values()];
}
