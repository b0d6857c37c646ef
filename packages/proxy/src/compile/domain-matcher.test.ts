import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileDomainMatcher } from './domain-matcher.js';

const match = compileDomainMatcher([
  [['*'], 'any'],
  [['*.example.com'], 'suffix-short'],
  [['*.api.example.com'], 'suffix-long'],
  [['api.*'], 'prefix-short'],
  [['api.example.*'], 'prefix-long'],
  [['api.example.com', 'Reviews'], 'exact'],
]);

describe('compileDomainMatcher (Envoy order: exact, longest suffix, longest prefix, *)', () => {
  it.each([
    ['api.example.com', 'exact'],
    ['reviews', 'exact'],
    ['v1.api.example.com', 'suffix-long'],
    ['www.example.com', 'suffix-short'],
    ['api.example.org', 'prefix-long'],
    ['api.other', 'prefix-short'],
    ['.example.com', 'any'],
    ['elsewhere', 'any'],
  ])('%s → %s', (host, want) => {
    expect(match(host)).toBe(want);
  });

  it('has no fallback without *', () => {
    expect(compileDomainMatcher([[['a'], 1]])('b')).toBeUndefined();
  });
});

describe('compileDomainMatcher against a brute-force reference (property)', () => {
  // Envoy's rule written the slow way: rank every matching domain, best rank wins, config order breaks ties.
  function reference(domains: readonly string[], host: string): number | undefined {
    let best: { rank: number; length: number; index: number } | undefined;
    domains.forEach((d, index) => {
      let rank: number | undefined;
      let length = 0;
      if (d === host) rank = 0;
      else if (d === '*') rank = 3;
      else if (d.startsWith('*') && host.length > d.length - 1 && host.endsWith(d.slice(1))) [rank, length] = [1, d.length];
      else if (d.endsWith('*') && !d.startsWith('*') && host.length > d.length - 1 && host.startsWith(d.slice(0, -1))) [rank, length] = [2, d.length];
      if (rank === undefined) return;
      if (!best || rank < best.rank || (rank === best.rank && length > best.length)) best = { rank, length, index };
    });
    return best?.index;
  }

  it('picks what the reference picks', () => {
    const label = fc.constantFrom('a', 'b', 'ab', 'a.b', 'b.a');
    const domain = fc.oneof(label, label.map((l) => `*${l}`), label.map((l) => `${l}*`), fc.constant('*'));
    fc.assert(
      fc.property(fc.uniqueArray(domain, { maxLength: 6 }), fc.oneof(label, fc.constant('a.b.a'), fc.constant('x')), (domains, host) => {
        const match = compileDomainMatcher(domains.map((d, i) => [[d], i] as const));
        expect(match(host)).toBe(reference(domains, host));
      }),
    );
  });
});
