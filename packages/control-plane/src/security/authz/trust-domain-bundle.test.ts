// Trust domain aliases (Istio trustdomain bundle_test.go's cases) and CIDR parsing (Go netip).

import { describe, expect, it } from 'vitest';
import { toAuthzCidrRange } from './authz-cidr.js';
import { createTrustDomainBundle, expandTrustDomainAliases, replaceTrustDomainAliases } from './trust-domain-bundle.js';

describe('replaceTrustDomainAliases', () => {
  const bundle = createTrustDomainBundle('td2', ['td1', 'td3']);
  it.each([
    ['a principal of a known trust domain becomes one per trust domain', ['td1/ns/foo/sa/bar'], ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar', 'td3/ns/foo/sa/bar']],
    ['cluster.local stands for the local trust domain', ['cluster.local/ns/foo/sa/bar'], ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar', 'td3/ns/foo/sa/bar']],
    ['an unknown trust domain is kept', ['other/ns/foo/sa/bar'], ['other/ns/foo/sa/bar']],
    ['a * trust domain is not enforced', ['*/ns/foo/sa/bar'], ['*/ns/foo/sa/bar']],
    ['a non-SPIFFE principal is kept', ['sa/bar'], ['sa/bar']],
    ['a *-suffixed trust domain keeps itself for the domains it covers', ['*d1/ns/foo/sa/bar'], ['td2/ns/foo/sa/bar', '*d1/ns/foo/sa/bar', 'td3/ns/foo/sa/bar']],
  ])('%s', (_n, input, want) => {
    expect(replaceTrustDomainAliases(bundle, input)).toEqual(want);
  });

  it('expandTrustDomainAliases: a known trust domain stands for all, without duplicates', () => {
    expect(expandTrustDomainAliases(bundle, ['td1', 'x', 'td3'])).toEqual(['td2', 'td1', 'td3', 'x']);
  });
});

describe('toAuthzCidrRange (Istio AddrStrToCidrRange, Go netip)', () => {
  it.each([
    ['1.2.3.4', { address_prefix: '1.2.3.4', prefix_len: { value: 32 } }],
    ['10.1.2.3/8', { address_prefix: '10.1.2.3', prefix_len: { value: 8 } }],
    ['2001:DB8:0:0:0:0:0:1', { address_prefix: '2001:db8::1', prefix_len: { value: 128 } }],
    ['2001:db8:0:1:0:0:1:0/64', { address_prefix: '2001:db8:0:1::1:0', prefix_len: { value: 64 } }],
    ['::ffff:10.0.0.1', { address_prefix: '::ffff:10.0.0.1', prefix_len: { value: 128 } }],
    ['1:0:0:1:0:0:0:1', { address_prefix: '1:0:0:1::1', prefix_len: { value: 128 } }],
  ])('%s', (input, want) => {
    expect(toAuthzCidrRange(input)).toEqual(want);
  });

  it.each(['', '1.2.3', '01.2.3.4', '1.2.3.256', '1.2.3.4/33', '1.2.3.4/08', '::1/129', 'fe80::1%eth0', 'host'])('refuses %j', (input) => {
    expect(typeof toAuthzCidrRange(input)).toBe('string');
  });
});
