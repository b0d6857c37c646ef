// CDS: the clusters of one proxy, Istio's way (pilot/pkg/networking/core/cluster.go,
// cluster_builder.go): `outbound|port|subset|host` per visible service port and DestinationRule
// subset, `inbound|port||` per own workload port, and BlackHole / Passthrough clusters. Policy
// pieces live in cds-*.ts; endpoints of EDS clusters come from eds.ts.

import type { Subset } from '@weft/shared';
import type { MeshService, ServicePort } from '../registry/model.js';
import { connectionPoolFields, upstreamHttpFor } from './cds-connection-pool.js';
import type { ClusterInputs, InboundPortInput, ServiceClusterInput } from './cds-inputs.js';
import { loadBalancerFields } from './cds-load-balancer.js';
import { outlierFields } from './cds-outlier.js';
import { clusterTransportFields, endpointTlsModes } from './cds-mtls.js';
import type { ClusterTrafficPolicy } from './cds-traffic-policy.js';
import { clusterTrafficPolicy } from './cds-traffic-policy.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER, inboundClusterName, outboundClusterName } from './cluster-names.js';
import { buildLoadAssignment, subsetEndpoints } from './eds-load-assignment.js';
import { needsLocalityWeightedLb } from './eds-locality.js';
import type { EnvoyResource } from './types.js';
import { collectorClusters } from './filter-tracing.js';

/** Envoy cluster discovery types Weft emits. */
export type ClusterType = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST' | 'STATIC';

/** One outbound cluster to build: which service port and subset, with its merged policy. */
export interface OutboundClusterPlan {
  readonly name: string;
  readonly service: MeshService;
  readonly port: ServicePort;
  readonly subset?: Subset;
  readonly policy: ClusterTrafficPolicy | undefined;
  readonly type: ClusterType;
}

/**
 * How a service's cluster finds endpoints (Istio convertResolution + applyLoadBalancer): STATIC
 * resolution → EDS (the registry knows the IPs), DNS → STRICT_DNS (every address the name resolves
 * to), DNS_ROUND_ROBIN → LOGICAL_DNS (one at a time), NONE → ORIGINAL_DST (wherever the app
 * connected); `loadBalancer.simple: PASSTHROUGH` also makes it ORIGINAL_DST.
 */
export function clusterTypeFor(service: MeshService, policy: ClusterTrafficPolicy | undefined): ClusterType {
  if (policy?.loadBalancer?.simple === 'PASSTHROUGH') return 'ORIGINAL_DST';
  switch (service.resolution) {
    case 'STATIC':
      return 'EDS';
    case 'DNS':
      return 'STRICT_DNS';
    case 'DNS_ROUND_ROBIN':
      return 'LOGICAL_DNS';
    default:
      return 'ORIGINAL_DST';
  }
}

/** The outbound clusters of one service: per port, the default cluster, then one per subset of its
 *  DestinationRule, in the rule's subset order. */
export function outboundClusterPlans(input: ServiceClusterInput): OutboundClusterPlan[] {
  const { service, rule } = input;
  const plans: OutboundClusterPlan[] = [];
  for (const port of service.ports) {
    const base = clusterTrafficPolicy(rule, undefined, port.port);
    plans.push({ name: outboundClusterName(port.port, undefined, service.hostname), service, port, policy: base, type: clusterTypeFor(service, base) });
    for (const subset of rule?.subsets ?? []) {
      const policy = clusterTrafficPolicy(rule, subset.name, port.port);
      plans.push({ name: outboundClusterName(port.port, subset.name, service.hostname), service, port, subset, policy, type: clusterTypeFor(service, policy) });
    }
  }
  return plans;
}

/** ADS for EDS, answering at once (Istio: initial_fetch_timeout 0 so a cluster never waits on EDS). */
const ADS_CONFIG_SOURCE = { ads: {}, initial_fetch_timeout: { seconds: '0' }, resource_api_version: 'V3' };

function buildOutboundCluster(plan: OutboundClusterPlan, input: ServiceClusterInput, inputs: ClusterInputs): EnvoyResource {
  const { name, policy, type, port, service } = plan;
  const http = upstreamHttpFor(port.protocol, policy?.connectionPool);
  const lb = loadBalancerFields(policy?.loadBalancer);
  const outlier = outlierFields(policy?.outlierDetection);
  const commonLb = {
    ...(outlier.healthy_panic_threshold ? { healthy_panic_threshold: outlier.healthy_panic_threshold } : {}),
    ...(needsLocalityWeightedLb(policy) ? { locality_weighted_lb_config: {} } : {}),
  };
  const portEndpoints = input.endpoints.filter((e) => e.servicePortName === port.name);
  const transport = clusterTransportFields({
    service,
    mtls: input.mtls,
    rule: input.rule,
    tls: policy?.tls,
    port: port.port,
    subset: plan.subset?.name,
    originalDst: type === 'ORIGINAL_DST',
    http2: http === 'http2',
    portEndpoints,
    autoMtls: inputs.autoMtls,
  });
  const cluster: Record<string, unknown> = {
    name,
    type,
    ...connectionPoolFields(policy, http, inputs.connectTimeoutMs),
    ...(type === 'ORIGINAL_DST' ? { lb_policy: 'CLUSTER_PROVIDED' } : lb.fields),
    ...(outlier.outlier_detection ? { outlier_detection: outlier.outlier_detection } : {}),
    ...(Object.keys(commonLb).length > 0 ? { common_lb_config: commonLb } : {}),
    ...transport,
  };
  if (type === 'EDS') cluster.eds_cluster_config = { service_name: name, eds_config: ADS_CONFIG_SOURCE };
  if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
    const eps = subsetEndpoints(portEndpoints, plan.subset?.labels);
    // LOGICAL_DNS takes exactly one host (Istio keeps the first).
    const chosen = type === 'LOGICAL_DNS' ? eps.slice(0, 1) : eps;
    cluster.dns_lookup_family = 'V4_ONLY';
    cluster.respect_dns_ttl = true;
    const tlsModes = endpointTlsModes(input.mtls, input.rule, plan.subset?.name, port.port, chosen);
    cluster.load_assignment = buildLoadAssignment(name, chosen, { proxyLocality: inputs.proxyLocality, proxyLabels: inputs.proxyLabels, policy, tlsModes });
  }
  return cluster;
}

/** `inbound|<port>||`: STATIC, to where the workload's application listens. */
function buildInboundCluster(port: InboundPortInput, connectTimeoutMs: number): EnvoyResource {
  const name = inboundClusterName(port.port);
  return {
    name,
    type: 'STATIC',
    ...connectionPoolFields(undefined, upstreamHttpFor(port.protocol, undefined) === 'http2' ? 'http2' : 'none', connectTimeoutMs),
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: port.address, port_value: port.port } } } }] }] },
  };
}

/** BlackHoleCluster (STATIC, no endpoints: traffic sent there fails), PassthroughCluster and
 *  InboundPassthroughCluster (ORIGINAL_DST: to the address the connection was made to). Istio
 *  binds InboundPassthroughCluster to 127.0.0.6 to dodge iptables capture; Weft's local mode does
 *  not capture, so it does not. */
function fixedClusters(inputs: ClusterInputs): EnvoyResource[] {
  const timeout = connectionPoolFields(undefined, 'none', inputs.connectTimeoutMs);
  const blackhole = { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: timeout.connect_timeout };
  if (inputs.proxyType !== 'sidecar') return [blackhole];
  return [blackhole, { name: PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', ...timeout }, { name: INBOUND_PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', ...timeout }];
}

/**
 * Every cluster of the proxy described by `inputs`: outbound clusters of each visible service
 * (sorted by host, then port, default before subsets), inbound clusters of its own ports (sidecars
 * only), then the fixed clusters. Pure.
 */
export function generateClusters(inputs: ClusterInputs): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const input of inputs.services) for (const plan of outboundClusterPlans(input)) out.push(buildOutboundCluster(plan, input, inputs));
  for (const port of inputs.inbound) out.push(buildInboundCluster(port, inputs.connectTimeoutMs));
  out.push(...fixedClusters(inputs));
  // Tracing collectors no cluster above serves (MeshConfig / Telemetry tracing providers).
  return inputs.collectors ? collectorClusters(out, inputs.collectors) : out;
}
