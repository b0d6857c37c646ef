import { describe, expect, it } from 'vitest';
import {
  hostMatches,
  hostSubsetOf,
  validateFQDN,
  validateNamespaceSlashWildcardHostname,
  validateWildcardDomain,
  validateWildcardDomainForVirtualServiceBoundToGateway,
} from './hosts.js';

describe('validateFQDN / validateWildcardDomain (Istio ValidateFQDN / ValidateWildcardDomain)', () => {
  it.each([
    ['istio.io', undefined, undefined],
    ['istio.io.', undefined, undefined],
    ['Istio.IO', undefined, undefined],
    ['reviews', undefined, undefined],
    ['', 'empty domain name not allowed', 'empty domain name not allowed'],
    ['a'.repeat(256), 'too long (max 255)', 'too long (max 255)'],
    ['1.2.3.4', 'top level domain "4" cannot be all-numeric', 'top level domain "4" cannot be all-numeric'],
    ['*.istio.io', 'label "*" invalid', undefined],
    ['*', 'label "*" invalid', undefined],
    ['*foo.istio.io', 'label "*foo" invalid', undefined],
    ['foo.*.io', 'label "*" invalid', 'label "*" invalid'],
    ['foo_bar.io', 'label "foo_bar" invalid', 'label "foo_bar" invalid'],
    ['-foo.io', 'label "-foo" invalid', 'label "-foo" invalid'],
    [`${'a'.repeat(64)}.io`, 'invalid', 'invalid'],
  ])('%s', (host, fqdn, wildcard) => {
    const f = validateFQDN(host);
    const w = validateWildcardDomain(host);
    if (fqdn === undefined) expect(f).toBeUndefined();
    else expect(f).toContain(fqdn);
    if (wildcard === undefined) expect(w).toBeUndefined();
    else expect(w).toContain(wildcard);
  });
});

describe('validateWildcardDomainForVirtualServiceBoundToGateway', () => {
  it.each([
    [true, 'outbound_.80_._.e2e.foobar.mesh', undefined],
    [true, 'outbound_.80_', "should follow 'outbound_.<PORT>_._.<HOSTNAME>' format"],
    [true, 'outbound_.80_._', 'should follow outbound_.<PORT>_._.<HOSTNAME> format'],
    [true, 'outbound_.abc_._.host.com', 'should follow outbound_.<PORT>_._.<HOSTNAME> format'],
    [false, 'outbound_.80_._.e2e.foobar.mesh', 'invalid'],
    [true, '*.example.com', undefined],
  ] as const)('sni=%s %s', (sni, host, want) => {
    const e = validateWildcardDomainForVirtualServiceBoundToGateway(sni, host);
    if (want === undefined) expect(e).toBeUndefined();
    else expect(e).toContain(want);
  });
});

describe('validateNamespaceSlashWildcardHostname', () => {
  it.each([
    ['ns/foo.com', false, []],
    ['*/*', false, []],
    ['./*.foo.com', false, []],
    ['~/*', false, []],
    ['foo.com', false, ['host must be of form namespace/dnsName']],
    ['ns/foo', false, ['short names (non FQDN) are not allowed']],
    ['ns/foo_bar.com', false, ['domain name "foo_bar.com" invalid (label "foo_bar" invalid)']],
    ['NS_x/foo.com', false, ['invalid namespace value "NS_x" in sidecar']],
    ['/foo.com', false, ['config namespace and dnsName in host entry cannot be empty']],
    ['foo.com', true, []],
    ['10.1.1.1', true, []],
    ['~/foo.com', true, ['invalid namespace value "~" in gateway']],
    ['ns/*.foo.com', true, []],
    ['ns/foo.*.com', true, ['partial wildcard "foo.*.com" not allowed']],
  ] as const)('%s (gateway=%s)', (host, isGateway, want) => {
    const errs = validateNamespaceSlashWildcardHostname(host, isGateway);
    expect(errs.length).toBe(want.length === 0 ? 0 : errs.length);
    for (const w of want) expect(errs.join('\n')).toContain(w);
    if (want.length === 0) expect(errs).toEqual([]);
  });

  it('accepts ~ in a gateway with Gateway API semantics', () => {
    expect(validateNamespaceSlashWildcardHostname('~/foo.com', true, true)).toEqual([]);
  });
});

describe('host matching (Istio host.Name)', () => {
  it.each([
    ['*.foo.com', '*.com', true, false],
    ['*.com', '*.foo.com', false, true],
    ['a.foo.com', '*.foo.com', true, true],
    ['*.foo.com', 'a.foo.com', false, true],
    ['a.com', 'a.com', true, true],
    ['a.com', 'b.com', false, false],
  ])('%s vs %s', (a, b, subset, matches) => {
    expect(hostSubsetOf(a, b)).toBe(subset);
    expect(hostMatches(a, b)).toBe(matches || subset);
  });
});
