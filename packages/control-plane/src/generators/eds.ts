// EDS: a ClusterLoadAssignment for every EDS cluster CDS gives the proxy (STATIC-resolution
// services, default and subset clusters). Endpoint grouping, weights and locality priorities are
// eds-load-assignment.ts; which clusters exist is cds.ts.

import type { DestinationRuleSpec } from '@weft/shared';
import type { Endpoint, MeshService } from '../registry/model.js';
import type { ClusterInputs, ServiceClusterInput } from './cds-inputs.js';
import { outboundClusterPlans } from './cds.js';
import { endpointTlsModes } from './cds-mtls.js';
import { buildLoadAssignment, subsetEndpoints } from './eds-load-assignment.js';
import type { EnvoyResource } from './types.js';
import { deepFreeze } from '../deep-freeze.js';

/**
 * The load assignments of the proxy described by `inputs`: one per EDS cluster, named by
 * `cluster_name`, with the service's endpoints for that port (matched by port name), narrowed to
 * the subset's labels for subset clusters. Services the proxy cannot see are not in `inputs`, so
 * their endpoints are never sent. DNS clusters carry their endpoints inline (CDS) and ORIGINAL_DST
 * clusters have none.
 *
 * Endpoints carry the `tlsMode` auto-mTLS matches on (cds-mtls.ts endpointTlsModes).
 *
 * Each service's assignments are remembered (frozen, so packers may remember them by identity) and
 * given again while the inputs they were built from are the same objects: snapshots keep the service,
 * endpoint, rule and mTLS objects of everything a change did not touch, so an endpoint change rebuilds the
 * assignments of one service, not those of every service of every sharing key.
 */
export function generateEndpoints(inputs: ClusterInputs): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const input of inputs.services) out.push(...serviceAssignments(input, inputs));
  return out;
}

interface Remembered {
  readonly rule: DestinationRuleSpec | undefined;
  readonly endpoints: readonly Endpoint[];
  readonly mtls: ServiceClusterInput['mtls'];
  readonly assignments: readonly EnvoyResource[];
}

/** Per service object, per proxy context (locality, and labels when a rule reads them). */
const remembered = new WeakMap<MeshService, Map<string, Remembered>>();
const readsProxyLabels = new WeakMap<DestinationRuleSpec, boolean>();

/** The proxy-dependent part of the memo key: the locality always (locality LB), the labels only when
 *  the rule has a failoverPriority (the only thing reading proxy labels). */
function contextKey(input: ServiceClusterInput, inputs: Pick<ClusterInputs, 'proxyLocality' | 'proxyLabels'>): string {
  const { rule } = input;
  if (!rule) return inputs.proxyLocality;
  let reads = readsProxyLabels.get(rule);
  if (reads === undefined) readsProxyLabels.set(rule, (reads = JSON.stringify(rule).includes('"failoverPriority"')));
  return reads ? `${inputs.proxyLocality}\n${JSON.stringify(inputs.proxyLabels)}` : inputs.proxyLocality;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}


/** The load assignments of one service's EDS clusters for a proxy at `inputs.proxyLocality` with
 *  `inputs.proxyLabels`: the part of {@link generateEndpoints} for `input`. */
export function serviceAssignments(input: ServiceClusterInput, inputs: Pick<ClusterInputs, 'proxyLocality' | 'proxyLabels'>): readonly EnvoyResource[] {
  let byContext = remembered.get(input.service);
  if (!byContext) remembered.set(input.service, (byContext = new Map()));
  const key = contextKey(input, inputs);
  const known = byContext.get(key);
  if (known && known.rule === input.rule && known.mtls === input.mtls && sameItems(known.endpoints, input.endpoints)) return known.assignments;
  const assignments: EnvoyResource[] = [];
  for (const plan of outboundClusterPlans(input)) {
    if (plan.type !== 'EDS') continue;
    const ofPort = input.endpoints.filter((e) => e.servicePortName === plan.port.name);
    const endpoints = subsetEndpoints(ofPort, plan.subset?.labels);
    const tlsModes = endpointTlsModes(input.mtls, input.rule, plan.subset?.name, plan.port.port, endpoints);
    assignments.push(buildLoadAssignment(plan.name, endpoints, { proxyLocality: inputs.proxyLocality, proxyLabels: inputs.proxyLabels, policy: plan.policy, tlsModes }));
  }
  byContext.set(key, { rule: input.rule, endpoints: input.endpoints, mtls: input.mtls, assignments: deepFreeze(assignments) });
  return assignments;
}
