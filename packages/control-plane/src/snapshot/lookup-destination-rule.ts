// The DestinationRule that applies to traffic from a proxy to a service host, chosen as Istio's
// PushContext.destinationRule does: namespace precedence, most specific host, workloadSelector,
// and several rules for one host in one namespace merged (Istio mergeDestinationRule).

import type { DestinationRuleSpec, Subset } from '@weft/shared';
import type { ConfigItem, MeshSnapshot } from './mesh-snapshot.js';
import type { ProxyView } from './proxy-view.js';
import { isVisible } from './lookup-export-to.js';
import { mostSpecificHostMatch, resolveHost } from './lookup-host-names.js';

/** The rule in force for one (proxy, host). */
export interface ResolvedDestinationRule {
  /** The rule that decided (the oldest of a merged group). */
  readonly item: ConfigItem<DestinationRuleSpec>;
  /** The rule's host resolved to a FQDN (may be a wildcard covering the service host). */
  readonly host: string;
  /** The effective spec: for merged rules, subsets of all of them (first name wins) and the
   *  first traffic policy. */
  readonly spec: DestinationRuleSpec;
  /** Every rule that contributed, oldest first. */
  readonly merged: readonly ConfigItem<DestinationRuleSpec>[];
}

const hasSelector = (dr: ConfigItem<DestinationRuleSpec>): boolean => Object.keys(dr.spec.workloadSelector?.matchLabels ?? {}).length > 0;
const selects = (dr: ConfigItem<DestinationRuleSpec>, labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(dr.spec.workloadSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/** Merges rules for the same host without selectors, Istio's way: subsets accumulate (a repeated
 *  subset name is ignored) and the first trafficPolicy set wins. Visibility was checked per rule
 *  before merging, so the merged exportTo is not needed. */
function mergeRules(rules: readonly ConfigItem<DestinationRuleSpec>[], host: string): ResolvedDestinationRule | undefined {
  const [first, ...rest] = rules;
  if (!first) return undefined;
  if (rest.length === 0) return { item: first, host, spec: first.spec, merged: [first] };
  const subsets: Subset[] = [...(first.spec.subsets ?? [])];
  let spec: DestinationRuleSpec = first.spec;
  for (const r of rest) {
    for (const s of r.spec.subsets ?? []) if (!subsets.some((x) => x.name === s.name)) subsets.push(s);
    if (!spec.trafficPolicy && r.spec.trafficPolicy) spec = { ...spec, trafficPolicy: r.spec.trafficPolicy };
  }
  return { item: first, host, spec: { ...spec, subsets }, merged: rules };
}

/**
 * The best rule for `hostname` among `rules` (all in one namespace): the most specific host first;
 * among rules for that host, the oldest whose workloadSelector selects the proxy, else the merged
 * selector-less rules.
 */
function pickInNamespace(rules: readonly ConfigItem<DestinationRuleSpec>[], hostname: string, proxy: ProxyView, domainSuffix: string): ResolvedDestinationRule | undefined {
  const hostOf = (dr: ConfigItem<DestinationRuleSpec>): string => resolveHost(dr.spec.host, dr.namespace, domainSuffix);
  const host = mostSpecificHostMatch(hostname, new Set(rules.map(hostOf)));
  if (host === undefined) return undefined;
  const forHost = rules.filter((r) => hostOf(r) === host).sort((a, b) => a.order - b.order);
  const selected = forHost.find((r) => hasSelector(r) && selects(r, proxy.labels));
  if (selected) return { item: selected, host, spec: selected.spec, merged: [selected] };
  return mergeRules(
    forHost.filter((r) => !hasSelector(r)),
    host,
  );
}

// Rules by namespace, built once per snapshot's rule list: lookups run for every service of every
// generated proxy config, and scanning every rule each time was the generators' largest cost.
const byNamespaceMemo = new WeakMap<readonly ConfigItem<DestinationRuleSpec>[], Map<string, ConfigItem<DestinationRuleSpec>[]>>();
const NONE: readonly ConfigItem<DestinationRuleSpec>[] = Object.freeze([]);

function rulesOfNamespace(rules: readonly ConfigItem<DestinationRuleSpec>[], namespace: string): readonly ConfigItem<DestinationRuleSpec>[] {
  let index = byNamespaceMemo.get(rules);
  if (!index) {
    index = new Map();
    for (const dr of rules) {
      const list = index.get(dr.namespace);
      if (list) list.push(dr);
      else index.set(dr.namespace, [dr]);
    }
    byNamespaceMemo.set(rules, index);
  }
  return index.get(namespace) ?? NONE;
}

/**
 * The DestinationRule for traffic from `proxy` to the service `hostname` (a FQDN) defined in
 * `serviceNamespace`, Istio's precedence: (0) for a proxy in the root namespace, rules in the
 * service's namespace; (1) rules in the proxy's own namespace (any exportTo); (2) rules in the
 * service's namespace exported to the proxy's; (3) rules in the root namespace exported to it.
 * Within a namespace the most specific host wins (exact beats wildcard, longer wildcard beats
 * shorter). Rules with a workloadSelector only count for proxies they select, and only from the
 * proxy's own namespace or the root namespace. Short rule hosts resolve against the rule's namespace.
 * `serviceNamespace` may be omitted when unknown (then step 2 is skipped).
 */
export function destinationRuleFor(snapshot: MeshSnapshot, proxy: ProxyView, hostname: string, serviceNamespace?: string): ResolvedDestinationRule | undefined {
  // Without workloadSelectors the answer depends on the proxy only through its namespace, so it is
  // memoized per rule list: every sharing key of a namespace asks the same 1,000 questions.
  const memo = selectorFreeMemo(snapshot.destinationRules, snapshot.mesh);
  if (!memo) return lookUp(snapshot, proxy, hostname, serviceNamespace);
  const key = `${proxy.namespace}\n${serviceNamespace ?? ''}\n${serviceNamespace === undefined ? 0 : 1}\n${hostname}`;
  let found = memo.get(key);
  if (found === undefined) memo.set(key, (found = lookUp(snapshot, proxy, hostname, serviceNamespace) ?? null));
  return found ?? undefined;
}

type LookupMemo = Map<string, ResolvedDestinationRule | null>;
const lookupMemo = new WeakMap<readonly ConfigItem<DestinationRuleSpec>[], WeakMap<MeshSnapshot['mesh'], LookupMemo> | false>();

/** The lookup memo of a rule list under one mesh config, or false when some rule has a
 *  workloadSelector (answers then depend on proxy labels). */
function selectorFreeMemo(rules: readonly ConfigItem<DestinationRuleSpec>[], mesh: MeshSnapshot['mesh']): LookupMemo | false {
  let byMesh = lookupMemo.get(rules);
  if (byMesh === undefined) lookupMemo.set(rules, (byMesh = rules.some(hasSelector) ? false : new WeakMap()));
  if (byMesh === false) return false;
  let memo = byMesh.get(mesh);
  if (!memo) byMesh.set(mesh, (memo = new Map()));
  return memo;
}

function lookUp(snapshot: MeshSnapshot, proxy: ProxyView, hostname: string, serviceNamespace?: string): ResolvedDestinationRule | undefined {
  const { rootNamespace, domainSuffix, defaultExportTo } = snapshot.mesh;
  const inNamespace = (ns: string, exported: boolean): ConfigItem<DestinationRuleSpec>[] =>
    rulesOfNamespace(snapshot.destinationRules, ns).filter(
      (dr) =>
        dr.namespace === ns &&
        (!exported || isVisible(dr.spec.exportTo, dr.namespace, proxy.namespace, defaultExportTo)) &&
        (!hasSelector(dr) || dr.namespace === proxy.namespace || dr.namespace === rootNamespace),
    );
  const steps: [string, boolean][] = [];
  if (proxy.namespace === rootNamespace && serviceNamespace !== undefined && serviceNamespace !== rootNamespace) steps.push([serviceNamespace, false]);
  steps.push([proxy.namespace, false]);
  if (serviceNamespace !== undefined) steps.push([serviceNamespace, true]);
  steps.push([rootNamespace, true]);
  for (const [ns, exported] of steps) {
    const found = pickInNamespace(inNamespace(ns, exported), hostname, proxy, domainSuffix);
    if (found) return found;
  }
  return undefined;
}

/** The subset named `name` of a resolved rule, if it defines one. */
export function subsetOf(rule: ResolvedDestinationRule | undefined, name: string): Subset | undefined {
  return rule?.spec.subsets?.find((s) => s.name === name);
}
