// Envoy listeners and clusters shaped like weftd's sidecar output (control-plane generators lds-*.ts,
// cds.ts), as plain proto-JSON objects that packAny accepts, for the listener tests. The proxy may
// not import the control plane, so the shapes are restated here; keep them in step with weftd.

import { TYPE_URL } from '@weft/shared/xds';

const ads = { ads: {}, resource_api_version: 'V3' };
const ZERO = { seconds: '0' };

const tcpProxy = (cluster: string, extra: Record<string, unknown> = {}) => ({
  name: 'envoy.filters.network.tcp_proxy',
  typed_config: { '@type': TYPE_URL.TCP_PROXY, stat_prefix: cluster, cluster, ...extra },
});

const router = [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } }];

/** An HCM reading RDS `routeName` (outbound). */
const hcmRds = (statPrefix: string, routeName: string) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, stat_prefix: statPrefix, rds: { route_config_name: routeName, config_source: ads }, http_filters: router },
});

/** The inbound HCM of a workload port: an inline route sending everything to `inbound|<port>||`,
 *  behind `rbac` (envoy.filters.http.rbac filters, first in http_filters as weftd puts them). */
const hcmInbound = (port: number, rbac: readonly object[] = []) => {
  const cluster = `inbound|${port}||`;
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
      stat_prefix: `inbound_0.0.0.0_${port}`,
      route_config: { name: cluster, virtual_hosts: [{ name: `inbound|http|${port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: ZERO } }] }], validate_clusters: { value: false } },
      http_filters: [...rbac, ...router],
    },
  };
};

/** One workload port: HTTP (HCM) or TCP (tcp_proxy). */
export interface FixturePort {
  readonly port: number;
  readonly http: boolean;
}

/** The RBAC filters weftd puts on a workload's inbound chains (generators/filter-rbac.ts): HTTP ones
 *  at the front of HCMs, network ones before tcp_proxy. */
export interface FixtureAuthz {
  readonly http?: readonly object[];
  readonly network?: readonly object[];
}

/** weftd's virtualInbound on 15006: blackhole and passthrough chains, then one chain per port; the
 *  HTTP inspector is off on declared ports (Istio's filter_disabled). `authz` guards every chain but
 *  the blackhole. */
export function virtualInbound(ports: readonly FixturePort[], authz: FixtureAuthz = {}): Record<string, unknown> {
  const network = authz.network ?? [];
  const declared = [15006, ...ports.map((p) => p.port)].sort((a, b) => a - b).map((p) => ({ destination_port_range: { start: p, end: p + 1 } }));
  return {
    name: 'virtualInbound',
    address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
    traffic_direction: 'INBOUND',
    continue_on_listener_filters_timeout: true,
    listener_filters: [
      { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': TYPE_URL.ORIGINAL_DST } },
      { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': TYPE_URL.HTTP_INSPECTOR }, filter_disabled: { or_match: { rules: declared } } },
    ],
    listener_filters_timeout: ZERO,
    filter_chains: [
      { name: 'virtualInbound-blackhole', filter_chain_match: { destination_port: { value: 15006 } }, filters: [tcpProxy('BlackHoleCluster')] },
      { name: 'virtualInbound-catchall-http', filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] }, filters: [...network, tcpProxy('InboundPassthroughCluster')] },
      { name: 'virtualInbound', filter_chain_match: { transport_protocol: 'raw_buffer' }, filters: [...network, tcpProxy('InboundPassthroughCluster')] },
      ...ports.map((p) => ({
        name: `0.0.0.0_${p.port}`,
        filter_chain_match: { destination_port: { value: p.port }, transport_protocol: 'raw_buffer' },
        filters: p.http ? [hcmInbound(p.port, authz.http)] : [...network, tcpProxy(`inbound|${p.port}||`)],
      })),
    ],
  };
}

/** weftd's virtualOutbound on 15001. */
export function virtualOutbound(): Record<string, unknown> {
  return {
    name: 'virtualOutbound',
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    use_original_dst: { value: true },
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      { name: 'virtualOutbound-blackhole', filter_chain_match: { destination_port: { value: 15001 } }, filters: [tcpProxy('BlackHoleCluster')] },
      { name: 'virtualOutbound-catchall-tcp', filters: [tcpProxy('PassthroughCluster')] },
    ],
  };
}

/** A capture-style outbound HTTP listener `0.0.0.0_<port>` reading RDS `<port>`. */
export function outboundHttp(port: number): Record<string, unknown> {
  return {
    name: `0.0.0.0_${port}`,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    traffic_direction: 'OUTBOUND',
    bind_to_port: { value: false },
    continue_on_listener_filters_timeout: true,
    listener_filters_timeout: ZERO,
    filter_chains: [{ filters: [hcmRds(`outbound_0.0.0.0_${port}`, String(port))] }],
  };
}

/** A capture-style outbound TCP listener `<vip>_<port>` to `cluster` (or weighted clusters). */
export function outboundTcp(vip: string, port: number, cluster: string | { name: string; weight: number }[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const filter = typeof cluster === 'string' ? tcpProxy(cluster, extra) : { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TYPE_URL.TCP_PROXY, stat_prefix: 'weighted', weighted_clusters: { clusters: cluster }, ...extra } };
  return {
    name: `${vip}_${port}`,
    address: { socket_address: { address: vip, port_value: port } },
    traffic_direction: 'OUTBOUND',
    bind_to_port: { value: false },
    continue_on_listener_filters_timeout: true,
    listener_filters_timeout: ZERO,
    filter_chains: [{ filters: [filter] }],
  };
}

/** weftd's `0.0.0.0_<port>` shared by HTTP services and a CIDR-addressed TCP service: the HTTP chain
 *  takes what the HTTP inspector recognises, the rest falls to the default chain (`defaultCluster`). */
export function outboundShared(port: number, tcp: { cidr: string; cluster: string }, defaultCluster: string): Record<string, unknown> {
  const [prefix = '', len = '32'] = tcp.cidr.split('/');
  return {
    name: `0.0.0.0_${port}`,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    traffic_direction: 'OUTBOUND',
    bind_to_port: { value: false },
    continue_on_listener_filters_timeout: true,
    listener_filters_timeout: ZERO,
    listener_filters: [
      { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TYPE_URL.TLS_INSPECTOR } },
      { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': TYPE_URL.HTTP_INSPECTOR } },
    ],
    filter_chains: [
      { filter_chain_match: { prefix_ranges: [{ address_prefix: prefix, prefix_len: { value: Number(len) } }] }, filters: [tcpProxy(tcp.cluster)] },
      { filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] }, filters: [hcmRds(`outbound_0.0.0.0_${port}`, String(port))] },
    ],
    default_filter_chain: { name: 'PassthroughFilterChain', filter_chain_match: {}, filters: [tcpProxy(defaultCluster)] },
  };
}

/** Istio's interception-mode NONE listener: really bound on `address:port`. */
export function boundTcp(address: string, port: number, cluster: string, direction: 'INBOUND' | 'OUTBOUND' = 'OUTBOUND'): Record<string, unknown> {
  return {
    name: `${address}_${port}`,
    address: { socket_address: { address, port_value: port } },
    traffic_direction: direction,
    filter_chains: [{ filters: [tcpProxy(cluster)] }],
  };
}

/** A STATIC cluster to `host:port` pairs (inbound clusters are STATIC to the app's address). */
export function staticCluster(name: string, hosts: readonly (readonly [string, number])[]): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: '1' },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: hosts.map(([address, port_value]) => ({ endpoint: { address: { socket_address: { address, port_value } } } })) }] },
  };
}
