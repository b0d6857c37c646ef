import { describe, expect, it } from 'vitest';
import { isErrorCode, quantile, summarize } from './traffic-series.js';
import { parseIstioSamples } from './prom-text.js';
import { istioText, labels } from '../mesh-fixtures.test-fixtures.js';

describe('quantile (histogram_quantile)', () => {
  it.each([
    // 100 observations: 50 ≤ 10 ms, 90 ≤ 25 ms, all ≤ 50 ms.
    [0.5, 10],
    [0.9, 25],
    [0.99, 25 + 25 * (9 / 10)],
    [1, 50],
  ])('q=%s of a three-bucket histogram is %s', (q, want) => {
    expect(quantile(q, [[10, 50], [25, 90], [50, 100], [Infinity, 100]])).toBeCloseTo(want, 6);
  });

  it('answers the highest finite bound when the rank falls in +Inf, and undefined without data', () => {
    expect(quantile(0.99, [[10, 1], [Infinity, 100]])).toBe(10);
    expect(quantile(0.5, [[10, 0], [Infinity, 0]])).toBeUndefined();
  });
});

describe('errors and summaries', () => {
  it.each([['500', true], ['503', true], ['0', true], ['200', false], ['404', false]])('code %s is an error: %s', (code, want) => {
    expect(isErrorCode(code)).toBe(want);
  });

  it('sums rates, the error share and latency over series', () => {
    const s = summarize([
      { labels: labels({ response_code: '200' }), rps: 9, latency: [[10, 9], [Infinity, 9]] },
      { labels: labels({ response_code: '503' }), rps: 1, latency: [[10, 0], [100, 1], [Infinity, 1]] },
    ]);
    expect(s.rps).toBe(10);
    expect(s.errorPct).toBeCloseTo(10);
    expect(s.p50Ms).toBeCloseTo(10 * (5 / 9));
    expect(s.p99Ms).toBeGreaterThan(10);
  });
});

describe('parseIstioSamples', () => {
  it('reads requests and duration buckets, with escapes, and skips everything else', () => {
    const text = `# TYPE istio_requests_total counter\n${istioText([{ labels: { source_workload: 'a"b', response_code: '200' }, count: 3, latencies: [4, 40] }])}envoy_cluster_upstream_rq{x="1"} 5\n`;
    const s = parseIstioSamples(text);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]?.labels.source_workload).toBe('a"b');
    expect(s.requests[0]?.value).toBe(3);
    expect(s.durationBuckets.find((b) => b.labels.le === '5')?.value).toBe(2);
    expect(s.durationBuckets.find((b) => b.labels.le === '+Inf')?.value).toBe(3);
  });
});
