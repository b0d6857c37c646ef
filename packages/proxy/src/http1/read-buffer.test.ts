// The shared read buffer on accepted sockets: bytes arrive through the callback (no 'data'), bytes
// buffered before the switch are handed back, flow control still works, and TLS sockets are left alone.

import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPki } from '../tls/tls-certs.test-fixtures.js';
import { readIntoSharedBuffer, sharedReadBuffer } from './read-buffer.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A plain server and a client connected to it; resolves with both ends. */
async function pair(): Promise<{ server: Socket; client: Socket }> {
  const srv: Server = createServer({ pauseOnConnect: true });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const client = connect((srv.address() as AddressInfo).port, '127.0.0.1');
  const [server] = (await once(srv, 'connection')) as [Socket];
  cleanups.push(() => {
    client.destroy();
    server.destroy();
    srv.close();
  });
  return { server, client };
}

describe('readIntoSharedBuffer', () => {
  it('delivers reads through the callback, as views of the shared buffer, and no data events', async () => {
    const { server, client } = await pair();
    const got: string[] = [];
    let views = 0;
    let dataEvents = 0;
    server.on('data', () => dataEvents++);
    const buffered = readIntoSharedBuffer(server, (n, buf) => {
      if (buf.buffer === sharedReadBuffer().buffer) views++;
      got.push(buf.toString('latin1', 0, n));
      return true;
    });
    expect(buffered).toBeNull();
    server.resume();
    client.write('hello');
    await new Promise((r) => setTimeout(r, 50));
    client.write(' world');
    await new Promise((r) => setTimeout(r, 50));
    expect(got.join('')).toBe('hello world');
    expect(views).toBe(got.length);
    expect(dataEvents).toBe(0);
  });

  it('hands back what the socket had buffered before the switch, and pauses and resumes', async () => {
    const { server, client } = await pair();
    // A sniffer's way: read the first bytes, then put them back.
    server.resume();
    client.write('first');
    const [first] = (await once(server, 'data')) as [Buffer];
    server.pause();
    server.unshift(first);
    const got: string[] = [];
    const buffered = readIntoSharedBuffer(server, (n, buf) => {
      got.push(buf.toString('latin1', 0, n));
      return true;
    });
    expect(buffered === false ? 'switched: no' : buffered?.toString('latin1')).toBe('first');
    server.resume();
    server.pause();
    client.write('held');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([]);
    server.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect(got.join('')).toBe('held');
  });

  it('leaves a flowing socket on the data path (its buffered bytes would go to nobody)', async () => {
    const { server, client } = await pair();
    const got: string[] = [];
    server.on('data', (d: Buffer) => got.push(d.toString('latin1')));
    server.resume();
    expect(server.readableFlowing).toBe(true);
    expect(readIntoSharedBuffer(server, () => true)).toBe(false);
    client.write('still data');
    await once(server, 'data');
    expect(got.join('')).toBe('still data');
  });

  it('leaves TLS sockets on the data path', async () => {
    const pki = createTestPki();
    cleanups.push(() => pki.remove());
    const cert = pki.issue('server', 'localhost', 'server');
    const srv = createTlsServer({ cert: pki.read(cert.cert), key: pki.read(cert.key) });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const client = tlsConnect({ port: (srv.address() as AddressInfo).port, host: '127.0.0.1', ca: pki.read(pki.ca.cert), servername: 'localhost' });
    const [server] = (await once(srv, 'secureConnection')) as [TLSSocket];
    cleanups.push(() => {
      client.destroy();
      server.destroy();
      srv.close();
    });
    expect(readIntoSharedBuffer(server, () => true)).toBe(false);
    client.write('tls');
    const [data] = (await once(server, 'data')) as [Buffer];
    expect(data.toString()).toBe('tls');
  });
});
