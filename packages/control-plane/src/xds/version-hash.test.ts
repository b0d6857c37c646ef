import { describe, expect, it } from 'vitest';
import { type AnyMessage, TYPE_URL } from '@weft/shared/xds';
import { hashResources } from './version-hash.js';

const any = (bytes: number[], typeUrl: string = TYPE_URL.CLUSTER): AnyMessage => ({ type_url: typeUrl, value: Uint8Array.from(bytes) });

describe('hashResources', () => {
  it('does not depend on map insertion order', () => {
    const a = new Map([['x', any([1])], ['y', any([2])]]);
    const b = new Map([['y', any([2])], ['x', any([1])]]);
    expect(hashResources(a)).toBe(hashResources(b));
    expect(hashResources(a)).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['a byte changes', new Map([['x', any([1])], ['y', any([3])]])],
    ['a resource is renamed', new Map([['x', any([1])], ['z', any([2])]])],
    ['a resource is added', new Map([['x', any([1])], ['y', any([2])], ['z', any([])]])],
    ['a resource is removed', new Map([['x', any([1])]])],
    ['the type URL changes', new Map([['x', any([1])], ['y', any([2], TYPE_URL.LISTENER)]])],
  ])('changes when %s', (_label, changed) => {
    const base = new Map([['x', any([1])], ['y', any([2])]]);
    expect(hashResources(changed)).not.toBe(hashResources(base));
  });

  it('gives an empty set a version of its own', () => {
    expect(hashResources(new Map())).toMatch(/^[0-9a-f]{16}$/);
  });
});
