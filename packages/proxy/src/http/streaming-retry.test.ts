// Request bodies of unknown length under a retry policy: streamed to the first try at once (a call that
// answers before its request ends must not stall), with a copy replayed on a retry.

import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compileConfig } from '../compile/compile-config.js';
import { createHttpConnectionHandler } from '../outbound/http-connection.js';
import { UpstreamPools } from '../outbound/upstream-pools.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listenOn(server: ReturnType<typeof createServer> | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function proxyTo(upstreamPort: number): Promise<number> {
  const config = compileConfig({
    clusters: [{ name: 'up', type: 'STATIC', load_assignment: { cluster_name: 'up', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }] } } as never],
    routeConfigurations: [{ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'up', retry_policy: { retry_on: '5xx', num_retries: 2 } } }] }] }],
  });
  const pools = new UpstreamPools();
  const serve = createHttpConnectionHandler({ config: () => config, pools, direction: 'outbound', routeConfigName: 'rc' });
  const sockets = new Set<Socket>();
  const server = createServer((s) => (sockets.add(s), serve(s)));
  const port = await listenOn(server);
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pools.close();
  });
  return port;
}

/** Starts a chunked request, returning a way to send more chunks and the response text so far. */
function chunkedRequest(port: number): { send(chunk: string): void; end(): void; text(): string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  socket.write('POST /stream HTTP/1.1\r\nhost: up\r\ntransfer-encoding: chunked\r\n\r\n');
  cleanups.push(() => void socket.destroy());
  return {
    send: (chunk) => socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`),
    end: () => socket.write('0\r\n\r\n'),
    text: () => text,
    closed: new Promise((resolve) => socket.on('close', () => resolve())),
  };
}

describe('streamed request bodies under a retry policy', () => {
  it('reaches the upstream before the client has finished sending, so an early answer gets through', async () => {
    // The upstream answers as soon as the first chunk arrives and keeps reading.
    const upstream = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      req.once('data', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('early\n');
      });
      req.on('end', () => res.end('done\n'));
    });
    const port = await proxyTo(await listenOn(upstream));
    cleanups.push(() => new Promise<void>((resolve) => (upstream.closeAllConnections(), upstream.close(() => resolve()))));
    const call = chunkedRequest(port);
    call.send('first');
    await expect.poll(() => call.text()).toContain('early');
    call.send('second');
    call.end();
    await expect.poll(() => call.text()).toContain('done');
    expect(call.text()).toMatch(/^HTTP\/1\.1 200/);
  });

  it('replays the kept copy of the body on a retry', async () => {
    const bodies: string[] = [];
    const upstream = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(bodies.length === 1 ? 503 : 200, { 'content-length': String(body.length) });
        res.end(body);
      });
    });
    const port = await proxyTo(await listenOn(upstream));
    cleanups.push(() => new Promise<void>((resolve) => (upstream.closeAllConnections(), upstream.close(() => resolve()))));
    const call = chunkedRequest(port);
    call.send('alpha-');
    call.send('beta');
    call.end();
    await expect.poll(() => call.text()).toContain('alpha-beta');
    expect(call.text()).toMatch(/^HTTP\/1\.1 200/);
    expect(bodies).toEqual(['alpha-beta', 'alpha-beta']);
  });
});
