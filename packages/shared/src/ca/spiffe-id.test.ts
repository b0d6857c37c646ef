import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSpiffeId, isSameIdentity, parseSpiffeId } from './spiffe-id.js';

describe('SPIFFE IDs', () => {
  it.each([
    ['spiffe://cluster.local/ns/default/sa/reviews', { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' }],
    ['spiffe://td/ns/a.b/sa/c_d-e', { trustDomain: 'td', namespace: 'a.b', serviceAccount: 'c_d-e' }],
  ])('parses %s', (uri, identity) => {
    expect(parseSpiffeId(uri)).toEqual(identity);
    expect(formatSpiffeId(identity)).toBe(uri);
  });

  it.each([
    'https://cluster.local/ns/default/sa/reviews',
    'spiffe://cluster.local/ns/default',
    'spiffe://cluster.local/ns/default/sa/reviews/extra',
    'spiffe://cluster.local/sa/default/ns/reviews',
    'spiffe://cluster.local/ns//sa/reviews',
    'spiffe://cluster.local/ns/../sa/reviews',
    'spiffe://Cluster.Local/ns/default/sa/reviews',
    'spiffe://cluster.local:8080/ns/default/sa/reviews',
    'spiffe://user@cluster.local/ns/default/sa/reviews',
    'spiffe://cluster.local/ns/default/sa/reviews?x=1',
    'spiffe:///ns/default/sa/reviews',
  ])('refuses %s', (uri) => {
    expect(parseSpiffeId(uri)).toBeUndefined();
  });

  it('parses back whatever it formats', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/), segment, segment, (trustDomain, namespace, serviceAccount) => {
        const id = { trustDomain, namespace, serviceAccount };
        const parsed = parseSpiffeId(formatSpiffeId(id));
        return parsed !== undefined && isSameIdentity(parsed, id);
      }),
    );
  });
});
