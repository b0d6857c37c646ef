import { describe, expect, it } from 'vitest';
import { TYPE_URL } from '@weft/shared/xds';
import type { ConfigEntry } from '../config/config-store.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar, virtualService } from './lds-rds.test-fixtures.js';
import { generateListeners } from './lds.js';
import type { EnvoyResource } from './types.js';

type Chain = { name?: string; filter_chain_match?: Record<string, unknown>; filters: { name: string; typed_config: Record<string, unknown> }[] };
type Listener = EnvoyResource & { name: string; filter_chains: Chain[]; default_filter_chain?: Chain; listener_filters?: { name: string; filter_disabled?: unknown }[] };

function listenersOf(cfg: readonly ConfigEntry[], proxy: ProxyView = sidecar(), mesh = {}): Listener[] {
  const out = generateListeners(meshOf(cfg, mesh), proxy) as Listener[];
  packAll(TYPE_URL.LISTENER, out);
  return out;
}
const byName = (ls: Listener[], name: string): Listener => {
  const l = ls.find((x) => x.name === name);
  if (!l) throw new Error(`no listener ${name} in ${ls.map((x) => x.name).join(', ')}`);
  return l;
};
const tcpTarget = (c: Chain | undefined): unknown => {
  const tc = c?.filters.find((f) => f.name === 'envoy.filters.network.tcp_proxy')?.typed_config;
  return tc?.cluster ?? tc?.weighted_clusters;
};
const DB = 'db.default.svc.cluster.local';

describe('outbound HTTP listeners', () => {
  it('gives each outbound HTTP port one 0.0.0.0_<port> listener with an HCM reading RDS route <port>', () => {
    const ls = listenersOf(BOOKINFO);
    expect(ls.map((l) => l.name)).toEqual(['0.0.0.0_9080', 'virtualOutbound', 'virtualInbound']);
    const l = byName(ls, '0.0.0.0_9080');
    expect(l).toMatchObject({ address: { socket_address: { address: '0.0.0.0', port_value: 9080 } }, traffic_direction: 'OUTBOUND', bind_to_port: { value: false } });
    expect(l.filter_chains).toHaveLength(1);
    const hcm = l.filter_chains[0]?.filters[0];
    expect(hcm?.name).toBe('envoy.filters.network.http_connection_manager');
    expect(hcm?.typed_config).toMatchObject({
      stat_prefix: 'outbound_0.0.0.0_9080',
      rds: { route_config_name: '9080', config_source: { ads: {} } },
      use_remote_address: { value: false },
      http_filters: [{ name: 'envoy.filters.http.fault' }, { name: 'envoy.filters.http.cors' }, { name: 'envoy.filters.http.router' }],
    });
  });
});

describe('outbound TCP and TLS listeners', () => {
  it('binds a TCP service with a VIP to <vip>_<port> with tcp_proxy to its cluster', () => {
    const l = byName(listenersOf([serviceEntry('db', { ports: [{ number: 3306, name: 'tcp-mysql' }], addresses: ['240.0.0.5'] })]), '240.0.0.5_3306');
    expect(l.filter_chains).toHaveLength(1);
    expect(tcpTarget(l.filter_chains[0])).toBe(`outbound|3306||${DB}`);
    expect(l).not.toHaveProperty('listener_filters');
  });

  it('puts a TCP service without address on 0.0.0.0_<port>, matching everything', () => {
    const l = byName(listenersOf([serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }] })]), '0.0.0.0_3306');
    expect(l.filter_chains.map(tcpTarget)).toEqual([`outbound|3306||${DB}`]);
  });

  it('separates address-less TCP services sharing a port by their endpoint IPs', () => {
    const cfg = [
      serviceEntry('db', { ports: [{ number: 5432, name: 'tcp' }], endpoints: ['10.2.0.1', '10.2.0.2'] }),
      serviceEntry('cache', { ports: [{ number: 5432, name: 'tcp' }], endpoints: ['10.3.0.1'] }),
    ];
    const l = byName(listenersOf(cfg), '0.0.0.0_5432');
    expect(l.filter_chains.map((c) => [c.filter_chain_match?.prefix_ranges, tcpTarget(c)])).toEqual([
      [[{ address_prefix: '10.3.0.1', prefix_len: { value: 32 } }], 'outbound|5432||cache.default.svc.cluster.local'],
      [
        [
          { address_prefix: '10.2.0.1', prefix_len: { value: 32 } },
          { address_prefix: '10.2.0.2', prefix_len: { value: 32 } },
        ],
        `outbound|5432||${DB}`,
      ],
    ]);
    expect(l.default_filter_chain).toMatchObject({ name: 'PassthroughFilterChain' });
    expect(tcpTarget(l.default_filter_chain)).toBe('PassthroughCluster');
  });

  it('matches a CIDR address by prefix range on the wildcard listener', () => {
    const l = byName(listenersOf([serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['10.9.0.0/16'] })]), '0.0.0.0_3306');
    expect(l.filter_chains[0]?.filter_chain_match).toEqual({ prefix_ranges: [{ address_prefix: '10.9.0.0', prefix_len: { value: 16 } }] });
  });

  it('sniffs a port shared by HTTP and TCP services: HTTP by ALPN, TCP as default', () => {
    const cfg = [serviceEntry('web', { ports: [{ number: 8000, name: 'http' }] }), serviceEntry('raw', { ports: [{ number: 8000, name: 'tcp' }] })];
    const l = byName(listenersOf(cfg), '0.0.0.0_8000');
    expect(l.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector']);
    expect(l.filter_chains).toHaveLength(1);
    expect(l.filter_chains[0]?.filter_chain_match).toEqual({ transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] });
    expect(l.filter_chains[0]?.filters[0]?.name).toBe('envoy.filters.network.http_connection_manager');
    expect(tcpTarget(l.default_filter_chain)).toBe('outbound|8000||raw.default.svc.cluster.local');
  });

  it('matches a TLS service without VIP by SNI, with the TLS inspector', () => {
    const cfg = [serviceEntry('api', { host: 'api.example.com', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' })];
    const l = byName(listenersOf(cfg), '0.0.0.0_443');
    expect(l.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.tls_inspector']);
    expect(l.filter_chains[0]?.filter_chain_match).toEqual({ server_names: ['api.example.com'] });
    expect(tcpTarget(l.filter_chains[0])).toBe('outbound|443||api.example.com');
  });

  it('routes VirtualService tls rules by SNI to weighted destinations', () => {
    const cfg = [
      serviceEntry('api', { host: '*.example.com', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'NONE' }),
      virtualService('tls', {
        hosts: ['*.example.com'],
        tls: [
          { match: [{ sniHosts: ['a.example.com'] }], route: [{ destination: { host: 'a.example.com' } }] },
          { match: [{ sniHosts: ['b.example.com', 'c.example.com'] }], route: [{ destination: { host: 'b.example.com', port: { number: 443 } }, weight: 70 }, { destination: { host: 'c.example.com', port: { number: 443 } }, weight: 30 }] },
        ],
      }),
    ];
    const l = byName(listenersOf(cfg), '0.0.0.0_443');
    expect(l.filter_chains.map((c) => [c.filter_chain_match?.server_names, tcpTarget(c)])).toEqual([
      [['a.example.com'], 'outbound|443||a.example.com'],
      [
        ['b.example.com', 'c.example.com'],
        {
          clusters: [
            { name: 'outbound|443||b.example.com', weight: 70 },
            { name: 'outbound|443||c.example.com', weight: 30 },
          ],
        },
      ],
    ]);
    expect(l.filter_chains[1]?.filters[0]?.typed_config.stat_prefix).toBe('tls.default');
  });

  it.each([
    ['weighted tcp route', [{ route: [{ destination: { host: 'db', subset: 'a' }, weight: 90 }, { destination: { host: 'db', subset: 'b' }, weight: 10 }] }], { clusters: [{ name: `outbound|3306|a|${DB}`, weight: 90 }, { name: `outbound|3306|b|${DB}`, weight: 10 }] }],
    ['match on the listener port', [{ match: [{ port: 3306 }], route: [{ destination: { host: 'db', subset: 'p' } }] }], `outbound|3306|p|${DB}`],
    ['match on another port falls back to the service', [{ match: [{ port: 1234 }], route: [{ destination: { host: 'db', subset: 'p' } }] }], `outbound|3306||${DB}`],
    ['sourceLabels the proxy has', [{ match: [{ sourceLabels: { app: 'productpage' } }], route: [{ destination: { host: 'db', subset: 'pp' } }] }], `outbound|3306|pp|${DB}`],
    ['sourceLabels the proxy lacks', [{ match: [{ sourceLabels: { app: 'other' } }], route: [{ destination: { host: 'db', subset: 'x' } }] }], `outbound|3306||${DB}`],
  ])('TCP VirtualService: %s', (_l, tcp, want) => {
    const cfg = [serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['240.0.0.5'] }), virtualService('db', { hosts: ['db'], tcp })];
    expect(tcpTarget(byName(listenersOf(cfg), '240.0.0.5_3306').filter_chains[0])).toEqual(want);
  });

  it('TCP VirtualService destinationSubnets become prefix-range chains before the default', () => {
    const cfg = [
      serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['240.0.0.5'] }),
      virtualService('db', { hosts: ['db'], tcp: [{ match: [{ destinationSubnets: ['10.5.0.0/24'] }], route: [{ destination: { host: 'db', subset: 'near' } }] }] }),
    ];
    const l = byName(listenersOf(cfg), '240.0.0.5_3306');
    expect(l.filter_chains.map((c) => [c.filter_chain_match?.prefix_ranges, tcpTarget(c)])).toEqual([[[{ address_prefix: '10.5.0.0', prefix_len: { value: 24 } }], `outbound|3306|near|${DB}`]]);
    expect(tcpTarget(l.default_filter_chain)).toBe(`outbound|3306||${DB}`);
  });

  it('hashes TCP connections on the source IP when the DestinationRule says so', () => {
    const cfg = [
      serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['240.0.0.5'] }),
      entry('DestinationRule', 'db', 'default', { host: 'db', trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } }),
    ];
    expect(byName(listenersOf(cfg), '240.0.0.5_3306').filter_chains[0]?.filters[0]?.typed_config.hash_policy).toEqual([{ source_ip: {} }]);
  });

  it('gives a service hidden by the Sidecar no listener', () => {
    const cfg = [...BOOKINFO, serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['240.0.0.5'] }), entry('Sidecar', 's', 'default', { egress: [{ hosts: ['./reviews.default.svc.cluster.local'] }] })];
    expect(listenersOf(cfg).map((l) => l.name)).toEqual(['0.0.0.0_9080', 'virtualOutbound', 'virtualInbound']);
  });

  it('honours a Sidecar egress listener port and protocol', () => {
    const cfg = [...BOOKINFO, entry('Sidecar', 's', 'default', { egress: [{ port: { number: 9080, name: 'tcp', protocol: 'TCP' }, hosts: ['./reviews.default.svc.cluster.local'] }] })];
    const l = byName(listenersOf(cfg), '0.0.0.0_9080');
    expect(tcpTarget(l.filter_chains[0])).toBe('outbound|9080||reviews.default.svc.cluster.local');
  });
});

describe('virtualOutbound', () => {
  it.each([
    ['ALLOW_ANY passes unknown traffic through', {}, 'PassthroughCluster'],
    ['REGISTRY_ONLY drops it', { outboundTrafficPolicy: 'REGISTRY_ONLY' }, 'BlackHoleCluster'],
  ])('%s', (_l, mesh, cluster) => {
    const l = byName(listenersOf(BOOKINFO, sidecar(), mesh), 'virtualOutbound');
    expect(l).toMatchObject({ address: { socket_address: { port_value: 15001 } }, use_original_dst: { value: true } });
    expect(l.filter_chains.map((c) => [c.name, c.filter_chain_match, tcpTarget(c)])).toEqual([
      ['virtualOutbound-blackhole', { destination_port: { value: 15001 } }, 'BlackHoleCluster'],
      ['virtualOutbound-catchall-tcp', undefined, cluster],
    ]);
  });

  it('REGISTRY_ONLY also drops unmatched connections on shared outbound ports', () => {
    const cfg = [serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], endpoints: ['10.2.0.1'] }), serviceEntry('db2', { ports: [{ number: 3306, name: 'tcp' }], endpoints: ['10.2.0.2'] })];
    expect(tcpTarget(byName(listenersOf(cfg, sidecar(), { outboundTrafficPolicy: 'REGISTRY_ONLY' }), '0.0.0.0_3306').default_filter_chain)).toBe('BlackHoleCluster');
  });
});

describe('virtualInbound', () => {
  // Plaintext chains (mesh-wide PeerAuthentication DISABLE): one per port. The mTLS shapes of the other
  // modes are in lds-inbound-mtls.test.ts.
  const cfg = [
    ...BOOKINFO,
    serviceEntry('reviews-admin', { ports: [{ number: 7070, name: 'tcp-admin', targetPort: 7071 }], endpoints: ['10.0.0.2'] }),
    serviceEntry('reviews-grpc', { ports: [{ number: 9090, name: 'grpc' }], endpoints: ['10.0.0.2'] }),
    entry('PeerAuthentication', 'plaintext', 'istio-system', { mtls: { mode: 'DISABLE' } }),
  ];
  const reviewsProxy = sidecar('default', { app: 'reviews' }, '10.0.0.2', 'reviews-v1');

  it('has a chain per workload port: HCM inline route to inbound|<port>|| for HTTP, tcp_proxy for TCP', () => {
    const l = byName(listenersOf(cfg, reviewsProxy), 'virtualInbound');
    expect(l).toMatchObject({ address: { socket_address: { address: '0.0.0.0', port_value: 15006 } }, traffic_direction: 'INBOUND' });
    const chains = l.filter_chains;
    expect(chains.map((c) => c.name)).toEqual(['virtualInbound-blackhole', 'virtualInbound-catchall-http', 'virtualInbound', '0.0.0.0_7071', '0.0.0.0_9080', '0.0.0.0_9090']);
    const http = chains.find((c) => c.name === '0.0.0.0_9080');
    expect(http?.filter_chain_match).toEqual({ destination_port: { value: 9080 }, transport_protocol: 'raw_buffer' });
    expect(http?.filters[0]?.typed_config).toMatchObject({
      stat_prefix: 'inbound_0.0.0.0_9080',
      route_config: { name: 'inbound|9080||', virtual_hosts: [{ domains: ['*'], routes: [{ route: { cluster: 'inbound|9080||', timeout: { seconds: '0' } } }] }] },
    });
    expect(chains.find((c) => c.name === '0.0.0.0_9090')?.filters[0]?.typed_config).toHaveProperty('http2_protocol_options');
    expect(tcpTarget(chains.find((c) => c.name === '0.0.0.0_7071'))).toBe('inbound|7071||');
    expect(tcpTarget(chains.find((c) => c.name === 'virtualInbound'))).toBe('InboundPassthroughCluster');
  });

  it('runs original_dst, and the HTTP inspector only for undeclared ports', () => {
    const l = byName(listenersOf(cfg, reviewsProxy), 'virtualInbound');
    expect(l.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.original_dst', 'envoy.filters.listener.http_inspector']);
    expect(l.listener_filters?.[1]?.filter_disabled).toEqual({
      or_match: { rules: [7071, 9080, 9090, 15006].map((p) => ({ destination_port_range: { start: p, end: p + 1 } })) },
    });
  });

  it('has only passthrough chains for a proxy serving no service', () => {
    const l = byName(listenersOf(cfg, sidecar('default', {}, '10.9.9.9', 'client')), 'virtualInbound');
    expect(l.filter_chains.map((c) => c.name)).toEqual(['virtualInbound-blackhole', 'virtualInbound-catchall-http', 'virtualInbound']);
    // Without any PeerAuthentication the workload is PERMISSIVE: mTLS and plaintext passthrough chains.
    const permissive = byName(listenersOf(BOOKINFO, sidecar('default', {}, '10.9.9.9', 'client')), 'virtualInbound');
    expect(permissive.filter_chains.map((c) => c.name)).toEqual(['virtualInbound-blackhole', ...Array(2).fill('virtualInbound-catchall-http'), ...Array(3).fill('virtualInbound')]);
  });

  it('takes Sidecar ingress ports instead, binding those with captureMode NONE', () => {
    const ingress = entry('Sidecar', 's', 'default', {
      workloadSelector: { labels: { app: 'reviews' } },
      ingress: [
        { port: { number: 8080, name: 'http', protocol: 'HTTP' }, defaultEndpoint: '127.0.0.1:8080' },
        { port: { number: 5000, name: 'tcp', protocol: 'TCP' }, defaultEndpoint: '127.0.0.1:5000', captureMode: 'NONE' },
      ],
    });
    const ls = listenersOf([...cfg, ingress], reviewsProxy);
    expect(byName(ls, 'virtualInbound').filter_chains.map((c) => c.name)).toContain('0.0.0.0_8080');
    const bound = byName(ls, '10.0.0.2_5000');
    expect(bound).toMatchObject({ address: { socket_address: { address: '10.0.0.2', port_value: 5000 } }, traffic_direction: 'INBOUND' });
    expect(bound).not.toHaveProperty('bind_to_port');
    expect(tcpTarget(bound.filter_chains[0])).toBe('inbound|5000||');
  });
});

describe('interception mode NONE', () => {
  it('binds outbound listeners on 127.0.0.1 and has no virtual listeners', () => {
    const proxy = { ...sidecar(), metadata: { INTERCEPTION_MODE: 'NONE' } };
    const ls = listenersOf([...BOOKINFO, serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['240.0.0.5'] })], proxy);
    expect(ls.map((l) => l.name)).toEqual(['127.0.0.1_3306', '127.0.0.1_9080']);
    expect(ls[0]).not.toHaveProperty('bind_to_port');
  });
});

describe('with CDS (generateProxyConfig)', () => {
  /** Every cluster name a listener or route refers to. */
  function referencedClusters(value: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(value)) for (const v of value) referencedClusters(v, out);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'cluster' && typeof v === 'string') out.add(v);
        else if (k === 'weighted_clusters') for (const c of (v as { clusters: { name: string }[] }).clusters) out.add(c.name);
        else referencedClusters(v, out);
      }
    }
    return out;
  }

  it('refers only to clusters CDS generates for the same proxy', async () => {
    const { generateProxyConfig } = await import('./index.js');
    const cfg = [
      ...BOOKINFO,
      serviceEntry('db', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['240.0.0.5'] }),
      entry('DestinationRule', 'reviews', 'default', { host: 'reviews', subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })) }),
      virtualService('reviews', {
        hosts: ['reviews'],
        http: [
          { match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
          { route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 50 }, { destination: { host: 'reviews', subset: 'v3' }, weight: 50 }], mirror: { host: 'ratings' } },
        ],
      }),
    ];
    const config = generateProxyConfig(meshOf(cfg), sidecar('default', { app: 'reviews' }, '10.0.0.2', 'reviews-v1'));
    const clusters = new Set(config.clusters.map((c) => c.name as string));
    const referenced = referencedClusters([config.listeners, config.routes]);
    expect(referenced.size).toBeGreaterThan(8);
    expect([...referenced].filter((c) => !clusters.has(c))).toEqual([]);
  });
});
