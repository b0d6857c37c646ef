import { describe, expect, it } from 'vitest';
import { REVIEWS, edsCluster, loadAssignment } from '../../test/mesh-fixtures.js';
import { snapshotOf } from '../../test/snapshot-of.js';
import { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { compileSnapshot } from '../compile/compile-config.js';
import { appMetricsUrl } from './stats-server.js';
import { collectClusterStats, renderStatsPrometheus, renderStatsText } from './stats-view.js';

/** A compiled REVIEWS cluster (one pending slot, two hosts, outlier detection after 2 × 5xx) on a runtime. */
function reviewsCluster() {
  const cluster = { ...edsCluster(REVIEWS), circuit_breakers: { thresholds: [{ max_pending_requests: { value: 1 } }] }, outlier_detection: { consecutive_5xx: { value: 2 }, max_ejection_percent: { value: 100 } } };
  const runtime = new ClusterRuntime();
  const compiled = compileSnapshot(snapshotOf({ cluster: [cluster], endpoint: [loadAssignment(REVIEWS, ['10.0.0.7', '10.0.0.8'])] }), runtime).clusters.get(REVIEWS);
  const [a, b] = compiled?.endpoints ?? [];
  if (!compiled || !a || !b) throw new Error('not compiled');
  return { runtime, compiled, a, b };
}

describe('cluster stats in /stats and /stats/prometheus', () => {
  it("counts requests, overflows and ejections under Envoy's names", () => {
    const { runtime, compiled, a, b } = reviewsCluster();
    compiled.beginTry(a); // in flight
    for (const status of [503, 503]) {
      compiled.beginTry(b);
      compiled.endTry(b, { kind: 'status', status });
    }
    expect(compiled.breaker.tryStartPending()).toBe(true);
    expect(compiled.breaker.tryStartPending()).toBe(false);

    const text = renderStatsText(collectClusterStats(runtime));
    expect(text).toContain(`cluster.${REVIEWS}.upstream_rq_total: 3\n`);
    expect(text).toContain(`cluster.${REVIEWS}.upstream_rq_active: 1\n`);
    expect(text).toContain(`cluster.${REVIEWS}.upstream_rq_pending_overflow: 1\n`);
    expect(text).toContain(`cluster.${REVIEWS}.outlier_detection.ejections_active: 1\n`);
    expect(text).toContain(`cluster.${REVIEWS}.outlier_detection.ejections_enforced_consecutive_5xx: 1\n`);
  });

  it('renders cluster stats for Prometheus with a cluster_name tag and one TYPE line per metric', () => {
    const { runtime, compiled, b } = reviewsCluster();
    compiled.beginTry(b);
    compiled.endTry(b, { kind: 'status', status: 200 });
    const other = new ClusterRuntime();
    const prom = renderStatsPrometheus([...collectClusterStats(runtime), ...collectClusterStats(other)]);
    expect(prom).toContain(`# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total{cluster_name="${REVIEWS}"} 1\n`);
    expect(prom).toContain(`# TYPE envoy_cluster_outlier_detection_ejections_active gauge\n`);
    expect(prom.match(/# TYPE envoy_cluster_upstream_rq_total /g)).toHaveLength(1);
    expect(renderStatsPrometheus([{ name: 'cluster.a"b\\c.upstream_rq_total', type: 'counter', value: 2, cluster: { name: 'a"b\\c', stat: 'upstream_rq_total' } }])).toContain('{cluster_name="a\\"b\\\\c"} 2');
  });
});

describe('app metrics setting', () => {
  it("takes a URL as given, or Istio's prometheus annotations on the app address", () => {
    expect(appMetricsUrl('', '127.0.0.5')).toBeUndefined();
    expect(appMetricsUrl('http://10.0.0.1:8080/m', '127.0.0.5')).toBe('http://10.0.0.1:8080/m');
    expect(appMetricsUrl('{"scrape":"true","port":"9080","path":"/stats"}', '127.0.0.5')).toBe('http://127.0.0.5:9080/stats');
    expect(appMetricsUrl('{"scrape":"true","port":"9080"}', '::1')).toBe('http://[::1]:9080/metrics');
    expect(appMetricsUrl('{"scrape":"false","port":"9080"}', '127.0.0.5')).toBeUndefined();
    expect(appMetricsUrl('{not json', '127.0.0.5')).toBeUndefined();
  });
});
