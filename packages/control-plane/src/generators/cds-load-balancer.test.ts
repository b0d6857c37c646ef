import { describe, expect, it } from 'vitest';
import { packAny, TYPE_URL } from '@weft/shared/xds';
import { hashPolicyFor, routeHashPolicy } from './cds-load-balancer.js';

/** Proves hash policies are valid Envoy by packing them in a route. */
function packInRoute(hashPolicy: Record<string, unknown>[]): void {
  packAny(TYPE_URL.ROUTE, { name: 't', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', hash_policy: hashPolicy } }] }] });
}

describe('hashPolicyFor', () => {
  it.each([
    ['header', { httpHeaderName: 'x-user' }, [{ header: { header_name: 'x-user' } }]],
    ['cookie with path and ttl', { httpCookie: { name: 'session', path: '/', ttl: '0s' } }, [{ cookie: { name: 'session', path: '/', ttl: { seconds: '0' } } }]],
    ['cookie with attributes', { httpCookie: { name: 's', ttl: '1h', attributes: [{ name: 'SameSite', value: 'Strict' }] } }, [{ cookie: { name: 's', ttl: { seconds: '3600' }, attributes: [{ name: 'SameSite', value: 'Strict' }] } }]],
    ['source IP', { useSourceIp: true }, [{ connection_properties: { source_ip: true } }]],
    ['query parameter', { httpQueryParameterName: 'user' }, [{ query_parameter: { name: 'user' } }]],
    ['no key', { ringHash: { minimumRingSize: 8 } }, []],
  ])('%s', (_t, consistentHash, want) => {
    const got = hashPolicyFor({ loadBalancer: { consistentHash } }, 9080);
    expect(got).toEqual(want);
    packInRoute(got);
  });

  it('is empty without consistentHash or policy', () => {
    expect(hashPolicyFor(undefined, 80)).toEqual([]);
    expect(hashPolicyFor({ loadBalancer: { simple: 'RANDOM' } }, 80)).toEqual([]);
  });

  it('honours port-level settings', () => {
    const policy = { loadBalancer: { consistentHash: { httpHeaderName: 'a' } }, portLevelSettings: [{ port: { number: 81 }, loadBalancer: { consistentHash: { httpHeaderName: 'b' } } }] };
    expect(hashPolicyFor(policy, 80)).toEqual([{ header: { header_name: 'a' } }]);
    expect(hashPolicyFor(policy, 81)).toEqual([{ header: { header_name: 'b' } }]);
  });

  it('routeHashPolicy uses the subset policy like the subset cluster', () => {
    const rule = { host: 'r', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'top' } } }, subsets: [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } }] };
    expect(routeHashPolicy(rule, undefined, 80)).toEqual([{ header: { header_name: 'top' } }]);
    expect(routeHashPolicy(rule, 'v2', 80)).toEqual([{ connection_properties: { source_ip: true } }]);
    expect(routeHashPolicy(undefined, 'v2', 80)).toEqual([]);
  });
});
