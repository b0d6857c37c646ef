import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../registry/model.js';
import { isOwnEndpoint } from './lookup-own-endpoints.js';
import { createProxyView } from './proxy-view.js';

const ep = (workload: string, address: string, namespace = 'default'): Endpoint => ({
  hostname: 'reviews.default.svc.cluster.local',
  namespace,
  servicePortName: 'http',
  address,
  port: 9080,
  labels: {},
  locality: '',
  weight: 1,
  serviceAccount: 'default',
  network: '',
  healthy: true,
  workload,
});

describe('isOwnEndpoint', () => {
  const proxy = createProxyView('sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local');
  it.each([
    ['its WorkloadEntry', ep('WorkloadEntry/default/reviews-v1', '127.0.0.99'), true],
    ['an endpoint at its IP in its namespace', ep('ServiceEntry/default/reviews', '127.0.0.11'), true],
    ['its IP in another namespace', ep('ServiceEntry/prod/reviews', '127.0.0.11', 'prod'), false],
    ['another workload', ep('WorkloadEntry/default/reviews-v2', '127.0.0.12'), false],
  ])('%s: %s', (_what, endpoint, want) => {
    expect(isOwnEndpoint(endpoint, proxy)).toBe(want);
  });
});
