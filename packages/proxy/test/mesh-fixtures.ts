// Small Envoy resources shaped like weftd's output for one reviews service, for the proxy's tests.
// Plain objects in Envoy's snake_case form; tests pack them with packAny (which refuses typos).

import { TYPE_URL } from '@weft/shared/xds';

export const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
export const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';

const ads = { ads: {}, resource_api_version: 'V3' };

/** An EDS cluster (the default kind for a service with WorkloadEntries). */
export function edsCluster(name: string, serviceName?: string): Record<string, unknown> {
  return { name, type: 'EDS', eds_cluster_config: { eds_config: ads, ...(serviceName ? { service_name: serviceName } : {}) }, connect_timeout: { seconds: '10' }, lb_policy: 'LEAST_REQUEST' };
}

export const BLACKHOLE = { name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: { seconds: '10' } };

/** Endpoints for an EDS cluster. */
export function loadAssignment(clusterName: string, ips: readonly string[], port = 9080): Record<string, unknown> {
  return {
    cluster_name: clusterName,
    endpoints: [{ locality: { region: 'us-east1', zone: 'b' }, lb_endpoints: ips.map((ip) => ({ endpoint: { address: { socket_address: { address: ip, port_value: port } } }, load_balancing_weight: { value: 1 } })) }],
  };
}

/** An outbound HTTP listener whose routes come from RDS `routeName`. */
export function httpListener(name: string, port: number, routeName: string): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
              stat_prefix: `outbound_0.0.0.0_${port}`,
              rds: { route_config_name: routeName, config_source: ads },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } }],
            },
          },
        ],
      },
    ],
  };
}

/** A TCP listener straight to a cluster. */
export function tcpListener(name: string, port: number, cluster: string): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TYPE_URL.TCP_PROXY, stat_prefix: cluster, cluster } }] }],
  };
}

/** A route configuration with one virtual host sending `prefix` to `cluster`. */
export function routeConfig(name: string, cluster: string, match: Record<string, unknown> = { prefix: '/' }): Record<string, unknown> {
  return {
    name,
    virtual_hosts: [{ name: `reviews.default.svc.cluster.local:${name}`, domains: ['reviews.default.svc.cluster.local', 'reviews'], routes: [{ match, route: { cluster, timeout: { seconds: '0' } } }] }],
  };
}
