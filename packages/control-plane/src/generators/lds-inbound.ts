// Sidecar inbound (Istio buildInboundListeners): `virtualInbound` on 15006 with a chain per workload
// port (HCM inline route to `inbound|<port>||`, or tcp_proxy) plus passthrough chains, and listeners
// bound to their own port. Plaintext only: mTLS chains are the security milestone's.

import type { Protocol } from '../registry/model.js';
import { isHttpProtocol } from '../registry/protocol.js';
import { httpConnectionManager } from './filter-http-connection-manager.js';
import { disabledOnPorts, HTTP_INSPECTOR_FILTER, ORIGINAL_DST_FILTER } from './filter-listener.js';
import { tcpProxyToCluster } from './filter-tcp-proxy.js';
import { PLAINTEXT_HTTP_ALPNS, toFilterChain, type ChainSpec } from './lds-filter-chain.js';
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

/** The chain of one workload port (Istio inboundChainForOpts, plaintext options): raw_buffer on the
 *  destination port; named like Istio's per-port listener, `0.0.0.0_<port>`. */
export function inboundChain(p: InboundPort): ChainSpec {
  const cluster = inboundClusterName(p.port);
  const name = `${p.bind ?? WILDCARD_ADDRESS}_${p.port}`;
  const filters = isHttpProtocol(p.protocol)
    ? [
        httpConnectionManager({
          statPrefix: `inbound_${name}`,
          routes: { routeConfig: inboundRouteConfig(cluster, p.port, p.hostname) },
          direction: 'inbound',
          http2: p.protocol === 'HTTP2' || p.protocol === 'GRPC' || p.protocol === 'GRPC-WEB',
        }),
      ]
    : [tcpProxyToCluster(cluster, { statPrefix: cluster })];
  return { name, destinationPort: p.port, transportProtocol: 'raw_buffer', filters };
}

/** Chains for traffic to undeclared ports: a loop guard for 15006 itself, HTTP (detected by the HTTP
 *  inspector) and anything else, both to InboundPassthroughCluster (Istio buildInboundPassthroughChains). */
function passthroughChains(): ChainSpec[] {
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
  return [
    { name: 'virtualInbound-blackhole', destinationPort: VIRTUAL_INBOUND_PORT, filters: [tcpProxyToCluster(BLACKHOLE_CLUSTER, { statPrefix: BLACKHOLE_CLUSTER })] },
    {
      name: 'virtualInbound-catchall-http',
      applicationProtocols: PLAINTEXT_HTTP_ALPNS,
      transportProtocol: 'raw_buffer',
      filters: [httpConnectionManager({ statPrefix: INBOUND_PASSTHROUGH_CLUSTER, routes: { routeConfig: passthroughRoute }, direction: 'inbound' })],
    },
    { name: 'virtualInbound', transportProtocol: 'raw_buffer', filters: [tcpProxyToCluster(INBOUND_PASSTHROUGH_CLUSTER, { statPrefix: INBOUND_PASSTHROUGH_CLUSTER })] },
  ];
}

/**
 * The virtualInbound listener for `ports` (those not bound to their own port). iptables redirects
 * inbound connections here; original_dst recovers the port the peer dialed, which picks the chain.
 * The HTTP inspector runs only for undeclared ports (it would stall server-first protocols on
 * declared TCP ports), as Istio's filter_disabled predicate does.
 */
export function virtualInboundListener(ports: readonly InboundPort[]): Record<string, unknown> {
  const chains = [...passthroughChains(), ...ports.filter((p) => !p.bindToPort).map(inboundChain)];
  const declared = chains.filter((c) => c.destinationPort !== undefined && !c.applicationProtocols?.length).map((c) => c.destinationPort as number);
  const disabled = disabledOnPorts(declared);
  return {
    name: 'virtualInbound',
    address: { socket_address: { address: WILDCARD_ADDRESS, port_value: VIRTUAL_INBOUND_PORT } },
    traffic_direction: 'INBOUND',
    continue_on_listener_filters_timeout: true,
    listener_filters: [ORIGINAL_DST_FILTER, { ...HTTP_INSPECTOR_FILTER, ...(disabled ? { filter_disabled: disabled } : {}) }],
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
export function boundInboundListener(p: InboundPort): Record<string, unknown> {
  const bind = p.bind ?? WILDCARD_ADDRESS;
  return {
    name: `${bind}_${p.port}`,
    address: { socket_address: { address: bind, port_value: p.port } },
    traffic_direction: 'INBOUND',
    continue_on_listener_filters_timeout: true,
    listener_filters_timeout: { seconds: '0' },
    filter_chains: [toFilterChain(inboundChain({ ...p, bind }))],
  };
}
