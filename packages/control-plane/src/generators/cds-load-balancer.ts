// DestinationRule loadBalancer → a cluster's lb_policy and lb config (Istio applyLoadBalancer,
// ApplyRingHashLoadBalancer), and consistentHash → the route hash_policy that feeds it
// (Istio consistentHashToHashPolicy; routes carry the hash key, clusters the algorithm).

import type { LoadBalancerSettings } from '@weft/shared';
import type { ClusterTrafficPolicy } from './cds-traffic-policy.js';
import { clusterTrafficPolicy } from './cds-traffic-policy.js';
import type { DestinationRuleSpec } from '@weft/shared';
import { toEnvoyDuration } from './route-duration.js';

/** Envoy's default minimum ring size, which Istio writes out when consistentHash names no algorithm. */
const DEFAULT_MINIMUM_RING_SIZE = 1024;

/** The lb fields of a cluster, plus whether the policy turns the cluster into ORIGINAL_DST. */
export interface LoadBalancerFields {
  readonly fields: Readonly<Record<string, unknown>>;
  /** `simple: PASSTHROUGH`: Istio makes the cluster ORIGINAL_DST and drops its endpoints. */
  readonly passthrough: boolean;
}

function slowStart(lb: LoadBalancerSettings): Record<string, unknown> | undefined {
  const window = toEnvoyDuration(lb.warmup?.duration ?? lb.warmupDurationSecs);
  return window ? { slow_start_config: { slow_start_window: window } } : undefined;
}

/**
 * The lb_policy and lb config for a cluster (not ORIGINAL_DST: those are always CLUSTER_PROVIDED).
 * Istio's mapping: unset → LEAST_REQUEST (Istio's default), LEAST_CONN (deprecated alias) and
 * LEAST_REQUEST → LEAST_REQUEST, ROUND_ROBIN, RANDOM, PASSTHROUGH → ORIGINAL_DST; warmup adds a
 * slow-start window to ROUND_ROBIN / LEAST_REQUEST. consistentHash then overrides: maglev → MAGLEV
 * (tableSize), ringHash → RING_HASH (minimumRingSize), neither → RING_HASH with the deprecated
 * top-level minimumRingSize or 1024.
 */
export function loadBalancerFields(lb: LoadBalancerSettings | undefined): LoadBalancerFields {
  const simple = lb?.simple ?? 'UNSPECIFIED';
  if (simple === 'PASSTHROUGH') return { fields: { lb_policy: 'CLUSTER_PROVIDED' }, passthrough: true };
  const fields: Record<string, unknown> = {};
  if (simple === 'RANDOM') fields.lb_policy = 'RANDOM';
  else if (simple === 'ROUND_ROBIN') {
    fields.lb_policy = 'ROUND_ROBIN';
    const ss = lb && slowStart(lb);
    if (ss) fields.round_robin_lb_config = ss;
  } else {
    fields.lb_policy = 'LEAST_REQUEST';
    const ss = lb && slowStart(lb);
    if (ss) fields.least_request_lb_config = ss;
  }
  const hash = lb?.consistentHash;
  if (hash) {
    delete fields.round_robin_lb_config;
    delete fields.least_request_lb_config;
    if (hash.maglev) {
      fields.lb_policy = 'MAGLEV';
      if (hash.maglev.tableSize) fields.maglev_lb_config = { table_size: { value: String(hash.maglev.tableSize) } };
    } else if (hash.ringHash) {
      fields.lb_policy = 'RING_HASH';
      if (hash.ringHash.minimumRingSize) fields.ring_hash_lb_config = { minimum_ring_size: { value: String(hash.ringHash.minimumRingSize) } };
    } else {
      fields.lb_policy = 'RING_HASH';
      fields.ring_hash_lb_config = { minimum_ring_size: { value: String(hash.minimumRingSize || DEFAULT_MINIMUM_RING_SIZE) } };
    }
  }
  return { fields, passthrough: false };
}

/**
 * The Envoy route `hash_policy` entries for a consistent-hash policy (empty when the policy has no
 * consistentHash): httpHeaderName → header, httpCookie → cookie {name, path, ttl, attributes},
 * useSourceIp → connection_properties.source_ip, httpQueryParameterName → query_parameter.
 * `policy` is the cluster's policy (see {@link routeHashPolicy} to get it from a rule); its
 * port-level settings for `port`, if any, are applied first.
 */
export function hashPolicyFor(policy: ClusterTrafficPolicy | DestinationRuleSpec['trafficPolicy'] | undefined, port: number): Record<string, unknown>[] {
  const effective = policy ? clusterTrafficPolicy({ host: '', trafficPolicy: policy }, undefined, port) : undefined;
  const hash = effective?.loadBalancer?.consistentHash;
  if (!hash) return [];
  if (hash.httpHeaderName) return [{ header: { header_name: hash.httpHeaderName } }];
  if (hash.httpCookie) {
    const c = hash.httpCookie;
    const ttl = toEnvoyDuration(c.ttl);
    return [
      {
        cookie: {
          name: c.name,
          ...(c.path ? { path: c.path } : {}),
          ...(ttl ? { ttl } : {}),
          ...(c.attributes?.length ? { attributes: c.attributes.map((a) => ({ name: a.name, ...(a.value ? { value: a.value } : {}) })) } : {}),
        },
      },
    ];
  }
  if (hash.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (hash.httpQueryParameterName) return [{ query_parameter: { name: hash.httpQueryParameterName } }];
  return [];
}

/** The route `hash_policy` for traffic to `port` (and `subset`) of a service whose DestinationRule
 *  spec is `rule`: the same merged policy the cluster gets, so route and cluster agree. */
export function routeHashPolicy(rule: DestinationRuleSpec | undefined, subset: string | undefined, port: number): Record<string, unknown>[] {
  return hashPolicyFor(clusterTrafficPolicy(rule, subset, port), port);
}
