import { once } from 'node:events';
import { connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { detectHttp2Preface, HTTP2_PREFACE, isHttp2Preface, sniffHttpProtocol } from './http2-preface.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('detectHttp2Preface', () => {
  it.each([
    ['the whole preface', HTTP2_PREFACE.toString('latin1'), 'http2'],
    ['the preface and a SETTINGS frame', `${HTTP2_PREFACE.toString('latin1')}\x00\x00\x00\x04`, 'http2'],
    ['a prefix of it', 'PRI * HTTP/2', 'more'],
    ['nothing yet', '', 'more'],
    ['an HTTP/1.1 GET', 'GET / HTTP/1.1\r\n', 'http1'],
    ['PUT (differs at the second byte)', 'PU', 'http1'],
    ['an HTTP/1.1 request for PRI with another target', 'PRI /x HTTP/1.1\r\n', 'http1'],
    ['a TLS ClientHello', '\x16\x03\x01', 'http1'],
  ])('%s → %s', (_name, bytes, want) => {
    expect(detectHttp2Preface(Buffer.from(bytes, 'latin1'))).toBe(want);
    expect(isHttp2Preface(Buffer.from(bytes, 'latin1'))).toBe(want === 'http2');
  });
});

describe('sniffHttpProtocol', () => {
  it('tells HTTP/1 from the h2c preface and puts the bytes back for the next reader', async () => {
    const results: { protocol: string; bytes: string }[] = [];
    const server = createServer((socket) => {
      sniffHttpProtocol(socket, (protocol) => {
        socket.once('data', (d: Buffer) => {
          results.push({ protocol, bytes: d.toString('latin1') });
          socket.end();
        });
        socket.resume();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    for (const parts of [['GET / HTTP/1.1\r\n\r\n'], ['PRI * HTTP/2.0\r\n', '\r\nSM\r\n\r\n'], ['P', 'UT / HTTP/1.1\r\n\r\n']]) {
      const s = netConnect(port, '127.0.0.1');
      s.resume();
      const closed = once(s, 'close');
      for (const p of parts) {
        s.write(p);
        await sleep(20);
      }
      await closed;
    }
    expect(results).toEqual([
      { protocol: 'http1', bytes: 'GET / HTTP/1.1\r\n\r\n' },
      { protocol: 'http2', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' },
      { protocol: 'http1', bytes: 'PUT / HTTP/1.1\r\n\r\n' },
    ]);
  });
});
