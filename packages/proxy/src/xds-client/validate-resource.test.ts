import { TYPE_URL, packAny, unpackAny } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { BLACKHOLE, REVIEWS, edsCluster, httpListener, loadAssignment, routeConfig, tcpListener } from '../../test/mesh-fixtures.js';
import type { EnvoyMessage } from './envoy-shapes.js';
import { kindInfo, type ResourceKind } from './resource-kinds.js';
import { resourceProblems } from './validate-resource.js';

/** What the proxy holds after the wire: packed (so typos fail the test) and decoded. */
function wire(kind: ResourceKind, resource: Record<string, unknown>): EnvoyMessage {
  const decoded = unpackAny(packAny(kindInfo(kind).typeUrl, resource));
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.message;
}

const problems = (kind: ResourceKind, resource: Record<string, unknown>): string[] => resourceProblems(kindInfo(kind), wire(kind, resource));

const hcm = (fields: Record<string, unknown>) => ({
  name: 'l',
  address: { socket_address: { address: '0.0.0.0', port_value: 80 } },
  filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, stat_prefix: 's', ...fields } }] }],
});
const router = { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } };
const fault = { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE_URL.FAULT } };
const rds = { route_config_name: '80', config_source: { ads: {} } };
const vh = (name: string, domains: string[], routes: unknown[]) => ({ name, domains, routes });
const ANY = [{ any: true }];
const httpRbac = (rules: Record<string, unknown>) => ({ name: 'envoy.filters.http.rbac', typed_config: { '@type': TYPE_URL.HTTP_RBAC, rules } });
const networkRbac = (fields: Record<string, unknown>) => ({ name: 'envoy.filters.network.rbac', typed_config: { '@type': TYPE_URL.NETWORK_RBAC, ...fields } });
const tcpProxy = { name: 'tcp', typed_config: { '@type': TYPE_URL.TCP_PROXY, stat_prefix: 's', cluster: 'c' } };
const chainOf = (filters: unknown[]) => ({ ...tcpListener('t', 1, 'c'), filter_chains: [{ filters }] });

describe('resourceProblems', () => {
  it.each<[string, ResourceKind, Record<string, unknown>]>([
    ['an HTTP listener on RDS', 'listener', httpListener('0.0.0.0_9080', 9080, '9080')],
    ['a TCP listener', 'listener', tcpListener('t', 3306, 'BlackHoleCluster')],
    ['an HCM with inline routes', 'listener', hcm({ route_config: routeConfig('inbound|9080||', 'inbound|9080||'), http_filters: [fault, router] })],
    ['an api_listener (proxyless gRPC shape)', 'listener', { name: 'reviews:9080', api_listener: { api_listener: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, rds, http_filters: [router] } } }],
    ['an HCM behind RBAC HTTP filters', 'listener', hcm({ rds, http_filters: [httpRbac({ action: 'DENY', policies: { p: { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: ANY } } }), httpRbac({ policies: {} }), fault, router] })],
    ['a tcp_proxy behind an RBAC network filter', 'listener', chainOf([networkRbac({ stat_prefix: 'tcp.', rules: { policies: { p: { permissions: [{ destination_port: 3306 }], principals: ANY } } } }), tcpProxy])],
    ['a route configuration', 'route', routeConfig('9080', REVIEWS)],
    ['weighted clusters', 'route', { name: 'r', virtual_hosts: [vh('v', ['*'], [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: { value: 90 } }, { name: 'b', weight: { value: 10 } }] } } }])] }],
    ['a redirect and a direct response', 'route', { name: 'r', virtual_hosts: [vh('v', ['*'], [{ match: { path: '/old' }, redirect: { path_redirect: '/new' } }, { match: { prefix: '/' }, direct_response: { status: 404 } }])] }],
    ['an EDS cluster', 'cluster', edsCluster(REVIEWS)],
    ['a STATIC cluster without endpoints', 'cluster', BLACKHOLE],
    ['a STRICT_DNS cluster with a host name', 'cluster', { name: 'd', type: 'STRICT_DNS', load_assignment: { cluster_name: 'd', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'api.example.com', port_value: 443 } } } }] }] } }],
    ['an ORIGINAL_DST cluster', 'cluster', { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }],
    ['endpoints', 'endpoint', loadAssignment(REVIEWS, ['10.0.0.7', 'fd00::7'])],
  ])('accepts %s', (_label, kind, resource) => {
    expect(problems(kind, resource)).toEqual([]);
  });

  it.each<[string, ResourceKind, Record<string, unknown>, string[]]>([
    ['a listener without filter chains', 'listener', { ...tcpListener('t', 1, 'c'), filter_chains: [] }, ['no filter chains specified']],
    ['a listener without an address', 'listener', { name: 'l', filter_chains: tcpListener('t', 1, 'c').filter_chains }, ['address is necessary']],
    [
      'two filter chains with the same match',
      'listener',
      { ...tcpListener('t', 1, 'c'), filter_chains: [...(tcpListener('t', 1, 'c').filter_chains as unknown[]), ...(tcpListener('t', 1, 'd').filter_chains as unknown[])] },
      ['filter_chains[1]: multiple filter chains with the same matching rules are defined (same as filter_chains[0])'],
    ],
    ['an HCM without routes', 'listener', hcm({ http_filters: [router] }), ['filter_chains[0].filters[0]: one of rds or route_config is required']],
    ['an HCM with an empty RDS name', 'listener', hcm({ rds: { config_source: { ads: {} } }, http_filters: [router] }), ['filter_chains[0].filters[0]: rds.route_config_name must not be empty']],
    [
      'an HCM whose router is not last',
      'listener',
      hcm({ rds, http_filters: [router, fault] }),
      [
        'filter_chains[0].filters[0]: terminal filter named envoy.filters.http.router of type envoy.filters.http.router must be the last filter in a http filter chain.',
        `filter_chains[0].filters[0]: non-terminal filter named envoy.filters.http.fault of type ${TYPE_URL.FAULT} is the last filter in a http filter chain.`,
      ],
    ],
    [
      'an RBAC HTTP filter the engine cannot compile',
      'listener',
      hcm({ rds, http_filters: [httpRbac({ policies: { p: { permissions: [{ requested_server_name: {} }], principals: [] } } }), router] }),
      ['filter_chains[0].filters[0].http_filters[0]: RBAC filter envoy.filters.http.rbac: rules.policies[p].permissions[0].requested_server_name: string matcher without a pattern', 'filter_chains[0].filters[0].http_filters[0]: RBAC filter envoy.filters.http.rbac: rules.policies[p].principals: must not be empty'],
    ],
    [
      'an RBAC network filter last, or without stat_prefix',
      'listener',
      chainOf([networkRbac({ rules: { policies: {} } })]),
      [
        'filter_chains[0].filters[0]: RBAC filter envoy.filters.network.rbac: stat_prefix: value length must be at least 1 characters',
        `filter_chains[0].filters[0]: non-terminal filter named envoy.filters.network.rbac of type ${TYPE_URL.NETWORK_RBAC} is the last filter in a network filter chain.`,
      ],
    ],
    ['a tcp_proxy without a cluster', 'listener', { ...tcpListener('t', 1, ''), filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': TYPE_URL.TCP_PROXY, stat_prefix: 's' } }] }] }, ['filter_chains[0].filters[0]: tcp_proxy needs cluster or weighted_clusters']],
    [
      'a bad regex inside inline routes',
      'listener',
      hcm({ route_config: routeConfig('in', 'c', { safe_regex: { regex: 'a(?=b)' } }), http_filters: [router] }),
      ["filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match.safe_regex: invalid regex 'a(?=b)': invalid or unsupported Perl syntax: `(?=`"],
    ],
    [
      'duplicate domains',
      'route',
      { name: '80', virtual_hosts: [vh('a', ['x.local', '*'], []), vh('b', ['X.local'], [])] },
      ['Only unique values for domains are permitted. Duplicate entry of domain X.local in route 80'],
    ],
    ['a virtual host without domains or name', 'route', { name: '80', virtual_hosts: [vh('', [], [])] }, ['virtual_hosts[0]: name must not be empty', 'virtual_hosts[0] (): domains must not be empty']],
    [
      'a route without a path matcher or action',
      'route',
      { name: '80', virtual_hosts: [vh('v', ['*'], [{ match: { headers: [{ name: 'x', present_match: true }] } }])] },
      ['virtual_hosts[0].routes[0].match: one of prefix, path, safe_regex, path_separated_prefix, connect_matcher, path_match_policy is required', 'virtual_hosts[0].routes[0]: one of route, redirect, direct_response, filter_action, non_forwarding_action is required'],
    ],
    ['a route action without a cluster', 'route', { name: '80', virtual_hosts: [vh('v', ['*'], [{ match: { prefix: '/' }, route: { timeout: { seconds: '1' } } }])] }, ['virtual_hosts[0].routes[0].route: one of cluster, cluster_header, weighted_clusters, cluster_specifier_plugin, inline_cluster_specifier_plugin is required']],
    [
      'weighted clusters adding up to 0',
      'route',
      { name: '80', virtual_hosts: [vh('v', ['*'], [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: { value: 0 } }] } } }])] },
      ['virtual_hosts[0].routes[0].route.weighted_clusters: Sum of weights in the weighted_cluster must be greater than 0.'],
    ],
    [
      'a bad header regex',
      'route',
      { name: '80', virtual_hosts: [vh('v', ['*'], [{ match: { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: '[z-a]' } } }] }, route: { cluster: 'c' } }])] },
      ["virtual_hosts[0].routes[0].match.headers[0].string_match.safe_regex: invalid regex '[z-a]': invalid character class range: `z-a`"],
    ],
    ['an EDS cluster without EDS config', 'cluster', { name: 'e', type: 'EDS' }, ['cannot create an EDS cluster without an EDS config']],
    [
      'a STATIC cluster with a host name',
      'cluster',
      { name: 's', type: 'STATIC', load_assignment: { cluster_name: 's', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'db.local', port_value: 5432 } } } }] }] } },
      ['load_assignment.endpoints[0].lb_endpoints[0]: malformed IP address: db.local'],
    ],
    ['a LOGICAL_DNS cluster with two hosts', 'cluster', { name: 'l', type: 'LOGICAL_DNS', load_assignment: loadAssignment('l', ['a.local', 'b.local']) }, ['LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint']],
    ['ORIGINAL_DST with ROUND_ROBIN', 'cluster', { name: 'o', type: 'ORIGINAL_DST' }, ["cluster: LB policy ROUND_ROBIN is not valid for Cluster type ORIGINAL_DST. Only 'CLUSTER_PROVIDED' is allowed with cluster type 'ORIGINAL_DST'"]],
    ['CLUSTER_PROVIDED on an EDS cluster', 'cluster', { ...edsCluster('e'), lb_policy: 'CLUSTER_PROVIDED' }, ['cluster: LB policy CLUSTER_PROVIDED cannot be used with cluster type EDS']],
    [
      'endpoints without a port or with a host name',
      'endpoint',
      { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1' } } } }, { endpoint: { address: { socket_address: { address: 'h.local', port_value: 80 } } }, load_balancing_weight: { value: 0 } }] }] },
      ['endpoints[0].lb_endpoints[0]: port_value is required', 'endpoints[0].lb_endpoints[1]: malformed IP address: h.local', 'endpoints[0].lb_endpoints[1].load_balancing_weight: must be at least 1'],
    ],
  ])('refuses %s', (_label, kind, resource, expected) => {
    expect(problems(kind, resource)).toEqual(expected);
  });

  it('refuses a filter whose typed_config is of a type no one here knows', () => {
    const listener = { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, filter_chains: [{ filters: [{ name: 'envoy.filters.network.mongo', typed_config: { type_url: 'type.googleapis.com/envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy', value: new Uint8Array() } }] }] };
    expect(resourceProblems(kindInfo('listener'), listener)).toEqual([
      "filter_chains[0].filters[0].typed_config: Didn't find a registered implementation for type URL: 'type.googleapis.com/envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy'",
    ]);
  });
});
