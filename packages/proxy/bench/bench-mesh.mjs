// The route table weft-proxy is benchmarked with: Istio-shaped outbound config for `services`
// services on port 9080 (one virtual host each with header, prefix and default routes, retries and a
// timeout, EDS clusters), where the service the load goes to has the nginx upstream as its endpoint.

import { TYPE_URL } from '@weft/shared/xds';

const ads = { ads: {}, resource_api_version: 'V3' };
const fqdn = (i) => `svc-${i}.bench.svc.cluster.local`;
const clusterName = (i, subset = '') => `outbound|9080|${subset}|${fqdn(i)}`;

/** The `Host:` wrk sends for service `i`. */
export const benchHost = (i) => `${fqdn(i)}:9080`;

/** The host name wrk sends (`Host:`) and the xDS resources; every subset of the target service has the
 *  upstream (127.0.0.1:`upstreamPort`) as its endpoint, the other services unreachable addresses.
 *  `upstreams` (service index → `{ address, port, transportSocket?(clusterName, subset) }`) replaces
 *  the target: those services get that endpoint and, when given, a transport socket on their clusters
 *  (the two-hop targets). No `listenerPort`: no LDS listener. */
export function benchMesh({ services = 40, target = 17, upstreamPort, listenerPort, upstreams }) {
  const routed = upstreams ?? new Map([[target, { address: '127.0.0.1', port: upstreamPort }]]);
  const virtualHosts = [];
  const clusters = [];
  const endpoints = [];
  for (let i = 0; i < services; i++) {
    const up = routed.get(i);
    const port = up ? up.port : 9080;
    for (const subset of ['', 'v1', 'v2']) {
      const name = clusterName(i, subset);
      const cluster = { name, type: 'EDS', eds_cluster_config: { eds_config: ads, service_name: name }, connect_timeout: { seconds: '10' }, lb_policy: 'LEAST_REQUEST' };
      if (up?.transportSocket) cluster.transport_socket = up.transportSocket(name, subset);
      clusters.push(cluster);
      const ip = up ? up.address : `10.${i >> 8}.${i & 255}.${subset === 'v2' ? 2 : 1}`;
      endpoints.push({ cluster_name: name, endpoints: [{ locality: { region: 'local', zone: 'a' }, lb_endpoints: [{ endpoint: { address: { socket_address: { address: ip, port_value: port } } }, load_balancing_weight: { value: 1 } }] }] });
    }
    const short = `svc-${i}`;
    virtualHosts.push({
      name: `${fqdn(i)}:9080`,
      domains: [fqdn(i), `${fqdn(i)}:9080`, short, `${short}:9080`, `${short}.bench`, `${short}.bench:9080`],
      routes: [
        { name: 'canary', match: { prefix: '/', headers: [{ name: 'x-canary', string_match: { exact: 'true' } }] }, route: { cluster: clusterName(i, 'v2'), timeout: { seconds: '5' } } },
        { name: 'api-v2', match: { prefix: '/api/v2' }, route: { cluster: clusterName(i, 'v2'), prefix_rewrite: '/api', timeout: { seconds: '5' }, retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', num_retries: { value: 2 } } } },
        {
          name: 'default',
          match: { prefix: '/' },
          route: {
            weighted_clusters: { clusters: [{ name: clusterName(i, 'v1'), weight: { value: 100 } }] },
            timeout: { seconds: '0' },
            retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', num_retries: { value: 2 }, retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': TYPE_URL.PREVIOUS_HOSTS_PREDICATE } }], host_selection_retry_max_attempts: '5' },
          },
          request_headers_to_add: [{ header: { key: 'x-bench-route', value: 'default' } }],
        },
      ],
    });
  }
  const listener = listenerPort === undefined ? undefined : {
    name: `127.0.0.1_${listenerPort}`,
    address: { socket_address: { address: '127.0.0.1', port_value: listenerPort } },
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
              stat_prefix: `outbound_127.0.0.1_${listenerPort}`,
              rds: { route_config_name: '9080', config_source: ads },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } }],
            },
          },
        ],
      },
    ],
  };
  return {
    host: benchHost(target),
    resources: {
      [TYPE_URL.CLUSTER]: clusters,
      [TYPE_URL.ENDPOINT]: endpoints,
      [TYPE_URL.LISTENER]: listener ? [listener] : [],
      [TYPE_URL.ROUTE]: [{ name: '9080', virtual_hosts: virtualHosts, validate_clusters: { value: false } }],
    },
  };
}
