import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../balancer/picker.js';
import { breakerThresholds, ClusterCircuitBreaker, DEFAULT_BREAKER_THRESHOLDS } from './circuit-breaker.js';
import { createHostStats } from './host-stats.js';

describe('circuit breaker thresholds', () => {
  it.each([
    ['none: Envoy defaults', undefined, DEFAULT_BREAKER_THRESHOLDS],
    ['partial: defaults for the rest', [{ max_connections: { value: 100 }, max_retries: { value: 5 } }], { maxConnections: 100, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 5 }],
    ['HIGH only: DEFAULT gets Envoy defaults', [{ priority: 'HIGH', max_requests: { value: 1 } }], DEFAULT_BREAKER_THRESHOLDS],
    ['Istio maxima (uint32 max)', [{ max_connections: { value: 4294967295 }, max_pending_requests: { value: 4294967295 }, max_requests: { value: 4294967295 }, max_retries: { value: 4294967295 } }], { maxConnections: 4294967295, maxPendingRequests: 4294967295, maxRequests: 4294967295, maxRetries: 4294967295 }],
  ])('%s', (_name, thresholds, expected) => {
    expect(breakerThresholds(thresholds)).toEqual(expected);
  });
});

describe('circuit breaker', () => {
  type Kind = 'Request' | 'Pending' | 'Retry';
  it.each<[Kind, 'maxRequests' | 'maxPendingRequests' | 'maxRetries', 'rqPendingOverflow' | 'rqRetryOverflow']>([
    ['Request', 'maxRequests', 'rqPendingOverflow'],
    ['Pending', 'maxPendingRequests', 'rqPendingOverflow'],
    ['Retry', 'maxRetries', 'rqRetryOverflow'],
  ])('refuses the %s past its threshold and takes it again once one ends', (kind, field, overflow) => {
    const b = new ClusterCircuitBreaker();
    b.configure({ ...DEFAULT_BREAKER_THRESHOLDS, [field]: 2 });
    const start = (): boolean => b[`tryStart${kind}`]();
    const end = (): void => b[`end${kind}`]();
    expect([start(), start(), start()]).toEqual([true, true, false]);
    expect(b.stats[overflow]).toBe(1);
    end();
    expect(start()).toBe(true);
    end();
    end();
    end(); // one too many: counters never go negative
    expect([start(), start(), start()]).toEqual([true, true, false]);
  });

  it('limits connections and counts them per host', () => {
    const b = new ClusterCircuitBreaker();
    b.configure({ ...DEFAULT_BREAKER_THRESHOLDS, maxConnections: 1 });
    const stats = createHostStats();
    const e: Endpoint = { host: '10.0.0.1', port: 80, key: '10.0.0.1:80', weight: 1, locality: '//', stats, active: 0 };
    expect(b.maxConnections).toBe(1);
    expect(b.tryOpenConnection(e)).toBe(true);
    expect(b.tryOpenConnection(e)).toBe(false);
    expect(b.stats.cxOverflow).toBe(1);
    expect(stats).toMatchObject({ cxTotal: 1, cxActive: 1 });
    b.closeConnection(e);
    expect(stats.cxActive).toBe(0);
    expect(b.tryOpenConnection(e)).toBe(true);
  });

  it('keeps its counters when the thresholds change', () => {
    const b = new ClusterCircuitBreaker();
    b.configure({ ...DEFAULT_BREAKER_THRESHOLDS, maxRequests: 3 });
    b.tryStartRequest();
    b.tryStartRequest();
    b.configure({ ...DEFAULT_BREAKER_THRESHOLDS, maxRequests: 2 });
    expect(b.tryStartRequest()).toBe(false);
  });

  it('with a retry budget allows budget_percent of active + pending requests, at least min_retry_concurrency', () => {
    const b = new ClusterCircuitBreaker();
    b.configure(breakerThresholds([{ retry_budget: { budget_percent: { value: 25 }, min_retry_concurrency: { value: 1 } } }]));
    expect(b.maxRetries).toBe(1);
    for (let i = 0; i < 8; i++) b.tryStartRequest();
    expect(b.maxRetries).toBe(2);
    expect([b.tryStartRetry(), b.tryStartRetry(), b.tryStartRetry()]).toEqual([true, true, false]);
    expect(breakerThresholds([{ retry_budget: {} }]).retryBudget).toEqual({ budgetPercent: 20, minRetryConcurrency: 3 });
  });
});
