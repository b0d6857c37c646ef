import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Http1HeadError, parseRequestHead, parseResponseHead, parseTrailers } from './http1-head.js';
import { headerLines } from './http1-serialize.js';

const head = (lines: string[]): string => lines.join('\r\n');

describe('parseRequestHead: accepted', () => {
  it.each([
    ['origin form', ['GET /a?b=1 HTTP/1.1', 'Host: reviews:9080', 'X-A: 1'], { method: 'GET', target: '/a?b=1', host: 'reviews:9080', versionMinor: 1, headers: { 'x-a': '1' } }],
    ['absolute form without Host', ['GET http://details/d HTTP/1.1'], { target: 'http://details/d', host: undefined }],
    ['HTTP/1.0 without Host', ['GET / HTTP/1.0'], { versionMinor: 0 }],
    ['names lower-cased, values trimmed, repeats kept in order', ['GET / HTTP/1.1', 'Host: h', 'Set-Thing:  a \t', 'set-thing: b'], { headers: { 'set-thing': ['a', 'b'] } }],
    ['identical Content-Length repeated', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: 5', 'Content-Length: 5'], { contentLength: 5, headers: { 'content-length': '5' } }],
    ['chunked', ['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: Chunked'], { chunked: true, contentLength: -1 }],
    ['hop-by-hop headers become fields', ['GET / HTTP/1.1', 'Host: h', 'Connection: keep-alive, Upgrade, X-Gone', 'Upgrade: websocket', 'X-Gone: 1', 'Keep-Alive: 5', 'TE: trailers', 'Proxy-Authorization: Basic x', 'Expect: 100-continue'], { connectionKeepAlive: true, connectionUpgrade: true, upgrade: 'websocket', expectContinue: true, headers: {} }],
    ['empty lines before the request line', ['', 'GET / HTTP/1.1', 'Host: h'], { method: 'GET' }],
    ['obs-text in a value', ['GET / HTTP/1.1', 'Host: h', 'X-Name: caf\u00e9'], { headers: { 'x-name': 'caf\u00e9' } }],
    ['an inherited name', ['GET / HTTP/1.1', 'Host: h', 'constructor: x', '__proto__: y'], { headers: { constructor: 'x' } }],
  ])('%s', (_name, lines, want) => {
    const parsed = parseRequestHead(head(lines));
    expect(parsed).not.toBeInstanceOf(Http1HeadError);
    expect(parsed).toMatchObject(want);
  });

  it('keeps prototype pollution out', () => {
    parseRequestHead(head(['GET / HTTP/1.1', 'Host: h', '__proto__: y', '__proto__: z']));
    expect(({} as Record<string, unknown>).y).toBeUndefined();
  });
});

describe('parseRequestHead: refused (request smuggling shapes and malformed heads)', () => {
  it.each([
    ['Content-Length and Transfer-Encoding', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: 3', 'Transfer-Encoding: chunked'], 400],
    ['Transfer-Encoding before Content-Length', ['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked', 'Content-Length: 3'], 400],
    ['differing Content-Length', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: 3', 'Content-Length: 4'], 400],
    ['Content-Length list', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: 3, 3'], 400],
    ['signed Content-Length', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: +3'], 400],
    ['empty Content-Length', ['POST / HTTP/1.1', 'Host: h', 'Content-Length:'], 400],
    ['chunked not last', ['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked, gzip'], 501],
    ['an unknown coding', ['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: gzip'], 501],
    ['chunked twice', ['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], 501],
    ['obs-fold', ['GET / HTTP/1.1', 'Host: h', 'X-A: 1', ' 2'], 400],
    ['whitespace before the colon', ['GET / HTTP/1.1', 'Host: h', 'Content-Length : 3'], 400],
    ['bare LF inside the head', ['GET / HTTP/1.1', 'Host: h\nX-A: 1'], 400],
    ['bare CR inside a value', ['GET / HTTP/1.1', 'Host: h', 'X-A: 1\r2'], 400],
    ['NUL in a value', ['GET / HTTP/1.1', 'Host: h', 'X-A: 1\u00002'], 400],
    ['invalid name character', ['GET / HTTP/1.1', 'Host: h', 'X(A): 1'], 400],
    ['empty name', ['GET / HTTP/1.1', 'Host: h', ': 1'], 400],
    ['no colon', ['GET / HTTP/1.1', 'Host: h', 'X-A'], 400],
    ['two Host headers', ['GET / HTTP/1.1', 'Host: a', 'Host: b'], 400],
    ['HTTP/1.1 without Host', ['GET / HTTP/1.1'], 400],
    ['invalid method', ['G(T / HTTP/1.1', 'Host: h'], 400],
    ['two spaces', ['GET  / HTTP/1.1', 'Host: h'], 400],
    ['space in the target', ['GET /a b HTTP/1.1', 'Host: h'], 400],
    ['control in the target', ['GET /a\u0001 HTTP/1.1', 'Host: h'], 400],
    ['HTTP/2.0', ['GET / HTTP/2.0', 'Host: h'], 400],
    ['lower-case version', ['GET / http/1.1', 'Host: h'], 400],
    ['101 headers', ['GET / HTTP/1.1', 'Host: h', ...Array.from({ length: 100 }, (_, i) => `x-${i}: v`)], 431],
  ])('%s → %i', (_name, lines, status) => {
    const parsed = parseRequestHead(head(lines));
    expect(parsed).toBeInstanceOf(Http1HeadError);
    expect((parsed as Http1HeadError).status).toBe(status);
  });
});

describe('parseResponseHead', () => {
  it.each([
    ['length', ['HTTP/1.1 200 OK', 'Content-Length: 3'], { status: 200, reason: 'OK', contentLength: 3, untilClose: false }],
    ['no reason phrase', ['HTTP/1.1 204'], { status: 204, reason: '' }],
    ['chunked wins over a length', ['HTTP/1.1 200 OK', 'Content-Length: 3', 'Transfer-Encoding: chunked'], { chunked: true, contentLength: -1, headers: {} }],
    ['no length: until close', ['HTTP/1.1 200 OK'], { untilClose: true }],
    ['another coding: until close', ['HTTP/1.1 200 OK', 'Transfer-Encoding: gzip'], { untilClose: true, chunked: false }],
    ['HTTP/1.0 closes unless keep-alive', ['HTTP/1.0 200 OK', 'Content-Length: 0'], { connectionClose: true }],
    ['HTTP/1.0 keep-alive', ['HTTP/1.0 200 OK', 'Content-Length: 0', 'Connection: keep-alive'], { connectionClose: false }],
    ['Keep-Alive timeout', ['HTTP/1.1 200 OK', 'Content-Length: 0', 'Keep-Alive: timeout=5, max=100'], { keepAliveTimeoutMs: 5000, headers: { 'content-length': '0' } }],
    ['Connection: close', ['HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 0'], { connectionClose: true }],
  ])('%s', (_name, lines, want) => {
    expect(parseResponseHead(head(lines))).toMatchObject(want);
  });

  it.each([
    ['bad status', ['HTTP/1.1 2x0 OK']],
    ['status below 100', ['HTTP/1.1 099 X']],
    ['no space after the status', ['HTTP/1.1 200OK']],
    ['not HTTP/1', ['HTTP/2 200']],
    ['differing lengths', ['HTTP/1.1 200 OK', 'Content-Length: 1', 'Content-Length: 2']],
  ])('refuses %s', (_name, lines) => {
    expect(parseResponseHead(head(lines))).toBeInstanceOf(Http1HeadError);
  });
});

describe('parseTrailers', () => {
  it('parses trailer fields and drops framing fields', () => {
    expect(parseTrailers('grpc-status: 0\r\ngrpc-message: ok\r\ncontent-length: 5')).toEqual({ 'grpc-status': '0', 'grpc-message': 'ok' });
  });
});

describe('serialized heads parse back (property)', () => {
  const token = fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,20}$/).filter((n) => !['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'expect', 'proxy-authorization', '__proto__'].includes(n));
  const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
  it('headerLines → parseRequestHead keeps every header and value in order', () => {
    fc.assert(
      fc.property(fc.dictionary(token, fc.array(value, { minLength: 1, maxLength: 3 }), { maxKeys: 20 }), (bag) => {
        const headers = Object.fromEntries(Object.entries(bag).map(([k, v]) => [k, v.length === 1 ? (v[0] as string) : v]));
        const parsed = parseRequestHead(`GET / HTTP/1.1\r\nhost: h\r\n${headerLines(headers)}`.slice(0, -2));
        expect(parsed).not.toBeInstanceOf(Http1HeadError);
        expect((parsed as { headers: unknown }).headers).toEqual(headers);
      }),
    );
  });
});
