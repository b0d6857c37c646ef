// The `virtualOutbound` listener on 15001 (Istio buildVirtualOutboundListener): captured outbound
// connections are handed by original destination to `0.0.0.0_9080`, `10.1.0.5_3306`...; what no
// listener claims passes through or is dropped, by outboundTrafficPolicy.

import { BLACKHOLE_CLUSTER } from './cluster-names.js';
import { catchAllTcpProxy, WILDCARD_ADDRESS } from './lds-outbound.js';

/** Istio's outbound capture port (MeshConfig proxyListenPort). */
export const VIRTUAL_OUTBOUND_PORT = 15001;

/**
 * The virtualOutbound listener. Its chains: `virtualOutbound-blackhole` for connections whose
 * original destination is 15001 itself (an app dialing the capture port would loop forever), and
 * `virtualOutbound-catchall-tcp` to `catchAllCluster` (PassthroughCluster under ALLOW_ANY,
 * BlackHoleCluster under REGISTRY_ONLY).
 */
export function virtualOutboundListener(catchAllCluster: string): Record<string, unknown> {
  return {
    name: 'virtualOutbound',
    address: { socket_address: { address: WILDCARD_ADDRESS, port_value: VIRTUAL_OUTBOUND_PORT } },
    use_original_dst: { value: true },
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      { name: 'virtualOutbound-blackhole', filter_chain_match: { destination_port: { value: VIRTUAL_OUTBOUND_PORT } }, filters: [catchAllTcpProxy(BLACKHOLE_CLUSTER)] },
      { name: 'virtualOutbound-catchall-tcp', filters: [catchAllTcpProxy(catchAllCluster)] },
    ],
  };
}
