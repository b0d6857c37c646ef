import { describe, expect, it } from 'vitest';
import { packAny, unpackAny, TYPE_URL } from '@weft/shared/xds';
import { explain } from './explain.js';
import type { EnvoyConfig } from './envoy-shapes.js';
import { simulate, type SimulationResult } from './simulate.js';
import type { SimulationRequest } from './request.js';
import { pickWeightedCluster } from './weighted-clusters.js';

// A hand-written sidecar config in the shape Istio generates for a bookinfo productpage proxy: every
// resource goes through packAny, so these are real Envoy messages, and the table runs both on the
// objects as written and on what protobufjs decodes from the wire (int64 as strings, wrappers...).

const ADS = { ads: {}, resource_api_version: 'V3' };
const sock = (address: string, port: number) => ({ socket_address: { address, port_value: port } });
const tcpProxy = (cluster: string) => ({ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TYPE_URL.TCP_PROXY, stat_prefix: cluster, cluster } });
const faultFilter = { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE_URL.FAULT } };
const router = { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } };
const hcm = (fields: Record<string, unknown>) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, stat_prefix: 'hcm', http_filters: [faultFilter, router], normalize_path: { value: true }, ...fields },
});
const svc = (name: string) => `${name}.default.svc.cluster.local`;
const out = (name: string, subset = '', port = 9080) => `outbound|${port}|${subset}|${svc(name)}`;
const domains = (name: string, vip: string) => [svc(name), `${svc(name)}:9080`, name, `${name}:9080`, `${name}.default`, `${name}.default:9080`, vip, `${vip}:9080`];
const jason = [{ name: 'end-user', string_match: { exact: 'jason' } }];

const listeners = [
  {
    name: 'virtualOutbound',
    address: sock('0.0.0.0', 15001),
    use_original_dst: { value: true },
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      { name: 'virtualOutbound-blackhole', filter_chain_match: { destination_port: { value: 15001 } }, filters: [tcpProxy('BlackHoleCluster')] },
      { name: 'virtualOutbound-catchall-tcp', filters: [tcpProxy('PassthroughCluster')] },
    ],
  },
  {
    name: '0.0.0.0_9080',
    address: sock('0.0.0.0', 9080),
    bind_to_port: { value: false },
    traffic_direction: 'OUTBOUND',
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector' }, { name: 'envoy.filters.listener.http_inspector' }],
    filter_chains: [
      {
        name: '0.0.0.0_9080',
        filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
        filters: [hcm({ rds: { route_config_name: '9080', config_source: ADS } })],
      },
    ],
    default_filter_chain: { name: 'PassthroughFilterChain', filters: [tcpProxy('PassthroughCluster')] },
  },
  {
    name: '10.0.0.5_3306',
    address: sock('10.0.0.5', 3306),
    bind_to_port: { value: false },
    filter_chains: [{ filters: [tcpProxy(out('mysql', '', 3306))] }],
  },
  {
    name: '10.0.0.6_27017',
    address: sock('10.0.0.6', 27017),
    bind_to_port: { value: false },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.tcp_proxy',
            typed_config: {
              '@type': TYPE_URL.TCP_PROXY,
              stat_prefix: 'mongo',
              weighted_clusters: { clusters: [{ name: out('mongo', 'v1', 27017), weight: 80 }, { name: out('mongo', 'v2', 27017), weight: 20 }] },
            },
          },
        ],
      },
    ],
  },
  {
    name: '0.0.0.0_443',
    address: sock('0.0.0.0', 443),
    bind_to_port: { value: false },
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector' }],
    filter_chains: [
      { filter_chain_match: { server_names: ['www.example.com'] }, filters: [tcpProxy('outbound|443||www.example.com')] },
      { filter_chain_match: { server_names: ['*.wikipedia.org'] }, filters: [tcpProxy('outbound|443||*.wikipedia.org')] },
    ],
    default_filter_chain: { name: 'PassthroughFilterChain', filters: [tcpProxy('PassthroughCluster')] },
  },
  {
    name: 'virtualInbound',
    address: sock('0.0.0.0', 15006),
    traffic_direction: 'INBOUND',
    listener_filters: [
      { name: 'envoy.filters.listener.original_dst' },
      { name: 'envoy.filters.listener.tls_inspector' },
      // Istio skips HTTP detection on ports it knows are not HTTP.
      { name: 'envoy.filters.listener.http_inspector', filter_disabled: { destination_port_range: { start: 3306, end: 3307 } } },
    ],
    filter_chains: [
      { name: 'virtualInbound-blackhole', filter_chain_match: { destination_port: { value: 15006 } }, filters: [tcpProxy('BlackHoleCluster')] },
      {
        name: 'inbound|9080||mtls',
        filter_chain_match: { destination_port: { value: 9080 }, transport_protocol: 'tls', application_protocols: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'] },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT,
            require_client_certificate: { value: true },
            common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: ADS }] },
          },
        },
        filters: [hcm({ route_config: { name: 'inbound|9080||', virtual_hosts: [{ name: 'inbound|http|9080', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'inbound|9080||' } }] }] } })],
      },
      {
        name: 'inbound|9080||plaintext',
        filter_chain_match: { destination_port: { value: 9080 }, transport_protocol: 'raw_buffer' },
        filters: [hcm({ route_config: { name: 'inbound|9080||', virtual_hosts: [{ name: 'inbound|http|9080', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'inbound|9080||' } }] }] } })],
      },
      { name: 'virtualInbound-catchall', filter_chain_match: { prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: { value: 0 } }] }, filters: [tcpProxy('InboundPassthroughCluster')] },
    ],
  },
];

const routes = [
  {
    name: '9080',
    validate_clusters: { value: false },
    virtual_hosts: [
      {
        name: `${svc('reviews')}:9080`,
        domains: domains('reviews', '10.0.0.20'),
        routes: [
          { name: 'jason', match: { prefix: '/', headers: jason }, route: { cluster: out('reviews', 'v2'), timeout: { seconds: '0' } } },
          {
            name: 'default',
            match: { prefix: '/' },
            route: {
              weighted_clusters: { clusters: [{ name: out('reviews', 'v1'), weight: { value: 50 } }, { name: out('reviews', 'v3'), weight: { value: 50 } }] },
              timeout: { seconds: '0' },
              retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', num_retries: { value: 2 } },
            },
          },
        ],
      },
      {
        name: `${svc('ratings')}:9080`,
        domains: domains('ratings', '10.0.0.21'),
        require_tls: 'NONE',
        routes: [
          {
            name: 'fault',
            match: { prefix: '/', headers: jason },
            route: { cluster: out('ratings', 'v1') },
            typed_per_filter_config: {
              'envoy.filters.http.fault': { '@type': TYPE_URL.FAULT, abort: { http_status: 500, percentage: { numerator: 100, denominator: 'HUNDRED' } } },
            },
          },
          { name: 'moved', match: { path: '/v1/getProductRatings' }, redirect: { path_redirect: '/v1/bookRatings', host_redirect: svc('newratings') } },
          {
            name: 'by-id',
            match: { safe_regex: { regex: '/ratings/[0-9]+' }, case_sensitive: { value: true } },
            route: { cluster: out('ratings', 'v1'), regex_rewrite: { pattern: { regex: '^/ratings/([0-9]+)$' }, substitution: '/v2/ratings/\\1' } },
          },
          { name: 'health', match: { path: '/health' }, direct_response: { status: 200, body: { inline_string: 'ok' } } },
          { name: 'api', match: { prefix: '/API/', case_sensitive: { value: false } }, route: { cluster: out('ratings', 'v2'), prefix_rewrite: '/' } },
          {
            name: 'query',
            match: { prefix: '/', query_parameters: [{ name: 'version', string_match: { exact: 'v3' } }] },
            route: { cluster: out('ratings', 'v3') },
          },
        ],
      },
      { name: 'allow_any', domains: ['*'], routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] },
    ],
  },
];

const clusterNames = [
  'BlackHoleCluster',
  'PassthroughCluster',
  'InboundPassthroughCluster',
  'inbound|9080||',
  out('reviews', 'v1'),
  out('reviews', 'v2'),
  out('reviews', 'v3'),
  out('ratings', 'v1'),
  out('ratings', 'v2'),
  out('ratings', 'v3'),
  out('mysql', '', 3306),
  out('mongo', 'v1', 27017),
  out('mongo', 'v2', 27017),
  'outbound|443||www.example.com',
  'outbound|443||*.wikipedia.org',
];
const clusters = clusterNames.map((name) => ({ name, type: 'EDS', eds_cluster_config: { eds_config: ADS, service_name: name } }));

const written: EnvoyConfig = { listeners, routes, clusters };

function roundTrip(typeUrl: string, resources: readonly object[]): Record<string, unknown>[] {
  return resources.map((r) => {
    const decoded = unpackAny(packAny(typeUrl, r));
    if (!decoded.ok) throw new Error(decoded.error);
    return decoded.message;
  });
}

describe('the fixture is real Envoy config', () => {
  it('packs every listener, route configuration and cluster', () => {
    expect(roundTrip(TYPE_URL.LISTENER, listeners)).toHaveLength(listeners.length);
    expect(roundTrip(TYPE_URL.ROUTE, routes)).toHaveLength(routes.length);
    expect(roundTrip(TYPE_URL.CLUSTER, clusters)).toHaveLength(clusters.length);
  });
});

const decoded: EnvoyConfig = {
  listeners: roundTrip(TYPE_URL.LISTENER, listeners),
  routes: roundTrip(TYPE_URL.ROUTE, routes),
  clusters: roundTrip(TYPE_URL.CLUSTER, clusters),
};

interface Expectation {
  readonly listener?: string;
  readonly handedOffFrom?: string;
  readonly filterChain?: string;
  readonly routeConfig?: string;
  readonly virtualHost?: string;
  readonly route?: string;
  readonly cluster?: string;
  readonly failure?: string;
  readonly status?: number;
}

function pick(r: SimulationResult, want: Expectation): Expectation {
  return Object.fromEntries(Object.keys(want).map((k) => [k, r[k as keyof Expectation]]));
}

const table: [string, SimulationRequest, Expectation][] = [
  [
    'reviews for jason → v2',
    { port: 9080, host: 'reviews:9080', headers: { 'end-user': 'jason' } },
    {
      listener: '0.0.0.0_9080',
      handedOffFrom: 'virtualOutbound',
      filterChain: '0.0.0.0_9080',
      routeConfig: '9080',
      virtualHost: `${svc('reviews')}:9080`,
      route: 'jason',
      cluster: out('reviews', 'v2'),
    },
  ],
  ['reviews by FQDN without port', { port: 9080, host: svc('reviews'), headers: { 'end-user': 'jason' } }, { route: 'jason', cluster: out('reviews', 'v2') }],
  ['reviews by VIP', { port: 9080, address: '10.0.0.20', host: '10.0.0.20:9080', headers: { 'END-USER': 'jason' } }, { route: 'jason' }],
  ['Host is case-insensitive', { port: 9080, host: 'Reviews:9080', headers: { 'end-user': 'jason' } }, { route: 'jason' }],
  ['unknown host → allow_any', { port: 9080, host: 'httpbin.org:9080' }, { virtualHost: 'allow_any', cluster: 'PassthroughCluster' }],
  ['a port the domains do not list → allow_any', { port: 9080, host: 'reviews:9999' }, { virtualHost: 'allow_any' }],
  ['HTTP/2 prior knowledge uses the same chain (h2c)', { port: 9080, protocol: 'http2', host: 'reviews', headers: { 'end-user': 'jason' } }, { filterChain: '0.0.0.0_9080', route: 'jason' }],
  ['opaque TCP to an HTTP port → passthrough default chain', { port: 9080, protocol: 'tcp' }, { filterChain: 'PassthroughFilterChain', cluster: 'PassthroughCluster' }],
  ['TLS originated by the app to an HTTP port → passthrough', { port: 9080, tls: 'tls', host: 'reviews' }, { filterChain: 'PassthroughFilterChain', cluster: 'PassthroughCluster' }],
  ['fault route for jason', { port: 9080, host: 'ratings', headers: { 'end-user': 'jason' } }, { route: 'fault', cluster: out('ratings', 'v1') }],
  ['redirect', { port: 9080, host: 'ratings:9080', path: '/v1/getProductRatings' }, { route: 'moved', status: 301 }],
  ['regex route', { port: 9080, host: 'ratings', path: '/ratings/42' }, { route: 'by-id', cluster: out('ratings', 'v1') }],
  ['regex must match the whole path', { port: 9080, host: 'ratings', path: '/ratings/42/x' }, { failure: 'no-route', status: 404 }],
  ['direct response', { port: 9080, host: 'ratings', path: '/health' }, { route: 'health', status: 200 }],
  ['case-insensitive prefix', { port: 9080, host: 'ratings', path: '/api/ratings' }, { route: 'api', cluster: out('ratings', 'v2') }],
  ['query parameter', { port: 9080, host: 'ratings', path: '/x?version=v3' }, { route: 'query', cluster: out('ratings', 'v3') }],
  ['no route → 404 NR', { port: 9080, host: 'ratings', path: '/x?version=v4' }, { failure: 'no-route', status: 404 }],
  ['normalize_path resolves dot segments before matching', { port: 9080, host: 'ratings', path: '/ratings/../health' }, { route: 'health' }],
  ['TCP service by VIP', { port: 3306, address: '10.0.0.5', protocol: 'tcp' }, { listener: '10.0.0.5_3306', cluster: out('mysql', '', 3306) }],
  ['TCP to another IP on that port → virtualOutbound passthrough', { port: 3306, address: '10.0.0.99', protocol: 'tcp' }, { listener: 'virtualOutbound', filterChain: 'virtualOutbound-catchall-tcp', cluster: 'PassthroughCluster' }],
  ['connecting to 15001 itself → blackhole', { port: 15001, address: '10.0.0.99', protocol: 'tcp' }, { listener: 'virtualOutbound', filterChain: 'virtualOutbound-blackhole', cluster: 'BlackHoleCluster' }],
  ['TLS by exact SNI', { port: 443, tls: 'tls', protocol: 'tcp', sni: 'www.example.com' }, { listener: '0.0.0.0_443', cluster: 'outbound|443||www.example.com' }],
  ['TLS by wildcard SNI', { port: 443, tls: 'tls', protocol: 'tcp', sni: 'en.wikipedia.org' }, { cluster: 'outbound|443||*.wikipedia.org' }],
  ['TLS, unknown SNI → default chain', { port: 443, tls: 'tls', protocol: 'tcp', sni: 'example.org' }, { filterChain: 'PassthroughFilterChain', cluster: 'PassthroughCluster' }],
  ['SNI defaults to the Host', { port: 443, tls: 'tls', host: 'www.example.com' }, { cluster: 'outbound|443||www.example.com' }],
  ['inbound mTLS HTTP', { port: 9080, mode: 'inbound', tls: 'mtls', host: 'productpage:9080' }, { listener: 'virtualInbound', filterChain: 'inbound|9080||mtls', routeConfig: 'inline', cluster: 'inbound|9080||' }],
  ['inbound plaintext HTTP (permissive)', { port: 9080, mode: 'inbound' }, { filterChain: 'inbound|9080||plaintext', cluster: 'inbound|9080||' }],
  ['inbound TLS without a client certificate', { port: 9080, mode: 'inbound', tls: 'tls', alpn: ['istio-http/1.1'] }, { filterChain: 'inbound|9080||mtls', failure: 'tls-error' }],
  ['inbound TLS with a plain ALPN → no chain for it', { port: 9080, mode: 'inbound', tls: 'tls' }, { failure: 'no-filter-chain' }],
  ['inbound mTLS with a non-Istio ALPN → no chain for it', { port: 9080, mode: 'inbound', tls: 'mtls', alpn: ['h2'] }, { failure: 'no-filter-chain' }],
  ['inbound to an unknown port → passthrough', { port: 7070, mode: 'inbound', protocol: 'tcp' }, { filterChain: 'virtualInbound-catchall', cluster: 'InboundPassthroughCluster' }],
  ['inbound to the capture port itself → blackhole', { port: 15006, mode: 'inbound', protocol: 'tcp' }, { filterChain: 'virtualInbound-blackhole' }],
  ['gateway mode reaches no sidecar listener', { port: 9080, mode: 'direct' }, { failure: 'no-listener' }],
];

describe.each([
  ['as written', written],
  ['decoded from the wire', decoded],
])('simulate on an Istio-shaped sidecar config (%s)', (_, config) => {
  it.each(table)('%s', (_name, req, want) => {
    const r = simulate(req, config);
    expect(pick(r, want), explain(r)).toEqual(want);
    if (!want.failure) expect(r.failure, explain(r)).toBeUndefined();
  });

  it('reports every weighted cluster with its weight, and picks like Envoy', () => {
    const r = simulate({ port: 9080, host: 'reviews:9080', headers: { 'end-user': 'mike' } }, config);
    expect(r.route, explain(r)).toBe('default');
    expect(r.cluster).toBeUndefined();
    expect(r.weightedClusters?.map((c) => [c.name, c.weight])).toEqual([
      [out('reviews', 'v1'), 50],
      [out('reviews', 'v3'), 50],
    ]);
    expect(pickWeightedCluster(r.weightedClusters ?? [], 49)?.name).toBe(out('reviews', 'v1'));
    expect(pickWeightedCluster(r.weightedClusters ?? [], 50)?.name).toBe(out('reviews', 'v3'));
    expect(r.timeoutMs).toBe(0);
    expect(r.retryPolicy).toMatchObject({ num_retries: { value: 2 } });
  });

  it('reports weighted tcp_proxy clusters', () => {
    const r = simulate({ port: 27017, address: '10.0.0.6', protocol: 'tcp' }, config);
    expect(r.networkFilter).toBe('tcp_proxy');
    expect(r.weightedClusters?.map((c) => [c.name, c.weight])).toEqual([
      [out('mongo', 'v1', 27017), 80],
      [out('mongo', 'v2', 27017), 20],
    ]);
  });

  it('exposes fault config, redirect location, regex rewrite and direct response body', () => {
    const faulty = simulate({ port: 9080, host: 'ratings', headers: { 'end-user': 'jason' } }, config);
    expect(faulty.fault).toMatchObject({ abort: { http_status: 500 } });
    expect(faulty.notes).toEqual([]);
    expect(simulate({ port: 9080, host: 'ratings:9080', path: '/v1/getProductRatings?x=1' }, config).redirect).toEqual({
      status: 301,
      location: `http://${svc('newratings')}/v1/bookRatings?x=1`,
    });
    expect(simulate({ port: 9080, host: 'ratings', path: '/ratings/42?q' }, config).rewrittenPath).toBe('/v2/ratings/42?q');
    expect(simulate({ port: 9080, host: 'ratings', path: '/API/x' }, config).rewrittenPath).toBe('/x');
    expect(simulate({ port: 9080, host: 'ratings', path: '/health' }, config).directResponse).toEqual({ status: 200, body: 'ok' });
  });

  it('shows how the connection looked to filter chain matching', () => {
    expect(simulate({ port: 9080, mode: 'inbound', tls: 'mtls' }, config).connection).toMatchObject({
      transportProtocol: 'tls',
      applicationProtocols: ['istio-http/1.1'],
      serverName: '',
    });
    // The HTTP inspector is disabled on 3306 there, so no ALPN is sniffed for plaintext HTTP.
    expect(simulate({ port: 3306, mode: 'inbound' }, config).connection?.applicationProtocols).toEqual([]);
    expect(simulate({ port: 3307, mode: 'inbound' }, config).connection?.applicationProtocols).toEqual(['http/1.1']);
  });
});

describe('failures', () => {
  const hcmListener = (chainFields: Record<string, unknown>, hcmFields: Record<string, unknown>) => ({
    name: 'gw',
    address: sock('0.0.0.0', 8080),
    filter_chains: [{ ...chainFields, filters: [hcm(hcmFields)] }],
  });
  const inlineRoutes = (virtual_hosts: unknown[]) => ({ route_config: { name: 'r', virtual_hosts } });
  const direct = (extra: Partial<SimulationRequest> = {}): SimulationRequest => ({ port: 8080, mode: 'direct', host: 'a.com', ...extra });

  it.each<[string, EnvoyConfig, SimulationRequest, string, string]>([
    ['missing RDS resource', { listeners: [hcmListener({}, { rds: { route_config_name: 'nope' } })] }, direct(), 'no-route-config', '"nope"'],
    ['no virtual host', { listeners: [hcmListener({}, inlineRoutes([{ name: 'b', domains: ['b.com'], routes: [] }]))] }, direct(), 'no-virtual-host', 'a.com'],
    ['TCP into an HCM', { listeners: [hcmListener({}, inlineRoutes([]))] }, direct({ protocol: 'tcp' }), 'protocol-error', 'TCP'],
    ['TLS into a plaintext HCM', { listeners: [hcmListener({}, inlineRoutes([]))] }, direct({ tls: 'tls' }), 'protocol-error', 'TLS'],
    ['HTTP/1 into an HTTP2-only HCM', { listeners: [hcmListener({}, { ...inlineRoutes([]), codec_type: 'HTTP2' })] }, direct(), 'protocol-error', 'HTTP2'],
    ['plaintext to a TLS chain', { listeners: [hcmListener({ transport_socket: { name: 'tls', typed_config: { '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT } } }, inlineRoutes([]))] }, direct(), 'tls-error', 'plaintext'],
    ['chain without terminal filter', { listeners: [{ name: 'gw', address: sock('0.0.0.0', 8080), filter_chains: [{ name: 'empty', filters: [] }] }] }, direct(), 'no-network-filter', 'empty'],
    ['scoped routes', { listeners: [hcmListener({}, { scoped_routes: { name: 's' } })] }, direct(), 'unsupported', 'scoped_routes'],
    [
      'a regex RE2 rejects',
      { listeners: [hcmListener({}, inlineRoutes([{ domains: ['*'], routes: [{ match: { safe_regex: { regex: '(?<=x)y' } }, route: { cluster: 'c' } }] }]))] },
      direct(),
      'invalid-config',
      '(?<=x)y',
    ],
    [
      'a cluster missing from CDS → 503 NC',
      { listeners: [hcmListener({}, inlineRoutes([{ domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'ghost' } }] }]))], clusters: [{ name: 'other' }] },
      direct(),
      'no-cluster',
      'ghost',
    ],
    [
      'a weighted cluster missing from CDS',
      {
        listeners: [hcmListener({}, inlineRoutes([{ domains: ['*'], routes: [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 1 }, { name: 'ghost', weight: 1 }] } } }] }]))],
        clusters: [{ name: 'a' }],
      },
      direct(),
      'no-cluster',
      'ghost',
    ],
    [
      'cluster_header absent',
      { listeners: [hcmListener({}, inlineRoutes([{ domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster_header: 'x-cluster' } }] }]))] },
      direct(),
      'no-cluster',
      'x-cluster',
    ],
  ])('%s', (_, config, req, failure, detail) => {
    const r = simulate(req, config);
    expect(r.failure, explain(r)).toBe(failure);
    expect(r.detail).toContain(detail);
  });

  it('reads the cluster from cluster_header, first value only', () => {
    const config: EnvoyConfig = { listeners: [hcmListener({}, inlineRoutes([{ domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster_header: 'x-cluster' } }] }]))] };
    expect(simulate(direct({ headers: { 'x-cluster': ['c1', 'c2'] } }), config).cluster).toBe('c1');
  });

  it('redirects plaintext to https when the virtual host requires TLS', () => {
    const config: EnvoyConfig = { listeners: [hcmListener({}, inlineRoutes([{ name: 'secure', domains: ['*'], require_tls: 'ALL', routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }]))] };
    const r = simulate(direct({ host: 'a.com:80', path: '/x' }), config);
    expect(r.redirect).toEqual({ status: 301, location: 'https://a.com/x' });
    expect(r.cluster).toBeUndefined();
  });

  it('strips the host port when the HCM says so', () => {
    const vhs = [{ name: 'a', domains: ['a.com'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }];
    const matching = { listeners: [hcmListener({}, { ...inlineRoutes(vhs), strip_matching_host_port: true })] };
    expect(simulate(direct({ host: 'a.com:8080' }), matching).virtualHost).toBe('a');
    expect(simulate(direct({ host: 'a.com:9999' }), matching).failure).toBe('no-virtual-host');
    const any = { listeners: [hcmListener({}, { ...inlineRoutes(vhs), strip_any_host_port: true })] };
    expect(simulate(direct({ host: 'a.com:9999' }), any).routedHost).toBe('a.com');
  });

  it('notes per-route fault config the HCM cannot apply', () => {
    const fault = { 'envoy.filters.http.fault': { '@type': TYPE_URL.FAULT, abort: { http_status: 503 } } };
    const vhs = [{ domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: fault }] }];
    const without = simulate(direct(), { listeners: [hcmListener({}, { ...inlineRoutes(vhs), http_filters: [router] })] });
    expect(without.fault).toBeDefined();
    expect(without.notes).toEqual(['route has fault config but the HCM has no envoy.filters.http.fault filter: it has no effect']);
    const withFilter = simulate(direct(), { listeners: [hcmListener({}, { ...inlineRoutes(vhs), http_filters: [{ name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE_URL.FAULT } }, router] })] });
    expect(withFilter.notes).toEqual([]);
  });

  it('notes what the simulator cannot see', () => {
    const config: EnvoyConfig = {
      listeners: [{ name: 'tls', address: sock('0.0.0.0', 8443), filter_chains: [{ filter_chain_match: { server_names: ['a.com'] }, filters: [tcpProxy('a')] }] }],
    };
    const r = simulate({ port: 8443, mode: 'direct', tls: 'tls', protocol: 'tcp', sni: 'a.com' }, config);
    // Without a TLS inspector Envoy never learns the SNI, so the SNI chain cannot match.
    expect(r.failure).toBe('no-filter-chain');
    expect(r.notes.join()).toContain('no tls_inspector');
  });
});

describe('explain', () => {
  it('renders a landing and a failure on one line', () => {
    const ok = simulate({ port: 9080, host: 'reviews:9080' }, written);
    expect(explain(ok)).toBe(
      `GET reviews:9080/ [outbound → 192.0.2.1:9080] › listener 0.0.0.0_9080 (from virtualOutbound) › chain 0.0.0.0_9080 › routes 9080 › ` +
        `vhost reviews.default.svc.cluster.local:9080 (reviews:9080) › route default › clusters ${out('reviews', 'v1')} 50%, ${out('reviews', 'v3')} 50%`,
    );
    const bad = simulate({ port: 9080, host: 'ratings', path: '/nope' }, written);
    expect(explain(bad)).toMatch(/› FAILED no-route \(404 NR\): no route of virtual host ratings\.default\.svc\.cluster\.local:9080 matches GET \/nope$/);
    expect(explain(bad)).not.toContain('\n');
  });
});
