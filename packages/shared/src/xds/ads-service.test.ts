// DiscoveryRequest decoding: the hand-decoded path for ACK-shaped requests gives what protobufjs
// gives, remembers long name lists by content, and leaves anything else to protobufjs.

import { describe, expect, it } from 'vitest';
import { adsServiceDefinition, type DiscoveryRequest } from './ads-service.js';
import { TYPE_URL } from './type-urls.js';

const { requestSerialize, requestDeserialize } = adsServiceDefinition().StreamAggregatedResources;
const request = (r: Partial<DiscoveryRequest>): DiscoveryRequest => ({ version_info: '', node: undefined, resource_names: [], type_url: TYPE_URL.ENDPOINT, response_nonce: '', error_detail: undefined, ...r });
const names = (n: number, prefix = 'outbound|9080||svc') => Array.from({ length: n }, (_, i) => `${prefix}-${i}.ns-${i % 7}.svc.cluster.local`);
const roundTrip = (r: DiscoveryRequest): DiscoveryRequest => requestDeserialize(requestSerialize(r));

describe('DiscoveryRequest decoding', () => {
  it.each([
    ['an ACK with many names', request({ version_info: 'v1', response_nonce: 'n-1', resource_names: names(300) })],
    ['an ACK with a few names', request({ version_info: 'v2', response_nonce: 'n-2', resource_names: ['a', 'ü-ñ', ''] })],
    ['a wildcard subscription', request({ type_url: TYPE_URL.CLUSTER })],
    ['a first request with a node', request({ node: { id: 'sidecar~10.0.0.1~a.ns~ns.svc.cluster.local', cluster: 'a' }, resource_names: names(100) })],
    ['a NACK', request({ version_info: 'v1', response_nonce: 'n-3', resource_names: names(100), error_detail: { code: 3, message: 'bad cluster' } })],
  ])('decodes %s as sent', (_name, sent) => {
    const got = roundTrip(sent);
    expect({ ...got, node: got.node ? { id: got.node.id, cluster: got.node.cluster } : undefined }).toEqual(sent);
  });

  it('gives the same frozen list for the same long list of names, and a new one for another', () => {
    const a = roundTrip(request({ version_info: 'v1', response_nonce: 'n-1', resource_names: names(300) }));
    const b = roundTrip(request({ version_info: 'v2', response_nonce: 'n-9', resource_names: names(300) }));
    const c = roundTrip(request({ version_info: 'v2', response_nonce: 'n-9', resource_names: names(300, 'outbound|8080||svc') }));
    expect(b.resource_names).toBe(a.resource_names);
    expect(Object.isFrozen(a.resource_names)).toBe(true);
    expect(c.resource_names).not.toBe(a.resource_names);
    expect(c.resource_names[0]).toBe('outbound|8080||svc-0.ns-0.svc.cluster.local');
  });

  it('decodes names interleaved with other fields (legal protobuf) through protobufjs', () => {
    const field = (n: number, s: string): Buffer => {
      const bytes = Buffer.from(s, 'utf8');
      return Buffer.concat([Buffer.of((n << 3) | 2, bytes.length), bytes]);
    };
    const bytes = Buffer.concat([field(3, 'a'), field(4, TYPE_URL.ROUTE), field(3, 'b'), field(5, 'n-1')]);
    expect(requestDeserialize(bytes)).toEqual(request({ type_url: TYPE_URL.ROUTE, resource_names: ['a', 'b'], response_nonce: 'n-1' }));
  });
});
