import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { generateClusters } from './cds.js';
import { clusterInputsFor } from './cds-inputs.js';
import { BOOKINFO, byName, cfg, corpusDestinationRules, destinationRule, dig, meshOf, packEndpoints, sidecarOf, workload, bookinfoService } from './cds-eds.test-fixtures.js';
import { generateEndpoints } from './eds.js';
import { generateProxyConfig } from './index.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const endpointsOf = (entries: readonly ConfigEntry[], proxy = sidecarOf()) => {
  const cla = generateEndpoints(clusterInputsFor(meshOf(entries), proxy));
  expect(packEndpoints(cla)).toBe(cla.length);
  return cla;
};
interface Group {
  locality?: { region?: string; zone?: string; sub_zone?: string };
  lb_endpoints: { endpoint: { address: { socket_address: { address: string } } }; load_balancing_weight: { value: number }; health_status: string }[];
  load_balancing_weight: { value: number };
  priority?: number;
}
const groupsOf = (cla: unknown): Group[] => (dig(cla, 'endpoints') as Group[] | undefined) ?? [];
/** `locality: addr*weight ... (w=locality weight, p=priority)` per group, readable in failures. */
const summary = (cla: unknown): string[] =>
  groupsOf(cla).map(
    (g) =>
      `${[g.locality?.region, g.locality?.zone, g.locality?.sub_zone].filter(Boolean).join('/')}: ${g.lb_endpoints.map((e) => `${e.endpoint.address.socket_address.address}*${e.load_balancing_weight.value}`).join(' ')} w=${g.load_balancing_weight.value} p=${g.priority ?? 0}`,
  );
const REVIEWS_SUBSETS = destinationRule('reviews', {
  host: 'reviews',
  subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
});

describe('EDS', () => {
  it('one assignment per EDS cluster, named like the cluster', () => {
    const rules = corpusDestinationRules('destination-rule-all.yaml') ?? [REVIEWS_SUBSETS];
    const entries = [...BOOKINFO, ...rules];
    const mesh = meshOf(entries);
    const inputs = clusterInputsFor(mesh, sidecarOf());
    const edsClusters = generateClusters(inputs)
      .filter((c) => c.type === 'EDS')
      .map((c) => c.name);
    expect(endpointsOf(entries).map((c) => c.cluster_name)).toEqual(edsClusters);
  });

  it('groups endpoints by locality with endpoint and locality weights', () => {
    expect(summary(byName(endpointsOf(BOOKINFO), `outbound|9080||${REVIEWS}`))).toEqual([
      'us-east/a/1: 127.0.0.21*1 w=1 p=0',
      'us-east/b/1: 127.0.0.22*3 w=3 p=0',
      'us-west/c/1: 127.0.0.23*1 w=1 p=0',
    ]);
  });

  it.each([
    ['v1', ['us-east/a/1: 127.0.0.21*1 w=1 p=0']],
    ['v2', ['us-east/b/1: 127.0.0.22*3 w=3 p=0']],
    ['v3', ['us-west/c/1: 127.0.0.23*1 w=1 p=0']],
  ])('subset %s only gets endpoints with its labels', (subset, want) => {
    expect(summary(byName(endpointsOf([...BOOKINFO, REVIEWS_SUBSETS]), `outbound|9080|${subset}|${REVIEWS}`))).toEqual(want);
  });

  it('a subset no endpoint matches gets an empty assignment', () => {
    const rule = destinationRule('reviews', { host: 'reviews', subsets: [{ name: 'v9', labels: { version: 'v9' } }] });
    expect(byName(endpointsOf([...BOOKINFO, rule]), `outbound|9080|v9|${REVIEWS}`)).toEqual({ cluster_name: `outbound|9080|v9|${REVIEWS}`, endpoints: [] });
  });

  it('marks health and sends unix sockets as pipes', () => {
    const entries = [
      cfg('ServiceEntry', 'sock', {
        hosts: ['sock.default.svc.cluster.local'],
        ports: [{ number: 80, name: 'http' }],
        resolution: 'STATIC',
        endpoints: [{ address: 'unix:///tmp/sock' }, { address: '10.0.0.5' }],
      }),
    ];
    const cla = byName(endpointsOf(entries), 'outbound|80||sock.default.svc.cluster.local');
    expect(dig(cla, 'endpoints.0.lb_endpoints.0.endpoint.address')).toEqual({ socket_address: { address: '10.0.0.5', port_value: 80 } });
    expect(dig(cla, 'endpoints.0.lb_endpoints.1.endpoint.address')).toEqual({ pipe: { path: '/tmp/sock' } });
    expect(dig(cla, 'endpoints.0.lb_endpoints.0.health_status')).toBe('HEALTHY');
  });

  it('sends only endpoints of the port the cluster is for', () => {
    const entries = [
      bookinfoService('two', [
        { number: 80, name: 'http', protocol: 'HTTP' },
        { number: 90, name: 'tcp', protocol: 'TCP' },
      ]),
      workload('two', 'v1', '127.0.0.70', { ports: { http: 8080, tcp: 9090 } }),
    ];
    const cla = endpointsOf(entries);
    expect(dig(byName(cla, 'outbound|80||two.default.svc.cluster.local'), 'endpoints.0.lb_endpoints.0.endpoint.address.socket_address.port_value')).toBe(8080);
    expect(dig(byName(cla, 'outbound|90||two.default.svc.cluster.local'), 'endpoints.0.lb_endpoints.0.endpoint.address.socket_address.port_value')).toBe(9090);
  });

  it('sends no endpoints of services the Sidecar hides or exportTo keeps away', () => {
    const hidden = [...BOOKINFO, cfg('Sidecar', 'default', { egress: [{ hosts: [`./${REVIEWS}`] }] })];
    expect(endpointsOf(hidden).map((c) => c.cluster_name)).toEqual([`outbound|9080||${REVIEWS}`]);
    const privateRatings = BOOKINFO.map((e) => (e.ref.kind === 'ServiceEntry' && e.ref.name === 'ratings' ? cfg('ServiceEntry', 'ratings', { ...(e.resource.spec as object), exportTo: ['.'] }) : e));
    const otherNs = sidecarOf('x', { app: 'x' }, '10.7.0.1', 'elsewhere');
    expect(endpointsOf(privateRatings, otherNs).map((c) => c.cluster_name)).not.toContain('outbound|9080||ratings.default.svc.cluster.local');
    expect(endpointsOf(privateRatings).map((c) => c.cluster_name)).toContain('outbound|9080||ratings.default.svc.cluster.local');
  });
});

describe('locality load balancing', () => {
  const withPolicy = (trafficPolicy: Record<string, unknown>) => [...BOOKINFO, destinationRule('reviews', { host: 'reviews', trafficPolicy })];
  const reviewsCla = (entries: readonly ConfigEntry[]) => summary(byName(endpointsOf(entries), `outbound|9080||${REVIEWS}`));

  it('default failover needs outlier detection: none without it', () => {
    expect(reviewsCla(withPolicy({ loadBalancer: { simple: 'ROUND_ROBIN' } })).map((g) => g.slice(-3))).toEqual(['p=0', 'p=0', 'p=0']);
  });

  it('with outlier detection, priorities follow proximity to the proxy (us-east/a/1)', () => {
    expect(reviewsCla(withPolicy({ outlierDetection: { consecutive5xxErrors: 1 } }))).toEqual([
      'us-east/a/1: 127.0.0.21*1 w=1 p=0',
      'us-east/b/1: 127.0.0.22*3 w=3 p=1',
      'us-west/c/1: 127.0.0.23*1 w=1 p=2',
    ]);
  });

  it('enabled: false turns it off', () => {
    const got = reviewsCla(withPolicy({ outlierDetection: { consecutive5xxErrors: 1 }, loadBalancer: { localityLbSetting: { enabled: false } } }));
    expect(got.every((g) => g.endsWith('p=0'))).toBe(true);
  });

  it('failover from a region to another pushes other regions down', () => {
    const entries = [...withPolicy({ outlierDetection: { consecutive5xxErrors: 1 }, loadBalancer: { localityLbSetting: { failover: [{ from: 'us-east', to: 'eu-west' }] } } }), workload('reviews', 'v4', '127.0.0.24', { locality: 'eu-west/x/1' })];
    expect(reviewsCla(entries)).toEqual([
      'us-east/a/1: 127.0.0.21*1 w=1 p=0',
      'us-east/b/1: 127.0.0.22*3 w=3 p=1',
      'eu-west/x/1: 127.0.0.24*1 w=1 p=2',
      'us-west/c/1: 127.0.0.23*1 w=1 p=3',
    ]);
    const cluster = byName(generateClusters(clusterInputsFor(meshOf(entries), sidecarOf())), `outbound|9080||${REVIEWS}`);
    expect(dig(cluster, 'common_lb_config.locality_weighted_lb_config')).toEqual({});
  });

  it('distribute reweights localities and drops the ones it leaves out', () => {
    const got = reviewsCla(withPolicy({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'us-east/a/*', to: { 'us-east/a/*': 80, 'us-west/*': 20 } }] } } }));
    expect(got).toEqual(['us-east/a/1: 127.0.0.21*1 w=80 p=0', 'us-west/c/1: 127.0.0.23*1 w=20 p=0']);
    const cluster = byName(generateClusters(clusterInputsFor(meshOf(withPolicy({ loadBalancer: { localityLbSetting: { distribute: [{ from: '*', to: { '*': 100 } }] } } })), sidecarOf())), `outbound|9080||${REVIEWS}`);
    expect(dig(cluster, 'common_lb_config.locality_weighted_lb_config')).toEqual({});
  });

  it('distribute does nothing for proxies its `from` does not match', () => {
    const got = reviewsCla(withPolicy({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'eu-west/*', to: { 'us-west/*': 100 } }] } } }));
    expect(got).toHaveLength(3);
  });

  it('failoverPriority ranks endpoints by matching labels', () => {
    const got = reviewsCla(withPolicy({ outlierDetection: { consecutive5xxErrors: 1 }, loadBalancer: { localityLbSetting: { failoverPriority: ['version=v3'] } } }));
    expect(got).toEqual(['us-west/c/1: 127.0.0.23*1 w=1 p=0', 'us-east/a/1: 127.0.0.21*1 w=1 p=1', 'us-east/b/1: 127.0.0.22*3 w=3 p=1']);
  });
});

describe('generateProxyConfig', () => {
  it('wires clusters and endpoints', () => {
    const out = generateProxyConfig(meshOf([...BOOKINFO, REVIEWS_SUBSETS]), sidecarOf());
    expect(out.clusters.map((c) => c.name)).toContain(`outbound|9080|v2|${REVIEWS}`);
    expect(out.endpoints.map((c) => c.cluster_name)).toContain(`outbound|9080|v2|${REVIEWS}`);
  });
});
