import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { REVIEWS, edsCluster, httpListener, loadAssignment } from '../../test/mesh-fixtures.js';
import { snapshotOf } from '../../test/snapshot-of.js';
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

  it('leaves unhealthy endpoints out', () => {
    const withUnhealthy = snapshotOf({
      cluster: [{ name: 's', type: 'STATIC', load_assignment: { cluster_name: 's', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 1 } } }, health_status: 'UNHEALTHY' }, { endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 1 } } }, health_status: 'HEALTHY' }] }] } }],
    });
    expect(compileSnapshot(withUnhealthy).clusters.get('s')?.endpoints.map((e) => e.host)).toEqual(['10.0.0.2']);
  });
});
