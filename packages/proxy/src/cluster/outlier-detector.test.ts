import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../balancer/picker.js';
import type { TryResult } from './cluster-state.js';
import type { OutlierDetectionShape } from './cluster-shapes.js';
import { outlierConfig } from './outlier-config.js';
import { ClusterOutlierDetector } from './outlier-detector.js';

const host = (i: number): Endpoint => ({ host: `10.0.0.${i}`, port: 80, key: `10.0.0.${i}:80`, weight: 1, locality: '//', active: 0 });
const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => host(i + 1).key);

const status = (s: number): TryResult => ({ kind: 'status', status: s });
const RESET: TryResult = { kind: 'reset' };
const CONNECT: TryResult = { kind: 'connect-failure' };
const TIMEOUT: TryResult = { kind: 'timeout' };

/** A detector over `n` hosts with an injected clock; random 0 enforces every ejection, no jitter. */
function detector(od: OutlierDetectionShape, n = 10): { d: ClusterOutlierDetector; at(ms: number): void } {
  let now = 0;
  const d = new ClusterOutlierDetector(
    () => now,
    () => 0,
  );
  d.configure(outlierConfig(od), keys(n));
  return { d, at: (ms) => void (now = ms) };
}

const s = (seconds: number): { seconds: string } => ({ seconds: String(seconds) });
const ALL = { max_ejection_percent: { value: 100 } };

describe('outlier detection: consecutive errors', () => {
  it.each<[string, OutlierDetectionShape, TryResult[], boolean]>([
    ['3 × 500 with consecutive_5xx 3', { ...ALL, consecutive_5xx: { value: 3 } }, [status(500), status(500), status(500)], true],
    ['a 200 in between resets the count', { ...ALL, consecutive_5xx: { value: 3 } }, [status(500), status(500), status(200), status(500)], false],
    ['Envoy default: 5 × 5xx', ALL, Array.from({ length: 5 }, () => status(503)), true],
    ['4 × 5xx are not enough by default', ALL, Array.from({ length: 4 }, () => status(503)), false],
    ['4xx are not errors', { ...ALL, consecutive_5xx: { value: 1 } }, [status(404)], false],
    ['not split: a reset counts as 503', { ...ALL, consecutive_5xx: { value: 3 } }, [RESET, CONNECT, status(500)], true],
    ['not split: a timeout counts as 504', { ...ALL, consecutive_5xx: { value: 2 } }, [TIMEOUT, TIMEOUT], true],
    ['gateway failures are detected but not enforced by default', { ...ALL, consecutive_gateway_failure: { value: 2 }, consecutive_5xx: { value: 99 } }, [status(502), status(504)], false],
    ['gateway failures with enforcing 100', { ...ALL, consecutive_gateway_failure: { value: 2 }, enforcing_consecutive_gateway_failure: { value: 100 }, consecutive_5xx: { value: 99 } }, [status(502), status(504)], true],
    ['a 500 breaks a gateway-failure run', { ...ALL, consecutive_gateway_failure: { value: 2 }, enforcing_consecutive_gateway_failure: { value: 100 }, consecutive_5xx: { value: 99 } }, [status(502), status(500), status(503)], false],
    ['split: resets count as local-origin failures', { ...ALL, split_external_local_origin_errors: true, consecutive_local_origin_failure: { value: 2 }, consecutive_5xx: { value: 2 } }, [RESET, CONNECT], true],
    ['split: a response resets the local-origin count', { ...ALL, split_external_local_origin_errors: true, consecutive_local_origin_failure: { value: 2 }, consecutive_5xx: { value: 9 } }, [RESET, status(500), TIMEOUT], false],
    ['split: local failures do not count as 5xx', { ...ALL, split_external_local_origin_errors: true, consecutive_local_origin_failure: { value: 9 }, consecutive_5xx: { value: 2 } }, [status(500), RESET, status(503)], true],
    ['enforcing 0 never ejects', { ...ALL, consecutive_5xx: { value: 1 }, enforcing_consecutive_5xx: { value: 0 } }, [status(500)], false],
  ])('%s', (_name, od, results, ejected) => {
    const { d } = detector(od);
    for (const r of results) d.report(host(1), r);
    expect(d.isEjected(host(1))).toBe(ejected);
    expect(d.isEjected(host(2))).toBe(false);
  });

  it('counts detections that were not enforced', () => {
    const { d } = detector({ ...ALL, consecutive_gateway_failure: { value: 1 }, consecutive_5xx: { value: 99 } });
    d.report(host(1), status(503));
    expect(d.stats.detected.consecutive_gateway_failure).toBe(1);
    expect(d.stats.enforced.consecutive_gateway_failure).toBe(0);
  });

  it('changes its epoch on every ejection, so pickers rebuild', () => {
    const { d } = detector({ ...ALL, consecutive_5xx: { value: 1 } });
    const before = d.refresh();
    d.report(host(1), status(500));
    expect(d.refresh()).not.toBe(before);
  });
});

describe('outlier detection: max_ejection_percent', () => {
  it.each<[string, OutlierDetectionShape, number, number]>([
    ['default 10% of 10 hosts: one', { consecutive_5xx: { value: 1 } }, 10, 1],
    ['default 10% of 3 hosts: none (Envoy ejects only while ≤ 10%)', { consecutive_5xx: { value: 1 } }, 3, 0],
    ['always_eject_one_host lets one go anyway', { consecutive_5xx: { value: 1 }, always_eject_one_host: { value: true } }, 3, 1],
    ['50% of 4 hosts: two', { consecutive_5xx: { value: 1 }, max_ejection_percent: { value: 50 } }, 4, 2],
    ['100%: all', { consecutive_5xx: { value: 1 }, max_ejection_percent: { value: 100 } }, 4, 4],
  ])('%s', (_name, od, hosts, expected) => {
    const { d } = detector(od, hosts);
    for (let i = 1; i <= hosts; i++) d.report(host(i), status(500));
    expect(d.stats.ejectionsActive).toBe(expected);
    expect(Array.from({ length: hosts }, (_, i) => d.isEjected(host(i + 1))).filter(Boolean).length).toBe(expected);
    expect(d.stats.ejectionsOverflow).toBe(hosts - expected);
  });
});

describe('outlier detection: return from ejection', () => {
  const od: OutlierDetectionShape = { ...ALL, consecutive_5xx: { value: 1 }, interval: s(10), base_ejection_time: s(30) };

  it('returns a host at the first interval tick after base_ejection_time × ejections', () => {
    const { d, at } = detector(od);
    d.report(host(1), status(500)); // ejected at 0 for 30 s
    at(29_999);
    expect((d.refresh(), d.isEjected(host(1)))).toBe(true);
    at(30_000); // the tick at 30 s returns it
    expect((d.refresh(), d.isEjected(host(1)))).toBe(false);
    d.report(host(1), status(500)); // second ejection at 30 s: 2 × 30 s
    at(89_999);
    expect((d.refresh(), d.isEjected(host(1)))).toBe(true);
    at(90_000);
    expect((d.refresh(), d.isEjected(host(1)))).toBe(false);
    expect(d.host(host(1).key)?.numEjections).toBe(2);
  });

  it('waits for a tick: ejected at 5 s for 30 s, back at the 40 s tick', () => {
    const { d, at } = detector(od);
    at(5_000);
    d.report(host(1), status(500));
    at(39_999);
    expect((d.refresh(), d.isEjected(host(1)))).toBe(true);
    at(40_000);
    expect((d.refresh(), d.isEjected(host(1)))).toBe(false);
  });

  it('caps the ejection time at max_ejection_time', () => {
    const { d, at } = detector({ ...od, max_ejection_time: s(60) });
    let t = 0;
    const ejectAndReturn = (): number => {
      d.report(host(1), status(500));
      const from = t;
      while (d.isEjected(host(1))) {
        t += 10_000;
        at(t);
        d.refresh();
      }
      return t - from;
    };
    expect([ejectAndReturn(), ejectAndReturn(), ejectAndReturn(), ejectAndReturn()]).toEqual([30_000, 60_000, 60_000, 60_000]);
  });

  it('forgets past ejections while the host stays healthy (the back-off decays one step per interval)', () => {
    const { d, at } = detector(od);
    d.report(host(1), status(500));
    at(30_000);
    d.refresh();
    d.report(host(1), status(500)); // 60 s
    at(90_000);
    d.refresh();
    expect(d.isEjected(host(1))).toBe(false);
    // Healthy for two intervals: the back-off goes 2 → 1 → 0, so the next ejection is base × 1 again.
    at(120_000);
    d.refresh();
    d.report(host(1), status(500));
    at(150_000);
    expect((d.refresh(), d.isEjected(host(1)))).toBe(false);
  });

  it('catches up after a long idle without a timer', () => {
    const { d, at } = detector(od);
    d.report(host(1), status(500));
    at(86_400_000);
    const start = performance.now();
    d.refresh();
    expect(performance.now() - start).toBeLessThan(50);
    expect(d.isEjected(host(1))).toBe(false);
  });

  it('resets the consecutive count on return, so one error does not eject again', () => {
    const { d, at } = detector({ ...od, consecutive_5xx: { value: 3 } });
    for (let i = 0; i < 5; i++) d.report(host(1), status(500)); // ejected at the third; two more while ejected
    at(30_000);
    d.refresh();
    d.report(host(1), status(500));
    expect(d.isEjected(host(1))).toBe(false);
  });
});

describe('outlier detection: success rate', () => {
  it('ejects a host whose success rate over the last interval is below mean − 1.9 × stdev', () => {
    const { d, at } = detector({ ...ALL, interval: s(10), consecutive_5xx: { value: 1000 } }, 5);
    at(1);
    for (let i = 1; i <= 5; i++) for (let r = 0; r < 100; r++) d.report(host(i), status(i === 5 && r % 2 === 0 ? 500 : 200));
    at(9_999);
    expect((d.refresh(), d.isEjected(host(5)))).toBe(false);
    at(10_000); // the tick closes the interval's bucket and judges it
    d.refresh();
    // Rates 100, 100, 100, 100, 50: mean 90, stdev 20, threshold 52.
    expect(d.successRate('external')).toEqual({ average: 90, ejectionThreshold: 52 });
    expect(d.isEjected(host(5))).toBe(true);
    expect(d.stats.enforced.success_rate).toBe(1);
    expect(d.host(host(1).key)?.successRate).toBe(100);
    // The next interval had no requests: no numbers.
    at(20_000);
    d.refresh();
    expect(d.successRate('external')).toEqual({ average: -1, ejectionThreshold: -1 });
  });
});

describe('outlier detection: configuration', () => {
  it('returns every host when outlier_detection is removed, and drops hosts that left', () => {
    const { d } = detector({ ...ALL, consecutive_5xx: { value: 1 } }, 3);
    d.report(host(1), status(500));
    d.report(host(2), status(500));
    d.configure(outlierConfig({ ...ALL, consecutive_5xx: { value: 1 } }), [host(1).key, host(3).key]);
    expect(d.isEjected(host(1))).toBe(true);
    expect(d.stats.ejectionsActive).toBe(1);
    d.configure(undefined, []);
    expect(d.isEjected(host(1))).toBe(false);
    expect(d.enabled).toBe(false);
    d.report(host(3), status(500));
    expect(d.isEjected(host(3))).toBe(false);
  });

  it('fills in Envoy defaults', () => {
    expect(outlierConfig({})).toMatchObject({
      intervalMs: 10_000,
      baseEjectionTimeMs: 30_000,
      maxEjectionTimeMs: 300_000,
      maxEjectionPercent: 10,
      consecutive5xx: 5,
      consecutiveGatewayFailure: 5,
      enforcingConsecutive5xx: 100,
      enforcingConsecutiveGatewayFailure: 0,
      enforcingSuccessRate: 100,
      successRateStdevFactor: 1.9,
      splitExternalLocalOriginErrors: false,
    });
    expect(outlierConfig(undefined)).toBeUndefined();
    expect(outlierConfig({ base_ejection_time: s(400) })?.maxEjectionTimeMs).toBe(400_000);
  });
});
