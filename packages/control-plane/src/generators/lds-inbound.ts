// Sidecar inbound (Istio buildInboundListeners): `virtualInbound` on 15006 with a chain per workload
// port (HCM inline route to `inbound|<port>||`, or tcp_proxy) plus passthrough chains, and listeners
// bound to their own port, each behind the workload's RBAC filters (filter-rbac.ts), each port in the
// chains its PeerAuthentication mode calls for (mTLS, plaintext or both: lds-inbound-mtls.ts).

import type { Protocol } from '../registry/model.js';
import { isHttpProtocol } from '../registry/protocol.js';
import { httpConnectionManager } from './filter-http-connection-manager.js';
import type { WorkloadRbacFilters } from './filter-rbac.js';
import { tcpProxyToCluster, type EnvoyNetworkFilter } from './filter-tcp-proxy.js';
import { toFilterChain, type ChainSpec } from './lds-filter-chain.js';
import { chainOptions, inboundListenerFilters, inboundMtlsMode, NO_INBOUND_MTLS, portLevelPassthroughPorts, withChainOption, type InboundMtls } from './lds-inbound-mtls.js';
import { WILDCARD_ADDRESS } from './lds-outbound.js';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, inboundClusterName } from './cluster-names.js';
import { ZERO_DURATION } from './route-duration.js';

/** Istio's inbound capture port (MeshConfig proxyInboundListenPort). */
export const VIRTUAL_INBOUND_PORT = 15006;

/** One port the workload serves. */
export interface InboundPort {
  /** The port the workload listens on (the endpoint / target port). */
  readonly port: number;
  readonly protocol: Protocol;
  /** The service the port belongs to, for trace operations (`reviews.default.svc.cluster.local`). */
  readonly hostname: string;
  /** Sidecar ingress `captureMode: NONE` / proxy without iptables: a real listener on `bind`. */
  readonly bindToPort?: boolean;
  readonly bind?: string;
}

/** The inline route configuration of an inbound HTTP chain: everything to the local cluster, no
 *  timeout, a retry only for resets before the request reached the app (Istio
 *  BuildDefaultHTTPInboundRoute with EnableInboundRetryPolicy). */
function inboundRouteConfig(cluster: string, port: number, hostname: string): Record<string, unknown> {
  return {
    name: cluster,
    virtual_hosts: [
      {
        name: `inbound|http|${port}`,
        domains: ['*'],
        routes: [
          {
            name: 'default',
            match: { prefix: '/' },
            route: {
              cluster,
              timeout: ZERO_DURATION,
              max_stream_duration: { max_stream_duration: ZERO_DURATION, grpc_timeout_header_max: ZERO_DURATION },
              retry_policy: { retry_on: 'reset-before-request', num_retries: { value: 2 } },
            },
            decorator: { operation: `${hostname}:${port}/*` },
          },
        ],
      },
    ],
    validate_clusters: { value: false },
  };
}

/** The workload's authorization on inbound chains: RBAC HTTP filters in HCMs, RBAC network filters
 *  before tcp_proxy (the parts of filter-rbac.ts's WorkloadRbacFilters the chains read). */
export type InboundAuthz = Pick<WorkloadRbacFilters, 'http' | 'network'>;

/** No AuthorizationPolicy selects the workload. */
export const NO_INBOUND_AUTHZ: InboundAuthz = Object.freeze({ http: [], network: [] });

/** A TCP chain's filters: the RBAC network filters, then the terminal tcp_proxy (Istio
 *  buildInboundNetworkFilters). */
const tcpFilters = (tcpProxy: EnvoyNetworkFilter, authz: InboundAuthz): EnvoyNetworkFilter[] => [...authz.network, tcpProxy];

/** The chain of one workload port (Istio inboundChainForOpts, plaintext options): raw_buffer on the
 *  destination port; named like Istio's per-port listener, `0.0.0.0_<port>`. */
export function inboundChain(p: InboundPort, authz: InboundAuthz = NO_INBOUND_AUTHZ): ChainSpec {
  const cluster = inboundClusterName(p.port);
  const name = `${p.bind ?? WILDCARD_ADDRESS}_${p.port}`;
  const filters = isHttpProtocol(p.protocol)
    ? [
        httpConnectionManager({
          statPrefix: `inbound_${name}`,
          routes: { routeConfig: inboundRouteConfig(cluster, p.port, p.hostname) },
          direction: 'inbound',
          http2: p.protocol === 'HTTP2' || p.protocol === 'GRPC' || p.protocol === 'GRPC-WEB',
          authzFilters: authz.http,
        }),
      ]
    : tcpFilters(tcpProxyToCluster(cluster, { statPrefix: cluster }), authz);
  return { name, destinationPort: p.port, transportProtocol: 'raw_buffer', filters };
}

/** The chains of one workload port in its PeerAuthentication mode (Istio inboundChainForOpts): the
 *  port's filters under each match chainOptions gives, the mTLS ones terminating TLS. */
export function inboundChains(p: InboundPort, authz: InboundAuthz = NO_INBOUND_AUTHZ, mtls: InboundMtls = NO_INBOUND_MTLS): ChainSpec[] {
  const base = inboundChain(p, authz);
  return chainOptions(isHttpProtocol(p.protocol) ? 'http' : 'tcp', inboundMtlsMode(mtls, p.port)).map((o) => withChainOption(base, o, mtls.trustDomains));
}

/** Chains for traffic to undeclared ports: a loop guard for 15006 itself, HTTP (detected by the HTTP
 *  inspector) and anything else, both to InboundPassthroughCluster behind the workload's RBAC filters
 *  (Istio buildInboundPassthroughChains: a policy covers every port of the workload, declared or not),
 *  in the workload's mTLS mode, and again on each port with a port-level mode and no chain of its own
 *  (not in `declared`). */
function passthroughChains(authz: InboundAuthz, mtls: InboundMtls, declared: ReadonlySet<number>): ChainSpec[] {
  const passthroughRoute = {
    name: INBOUND_PASSTHROUGH_CLUSTER,
    virtual_hosts: [
      {
        name: 'inbound|http|0',
        domains: ['*'],
        routes: [
          {
            name: 'default',
            match: { prefix: '/' },
            route: { cluster: INBOUND_PASSTHROUGH_CLUSTER, timeout: ZERO_DURATION, max_stream_duration: { max_stream_duration: ZERO_DURATION, grpc_timeout_header_max: ZERO_DURATION } },
            decorator: { operation: ':0/*' },
          },
        ],
      },
    ],
    validate_clusters: { value: false },
  };
  const http: ChainSpec = {
    name: 'virtualInbound-catchall-http',
    filters: [httpConnectionManager({ statPrefix: INBOUND_PASSTHROUGH_CLUSTER, routes: { routeConfig: passthroughRoute }, direction: 'inbound', authzFilters: authz.http })],
  };
  const tcp: ChainSpec = { name: 'virtualInbound', filters: tcpFilters(tcpProxyToCluster(INBOUND_PASSTHROUGH_CLUSTER, { statPrefix: INBOUND_PASSTHROUGH_CLUSTER }), authz) };
  const chains: ChainSpec[] = [{ name: 'virtualInbound-blackhole', destinationPort: VIRTUAL_INBOUND_PORT, filters: [tcpProxyToCluster(BLACKHOLE_CLUSTER, { statPrefix: BLACKHOLE_CLUSTER })] }];
  for (const port of [0, ...portLevelPassthroughPorts(mtls, declared)]) {
    for (const o of chainOptions('auto', inboundMtlsMode(mtls, port))) {
      const base = o.protocol === 'http' ? http : tcp;
      chains.push(withChainOption(port === 0 ? base : { ...base, destinationPort: port }, o, mtls.trustDomains));
    }
  }
  return chains;
}

/**
 * The virtualInbound listener for `ports` (those not bound to their own port), behind `authz`, in the
 * chains of `mtls`. iptables redirects inbound connections here; original_dst recovers the port the
 * peer dialed, which picks the chain. The TLS and HTTP inspectors run only on the ports whose chains
 * need them (they would stall server-first protocols elsewhere), as Istio's filter_disabled predicates do.
 */
export function virtualInboundListener(ports: readonly InboundPort[], authz: InboundAuthz = NO_INBOUND_AUTHZ, mtls: InboundMtls = NO_INBOUND_MTLS): Record<string, unknown> {
  const chains = [...passthroughChains(authz, mtls, new Set(ports.map((p) => p.port))), ...ports.filter((p) => !p.bindToPort).flatMap((p) => inboundChains(p, authz, mtls))];
  return {
    name: 'virtualInbound',
    address: { socket_address: { address: WILDCARD_ADDRESS, port_value: VIRTUAL_INBOUND_PORT } },
    traffic_direction: 'INBOUND',
    continue_on_listener_filters_timeout: true,
    listener_filters: inboundListenerFilters(chains, false),
    listener_filters_timeout: { seconds: '0' },
    filter_chains: chains.map(toFilterChain),
  };
}

/**
 * A real inbound listener for a port bound directly (Sidecar ingress `captureMode: NONE`, or a
 * proxy without iptables): `<bind>_<port>` listening on the workload address, no original_dst.
 * This is how a local-mode proxy without capture receives traffic: peers dial the workload address
 * and the proxy owns that socket, forwarding to the app (Istio inboundCustomListener).
 */
export function boundInboundListener(p: InboundPort, authz: InboundAuthz = NO_INBOUND_AUTHZ, mtls: InboundMtls = NO_INBOUND_MTLS): Record<string, unknown> {
  const bind = p.bind ?? WILDCARD_ADDRESS;
  const chains = inboundChains({ ...p, bind }, authz, mtls);
  // mTLS chains need the TLS inspector; a plaintext-only port needs no listener filter.
  const filters = inboundListenerFilters(chains, true);
  return {
    name: `${bind}_${p.port}`,
    address: { socket_address: { address: bind, port_value: p.port } },
    traffic_direction: 'INBOUND',
    continue_on_listener_filters_timeout: true,
    ...(filters.length > 0 ? { listener_filters: filters } : {}),
    listener_filters_timeout: { seconds: '0' },
    filter_chains: chains.map(toFilterChain),
  };
}
