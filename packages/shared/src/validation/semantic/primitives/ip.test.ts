import { describe, expect, it } from 'vitest';
import { isCidr, isIPAddress, validateIPSubnet } from './ip.js';

describe('isIPAddress (Go netip.ParseAddr)', () => {
  it.each([
    ['1.2.3.4', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['01.2.3.4', false],
    ['1.2.3', false],
    ['::1', true],
    ['::', true],
    ['2001:db8::1', true],
    ['fe80::1%eth0', true],
    ['::ffff:1.2.3.4', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    ['g::1', false],
    ['example.com', false],
    ['', false],
  ])('%s', (s, want) => expect(isIPAddress(s)).toBe(want));
});

describe('CIDR', () => {
  it.each([
    ['10.0.0.0/8', true],
    ['10.0.0.0/33', false],
    ['2001:db8::/32', true],
    ['2001:db8::/129', false],
    ['10.0.0.0/', false],
    ['10.0.0.0/08', false],
  ])('%s', (s, want) => expect(isCidr(s)).toBe(want));

  it.each([
    ['10.0.0.0/8', undefined],
    ['10.0.0.1', undefined],
    ['10.0.0.1/40', '10.0.0.1/40 is not a valid CIDR block'],
    ['nope', 'nope is not a valid IP'],
  ])('validateIPSubnet %s', (s, want) => expect(validateIPSubnet(s)).toBe(want));
});
