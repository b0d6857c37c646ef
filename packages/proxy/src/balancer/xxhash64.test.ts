import { describe, expect, it } from 'vitest';
import { hex64, xxHash64, xxHash64Concat } from './xxhash64.js';

// Reference values computed with the system's libxxhash (the reference C implementation) through
// ctypes: XXH64(bytes, len, seed).
const VECTORS: readonly [string, bigint, bigint][] = [
  ['', 0n, 0xef46db3751d8e999n],
  ['a', 0n, 0xd24ec4f1a98c6e5bn],
  ['abc', 0n, 0x44bc2cf5ad770999n],
  ['Nobody inspects the spammish repetition', 0n, 0xfbcea83c8a378bf1n],
  ['10.0.0.1:9080_0', 0n, 0x9cb414e8399577bcn],
  ['10.0.0.1:9080', 1n, 0x6d8db43477bef1b6n],
  ['x'.repeat(100), 0n, 0x92f0de5a88a3c094n],
  ['abc', 0x9e3779b97f4a7c15n, 0x2ed0f59d6b43ac8bn],
];

describe('xxHash64', () => {
  it.each(VECTORS)('XXH64(%j, seed %s) matches the reference implementation', (input, seed, expected) => {
    expect(xxHash64(input, seed)).toBe(expected);
  });

  it('hashes a list of strings as their concatenation', () => {
    expect(xxHash64Concat(['foo', 'bar'])).toBe(0xa2aa05ed9085aaf9n);
    expect(xxHash64Concat(['bar', 'foo'])).toBe(0x98430081820ed765n);
    expect(xxHash64Concat(['abc'])).toBe(xxHash64('abc'));
  });

  it('prints 16 hex digits', () => {
    expect(hex64(0xabn)).toBe('00000000000000ab');
    expect(hex64(0xef46db3751d8e999n)).toBe('ef46db3751d8e999');
  });
});
