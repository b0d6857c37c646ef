import { describe, expect, it } from 'vitest';
import { REVIEWS, edsCluster, httpListener, loadAssignment } from '../../test/mesh-fixtures.js';
import { snapshotOf } from '../../test/snapshot-of.js';
import { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { compileSnapshot } from '../compile/compile-config.js';
import { renderClustersJson, renderClustersText } from './clusters-view.js';
import { renderListenersJson, renderListenersText } from './listeners-view.js';

describe('/clusters and /listeners views', () => {
  it("prints a cluster and its EDS hosts in Envoy's text form", () => {
    const cluster = { ...edsCluster(REVIEWS), circuit_breakers: { thresholds: [{ max_connections: { value: 100 }, max_retries: { value: 5 } }] } };
    const snapshot = snapshotOf({ cluster: [cluster], endpoint: [loadAssignment(REVIEWS, ['10.0.0.7'])] });
    const lines = renderClustersText(snapshot).split('\n');
    expect(lines.slice(0, 11)).toEqual([
      `${REVIEWS}::observability_name::${REVIEWS}`,
      `${REVIEWS}::default_priority::max_connections::100`,
      `${REVIEWS}::default_priority::max_pending_requests::1024`,
      `${REVIEWS}::default_priority::max_requests::1024`,
      `${REVIEWS}::default_priority::max_retries::5`,
      `${REVIEWS}::high_priority::max_connections::1024`,
      `${REVIEWS}::high_priority::max_pending_requests::1024`,
      `${REVIEWS}::high_priority::max_requests::1024`,
      `${REVIEWS}::high_priority::max_retries::3`,
      `${REVIEWS}::added_via_api::true`,
      `${REVIEWS}::10.0.0.7:9080::cx_active::0`,
    ]);
    expect(lines).toContain(`${REVIEWS}::10.0.0.7:9080::health_flags::healthy`);
    expect(lines).toContain(`${REVIEWS}::10.0.0.7:9080::region::us-east1`);
    expect(lines).toContain(`${REVIEWS}::10.0.0.7:9080::zone::b`);
    expect(renderClustersJson(snapshot)).toMatchObject({
      cluster_statuses: [{ name: REVIEWS, added_via_api: true, host_statuses: [{ address: { socket_address: { address: '10.0.0.7', port_value: 9080 } }, health_status: { eds_health_status: 'UNKNOWN' }, weight: 1 }] }],
    });
  });

  it('prints no hosts for an EDS cluster whose endpoints have not arrived, and nothing for no clusters', () => {
    expect(renderClustersText(snapshotOf({ cluster: [edsCluster(REVIEWS)] }))).not.toContain('::cx_active::');
    expect(renderClustersText(snapshotOf({}))).toBe('');
  });

  it('prints live host stats, outlier ejections and success-rate lines from the runtime', () => {
    const cluster = { ...edsCluster(REVIEWS), outlier_detection: { consecutive_5xx: { value: 2 }, max_ejection_percent: { value: 100 } } };
    const snapshot = snapshotOf({ cluster: [cluster], endpoint: [loadAssignment(REVIEWS, ['10.0.0.7', '10.0.0.8'])] });
    const runtime = new ClusterRuntime();
    const compiled = compileSnapshot(snapshot, runtime).clusters.get(REVIEWS);
    const [a, b] = compiled?.endpoints ?? [];
    if (!compiled || !a || !b) throw new Error('not compiled');
    compiled.beginTry(a); // still in flight
    for (const status of [200, 503, 502]) {
      compiled.beginTry(b);
      compiled.endTry(b, { kind: 'status', status });
    }
    compiled.breaker.tryOpenConnection(b);

    const lines = renderClustersText(snapshot, runtime).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      `${REVIEWS}::observability_name::${REVIEWS}`,
      `${REVIEWS}::outlier::success_rate_average::-1`,
      `${REVIEWS}::outlier::success_rate_ejection_threshold::-1`,
      `${REVIEWS}::outlier::local_origin_success_rate_average::-1`,
      `${REVIEWS}::outlier::local_origin_success_rate_ejection_threshold::-1`,
    ]);
    const a7 = `${REVIEWS}::10.0.0.7:9080`;
    const b8 = `${REVIEWS}::10.0.0.8:9080`;
    expect(lines).toEqual(expect.arrayContaining([`${a7}::rq_active::1`, `${a7}::rq_total::1`, `${a7}::health_flags::healthy`]));
    expect(lines).toEqual(
      expect.arrayContaining([
        `${b8}::cx_active::1`,
        `${b8}::cx_total::1`,
        `${b8}::rq_active::0`,
        `${b8}::rq_error::2`,
        `${b8}::rq_success::1`,
        `${b8}::rq_total::3`,
        `${b8}::health_flags::/failed_outlier_check`,
        `${b8}::success_rate::-1`,
      ]),
    );
    const json = renderClustersJson(snapshot, runtime) as { cluster_statuses: { host_statuses: Record<string, unknown>[] }[] };
    const host8 = json.cluster_statuses[0]?.host_statuses[1];
    expect(host8).toMatchObject({ health_status: { failed_outlier_check: true, eds_health_status: 'UNKNOWN' } });
    expect(host8?.stats).toEqual(expect.arrayContaining([{ name: 'rq_total', value: '3' }, { name: 'cx_active', value: '1', type: 'GAUGE' }, { name: 'rq_timeout' }]));
    // Without a runtime (or before traffic) the same cluster prints zeros and no ejection.
    expect(renderClustersText(snapshot)).toContain(`${b8}::health_flags::healthy`);
  });

  it("prints the cluster's success-rate numbers and each host's rate once an interval has them", () => {
    let now = 0;
    const cluster = { ...edsCluster(REVIEWS), outlier_detection: { interval: { seconds: '10' }, enforcing_success_rate: { value: 0 } } };
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'];
    const snapshot = snapshotOf({ cluster: [cluster], endpoint: [loadAssignment(REVIEWS, ips)] });
    const runtime = new ClusterRuntime({ clock: () => now });
    const compiled = compileSnapshot(snapshot, runtime).clusters.get(REVIEWS);
    compiled?.endpoints.forEach((e, i) => {
      for (let r = 0; r < 100; r++) compiled.endTry(e, { kind: 'status', status: i === 4 && r % 3 === 0 ? 500 : 200 });
    });
    now = 10_000;
    const text = renderClustersText(snapshot, runtime);
    // Rates 100 × 4 and 66: mean 93.2, stdev 13.6, threshold 93.2 − 1.9 × 13.6 = 67.36.
    expect(text).toContain(`${REVIEWS}::outlier::success_rate_average::93.2`);
    expect(text).toContain(`${REVIEWS}::outlier::success_rate_ejection_threshold::67.36`);
    expect(text).toContain(`${REVIEWS}::10.0.0.5:9080::success_rate::66`);
    expect(text).toContain(`${REVIEWS}::10.0.0.1:9080::success_rate::100`);
    expect(renderClustersJson(snapshot, runtime)).toMatchObject({ cluster_statuses: [{ success_rate_ejection_threshold: { value: expect.closeTo(67.36, 6) } }] });
  });

  it('prints EDS health flags', () => {
    const assignment = { cluster_name: REVIEWS, endpoints: [{ lb_endpoints: ['UNHEALTHY', 'DEGRADED', 'HEALTHY'].map((health_status, i) => ({ endpoint: { address: { socket_address: { address: `10.0.0.${i + 1}`, port_value: 80 } } }, health_status })) }] };
    const text = renderClustersText(snapshotOf({ cluster: [edsCluster(REVIEWS)], endpoint: [assignment] }));
    expect(text).toContain(`${REVIEWS}::10.0.0.1:80::health_flags::/failed_eds_health`);
    expect(text).toContain(`${REVIEWS}::10.0.0.2:80::health_flags::/degraded_eds_health`);
    expect(text).toContain(`${REVIEWS}::10.0.0.3:80::health_flags::healthy`);
  });

  it('prints listeners as name::address', () => {
    const snapshot = snapshotOf({ listener: [httpListener('0.0.0.0_9080', 9080, '9080'), httpListener('0.0.0.0_80', 80, '80')] });
    expect(renderListenersText(snapshot)).toBe('0.0.0.0_80::0.0.0.0:80\n0.0.0.0_9080::0.0.0.0:9080\n');
    expect(renderListenersJson(snapshot)).toEqual({
      listener_statuses: [
        { name: '0.0.0.0_80', local_address: { socket_address: { address: '0.0.0.0', port_value: 80 } } },
        { name: '0.0.0.0_9080', local_address: { socket_address: { address: '0.0.0.0', port_value: 9080 } } },
      ],
    });
  });
});
