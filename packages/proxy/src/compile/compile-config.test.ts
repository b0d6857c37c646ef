import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { RATINGS, REVIEWS, edsCluster, httpListener, loadAssignment } from '../../test/mesh-fixtures.js';
import { snapshotOf } from '../../test/snapshot-of.js';
import { xxHash64 } from '../balancer/xxhash64.js';
import { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { compileSnapshot } from './compile-config.js';
import { createRouteRequest } from './route-request.js';

// Through the xDS client's own decode step, so the compiler reads what unpackAny really produces.
const snapshot = snapshotOf({
  cluster: [edsCluster(REVIEWS), { name: 'static', type: 'STATIC', load_assignment: loadAssignment('static', ['127.0.0.1', '127.0.0.2'], 8080) }],
  endpoint: [loadAssignment(REVIEWS, ['10.0.0.1', '10.0.0.2'])],
  listener: [httpListener('0.0.0.0_9080', 9080, '9080')],
  route: [
    {
      name: '9080',
      virtual_hosts: [
        {
          name: 'reviews.default.svc.cluster.local:9080',
          domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080'],
          routes: [
            {
              name: 'faulty',
              match: { prefix: '/f' },
              route: { cluster: REVIEWS, timeout: { seconds: '3', nanos: 500_000_000 }, retry_policy: { retry_on: '5xx', num_retries: { value: 4 }, per_try_timeout: { seconds: '1' } } },
              typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': TYPE_URL.FAULT, abort: { http_status: 418, percentage: { numerator: 50, denominator: 'HUNDRED' } } } },
            },
            { name: 'default', match: { prefix: '/' }, route: { cluster: REVIEWS } },
          ],
        },
      ],
    },
  ],
});

describe('compileSnapshot', () => {
  const compiled = compileSnapshot(snapshot);

  it('compiles route configurations with decoded durations, retries and faults', () => {
    const rc = compiled.routeConfigs.get('9080');
    const route = rc?.route(createRouteRequest('GET', 'reviews:9080', '/f/x', {}));
    expect(route?.name).toBe('faulty');
    expect(route?.action).toMatchObject({ kind: 'forward', timeoutMs: 3500, retry: { numRetries: 4, perTryTimeoutMs: 1000, on5xx: true } });
    expect(route?.fault).toEqual({ delayMs: 0, delayFraction: 0, abortStatus: 418, abortFraction: 0.5 });
    const other = rc?.route(createRouteRequest('GET', 'reviews.default.svc.cluster.local', '/', {}));
    expect(other).toMatchObject({ name: 'default', action: { timeoutMs: 15_000, retry: undefined }, fault: undefined });
  });

  it('takes endpoints from EDS for EDS clusters and from load_assignment otherwise, with the lb_policy picker', () => {
    expect(compiled.clusters.get(REVIEWS)).toMatchObject({ type: 'EDS', connectTimeoutMs: 10_000, picker: { policy: 'LEAST_REQUEST' } });
    expect(compiled.clusters.get(REVIEWS)?.endpoints.map((e) => e.key)).toEqual(['10.0.0.1:9080', '10.0.0.2:9080']);
    expect(compiled.clusters.get('static')?.endpoints.map((e) => e.key)).toEqual(['127.0.0.1:8080', '127.0.0.2:8080']);
    expect(compiled.clusters.get('static')?.picker.policy).toBe('ROUND_ROBIN');
  });

  it('keeps unhealthy endpoints for panic mode but never picks them otherwise, and leaves draining ones out', () => {
    const lbEndpoint = (ip: string, health: string): Record<string, unknown> => ({ endpoint: { address: { socket_address: { address: ip, port_value: 1 } } }, health_status: health });
    const withUnhealthy = snapshotOf({
      cluster: [{ name: 's', type: 'STATIC', load_assignment: { cluster_name: 's', endpoints: [{ lb_endpoints: [lbEndpoint('10.0.0.1', 'UNHEALTHY'), lbEndpoint('10.0.0.2', 'HEALTHY'), lbEndpoint('10.0.0.3', 'UNKNOWN'), lbEndpoint('10.0.0.4', 'DRAINING')] }] } }],
    });
    const s = compileSnapshot(withUnhealthy).clusters.get('s');
    expect(s?.endpoints.map((e) => [e.host, e.edsHealth])).toEqual([
      ['10.0.0.1', 'unhealthy'],
      ['10.0.0.2', 'healthy'],
      ['10.0.0.3', 'healthy'],
    ]);
    const picked = new Set(Array.from({ length: 20 }, () => s?.picker.pick(Math.random)?.host));
    expect([...picked].sort()).toEqual(['10.0.0.2', '10.0.0.3']);
  });
});

const REVIEWS_EP = (ips: string[]): Record<string, unknown> => loadAssignment(REVIEWS, ips);
const outlierCluster = { ...edsCluster(REVIEWS), outlier_detection: { consecutive_5xx: { value: 2 }, max_ejection_percent: { value: 100 } }, circuit_breakers: { thresholds: [{ max_requests: { value: 2 } }] } };

describe('compileSnapshot with a long-lived ClusterRuntime', () => {
  it('keeps requests in flight, breaker counters and ejections across an EDS update', () => {
    const runtime = new ClusterRuntime();
    const v1 = compileSnapshot(snapshotOf({ cluster: [outlierCluster], endpoint: [REVIEWS_EP(['10.0.0.1', '10.0.0.2'])] }), runtime).clusters.get(REVIEWS);
    const [a, b] = v1?.endpoints ?? [];
    if (!v1 || !a || !b) throw new Error('not compiled');
    v1.beginTry(a);
    expect(v1.breaker.tryStartRequest()).toBe(true);
    v1.beginTry(b);
    v1.endTry(b, { kind: 'status', status: 503 });
    v1.beginTry(b);
    v1.endTry(b, { kind: 'reset' });

    const v2 = compileSnapshot(snapshotOf({ cluster: [outlierCluster], endpoint: [REVIEWS_EP(['10.0.0.1', '10.0.0.2', '10.0.0.3'])] }), runtime).clusters.get(REVIEWS);
    if (!v2) throw new Error('not compiled');
    // The in-flight request to 10.0.0.1 is still counted by the new endpoint objects.
    expect(v2.endpoints.map((e) => e.active)).toEqual([1, 0, 0]);
    expect(v2.endpoints[0]?.stats).toMatchObject({ rqActive: 1, rqTotal: 1 });
    expect(v2.endpoints[1]?.stats).toMatchObject({ rqTotal: 2, rqError: 2, rqActive: 0 });
    // One breaker for the cluster name: the request started under v1 counts under v2.
    expect(v2.breaker).toBe(v1.breaker);
    expect(v2.breaker.tryStartRequest()).toBe(true);
    expect(v2.breaker.tryStartRequest()).toBe(false);
    // 10.0.0.2 was ejected under v1 (two consecutive 5xx) and stays out under v2.
    expect(v2.outlier?.isEjected(b)).toBe(true);
    const picked = new Set(Array.from({ length: 50 }, () => v2.picker.pick(Math.random)?.host));
    expect([...picked].sort()).toEqual(['10.0.0.1', '10.0.0.3']);
    // The old compiled cluster ends its try and the new one sees it.
    v1.endTry(a, { kind: 'status', status: 200 });
    expect(v2.endpoints[0]?.active).toBe(0);
    expect(v2.endpoints[0]?.stats?.rqSuccess).toBe(1);
  });

  it('drops the state of clusters and endpoints that left', () => {
    const runtime = new ClusterRuntime();
    compileSnapshot(snapshotOf({ cluster: [outlierCluster], endpoint: [REVIEWS_EP(['10.0.0.1', '10.0.0.2'])] }), runtime);
    runtime.cluster(REVIEWS).hostStats('10.0.0.2:9080').rqTotal = 7;
    compileSnapshot(snapshotOf({ cluster: [outlierCluster], endpoint: [REVIEWS_EP(['10.0.0.1'])] }), runtime);
    expect(runtime.get(REVIEWS)?.peekHostStats('10.0.0.2:9080')).toBeUndefined();
    compileSnapshot(snapshotOf({ cluster: [edsCluster(RATINGS)] }), runtime);
    expect(runtime.get(REVIEWS)).toBeUndefined();
  });

  it('compiles without a runtime, each compile starting fresh', () => {
    const s = snapshotOf({ cluster: [outlierCluster], endpoint: [REVIEWS_EP(['10.0.0.1'])] });
    const one = compileSnapshot(s).clusters.get(REVIEWS);
    const two = compileSnapshot(s).clusters.get(REVIEWS);
    expect(one?.breaker).not.toBe(two?.breaker);
  });
});

describe('compileSnapshot load balancing settings', () => {
  const withLb = (fields: Record<string, unknown>): Record<string, unknown> => ({ ...edsCluster(REVIEWS), ...fields });
  const compileLb = (fields: Record<string, unknown>) => compileSnapshot(snapshotOf({ cluster: [withLb(fields)], endpoint: [REVIEWS_EP(['10.0.0.1', '10.0.0.2', '10.0.0.3'])] })).clusters.get(REVIEWS);

  it.each([
    [{ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '2048' } } }, 'RING_HASH'],
    [{ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: { value: '7' } } }, 'MAGLEV'],
    [{ lb_policy: 'RANDOM' }, 'RANDOM'],
    [{ lb_policy: 'ROUND_ROBIN' }, 'ROUND_ROBIN'],
    [{ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: { value: 3 } } }, 'LEAST_REQUEST'],
    [{ lb_policy: 'LOAD_BALANCING_POLICY_CONFIG' }, 'ROUND_ROBIN'],
  ])('%j → %s', (fields, policy) => {
    const c = compileLb(fields);
    expect(c?.picker.policy).toBe(policy);
    expect(c?.endpoints).toContain(c?.picker.pick(Math.random, { hash: 42n }));
  });

  it('consistent hash clusters send one hash to one endpoint', () => {
    for (const lb_policy of ['RING_HASH', 'MAGLEV']) {
      const c = compileLb({ lb_policy });
      const first = c?.picker.pick(Math.random, { hash: 0xfeedn });
      for (let i = 0; i < 20; i++) expect(c?.picker.pick(Math.random, { hash: 0xfeedn })).toBe(first);
    }
  });

  it('healthy_panic_threshold 0 (Istio with outlier detection) gives no host when all are ejected', () => {
    const c = compileLb({ outlier_detection: { consecutive_5xx: { value: 1 }, max_ejection_percent: { value: 100 } }, common_lb_config: { healthy_panic_threshold: { value: 0 } } });
    for (const e of c?.endpoints ?? []) {
      c?.beginTry(e);
      c?.endTry(e, { kind: 'status', status: 500 });
    }
    expect(c?.picker.pick(Math.random)).toBeUndefined();
    // With Envoy's default 50% threshold the same cluster panics and routes to all.
    const panicking = compileLb({ outlier_detection: { consecutive_5xx: { value: 1 }, max_ejection_percent: { value: 100 } } });
    for (const e of panicking?.endpoints ?? []) panicking?.endTry(e, { kind: 'status', status: 500 });
    expect(panicking?.endpoints).toContain(panicking?.picker.pick(Math.random));
  });

  it('ORIGINAL_DST picks the original destination', () => {
    const c = compileSnapshot(snapshotOf({ cluster: [{ name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: { seconds: '10' } }] })).clusters.get('PassthroughCluster');
    expect(c?.endpoints).toEqual([]);
    expect(c?.picker.pick(Math.random)).toBeUndefined();
    const e = c?.picker.pick(Math.random, { originalDestination: { host: '10.9.8.7', port: 443 } });
    expect(e).toMatchObject({ host: '10.9.8.7', port: 443, key: '10.9.8.7:443' });
    if (e) c?.beginTry(e);
    expect(e?.active).toBe(1);
  });

  it('compiles the route hash_policy into ForwardAction.hashPolicy', () => {
    const rc = compileSnapshot(
      snapshotOf({
        route: [{ name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: REVIEWS, hash_policy: [{ header: { header_name: 'x-user' } }] } }] }] }],
      }),
    ).routeConfigs.get('r');
    const action = rc?.route(createRouteRequest('GET', 'any', '/', { 'x-user': 'alice' }))?.action;
    if (action?.kind !== 'forward') throw new Error('not a forward');
    expect(action.hashPolicy?.(createRouteRequest('GET', 'any', '/', { 'x-user': 'alice' }), undefined)).toBe(xxHash64('alice'));
  });
});
