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
