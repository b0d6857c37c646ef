// The pack memo returns the same packed bytes as packAny, reuses them for equal content, forgets
// what two rotations did not use, and never hides a packing error.

import { describe, expect, it } from 'vitest';
import { packAny, TYPE_URL } from '@weft/shared/xds';
import { PackMemo } from './pack-memo.js';

const cluster = (name: string, ms = 250) => ({ name, type: 'STATIC', connect_timeout: { seconds: '0', nanos: ms * 1e6 } });

describe('PackMemo', () => {
  it('packs like packAny and reuses equal content', () => {
    const memo = new PackMemo();
    const a = memo.pack(TYPE_URL.CLUSTER, cluster('a'));
    expect(Buffer.from(a.value)).toEqual(Buffer.from(packAny(TYPE_URL.CLUSTER, cluster('a')).value));
    expect(memo.pack(TYPE_URL.CLUSTER, cluster('a'))).toBe(a);
    expect(memo.pack(TYPE_URL.CLUSTER, cluster('a', 500))).not.toBe(a);
    expect({ hits: memo.hits, misses: memo.misses }).toEqual({ hits: 1, misses: 2 });
  });

  it('packs route configurations a virtual host at a time, to the same bytes as packAny', () => {
    const memo = new PackMemo();
    const vhost = (name: string, cluster: string) => ({ name, domains: [name, `${name}:9080`], routes: [{ match: { prefix: '/' }, route: { cluster, timeout: { seconds: '0' } } }] });
    // Long enough for multi-byte lengths (a 200-byte domain list per host, 300 hosts).
    const hosts = Array.from({ length: 300 }, (_, i) => vhost(`svc-${i}.ns.svc.cluster.local${'.x'.repeat(i % 100)}`, `outbound|9080||svc-${i}`));
    const config = (h: object[], name = '9080') => ({ name, virtual_hosts: h, validate_clusters: { value: false }, max_direct_response_body_size_bytes: { value: 1048576 } });
    for (const c of [config(hosts), config(hosts, ''), config([]), config(hosts.slice(0, 1), 'x'.repeat(300))]) {
      expect(Buffer.from(memo.pack(TYPE_URL.ROUTE, c).value)).toEqual(Buffer.from(packAny(TYPE_URL.ROUTE, c).value));
    }
    // One host changed: only that host (and the configuration around it) is packed again.
    const before = memo.misses;
    const edited = config(hosts.map((h, i) => (i === 7 ? vhost(h.name, 'outbound|9080|v2|svc-7') : h)));
    const packed = memo.pack(TYPE_URL.ROUTE, edited);
    expect(Buffer.from(packed.value)).toEqual(Buffer.from(packAny(TYPE_URL.ROUTE, edited).value));
    expect(memo.misses - before).toBe(2);
    expect(memo.pack(TYPE_URL.ROUTE, config(hosts.map((h, i) => (i === 7 ? vhost(h.name, 'outbound|9080|v2|svc-7') : h))))).toBe(packed);
    // An unknown field in one virtual host is still refused.
    expect(() => memo.pack(TYPE_URL.ROUTE, config([{ ...vhost('a', 'b'), bogus: 1 }]))).toThrow(/bogus/);
  });

  it('keeps entries used in the last generation and drops the rest', () => {
    const memo = new PackMemo();
    const a = memo.pack(TYPE_URL.CLUSTER, cluster('a'));
    const b = memo.pack(TYPE_URL.CLUSTER, cluster('b'));
    memo.rotate();
    expect(memo.pack(TYPE_URL.CLUSTER, cluster('a'))).toBe(a); // used again: carried into this generation
    memo.rotate();
    expect(memo.pack(TYPE_URL.CLUSTER, cluster('a'))).toBe(a);
    expect(memo.pack(TYPE_URL.CLUSTER, cluster('b'))).not.toBe(b); // unused for a whole generation: repacked
  });

  it('throws every time for a resource packAny rejects', () => {
    const memo = new PackMemo();
    const bad = { name: 'x', no_such_field: 1 };
    expect(() => memo.pack(TYPE_URL.CLUSTER, bad)).toThrow();
    expect(() => memo.pack(TYPE_URL.CLUSTER, bad)).toThrow();
  });
});
