import { describe, expect, it } from 'vitest';
import { TYPE_URL } from './type-urls.js';
import { packAny, unpackAny } from './any.js';
import { findMessageType } from './load.js';

const cluster = {
  name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
  type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: 'outbound|9080|v1|reviews.default.svc.cluster.local' },
  connect_timeout: { seconds: '10' },
  lb_policy: 'LEAST_REQUEST',
  circuit_breakers: { thresholds: [{ max_connections: { value: 4294967295 }, max_retries: { value: 3 } }] },
};

const listener = {
  name: '0.0.0.0_9080',
  address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
  traffic_direction: 'OUTBOUND',
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
            stat_prefix: 'outbound_0.0.0.0_9080',
            rds: { route_config_name: '9080', config_source: { ads: {}, resource_api_version: 'V3' } },
            http_filters: [
              { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE_URL.FAULT, abort: { http_status: 503, percentage: { numerator: 50, denominator: 'HUNDRED' } } } },
              { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } },
            ],
          },
        },
      ],
    },
  ],
};

const routeConfiguration = {
  name: '9080',
  virtual_hosts: [
    {
      name: 'reviews.default.svc.cluster.local:9080',
      domains: ['reviews.default.svc.cluster.local', 'reviews'],
      routes: [
        {
          match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] },
          route: { weighted_clusters: { clusters: [{ name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: { value: 100 } }] }, timeout: { seconds: '0' } },
        },
      ],
    },
  ],
};

const loadAssignment = {
  cluster_name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
  endpoints: [
    {
      locality: { region: 'us-east1', zone: 'b' },
      lb_endpoints: [
        { endpoint: { address: { socket_address: { address: '10.0.0.7', port_value: 9080 } } }, load_balancing_weight: { value: 1 } },
        { endpoint: { address: { socket_address: { address: '10.0.0.8', port_value: 9080 } } }, health_status: 'HEALTHY' },
      ],
    },
  ],
};

describe('packAny / unpackAny', () => {
  it.each([
    ['Cluster', TYPE_URL.CLUSTER, cluster],
    ['Listener with an HCM typed_config inside', TYPE_URL.LISTENER, listener],
    ['RouteConfiguration', TYPE_URL.ROUTE, routeConfiguration],
    ['ClusterLoadAssignment', TYPE_URL.ENDPOINT, loadAssignment],
  ])('round-trips a %s', (_label, typeUrl, resource) => {
    const any = packAny(typeUrl, resource);
    expect(any.type_url).toBe(typeUrl);
    expect(any.value.byteLength).toBeGreaterThan(0);
    const back = unpackAny(any);
    expect(back).toEqual({ ok: true, typeUrl, message: resource });
  });

  it('encodes the nested HCM as an Any of its own type', () => {
    const back = unpackAny(packAny(TYPE_URL.LISTENER, listener));
    if (!back.ok) throw new Error(back.error);
    const hcm = (back.message as typeof listener).filter_chains[0]?.filters[0]?.typed_config;
    expect(hcm?.['@type']).toBe(TYPE_URL.HTTP_CONNECTION_MANAGER);
    expect(hcm?.rds.route_config_name).toBe('9080');
  });

  it.each(Object.entries(TYPE_URL))('TYPE_URL.%s names a loaded message type', (_key, typeUrl) => {
    expect(findMessageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1))).toBeDefined();
  });

  it.each([
    ['an unknown field', TYPE_URL.CLUSTER, { name: 'c', conect_timeout: { seconds: 1 } }, 'conect_timeout: unknown field of envoy.config.cluster.v3.Cluster'],
    ['an unknown nested field', TYPE_URL.CLUSTER, { name: 'c', circuit_breakers: { thresholds: [{ max_conns: 1 }] } }, 'circuit_breakers.thresholds[0].max_conns: unknown field'],
    ['an unknown enum name', TYPE_URL.CLUSTER, { name: 'c', lb_policy: 'FASTEST' }, 'lb_policy: FASTEST is not a value of envoy.config.cluster.v3.Cluster.LbPolicy'],
    ['an Any whose @type is not loaded', TYPE_URL.LISTENER, { name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/nope.Nope' } }] }] }, 'filter_chains[0].filters[0].typed_config@type: type.googleapis.com/nope.Nope is not a loaded message type'],
    ['an unknown field inside a typed_config', TYPE_URL.LISTENER, { name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': TYPE_URL.TCP_PROXY, cluster: 'x', stat_prefx: 's' } }] }] }, 'filter_chains[0].filters[0].typed_config.stat_prefx: unknown field of envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'],
  ])('refuses %s', (_label, typeUrl, resource, problem) => {
    expect(() => packAny(typeUrl, resource)).toThrow(problem);
  });

  it('refuses a type URL that is not loaded', () => {
    expect(() => packAny('type.googleapis.com/envoy.config.nope.v3.Nope', {})).toThrow(/not a loaded xDS message type/);
  });

  it('returns unknown types and malformed bytes as values', () => {
    expect(unpackAny({ type_url: 'type.googleapis.com/x.Y', value: new Uint8Array() })).toMatchObject({ ok: false, error: expect.stringContaining('not a loaded') });
    const garbage = unpackAny({ type_url: TYPE_URL.CLUSTER, value: Uint8Array.from([0x0a, 0xff, 0x01]) });
    expect(garbage).toMatchObject({ ok: false, error: expect.stringContaining('cannot decode envoy.config.cluster.v3.Cluster') });
    // gRPC hands bytes over as a Buffer; truncation must be caught there too.
    const fromWire = unpackAny({ type_url: TYPE_URL.CLUSTER, value: Buffer.from([0x0a, 0xff, 0x01]) });
    expect(fromWire).toMatchObject({ ok: false, error: expect.stringContaining('index out of range') });
  });
});
