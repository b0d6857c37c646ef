import { describe, expect, it } from 'vitest';
import { inboundClusterName, outboundClusterName, parseClusterName } from './cluster-names.js';

describe('cluster names', () => {
  it.each([
    [outboundClusterName(9080, 'v1', 'reviews.default.svc.cluster.local'), 'outbound|9080|v1|reviews.default.svc.cluster.local', { direction: 'outbound', port: 9080, subset: 'v1', host: 'reviews.default.svc.cluster.local' }],
    [outboundClusterName(443, undefined, 'api.example.com'), 'outbound|443||api.example.com', { direction: 'outbound', port: 443, subset: '', host: 'api.example.com' }],
    [inboundClusterName(9080), 'inbound|9080||', { direction: 'inbound', port: 9080, subset: '', host: '' }],
  ])('%s', (name, want, parsed) => {
    expect(name).toBe(want);
    expect(parseClusterName(name)).toEqual(parsed);
  });
  it.each(['BlackHoleCluster', 'outbound|x||h', 'sideways|80||h', 'outbound|80|h'])('%s is not an Istio service cluster', (name) => {
    expect(parseClusterName(name)).toBeUndefined();
  });
});
