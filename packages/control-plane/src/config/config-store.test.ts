import { describe, expect, it } from 'vitest';
import { ConfigStore, type ConfigEntry, type ConfigEvent } from './config-store.js';

function vs(name: string, host: string, namespace = 'default', source = 'memory'): ConfigEntry {
  return {
    ref: { kind: 'VirtualService', namespace, name },
    apiVersion: 'networking.istio.io/v1',
    resource: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace }, spec: { hosts: [host] } },
    origin: { source },
  };
}

describe('ConfigStore', () => {
  it('reports added, updated and deleted resources per replacement, and nothing for no-ops', () => {
    const store = new ConfigStore();
    const seen: ConfigEvent[][] = [];
    store.subscribe((e) => seen.push([...e]));
    expect(store.replaceSource('a', [vs('r1', 'reviews'), vs('r2', 'ratings')]).map((e) => e.type)).toEqual(['added', 'added']);
    expect(store.replaceSource('a', [vs('r1', 'reviews'), vs('r2', 'ratings')])).toEqual([]);
    const changes = store.replaceSource('a', [vs('r1', 'reviews.v2')]);
    expect(changes).toEqual([
      { type: 'updated', ref: { kind: 'VirtualService', namespace: 'default', name: 'r1' } },
      { type: 'deleted', ref: { kind: 'VirtualService', namespace: 'default', name: 'r2' } },
    ]);
    expect(seen).toHaveLength(2);
  });

  it('merges sources; the first source by id wins a duplicate and the conflict is recorded', () => {
    const store = new ConfigStore();
    store.replaceSource('file:b.yaml', [vs('r1', 'from-b', 'default', 'file:b.yaml')]);
    store.replaceSource('file:a.yaml', [vs('r1', 'from-a', 'default', 'file:a.yaml')]);
    const entry = store.get({ kind: 'VirtualService', namespace: 'default', name: 'r1' });
    expect((entry?.resource.spec as { hosts: string[] }).hosts).toEqual(['from-a']);
    expect(store.conflicts()).toHaveLength(1);
    expect(store.conflicts()[0]?.loser.source).toBe('file:b.yaml');
    store.removeSource('file:a.yaml');
    expect((store.get({ kind: 'VirtualService', namespace: 'default', name: 'r1' })?.resource.spec as { hosts: string[] }).hosts).toEqual(['from-b']);
    expect(store.conflicts()).toEqual([]);
  });

  it('lists by kind and namespace and hands out frozen copies', () => {
    const store = new ConfigStore();
    const input = vs('r1', 'reviews', 'bookinfo');
    store.replaceSource('m', [input, vs('r2', 'ratings')]);
    expect(store.list('VirtualService', 'bookinfo').map((e) => e.ref.name)).toEqual(['r1']);
    expect(store.list().map((e) => e.ref.name)).toEqual(['r1', 'r2']); // bookinfo sorts before default
    const stored = store.list('VirtualService', 'bookinfo')[0];
    expect(Object.isFrozen(stored?.resource.spec)).toBe(true);
    (input.resource.spec as { hosts: string[] }).hosts.push('mutated');
    expect((stored?.resource.spec as { hosts: string[] }).hosts).toEqual(['reviews']);
  });
});
