import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseClientHello } from './client-hello.js';

/** The first bytes a node:tls client sends (its ClientHello), captured by a plain TCP server. */
async function clientHelloOf(options: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const first = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (d: Buffer) => (resolve(d), s.destroy()))));
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, rejectUnauthorized: false, ...options });
  client.on('error', () => undefined);
  const hello = await first;
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
  return hello;
}

describe('parseClientHello', () => {
  it('reads SNI and ALPN from a real ClientHello, and asks for more bytes while it is incomplete', async () => {
    const hello = await clientHelloOf({ servername: 'Shop.Example.com', ALPNProtocols: ['h2', 'http/1.1'] });
    expect(parseClientHello(hello)).toEqual({ kind: 'tls', serverName: 'shop.example.com', alpn: ['h2', 'http/1.1'] });
    expect(parseClientHello(hello.subarray(0, 3))).toEqual({ kind: 'more' });
    expect(parseClientHello(hello.subarray(0, hello.length - 1))).toEqual({ kind: 'more' });
  });

  it('gives an empty SNI when the client sends none', async () => {
    expect(parseClientHello(await clientHelloOf({}))).toEqual({ kind: 'tls', serverName: '', alpn: [] });
  });

  it.each([
    ['an HTTP/1.1 request', Buffer.from('GET / HTTP/1.1\r\n')],
    ['the h2c preface', Buffer.from('PRI * HTTP/2.0\r\n')],
    ['an alert record', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])],
    ['a handshake that is not a ClientHello', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00])],
    ['SSLv2-style bytes', Buffer.from([0x16, 0x02, 0x00])],
  ])('says not TLS for %s', (_what, bytes) => {
    expect(parseClientHello(bytes)).toEqual({ kind: 'not-tls' });
  });
});
