import { describe, expect, it } from 'vitest';
import { layoutGraph } from './layout.js';

const graph = (edges: [string, string][]) => ({ nodes: [...new Set(edges.flat())].map((id) => ({ id })), edges: edges.map(([source, target]) => ({ source, target })) });

describe('layoutGraph', () => {
  it('puts bookinfo in columns by longest path: gateway, productpage, details/reviews, ratings', () => {
    const l = layoutGraph(graph([['gw', 'pp'], ['pp', 'details'], ['pp', 'r1'], ['pp', 'r2'], ['pp', 'r3'], ['r2', 'ratings'], ['r3', 'ratings']]));
    expect(Object.fromEntries(l.ranks)).toEqual({ gw: 0, pp: 1, details: 2, r1: 2, r2: 2, r3: 2, ratings: 3 });
    const ys = ['details', 'r1', 'r2', 'r3'].map((id) => l.positions.get(id)?.y ?? NaN);
    expect(new Set(ys).size).toBe(4);
    expect(l.positions.get('gw')?.x).toBeLessThan(l.positions.get('pp')?.x ?? 0);
  });

  it('survives cycles and self loops, and places every node', () => {
    const l = layoutGraph(graph([['a', 'b'], ['b', 'a'], ['c', 'c']]));
    expect(l.positions.size).toBe(3);
    expect(l.ranks.get('a')).toBe(0);
    expect(l.ranks.get('b')).toBe(1);
  });

  it('is deterministic', () => {
    const g = graph([['x', 'y'], ['x', 'z'], ['z', 'w'], ['y', 'w']]);
    expect([...layoutGraph(g).positions]).toEqual([...layoutGraph(g).positions]);
  });
});
