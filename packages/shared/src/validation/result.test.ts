import { describe, expect, it } from 'vitest';
import { Collector, joinPath } from './result.js';

describe('joinPath', () => {
  it.each([
    ['', 'spec', 'spec'],
    ['spec', 'hosts', 'spec.hosts'],
    ['spec.hosts', 0, 'spec.hosts[0]'],
    ['spec.selector.matchLabels', 'app.kubernetes.io/name', 'spec.selector.matchLabels["app.kubernetes.io/name"]'],
  ])('joins %j and %j', (parent, child, want) => {
    expect(joinPath(parent, child)).toBe(want);
  });
});

describe('Collector', () => {
  it('keeps errors and warnings apart and returns copies', () => {
    const c = new Collector();
    c.error('WEFT_ERR_SEMANTIC', 'spec.hosts', 'bad');
    c.warn('WEFT_ERR_SEMANTIC', 'spec', 'deprecated');
    const r = c.result();
    c.error('WEFT_ERR_SEMANTIC', 'x', 'later');
    expect(r.errors).toHaveLength(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.errors[0]?.path).toBe('spec.hosts');
  });
});
