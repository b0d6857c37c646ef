import { describe, expect, it } from 'vitest';
import { generateClusters } from './cds.js';
import { clusterInputsFor } from './cds-inputs.js';
import {
  BOOKINFO,
  CORPUS_DIR,
  bookinfoService,
  byName,
  cfg,
  corpusDestinationRules,
  destinationRule,
  dig,
  gatewayProxy,
  meshOf,
  packClusters,
  sidecarOf,
  workload,
} from './cds-eds.test-fixtures.js';
import type { ConfigEntry } from '../config/config-store.js';
import { createProxyView } from '../snapshot/proxy-view.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const clustersOf = (entries: readonly ConfigEntry[], proxy = sidecarOf()) => {
  const clusters = generateClusters(clusterInputsFor(meshOf(entries), proxy));
  expect(packClusters(clusters)).toBe(clusters.length);
  return clusters;
};
/** The reviews default cluster with a top-level traffic policy. */
const reviewsWith = (trafficPolicy: Record<string, unknown>, name = `outbound|9080||${REVIEWS}`) =>
  byName(clustersOf([...BOOKINFO, destinationRule('reviews', { host: 'reviews', trafficPolicy, subsets: [{ name: 'v1', labels: { version: 'v1' } }] })]), name);

describe('CDS for bookinfo', () => {
  const rules = corpusDestinationRules('destination-rule-all.yaml');
  if (!rules) console.warn(`SKIPPED bookinfo corpus checks: ${CORPUS_DIR}/destination-rule-all.yaml is absent`);

  it.skipIf(!rules)(`names every outbound, subset, inbound and fixed cluster as Istio does (corpus: ${CORPUS_DIR})`, () => {
    const clusters = clustersOf([...BOOKINFO, ...(rules ?? [])]);
    const names = clusters.map((c) => c.name);
    expect(names).toEqual([
      'outbound|9080||details.default.svc.cluster.local',
      'outbound|9080|v1|details.default.svc.cluster.local',
      'outbound|9080|v2|details.default.svc.cluster.local',
      'outbound|9080||productpage.default.svc.cluster.local',
      'outbound|9080|v1|productpage.default.svc.cluster.local',
      'outbound|9080||ratings.default.svc.cluster.local',
      'outbound|9080|v1|ratings.default.svc.cluster.local',
      'outbound|9080|v2|ratings.default.svc.cluster.local',
      'outbound|9080|v2-mysql|ratings.default.svc.cluster.local',
      'outbound|9080|v2-mysql-vm|ratings.default.svc.cluster.local',
      `outbound|9080||${REVIEWS}`,
      `outbound|9080|v1|${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v3|${REVIEWS}`,
      'inbound|9080||',
      'BlackHoleCluster',
      'PassthroughCluster',
      'InboundPassthroughCluster',
    ]);
    expect(byName(clusters, `outbound|9080|v2|${REVIEWS}`)).toMatchObject({
      type: 'EDS',
      lb_policy: 'LEAST_REQUEST',
      eds_cluster_config: { service_name: `outbound|9080|v2|${REVIEWS}`, eds_config: { ads: {} } },
      connect_timeout: { seconds: '10' },
    });
  });

  it('gives Istio circuit breaker maxima by default', () => {
    const c = byName(clustersOf(BOOKINFO), `outbound|9080||${REVIEWS}`);
    expect(dig(c, 'circuit_breakers.thresholds.0')).toEqual({
      max_connections: { value: 4294967295 },
      max_pending_requests: { value: 4294967295 },
      max_requests: { value: 4294967295 },
      max_retries: { value: 4294967295 },
      track_remaining: true,
    });
  });

  it('builds the inbound cluster to the workload address and port', () => {
    const c = byName(clustersOf(BOOKINFO), 'inbound|9080||');
    expect(c).toMatchObject({ type: 'STATIC', load_assignment: { cluster_name: 'inbound|9080||' } });
    expect(dig(c, 'load_assignment.endpoints.0.lb_endpoints.0.endpoint.address.socket_address')).toEqual({ address: '127.0.0.10', port_value: 9080 });
  });

  it.each([
    ['127.0.1.10', '127.0.1.10'],
    ['::1', '::1'],
    ['not-an-ip', '127.0.0.10'],
  ])('points the inbound cluster at the app address the proxy gives (WEFT_APP_ADDRESS %s)', (appAddress, expected) => {
    const base = sidecarOf();
    const proxy = createProxyView(base.id, { ...base.metadata, WEFT_APP_ADDRESS: appAddress });
    const c = byName(clustersOf(BOOKINFO, proxy), 'inbound|9080||');
    expect(dig(c, 'load_assignment.endpoints.0.lb_endpoints.0.endpoint.address.socket_address')).toEqual({ address: expected, port_value: 9080 });
  });

  it('fixed clusters: BlackHole is STATIC, passthroughs are ORIGINAL_DST', () => {
    const clusters = clustersOf(BOOKINFO);
    expect(byName(clusters, 'BlackHoleCluster')).toMatchObject({ type: 'STATIC' });
    expect(byName(clusters, 'BlackHoleCluster')).not.toHaveProperty('load_assignment');
    expect(byName(clusters, 'PassthroughCluster')).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
    expect(byName(clusters, 'InboundPassthroughCluster')).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
  });

  it('gives a gateway outbound clusters and BlackHoleCluster only', () => {
    const names = clustersOf(BOOKINFO, gatewayProxy()).map((c) => c.name);
    expect(names.filter((n) => !String(n).startsWith('outbound|'))).toEqual(['BlackHoleCluster']);
    expect(names).toContain(`outbound|9080||${REVIEWS}`);
  });
});

describe('cluster type by resolution', () => {
  const ext = (resolution: string, endpoints: Record<string, unknown>[] = []) =>
    cfg('ServiceEntry', 'ext', { hosts: ['api.example.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], location: 'MESH_EXTERNAL', resolution, endpoints });
  it.each([
    ['STATIC → EDS', 'STATIC', [{ address: '10.1.0.1' }], 'EDS', 'LEAST_REQUEST'],
    ['DNS → STRICT_DNS', 'DNS', [], 'STRICT_DNS', 'LEAST_REQUEST'],
    ['DNS_ROUND_ROBIN → LOGICAL_DNS', 'DNS_ROUND_ROBIN', [], 'LOGICAL_DNS', 'LEAST_REQUEST'],
    ['NONE → ORIGINAL_DST', 'NONE', [], 'ORIGINAL_DST', 'CLUSTER_PROVIDED'],
  ])('%s', (_t, resolution, endpoints, type, lb) => {
    expect(byName(clustersOf([ext(resolution, endpoints)]), 'outbound|443||api.example.com')).toMatchObject({ type, lb_policy: lb });
  });

  it('DNS clusters carry their hosts inline; LOGICAL_DNS keeps only the first', () => {
    const strict = byName(clustersOf([ext('DNS', [{ address: 'a.example.com' }, { address: 'b.example.com', ports: { tls: 8443 } }])]), 'outbound|443||api.example.com');
    expect(strict).toMatchObject({ dns_lookup_family: 'V4_ONLY', respect_dns_ttl: true });
    const addrs = (c: unknown) =>
      (dig(c, 'load_assignment.endpoints.0.lb_endpoints') as { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[]).map(
        (e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`,
      );
    expect(addrs(strict)).toEqual(['a.example.com:443', 'b.example.com:8443']);
    expect(addrs(byName(clustersOf([ext('DNS', [])]), 'outbound|443||api.example.com'))).toEqual(['api.example.com:443']);
    expect(addrs(byName(clustersOf([ext('DNS_ROUND_ROBIN', [{ address: 'a.example.com' }, { address: 'b.example.com' }])]), 'outbound|443||api.example.com'))).toEqual(['a.example.com:443']);
  });

  it('DNS subset clusters only get the endpoints with the subset labels', () => {
    const entries = [
      ext('DNS', [
        { address: 'a.example.com', labels: { v: '1' } },
        { address: 'b.example.com', labels: { v: '2' } },
      ]),
      destinationRule('ext', { host: 'api.example.com', subsets: [{ name: 'two', labels: { v: '2' } }] }),
    ];
    const c = byName(clustersOf(entries), 'outbound|443|two|api.example.com');
    expect(dig(c, 'load_assignment.endpoints.0.lb_endpoints.0.endpoint.address.socket_address.address')).toBe('b.example.com');
    expect((dig(c, 'load_assignment.endpoints.0.lb_endpoints') as unknown[]).length).toBe(1);
  });
});

describe('load balancer', () => {
  it.each([
    ['unset → LEAST_REQUEST (Istio default)', {}, { lb_policy: 'LEAST_REQUEST' }],
    ['ROUND_ROBIN', { simple: 'ROUND_ROBIN' }, { lb_policy: 'ROUND_ROBIN' }],
    ['LEAST_REQUEST', { simple: 'LEAST_REQUEST' }, { lb_policy: 'LEAST_REQUEST' }],
    ['LEAST_CONN is LEAST_REQUEST', { simple: 'LEAST_CONN' }, { lb_policy: 'LEAST_REQUEST' }],
    ['RANDOM', { simple: 'RANDOM' }, { lb_policy: 'RANDOM' }],
    ['PASSTHROUGH → ORIGINAL_DST', { simple: 'PASSTHROUGH' }, { lb_policy: 'CLUSTER_PROVIDED', type: 'ORIGINAL_DST' }],
    ['warmup → slow start', { simple: 'ROUND_ROBIN', warmup: { duration: '30s' } }, { lb_policy: 'ROUND_ROBIN', round_robin_lb_config: { slow_start_config: { slow_start_window: { seconds: '30' } } } }],
    ['ring hash', { consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 2048 } } }, { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '2048' } } }],
    ['maglev', { consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } }, { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: { value: '65537' } } }],
    ['hash without algorithm → ring hash 1024', { consistentHash: { httpQueryParameterName: 'u' } }, { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '1024' } } }],
    ['deprecated minimumRingSize', { consistentHash: { useSourceIp: true, minimumRingSize: 64 } }, { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '64' } } }],
  ])('%s', (_t, loadBalancer, want) => {
    expect(reviewsWith({ loadBalancer })).toMatchObject(want);
  });

  it('PASSTHROUGH drops EDS config', () => {
    expect(reviewsWith({ loadBalancer: { simple: 'PASSTHROUGH' } })).not.toHaveProperty('eds_cluster_config');
  });
});

describe('connection pool', () => {
  it('lowers the thresholds it names', () => {
    const c = reviewsWith({ connectionPool: { tcp: { maxConnections: 100, connectTimeout: '250ms' }, http: { http1MaxPendingRequests: 10, http2MaxRequests: 50, maxRetries: 2 } } });
    expect(dig(c, 'circuit_breakers.thresholds.0')).toMatchObject({ max_connections: { value: 100 }, max_pending_requests: { value: 10 }, max_requests: { value: 50 }, max_retries: { value: 2 } });
    expect(dig(c, 'connect_timeout')).toEqual({ seconds: '0', nanos: 250_000_000 });
  });

  it('sets TCP keepalive', () => {
    const c = reviewsWith({ connectionPool: { tcp: { tcpKeepalive: { probes: 3, time: '7200s', interval: '75s' } } } });
    expect(dig(c, 'upstream_connection_options.tcp_keepalive')).toEqual({ keepalive_probes: { value: 3 }, keepalive_time: { value: 7200 }, keepalive_interval: { value: 75 } });
  });

  const opts = 'typed_extension_protocol_options.envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
  const optsOf = (c: unknown) => (c as { typed_extension_protocol_options?: Record<string, unknown> }).typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  it.each([
    ['no settings, HTTP/1.1 port: no options', {}, undefined],
    [
      'idle timeout and max requests per connection',
      { http: { idleTimeout: '30s', maxRequestsPerConnection: 1 } },
      { common_http_protocol_options: { idle_timeout: { seconds: '30' }, max_requests_per_connection: { value: 1 } }, explicit_http_config: { http_protocol_options: {} } },
    ],
    ['UPGRADE makes it h2', { http: { h2UpgradePolicy: 'UPGRADE' } }, { explicit_http_config: { http2_protocol_options: {} } }],
    ['useClientProtocol follows the downstream', { http: { useClientProtocol: true } }, { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } }],
    ['tcp idle timeout is used when http has none', { tcp: { idleTimeout: '1h' } }, { common_http_protocol_options: { idle_timeout: { seconds: '3600' } } }],
  ])('%s', (_t, connectionPool, want) => {
    const got = optsOf(reviewsWith({ connectionPool }));
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatchObject(want);
    expect(opts).toContain('HttpProtocolOptions');
  });

  it('speaks h2 to gRPC and HTTP2 ports, with maxConcurrentStreams', () => {
    const entries = [
      bookinfoService('grpc-svc', [
        { number: 7070, name: 'grpc', protocol: 'GRPC' },
        { number: 8080, name: 'http', protocol: 'HTTP' },
      ]),
      workload('grpc-svc', 'v1', '127.0.0.50'),
      destinationRule('grpc', { host: 'grpc-svc', trafficPolicy: { connectionPool: { http: { maxConcurrentStreams: 100 } } } }),
    ];
    const clusters = clustersOf(entries);
    expect(optsOf(byName(clusters, 'outbound|7070||grpc-svc.default.svc.cluster.local'))).toMatchObject({ explicit_http_config: { http2_protocol_options: { max_concurrent_streams: { value: 100 } } } });
    expect(optsOf(byName(clusters, 'outbound|8080||grpc-svc.default.svc.cluster.local'))).toBeUndefined();
  });
});

describe('outlier detection', () => {
  it('maps Istio fields to Envoy', () => {
    const c = reviewsWith({ outlierDetection: { consecutive5xxErrors: 7, consecutiveGatewayErrors: 0, interval: '5m', baseEjectionTime: '15m', maxEjectionPercent: 30, minHealthPercent: 40 } });
    expect(dig(c, 'outlier_detection')).toEqual({
      enforcing_success_rate: { value: 0 },
      consecutive_5xx: { value: 7 },
      enforcing_consecutive_5xx: { value: 100 },
      consecutive_gateway_failure: { value: 0 },
      enforcing_consecutive_gateway_failure: { value: 0 },
      interval: { seconds: '300' },
      base_ejection_time: { seconds: '900' },
      max_ejection_percent: { value: 30 },
    });
    expect(dig(c, 'common_lb_config.healthy_panic_threshold')).toEqual({ value: 40 });
  });
  it('turns the panic threshold off when minHealthPercent is unset', () => {
    expect(dig(reviewsWith({ outlierDetection: { consecutive5xxErrors: 1 } }), 'common_lb_config.healthy_panic_threshold')).toEqual({ value: 0 });
  });
  it('reads the deprecated consecutiveErrors as gateway errors', () => {
    expect(dig(reviewsWith({ outlierDetection: { consecutiveErrors: 3 } }), 'outlier_detection')).toEqual({
      enforcing_success_rate: { value: 0 },
      consecutive_gateway_failure: { value: 3 },
      enforcing_consecutive_gateway_failure: { value: 100 },
    });
  });
  it('has none without outlierDetection', () => {
    expect(reviewsWith({ loadBalancer: { simple: 'RANDOM' } })).not.toHaveProperty('outlier_detection');
  });
});

describe('policy merge: subset over top level, port level over both', () => {
  const entries = [
    bookinfoService('multi', [
      { number: 80, name: 'http', protocol: 'HTTP' },
      { number: 81, name: 'http-admin', protocol: 'HTTP' },
    ]),
    workload('multi', 'v1', '127.0.0.60'),
    destinationRule('multi', {
      host: 'multi',
      trafficPolicy: {
        loadBalancer: { simple: 'RANDOM' },
        connectionPool: { tcp: { maxConnections: 5 } },
        portLevelSettings: [{ port: { number: 81 }, loadBalancer: { simple: 'ROUND_ROBIN' } }],
      },
      subsets: [
        { name: 'a', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } },
        { name: 'b', labels: { version: 'v1' }, trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, connectionPool: { tcp: { maxConnections: 9 } } }] } },
      ],
    }),
  ];
  const host = 'multi.default.svc.cluster.local';
  it.each([
    ['top level on port 80', `outbound|80||${host}`, 'RANDOM', 5],
    ['port level on 81 replaces lb and drops the pool (no inheritance)', `outbound|81||${host}`, 'ROUND_ROBIN', 4294967295],
    ['subset lb wins, top-level pool stays', `outbound|80|a|${host}`, 'LEAST_REQUEST', 5],
    ['subset on a port with top-level port settings keeps the port-level lb', `outbound|81|a|${host}`, 'LEAST_REQUEST', 4294967295],
    ['subset port level replaces everything on its port', `outbound|80|b|${host}`, 'LEAST_REQUEST', 9],
    ['subset without a policy for the port keeps the top level', `outbound|81|b|${host}`, 'ROUND_ROBIN', 4294967295],
  ])('%s', (_t, name, lb, maxConnections) => {
    const c = byName(clustersOf(entries), name);
    expect(c?.lb_policy).toBe(lb);
    expect(dig(c, 'circuit_breakers.thresholds.0.max_connections')).toEqual({ value: maxConnections });
  });
});

describe('TLS origination', () => {
  const tlsOf = (tls: Record<string, unknown>) => dig(reviewsWith({ tls }), 'transport_socket');
  it('DISABLE: plaintext, auto-mTLS off for the cluster (no transport socket, no matches)', () => {
    const c = reviewsWith({ tls: { mode: 'DISABLE' } });
    expect(c?.transport_socket).toBeUndefined();
    expect(c?.transport_socket_matches).toBeUndefined();
  });

  it('SIMPLE verifies with the CA file, SANs and SNI', () => {
    expect(tlsOf({ mode: 'SIMPLE', caCertificates: '/etc/certs/ca.pem', subjectAltNames: ['reviews.example.com', 'spiffe://cluster.local/ns/default/sa/reviews'], sni: 'reviews.example.com' })).toEqual({
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: 'reviews.example.com',
        common_tls_context: {
          validation_context: {
            trusted_ca: { filename: '/etc/certs/ca.pem' },
            match_typed_subject_alt_names: [
              { san_type: 'DNS', matcher: { exact: 'reviews.example.com' } },
              { san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/reviews' } },
            ],
          },
        },
      },
    });
  });

  it('SIMPLE without a CA trusts the system roots and defaults SNI to the host', () => {
    expect(tlsOf({ mode: 'SIMPLE' })).toMatchObject({ typed_config: { sni: REVIEWS, common_tls_context: { validation_context: { system_root_certs: {} } } } });
  });

  it('MUTUAL presents the client certificate', () => {
    expect(dig(tlsOf({ mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem', insecureSkipVerify: true }), 'typed_config.common_tls_context')).toEqual({
      tls_certificates: [{ certificate_chain: { filename: '/c.pem' }, private_key: { filename: '/k.pem' } }],
    });
  });
});

describe('scoping and precedence', () => {
  it('a Sidecar egress hides services: no clusters for them', () => {
    const names = clustersOf([...BOOKINFO, cfg('Sidecar', 'default', { egress: [{ hosts: [`./${REVIEWS}`] }] })]).map((c) => String(c.name));
    expect(names.filter((n) => n.startsWith('outbound|'))).toEqual([`outbound|9080||${REVIEWS}`]);
  });

  it('exportTo hides a service from other namespaces', () => {
    const entries = [...BOOKINFO, cfg('ServiceEntry', 'private', { hosts: ['private.team.svc.cluster.local'], ports: [{ number: 80, name: 'http' }], resolution: 'STATIC', exportTo: ['.'], endpoints: [{ address: '10.9.0.1' }] }, 'team')];
    expect(clustersOf(entries).map((c) => c.name)).not.toContain('outbound|80||private.team.svc.cluster.local');
    const teamProxy = sidecarOf('t', { app: 't' }, '10.9.9.9', 'team');
    expect(clustersOf(entries, teamProxy).map((c) => c.name)).toContain('outbound|80||private.team.svc.cluster.local');
  });

  it('a DestinationRule in the proxy namespace beats the one in the service namespace', () => {
    const entries = [
      ...BOOKINFO,
      destinationRule('svc-ns', { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }),
      destinationRule('client-ns', { host: REVIEWS, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }, 'client'),
    ];
    expect(byName(clustersOf(entries), `outbound|9080||${REVIEWS}`)?.lb_policy).toBe('RANDOM');
    expect(byName(clustersOf(entries, sidecarOf('c', { app: 'c' }, '10.8.0.1', 'client')), `outbound|9080||${REVIEWS}`)?.lb_policy).toBe('ROUND_ROBIN');
  });
});
