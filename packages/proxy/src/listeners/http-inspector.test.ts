import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectHttpProtocol, MAX_INSPECT_BYTES } from './http-inspector.js';
import { httpInspectionFor } from './listener-filters.js';

describe('detectHttpProtocol', () => {
  it.each([
    ['GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'http/1.1'],
    ['POST /x?y=1 HTTP/1.0\r\n', 'http/1.0'],
    ['OPTIONS * HTTP/1.1\r\n', 'http/1.1'],
    ['GET / HTT', 'more'],
    ['GET', 'more'],
    ['', 'more'],
    ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'h2c'],
    ['PRI * HTTP/2', 'more'],
    ['GET / HTTP/2.0\r\n', 'none'],
    ['GET /a b HTTP/1.1\r\n', 'none'],
    ['SSH-2.0-OpenSSH_9.6\r\n', 'none'],
    ['\x16\x03\x01\x02\x00', 'none'],
    ['\x00\x00\x00\x0a', 'none'],
  ])('%j → %s', (text, expected) => {
    expect(detectHttpProtocol(Buffer.from(text, 'latin1'))).toBe(expected);
  });

  it('gives up on a line longer than Envoy inspects', () => {
    expect(detectHttpProtocol(Buffer.alloc(MAX_INSPECT_BYTES - 1, 'A'))).toBe('more');
    expect(detectHttpProtocol(Buffer.alloc(MAX_INSPECT_BYTES, 'A'))).toBe('none');
  });

  it('answers for any bytes, and waits for more only before the first line ends (or inside the h2c preface)', () => {
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, startLikeHttp) => {
        const data = Buffer.concat([startLikeHttp ? Buffer.from('GET /') : Buffer.alloc(0), Buffer.from(bytes)]);
        const verdict = detectHttpProtocol(data);
        const inPreface = data.length < preface.length && data.equals(preface.subarray(0, data.length));
        expect(['http/1.1', 'http/1.0', 'h2c', 'none', 'more']).toContain(verdict);
        if (verdict === 'more') expect(inPreface || !data.includes('\r\n')).toBe(true);
      }),
    );
  });
});

describe('httpInspectionFor', () => {
  const inspector = (filterDisabled?: unknown) => ({ name: 'envoy.filters.listener.http_inspector', ...(filterDisabled ? { filter_disabled: filterDisabled } : {}) });
  const httpChain = { filter_chain_match: { application_protocols: ['http/1.1', 'h2c'] } };

  it.each([
    ['no inspector', { filter_chains: [httpChain] }, 9080, false],
    ['no chain needs the protocol', { listener_filters: [inspector()], filter_chains: [{}] }, 9080, false],
    ['inspector and an HTTP chain', { listener_filters: [inspector()], filter_chains: [httpChain] }, 9080, true],
    ['disabled on the port', { listener_filters: [inspector({ destination_port_range: { start: 9080, end: 9081 } })], filter_chains: [httpChain] }, 9080, false],
    ['disabled on another port', { listener_filters: [inspector({ destination_port_range: { start: 9080, end: 9081 } })], filter_chains: [httpChain] }, 9081, true],
    ['disabled by or_match', { listener_filters: [inspector({ or_match: { rules: [{ destination_port_range: { start: 1, end: 2 } }, { destination_port_range: { start: 3306, end: 3307 } }] } })], filter_chains: [httpChain] }, 3306, false],
    ['not_match', { listener_filters: [inspector({ not_match: { destination_port_range: { start: 80, end: 81 } } })], filter_chains: [httpChain] }, 3306, false],
  ])('%s', (_what, listener, port, expected) => {
    expect(httpInspectionFor(listener as never)(port)).toBe(expected);
  });
});
