import { describe, expect, it } from 'vitest';
import { hostsOverlap, isHostSubsetOf, mostSpecificHostMatch, resolveHost } from './lookup-host-names.js';

describe('resolveHost', () => {
  it.each([
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews', 'prod', 'reviews.prod.svc.cluster.local'],
    ['reviews.prod', 'default', 'reviews.prod'],
    ['reviews.default.svc.cluster.local', 'prod', 'reviews.default.svc.cluster.local'],
    ['*', 'default', '*'],
    ['*.example.com', 'default', '*.example.com'],
    ['10.0.0.1', 'default', '10.0.0.1'],
    ['::1', 'default', '::1'],
  ])('%s in %s → %s', (host, ns, want) => {
    expect(resolveHost(host, ns, 'cluster.local')).toBe(want);
  });
});

describe('host matching', () => {
  it.each([
    ['a.example.com', 'a.example.com', true, true],
    ['a.example.com', '*.example.com', true, true],
    ['*.example.com', 'a.example.com', true, false],
    ['*.a.example.com', '*.example.com', true, true],
    ['*.example.com', '*.a.example.com', true, false],
    ['a.example.com', '*', true, true],
    ['a.example.com', 'b.example.com', false, false],
    ['a.example.org', '*.example.com', false, false],
  ])('%s vs %s: overlap %s, subset %s', (a, b, overlap, subset) => {
    expect(hostsOverlap(a, b)).toBe(overlap);
    expect(hostsOverlap(b, a)).toBe(overlap);
    expect(isHostSubsetOf(a, b)).toBe(subset);
  });

  it.each([
    ['a.b.example.com', ['*', '*.example.com', '*.b.example.com'], '*.b.example.com'],
    ['a.b.example.com', ['*', 'a.b.example.com', '*.b.example.com'], 'a.b.example.com'],
    ['a.b.example.com', ['*', '*.com'], '*.com'],
    ['a.b.example.com', ['x.example.com'], undefined],
    ['*.example.com', ['a.example.com', '*.com'], '*.com'],
    ['*.example.com', ['*.example.com', '*.com'], '*.example.com'],
  ])('most specific match for %s in %j is %s', (host, candidates, want) => {
    expect(mostSpecificHostMatch(host, candidates)).toBe(want);
  });
});
