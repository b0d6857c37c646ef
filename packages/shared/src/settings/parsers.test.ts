import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { count, duration, formatDuration, hostPort, ipList, matching, DNS_LABEL, parseDuration, port } from './parsers.js';

describe('parseDuration / formatDuration', () => {
  it.each([
    ['1m30s', 90_000],
    ['250us', 0.25],
    ['-1s', -1000],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads back whatever formatDuration writes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 3_600_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});

describe('value parsers', () => {
  it.each([
    [port, '65535', { ok: true, value: 65535 }],
    [port, '65536', { ok: false, error: '"65536" is not a port number (0-65535)' }],
    [duration, '-1s', { ok: false, error: '"-1s" is negative' }],
    [duration, '1.5s', { ok: true, value: 1500 }],
    [count, '1.5', { ok: false, error: '"1.5" is not a whole number' }],
    [hostPort, '[::1]:15010', { ok: true, value: '[::1]:15010' }],
    [hostPort, 'weftd:0', { ok: false, error: '"weftd:0" is not host:port' }],
    [ipList, ' 10.0.0.1 , ::1', { ok: true, value: ['10.0.0.1', '::1'] }],
    [ipList, '10.0.0.1,nope', { ok: false, error: '"nope" is not an IP address' }],
    [matching(DNS_LABEL, 'a label', true), '', { ok: true, value: '' }],
    [matching(DNS_LABEL, 'a label'), '', { ok: false, error: '"" is not a label' }],
  ] as const)('%o(%j) is %j', (parse, raw, expected) => {
    expect((parse as (raw: string) => unknown)(raw)).toEqual(expected);
  });
});
