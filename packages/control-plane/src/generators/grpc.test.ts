import { register } from '@grpc/grpc-js-xds';
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type.js';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type.js';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type.js';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type.js';
import type { XdsDecodeContext, XdsResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/xds-resource-type.js';
import { packAny, TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';
import { grpcRoute } from './grpc-rds.js';
import { generateGrpcConfig } from './grpc.js';
import { generateProxyConfig, generateProxyEndpoints } from './index.js';
import { entry, meshOf, serviceEntry, sidecar, virtualService } from './lds-rds.test-fixtures.js';
import type { EnvoyRoute } from './route-translate.js';
import type { EnvoyResource, GeneratedConfig } from './types.js';

const ECHO = 'echo.default.svc.cluster.local';

/** A proxyless gRPC client in `namespace`, as grpc-js-xds's bootstrap describes it. */
const grpcClient = (namespace = 'default'): ProxyView =>
  createProxyView(`sidecar~10.0.0.9~client.${namespace}~${namespace}.svc.cluster.local`, { GENERATOR: 'grpc', NAMESPACE: namespace });

/** echo: a ServiceEntry with endpoints v1 (10.0.1.1, 10.0.1.2) and v2 (10.0.1.3), a DestinationRule with both subsets. */
function echoMesh(extra: ConfigEntry[] = [], ports: Record<string, unknown>[] = [{ number: 7070, name: 'grpc', protocol: 'GRPC' }]): ConfigEntry[] {
  const ep = (address: string, version: string, locality?: string) => ({ address, labels: { app: 'echo', version }, ...(locality ? { locality } : {}) });
  return [
    entry('ServiceEntry', 'echo', 'default', {
      hosts: [ECHO],
      ports,
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      endpoints: [ep('10.0.1.1', 'v1', 'eu/a'), ep('10.0.1.2', 'v1'), ep('10.0.1.3', 'v2'), { address: 'echo-dns.example.com', labels: { version: 'v2' } }],
    }),
    entry('DestinationRule', 'echo', 'default', { host: ECHO, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
    ...extra,
  ];
}

// grpc-js-xds's own resource validation: what its client would NACK. Independent of our protos.
// register() installs its HTTP filters (fault, router), without which it rejects every listener.
register();
const DECODE_CONTEXT = {
  server: { serverUri: '127.0.0.1:15010', channelCreds: [{ type: 'insecure' }], serverFeatures: [] },
  bootstrap: { certificateProviders: {} },
} as unknown as XdsDecodeContext;
const VALIDATORS: [string, XdsResourceType][] = [
  [TYPE_URL.LISTENER, ListenerResourceType.get()],
  [TYPE_URL.ROUTE, RouteConfigurationResourceType.get()],
  [TYPE_URL.CLUSTER, ClusterResourceType.get()],
  [TYPE_URL.ENDPOINT, EndpointResourceType.get()],
];
const KEYS = { [TYPE_URL.LISTENER]: 'listeners', [TYPE_URL.ROUTE]: 'routes', [TYPE_URL.CLUSTER]: 'clusters', [TYPE_URL.ENDPOINT]: 'endpoints' } as const;

/** Generates the client's config, proving every resource packs as Envoy's protos and passes
 *  grpc-js-xds's validation (returns the errors it would NACK with). */
function generate(cfg: readonly ConfigEntry[], proxy = grpcClient()): GeneratedConfig & { errors: string[] } {
  const out = generateGrpcConfig(meshOf(cfg), proxy);
  const errors: string[] = [];
  for (const [typeUrl, validator] of VALIDATORS) {
    for (const r of out[KEYS[typeUrl as keyof typeof KEYS]]) {
      const any = packAny(typeUrl, r);
      const decoded = validator.decode(DECODE_CONTEXT, { type_url: any.type_url, value: Buffer.from(any.value) });
      if (decoded.error) errors.push(`${decoded.name}: ${decoded.error}`);
    }
  }
  return { ...out, errors };
}

const names = (rs: readonly EnvoyResource[]): string[] => rs.map((r) => String(r.name ?? r.cluster_name));
/** The resource named `name` (or with that cluster_name), read as the shape the assertion expects. */
const byName = <T = Record<string, unknown>>(rs: readonly EnvoyResource[], name: string): T | undefined => rs.find((r) => r.name === name || r.cluster_name === name) as T | undefined;

// The parts of Envoy resources the assertions read.
interface HcmShape {
  readonly '@type': string;
  readonly rds: { readonly route_config_name: string; readonly config_source: { readonly ads?: object } };
  readonly http_filters: readonly { readonly name: string }[];
}
interface ListenerShape {
  readonly api_listener: { readonly api_listener: HcmShape };
}
interface RouteShape {
  readonly match: { readonly prefix?: string; readonly headers?: readonly unknown[] };
  readonly route: {
    readonly cluster?: string;
    readonly weighted_clusters?: { readonly clusters: readonly unknown[] };
    readonly max_stream_duration?: unknown;
    readonly retry_policy?: { readonly num_retries: unknown };
  };
  readonly typed_per_filter_config?: Readonly<Record<string, { readonly abort?: unknown }>>;
}
interface RouteConfigShape {
  readonly virtual_hosts: readonly { readonly name: string; readonly domains: readonly string[]; readonly routes: readonly RouteShape[] }[];
}
interface ClusterShape {
  readonly type: string;
  readonly load_assignment: { readonly endpoints: readonly { readonly lb_endpoints: readonly unknown[] }[] };
}
interface AssignmentShape {
  readonly endpoints: readonly { readonly locality?: object; readonly lb_endpoints: readonly { readonly endpoint: { readonly address: { readonly socket_address: { readonly address: string } } } }[] }[];
}

describe('grpc LDS: api_listeners under every name a client may dial', () => {
  it.each([
    ['same namespace: FQDN and short names, with and without the port (single-port service)', 'default', [ECHO, 'echo', 'echo.default', 'echo.default.svc'].flatMap((h) => [h, `${h}:7070`])],
    ['another namespace: no bare short name', 'prod', [ECHO, 'echo.default', 'echo.default.svc'].flatMap((h) => [h, `${h}:7070`])],
  ])('%s', (_l, ns, want) => {
    const out = generate(echoMesh(), grpcClient(ns));
    expect(out.errors).toEqual([]);
    expect(names(out.listeners).sort()).toEqual([...want].sort());
  });

  it('names only `host:port` for a multi-port service, and only the FQDN outside the cluster domain', () => {
    const cfg = [serviceEntry('api', { host: 'api.example.com', ports: [{ number: 443, name: 'grpc-a', protocol: 'GRPC' }, { number: 8443, name: 'grpc-b', protocol: 'GRPC' }], endpoints: ['10.0.9.9'] })];
    expect(names(generate(cfg).listeners)).toEqual(['api.example.com:443', 'api.example.com:8443']);
  });

  it('holds an HCM reading RDS `outbound|port||host` with the fault and router filters, and no socket listeners', () => {
    const out = generate(echoMesh());
    for (const l of out.listeners) {
      const hcm = (l as unknown as ListenerShape).api_listener.api_listener;
      expect(hcm['@type']).toBe(TYPE_URL.HTTP_CONNECTION_MANAGER);
      expect(hcm.rds.route_config_name).toBe(`outbound|7070||${ECHO}`);
      expect(hcm.rds.config_source.ads).toEqual({});
      expect(hcm.http_filters.map((f) => f.name)).toEqual(['envoy.filters.http.fault', 'envoy.filters.http.router']);
      expect(l).not.toHaveProperty('filter_chains');
    }
    expect(names(out.listeners)).not.toContain('virtualOutbound');
    expect(names(out.clusters).filter((n) => !n.startsWith('outbound|'))).toEqual([]);
  });

  it('leaves out services a gRPC client cannot reach: resolution NONE and UDP ports', () => {
    const cfg = [
      serviceEntry('any', { host: 'any.example.com', resolution: 'NONE', ports: [{ number: 80, name: 'http' }] }),
      serviceEntry('dns', { host: 'dns.example.com', resolution: 'DNS', ports: [{ number: 53, name: 'udp-dns', protocol: 'UDP' }, { number: 50051, name: 'grpc', protocol: 'GRPC' }], endpoints: ['dns.example.com'] }),
    ];
    const out = generate(cfg);
    expect(out.errors).toEqual([]);
    expect(names(out.listeners)).toEqual(['dns.example.com:50051']);
    expect(names(out.clusters)).toEqual(['outbound|50051||dns.example.com']);
  });

  it('keeps a name for the service that owns it as its FQDN before any short name', () => {
    const cfg = [...echoMesh(), serviceEntry('bare', { host: 'echo', ports: [{ number: 7070, name: 'grpc', protocol: 'GRPC' }], endpoints: ['10.0.2.1'] })];
    const l = byName<ListenerShape>(generate(cfg).listeners, 'echo:7070');
    expect(l?.api_listener.api_listener.rds.route_config_name).toBe('outbound|7070||echo');
  });
});

describe('grpc RDS: the service virtual host, narrowed to what gRPC accepts', () => {
  const vs = (http: unknown[]): ConfigEntry => virtualService('echo', { hosts: ['echo'], http });
  const routesOf = (http: unknown[]) => {
    const out = generate(echoMesh([vs(http)]));
    expect(out.errors).toEqual([]);
    const rc = byName<RouteConfigShape>(out.routes, `outbound|7070||${ECHO}`);
    expect(rc?.virtual_hosts.map((v) => v.name)).toEqual([`${ECHO}:7070`]);
    return rc?.virtual_hosts[0]?.routes ?? [];
  };

  it('routes a service without VirtualService to its default cluster, under every domain the listeners use', () => {
    const out = generate(echoMesh());
    const vh = byName<RouteConfigShape>(out.routes, `outbound|7070||${ECHO}`)?.virtual_hosts[0];
    expect(vh?.routes.map((r) => r.route.cluster)).toEqual([`outbound|7070||${ECHO}`]);
    for (const l of names(out.listeners)) expect(vh?.domains).toContain(l);
  });

  it('splits by weight between subset clusters', () => {
    const [r] = routesOf([{ route: [{ destination: { host: 'echo', subset: 'v1' }, weight: 90 }, { destination: { host: 'echo', subset: 'v2' }, weight: 10 }] }]);
    expect(r?.route.weighted_clusters?.clusters).toEqual([
      { name: `outbound|7070|v1|${ECHO}`, weight: { value: 90 } },
      { name: `outbound|7070|v2|${ECHO}`, weight: { value: 10 } },
    ]);
  });

  it('matches headers and paths as the sidecar does', () => {
    const routes = routesOf([
      { match: [{ headers: { 'x-canary': { exact: 'true' } }, uri: { prefix: '/echo.Echo/' } }], route: [{ destination: { host: 'echo', subset: 'v2' } }] },
      { route: [{ destination: { host: 'echo', subset: 'v1' } }] },
    ]);
    expect(routes.map((r) => r.route.cluster)).toEqual([`outbound|7070|v2|${ECHO}`, `outbound|7070|v1|${ECHO}`]);
    expect(routes[0]?.match.prefix).toBe('/echo.Echo/');
    expect(routes[0]?.match.headers).toHaveLength(1);
  });

  it('keeps fault injection per route and drops CORS, which gRPC would reject', () => {
    const [r] = routesOf([
      { fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 50 } }, delay: { fixedDelay: '1s', percentage: { value: 5 } } }, corsPolicy: { allowOrigins: [{ exact: 'https://a.example' }] }, route: [{ destination: { host: 'echo' } }] },
    ]);
    expect(Object.keys(r?.typed_per_filter_config ?? {})).toEqual(['envoy.filters.http.fault']);
    expect(r?.typed_per_filter_config?.['envoy.filters.http.fault']?.abort).toEqual({ grpc_status: 14, percentage: { numerator: 500000, denominator: 'MILLION' } });
  });

  it('puts the timeout where gRPC reads it (max_stream_duration) and keeps retries', () => {
    const [r] = routesOf([{ timeout: '2.5s', retries: { attempts: 3, retryOn: 'unavailable,cancelled' }, route: [{ destination: { host: 'echo' } }] }]);
    expect(r?.route.max_stream_duration).toEqual({ max_stream_duration: { seconds: '2', nanos: 500_000_000 } });
    expect(r?.route).not.toHaveProperty('max_grpc_timeout');
    expect(r?.route.retry_policy?.num_retries).toEqual({ value: 3 });
  });

  it('drops routes gRPC cannot serve and keeps the rest in order', () => {
    const routes = routesOf([
      { match: [{ uri: { exact: '/redirect' } }], redirect: { uri: '/elsewhere' } },
      { match: [{ uri: { exact: '/direct' } }], directResponse: { status: 503 } },
      { match: [{ queryParams: { debug: { exact: '1' } } }], route: [{ destination: { host: 'echo', subset: 'v2' } }] },
      { route: [{ destination: { host: 'echo', subset: 'v1' } }] },
    ]);
    expect(routes.map((r) => r.route.cluster)).toEqual([`outbound|7070|v1|${ECHO}`]);
  });

  it('gives each service port its own route configuration, even when the port is declared TCP', () => {
    const out = generate(echoMesh([], [{ number: 7070, name: 'grpc', protocol: 'GRPC' }, { number: 9000, name: 'tcp-admin', protocol: 'TCP' }]));
    expect(out.errors).toEqual([]);
    expect(names(out.routes)).toEqual([`outbound|7070||${ECHO}`, `outbound|9000||${ECHO}`]);
    expect(byName<RouteConfigShape>(out.routes, `outbound|9000||${ECHO}`)?.virtual_hosts[0]?.routes[0]?.route.cluster).toBe(`outbound|9000||${ECHO}`);
  });

  it.each([
    ['redirect', { match: { prefix: '/' }, redirect: { path_redirect: '/x' } }, undefined],
    ['direct response', { match: { prefix: '/' }, direct_response: { status: 503 } }, undefined],
    ['query parameter match', { match: { prefix: '/', query_parameters: [{ name: 'a' }] }, route: { cluster: 'c' } }, undefined],
    ['JWT claim match', { match: { prefix: '/', dynamic_metadata: [{ filter: 'f' }] }, route: { cluster: 'c' } }, undefined],
    ['source IP hash → channel id', { match: { prefix: '/' }, route: { cluster: 'c', hash_policy: [{ connection_properties: { source_ip: true } }, { header: { header_name: 'x' } }] } }, { match: { prefix: '/' }, route: { cluster: 'c', hash_policy: [{ filter_state: { key: 'io.grpc.channel_id' } }, { header: { header_name: 'x' } }] } }],
    ['CORS only → no per-filter config', { match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.cors': {} } }, { match: { prefix: '/' }, route: { cluster: 'c' } }],
  ])('grpcRoute: %s', (_l, route, want) => {
    expect(grpcRoute(route as unknown as EnvoyRoute)).toEqual(want);
  });
});

describe('grpc CDS and EDS', () => {
  it('gives EDS clusters over ADS with ROUND_ROBIN for the service and each subset', () => {
    const out = generate(echoMesh());
    expect(out.errors).toEqual([]);
    expect(names(out.clusters)).toEqual([`outbound|7070||${ECHO}`, `outbound|7070|v1|${ECHO}`, `outbound|7070|v2|${ECHO}`]);
    for (const c of out.clusters) {
      expect(c).toMatchObject({ type: 'EDS', lb_policy: 'ROUND_ROBIN', eds_cluster_config: { service_name: c.name, eds_config: { ads: {} } } });
    }
  });

  it.each([
    ['LEAST_REQUEST → ROUND_ROBIN (gRPC has no other simple policy)', { loadBalancer: { simple: 'LEAST_REQUEST' } }, { lb_policy: 'ROUND_ROBIN' }],
    ['consistentHash → RING_HASH with the ring size', { loadBalancer: { consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 2048 } } } }, { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '2048' } } }],
    ['http2MaxRequests → max_requests circuit breaker', { connectionPool: { http: { http2MaxRequests: 7 } } }, { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: { value: 7 } }] } }],
  ])('%s', (_l, trafficPolicy, want) => {
    const cfg = [...echoMesh(), entry('DestinationRule', 'echo', 'default', { host: ECHO, trafficPolicy })];
    const out = generate(cfg);
    expect(out.errors).toEqual([]);
    expect(byName(out.clusters, `outbound|7070||${ECHO}`)).toMatchObject(want);
  });

  it('sends IP endpoints only, narrowed to the subset, every locality set', () => {
    const out = generate(echoMesh());
    expect(out.errors).toEqual([]);
    const addresses = (name: string): string[] =>
      (byName<AssignmentShape>(out.endpoints, name)?.endpoints ?? []).flatMap((g) => {
        expect(g.locality).toBeDefined();
        return g.lb_endpoints.map((e) => e.endpoint.address.socket_address.address);
      });
    expect(addresses(`outbound|7070||${ECHO}`).sort()).toEqual(['10.0.1.1', '10.0.1.2', '10.0.1.3']);
    expect(addresses(`outbound|7070|v1|${ECHO}`).sort()).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(addresses(`outbound|7070|v2|${ECHO}`)).toEqual(['10.0.1.3']);
  });

  it('gives DNS services a LOGICAL_DNS cluster with one endpoint, which gRPC resolves itself', () => {
    const cfg = [serviceEntry('ext', { host: 'ext.example.com', resolution: 'DNS', ports: [{ number: 443, name: 'grpc', protocol: 'GRPC' }], endpoints: ['a.ext.example.com', 'b.ext.example.com'] })];
    const out = generate(cfg);
    expect(out.errors).toEqual([]);
    const c = byName<ClusterShape>(out.clusters, 'outbound|443||ext.example.com');
    expect(c?.type).toBe('LOGICAL_DNS');
    expect(c?.load_assignment.endpoints[0]?.lb_endpoints).toHaveLength(1);
    expect(out.endpoints).toEqual([]);
  });
});

describe('generator dispatch by node metadata', () => {
  it('gives GENERATOR: grpc nodes the gRPC config and sidecars their own', () => {
    const snapshot = meshOf(echoMesh());
    const grpc = generateProxyConfig(snapshot, grpcClient());
    const side = generateProxyConfig(snapshot, sidecar());
    expect(names(grpc.listeners)).toContain(`${ECHO}:7070`);
    expect(names(grpc.listeners)).not.toContain('virtualOutbound');
    expect(names(side.listeners)).toContain('virtualOutbound');
    expect(generateProxyEndpoints(snapshot, grpcClient())).toEqual(grpc.endpoints);
  });
});
