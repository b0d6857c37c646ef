import { describe, expect, it } from 'vitest';
import { cidrContains, isAnyAddress, isLoopback, parseIp } from './ip-cidr.js';

describe('parseIp', () => {
  it.each([
    ['10.1.2.3', 4, 0x0a010203n],
    ['0.0.0.0', 4, 0n],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['[::1]', 6, 1n],
    ['fe80::1%eth0', 6, (0xfe80n << 112n) | 1n],
    ['::ffff:1.2.3.4', 6, (0xffffn << 32n) | 0x01020304n],
    ['2001:db8:0:0:0:0:0:1', 6, (0x2001n << 112n) | (0xdb8n << 96n) | 1n],
  ])('%s', (text, family, bits) => {
    expect(parseIp(text)).toEqual({ family, bits });
  });

  it.each(['256.1.1.1', '1.2.3', 'reviews', '1::2::3', '1:2:3:4:5:6:7:8:9', '', '12345::'])('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('cidrContains', () => {
  it.each([
    ['10.0.0.0', 8, '10.200.1.1', true],
    ['10.0.0.0', 8, '11.0.0.1', false],
    ['10.1.2.3', 32, '10.1.2.3', true],
    ['10.1.2.3', 32, '10.1.2.4', false],
    ['0.0.0.0', 0, '203.0.113.9', true],
    ['0.0.0.0', 0, '::1', false],
    ['2001:db8::', 32, '2001:db8:ffff::1', true],
    ['2001:db8::', 32, '2001:db9::1', false],
    ['10.0.0.0', 33, '10.0.0.1', false],
  ])('%s/%i contains %s: %s', (prefix, len, ip, want) => {
    const parsed = parseIp(ip);
    expect(parsed).toBeDefined();
    expect(cidrContains(prefix, len, parsed!)).toBe(want);
  });
});

describe('address classes', () => {
  it('knows wildcard and loopback addresses of both families', () => {
    expect(isAnyAddress(parseIp('0.0.0.0')!)).toBe(true);
    expect(isAnyAddress(parseIp('::')!)).toBe(true);
    expect(isAnyAddress(parseIp('10.0.0.1')!)).toBe(false);
    expect(isLoopback(parseIp('127.0.0.6')!)).toBe(true);
    expect(isLoopback(parseIp('::1')!)).toBe(true);
    expect(isLoopback(parseIp('128.0.0.1')!)).toBe(false);
  });
});
