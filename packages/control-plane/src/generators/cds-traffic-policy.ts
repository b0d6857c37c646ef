// The traffic policy in force for one cluster: a DestinationRule's top-level policy, overridden by
// a subset's policy, overridden by port-level settings; Istio's MergeTrafficPolicy
// (pilot/pkg/networking/core/cluster_builder.go), component by component, no deep merge.

import type { DestinationRuleSpec, TrafficPolicy } from '@weft/shared';

/** The parts of a TrafficPolicy a cluster uses once port-level settings are folded in. */
export type ClusterTrafficPolicy = Omit<TrafficPolicy, 'portLevelSettings'>;

/**
 * Folds `policy.portLevelSettings` for `port` into the policy. As Istio documents, port-level
 * settings do not inherit: when one matches the port, its connectionPool, loadBalancer,
 * outlierDetection and tls replace the policy's (absent ones become unset).
 */
function applyPortLevel(policy: TrafficPolicy, port: number): ClusterTrafficPolicy {
  const { portLevelSettings, ...rest } = policy;
  const pls = portLevelSettings?.find((p) => p.port?.number === port);
  if (!pls) return rest;
  const out: ClusterTrafficPolicy = { ...rest };
  delete out.connectionPool;
  delete out.loadBalancer;
  delete out.outlierDetection;
  delete out.tls;
  if (pls.connectionPool) out.connectionPool = pls.connectionPool;
  if (pls.loadBalancer) out.loadBalancer = pls.loadBalancer;
  if (pls.outlierDetection) out.outlierDetection = pls.outlierDetection;
  if (pls.tls) out.tls = pls.tls;
  return out;
}

const COMPONENTS = ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls', 'proxyProtocol', 'retryBudget', 'tunnel'] as const;

/**
 * The policy for the cluster of `port` (and `subset`, if any) of a service whose DestinationRule
 * spec is `rule`: the top-level policy with its port-level settings, then each component the
 * subset's policy sets replaces the top-level one, then the subset's own port-level settings.
 * Undefined when nothing applies.
 */
export function clusterTrafficPolicy(rule: DestinationRuleSpec | undefined, subset: string | undefined, port: number): ClusterTrafficPolicy | undefined {
  const top = rule?.trafficPolicy ? applyPortLevel(rule.trafficPolicy, port) : undefined;
  const subsetPolicy = subset === undefined ? undefined : rule?.subsets?.find((s) => s.name === subset)?.trafficPolicy;
  if (!subsetPolicy) return top;
  const merged: Record<string, unknown> = { ...top };
  for (const c of COMPONENTS) if (subsetPolicy[c] !== undefined) merged[c] = subsetPolicy[c];
  return applyPortLevel({ ...(merged as ClusterTrafficPolicy), ...(subsetPolicy.portLevelSettings ? { portLevelSettings: subsetPolicy.portLevelSettings } : {}) }, port);
}
