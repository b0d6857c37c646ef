import { describe, expect, it } from 'vitest';
import { type AnyMessage, TYPE_URL } from '@weft/shared/xds';
import { createSnapshot, selectResources } from './snapshot.js';
import { createSnapshotCache } from './snapshot-cache.js';

const any = (byte: number): AnyMessage => ({ type_url: TYPE_URL.CLUSTER, value: Uint8Array.from([byte]) });

describe('snapshot cache', () => {
  it('notifies the node watchers of exactly the types whose version changed', () => {
    const cache = createSnapshotCache();
    const seen: string[][] = [];
    const stop = cache.watch('node-a', (_s, changed) => seen.push([...changed].sort()));
    cache.watch('node-b', () => seen.push(['wrong node']));

    cache.setSnapshot('node-a', createSnapshot({ [TYPE_URL.CLUSTER]: [['c', any(1)]], [TYPE_URL.LISTENER]: [] }));
    cache.setSnapshot('node-a', createSnapshot({ [TYPE_URL.CLUSTER]: [['c', any(1)]], [TYPE_URL.LISTENER]: [] }));
    cache.setSnapshot('node-a', createSnapshot({ [TYPE_URL.CLUSTER]: [['c', any(2)]], [TYPE_URL.LISTENER]: [] }));
    // A type dropped from the snapshot is not a change to push.
    cache.setSnapshot('node-a', createSnapshot({ [TYPE_URL.CLUSTER]: [['c', any(2)]] }));
    stop();
    cache.setSnapshot('node-a', createSnapshot({ [TYPE_URL.CLUSTER]: [['c', any(3)]] }));

    expect(seen).toEqual([[TYPE_URL.CLUSTER, TYPE_URL.LISTENER].sort(), [TYPE_URL.CLUSTER]]);
    expect(cache.nodeIds()).toEqual(['node-a']);
    cache.clearSnapshot('node-a');
    expect(cache.getSnapshot('node-a')).toBeUndefined();
  });

  it('copies the input so later edits do not leak into a snapshot', () => {
    const input = new Map([['c', any(1)]]);
    const snapshot = createSnapshot({ [TYPE_URL.CLUSTER]: input });
    input.set('d', any(2));
    expect([...(snapshot.get(TYPE_URL.CLUSTER)?.resources.keys() ?? [])]).toEqual(['c']);
  });

  it.each([
    ['wildcard: everything, sorted by name', { wildcard: true, names: new Set<string>() }, ['a', 'b', 'c']],
    ['named: only the named ones that exist', { wildcard: false, names: new Set(['c', 'a', 'missing']) }, ['a', 'c']],
    ['named, nothing', { wildcard: false, names: new Set<string>() }, []],
  ])('selects resources (%s)', (_label, subscription, expected) => {
    const entry = createSnapshot({ [TYPE_URL.ENDPOINT]: [['c', any(3)], ['a', any(1)], ['b', any(2)]] }).get(TYPE_URL.ENDPOINT);
    if (!entry) throw new Error('missing entry');
    const bytes = selectResources(entry, subscription).map((r) => r.value[0]);
    expect(bytes).toEqual(expected.map((n) => ({ a: 1, b: 2, c: 3 })[n]));
  });
});
