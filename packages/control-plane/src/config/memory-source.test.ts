import { describe, expect, it } from 'vitest';
import { ConfigStore, type ConfigEvent } from './config-store.js';
import { MemorySource } from './memory-source.js';

const dr = (name: string, host: string, extra: Record<string, unknown> = {}, namespace?: string) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { host, ...extra },
});

describe('MemorySource', () => {
  it('applies valid resources under its source id, namespace defaulting to default', () => {
    const store = new ConfigStore();
    const events: ConfigEvent[] = [];
    store.subscribe((e) => events.push(...e));
    const memory = new MemorySource(store);
    const result = memory.apply(dr('reviews', 'reviews'), dr('ratings', 'ratings', {}, 'bookinfo'));
    expect(result).toEqual({ ok: true, findings: [], applied: [{ kind: 'DestinationRule', namespace: 'default', name: 'reviews' }, { kind: 'DestinationRule', namespace: 'bookinfo', name: 'ratings' }] });
    expect(store.list().map((e) => [e.ref.namespace, e.ref.name, e.origin.source])).toEqual([
      ['bookinfo', 'ratings', 'memory'],
      ['default', 'reviews', 'memory'],
    ]);
    expect(events.map((e) => e.type)).toEqual(['added', 'added']);
  });

  it('refuses the whole call when one resource is invalid, and says why', () => {
    const store = new ConfigStore();
    const memory = new MemorySource(store);
    const result = memory.apply(dr('reviews', 'reviews'), dr('ratings', 'ratings', { trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } }));
    expect(result.ok).toBe(false);
    expect(result.applied).toEqual([]);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ file: 'memory', kind: 'DestinationRule', namespace: 'default', name: 'ratings', path: 'spec.trafficPolicy.loadBalancer.simple', severity: 'error' }),
    );
    expect(store.list()).toEqual([]);
  });

  it('replaces a resource by ref, deletes and clears', () => {
    const store = new ConfigStore();
    const memory = new MemorySource(store, 'memory:test');
    memory.apply(dr('reviews', 'reviews'));
    memory.apply(dr('reviews', 'reviews.other'));
    expect(store.list().map((e) => (e.resource.spec as { host: string }).host)).toEqual(['reviews.other']);
    expect(memory.delete({ kind: 'DestinationRule', namespace: 'default', name: 'reviews' })).toBe(true);
    expect(memory.delete({ kind: 'DestinationRule', namespace: 'default', name: 'reviews' })).toBe(false);
    memory.apply(dr('a', 'a'));
    memory.clear();
    expect(store.list()).toEqual([]);
  });
});
