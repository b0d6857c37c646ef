// createHttpConnectionHandler end to end on real sockets: WebSocket and other upgrades, keep-alive and
// upstream connection reuse (idle closes, Connection: close), chunked bodies with trailers, HEAD,
// downstream aborts, protocol errors, and a listener bound to one RDS route configuration.

import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { compileConfig, type CompileInput } from '../compile/compile-config.js';
import { createHttpConnectionHandler, type HttpConnectionOptions } from './http-connection.js';
import type { RequestOutcome } from './request-outcome.js';
import { UpstreamPools } from './upstream-pools.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server | ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A node:http upstream; `seen` counts requests and `sockets` connections. */
async function httpUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; server: Server; connections: number }> {
  const server = createHttpServer(handler);
  const u = { port: 0, server, connections: 0 };
  server.on('connection', () => u.connections++);
  u.port = await listen(server);
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return u;
}

function cluster(name: string, port: number): Record<string, unknown> {
  return { name, type: 'STATIC', connect_timeout: { seconds: '1' }, load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] } };
}

function routesTo(name: string, clusterName: string, route: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName, ...route } }] }] };
}

/** Serves createHttpConnectionHandler on a net.Server; returns its port and the outcomes seen. */
async function startHandler(input: CompileInput, extra: Partial<HttpConnectionOptions> = {}): Promise<{ port: number; outcomes: RequestOutcome[] }> {
  const config = compileConfig(input);
  const outcomes: RequestOutcome[] = [];
  const pools = new UpstreamPools();
  const serve = createHttpConnectionHandler({ config: () => config, pools, onOutcome: (o) => outcomes.push(o), direction: 'outbound', ...extra });
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    serve(s);
  });
  const port = await listen(server);
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pools.close();
  });
  return { port, outcomes };
}

/** Sends raw bytes on a fresh connection and collects everything until the server closes or `until` matches. */
async function raw(port: number, bytes: string, until?: RegExp): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.write(bytes, 'latin1');
  await new Promise<void>((resolve) => {
    socket.on('data', (d: string) => {
      text += d;
      if (until?.test(text)) resolve();
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  socket.destroy();
  return text;
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WebSocket and other upgrades', () => {
  it('carries a WebSocket conversation through the proxy both ways, and reports 101 when it closes', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const upgradeHeaders: IncomingMessage['headers'][] = [];
    wss.on('connection', (ws, req) => {
      upgradeHeaders.push(req.headers);
      ws.send('hello from upstream');
      ws.on('message', (m, binary) => ws.send(binary ? m : `echo ${String(m)}`, { binary }));
    });
    const { port, outcomes } = await startHandler({ clusters: [cluster('WS', (wss.address() as AddressInfo).port)], routeConfigurations: [routesTo('9080', 'WS')] });

    const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, { headers: { host: 'chat:9080' } });
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      ws.on('message', (m) => {
        received.push(String(m));
        if (received.length === 3) resolve();
      }),
    );
    await once(ws, 'open');
    ws.send('one');
    ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    await all;
    expect(received).toEqual(['hello from upstream', 'echo one', Buffer.from([0, 1, 2, 255]).toString()]);
    expect(upgradeHeaders[0]).toMatchObject({ host: 'chat:9080', upgrade: 'websocket', connection: 'upgrade', 'x-envoy-attempt-count': '1', 'x-forwarded-proto': 'http' });
    ws.close();
    await once(ws, 'close');
    await waitFor(() => outcomes.length === 1, 'the tunnel outcome');
    expect(outcomes[0]).toMatchObject({ status: 101, cluster: 'WS', responseFlags: '-' });
  });

  it('relays a refusal (no 101) as a normal response and keeps serving the connection', async () => {
    const up = await httpUpstream((req, res) => {
      res.writeHead(req.headers.upgrade ? 426 : 200, { 'content-type': 'text/plain' });
      res.end(req.headers.upgrade ? 'no upgrade here' : 'plain');
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const text = await raw(port, 'GET / HTTP/1.1\r\nHost: u\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET / HTTP/1.1\r\nHost: u\r\n\r\n', /plain\r\n0\r\n\r\n$/);
    expect(text).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n/);
    expect(text).toContain('no upgrade here');
    expect(text).toMatch(/HTTP\/1\.1 200 OK\r\n[\s\S]*plain\r\n0\r\n\r\n$/);
  });

  it('refuses an upgrade the listener does not allow with 403, and drops an h2c upgrade (served as HTTP/1.1)', async () => {
    const seen: (string | undefined)[] = [];
    const up = await httpUpstream((req, res) => {
      seen.push(req.headers.upgrade);
      res.end('ok');
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const refused = await raw(port, 'GET / HTTP/1.1\r\nHost: u\r\nConnection: Upgrade\r\nUpgrade: tls/1.3\r\n\r\n', /\r\n\r\n/);
    expect(refused).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    const h2c = await raw(port, 'GET / HTTP/1.1\r\nHost: u\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n', /ok$/);
    expect(h2c).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(seen).toEqual([undefined]);
  });
});

describe('HTTP/1.1 relaying', () => {
  it('relays a chunked response with trailers, and a HEAD response without a body', async () => {
    const up = await httpUpstream((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-length': '1234' });
        return res.end();
      }
      res.writeHead(200, { trailer: 'x-checksum' });
      res.write('part one, ');
      setTimeout(() => {
        res.addTrailers({ 'x-checksum': 'abc' });
        res.end('part two');
      }, 20);
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const chunked = await raw(port, 'GET / HTTP/1.1\r\nHost: u\r\n\r\n', /0\r\n[\s\S]*\r\n\r\n$/);
    expect(chunked).toMatch(/transfer-encoding: chunked\r\n/);
    expect(chunked).toContain('a\r\npart one, \r\n8\r\npart two\r\n0\r\nx-checksum: abc\r\n\r\n');
    const head = await raw(port, 'HEAD / HTTP/1.1\r\nHost: u\r\n\r\nGET /after HTTP/1.1\r\nHost: u\r\n\r\n', /part two\r\n0\r\n/);
    const [first] = head.split('HTTP/1.1 200 OK\r\n').filter((s) => s !== '');
    expect(first).toMatch(/content-length: 1234\r\n[\s\S]*\r\n\r\n$/);
  });

  it('serves pipelined requests in order and answers an HTTP/1.0 client with a close-delimited body', async () => {
    let n = 0;
    const up = await httpUpstream((req, res) => {
      const delay = req.url === '/slow' ? 50 : 0;
      const i = ++n;
      setTimeout(() => res.end(`${req.url} #${i}`), delay);
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const text = await raw(port, 'GET /slow HTTP/1.1\r\nHost: u\r\n\r\nGET /fast HTTP/1.1\r\nHost: u\r\n\r\n', /\/fast #2$/);
    expect(text.indexOf('/slow #1')).toBeLessThan(text.indexOf('/fast #2'));
    const old = await raw(port, 'GET /old HTTP/1.0\r\nHost: u\r\n\r\n');
    expect(old).toMatch(/connection: close\r\n/);
    expect(old).toMatch(/\/old #3$/);
  });

  it('resends a request on a fresh connection when the reused one was closed by the upstream, without counting a retry', async () => {
    // An upstream that answers the first request of each connection and closes the connection when the
    // next one arrives, before answering: the race of an idle timeout on the upstream's side.
    let connections = 0;
    const upstream = createServer((socket) => {
      connections++;
      let requests = 0;
      socket.on('data', (d: Buffer) => {
        for (let i = d.indexOf('\r\n\r\n'); i >= 0; i = d.indexOf('\r\n\r\n', i + 4)) {
          if (++requests > 1) return void socket.destroy();
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        }
      });
    });
    const upPort = await listen(upstream);
    cleanups.push(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
    const { port, outcomes } = await startHandler({ clusters: [cluster('U', upPort)], routeConfigurations: [routesTo('80', 'U')] });
    for (let i = 0; i < 3; i++) expect(await raw(port, 'GET / HTTP/1.1\r\nHost: u\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*ok$/);
    expect(outcomes.map((o) => [o.status, o.attempts, o.responseFlags])).toEqual([
      [200, 1, '-'],
      [200, 1, '-'],
      [200, 1, '-'],
    ]);
    expect(connections).toBe(3);
  });

  it('opens a new upstream connection after the upstream answered Connection: close', async () => {
    const up = await httpUpstream((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const text = await raw(port, 'GET /1 HTTP/1.1\r\nHost: u\r\n\r\nGET /2 HTTP/1.1\r\nHost: u\r\n\r\n', /bye[\s\S]*bye$/);
    // The downstream connection stays open: Connection is hop-by-hop.
    expect(text).not.toMatch(/connection: close/i);
    expect(up.connections).toBe(2);
  });

  it('answers Expect: 100-continue itself when the body is wanted, and closes after a final answer without it', async () => {
    const up = await httpUpstream((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.end(`got ${body} expect=${req.headers.expect ?? 'none'}`));
    });
    const { port } = await startHandler({
      clusters: [cluster('U', up.port)],
      routeConfigurations: [{ name: '80', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/missing' }, direct_response: { status: 404 } }, { match: { prefix: '/' }, route: { cluster: 'U' } }] }] }],
    });
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('latin1');
    let text = '';
    socket.on('data', (d: string) => (text += d));
    socket.write('POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await waitFor(() => text.includes('100 Continue'), 'the 100 Continue');
    expect(text).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.write('hello');
    await waitFor(() => text.includes('got hello'), 'the answer');
    expect(text).toMatch(/got hello expect=none$/);
    socket.destroy();
    const refused = await raw(port, 'POST /missing HTTP/1.1\r\nHost: u\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    expect(refused).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(refused).not.toContain('100 Continue');
    expect(refused).toMatch(/connection: close\r\n/);
  });

  it('cuts the downstream response when the upstream resets mid-body (UC) or the route timeout fires after the head (UT)', async () => {
    const up = await httpUpstream((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      if (req.url === '/reset') setTimeout(() => res.socket?.destroy(), 20);
    });
    const { port, outcomes } = await startHandler({
      clusters: [cluster('U', up.port)],
      routeConfigurations: [{ name: '80', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/slow' }, route: { cluster: 'U', timeout: { nanos: 200_000_000 } } }, { match: { prefix: '/' }, route: { cluster: 'U', timeout: { seconds: '0' } } }] }] }],
    });
    for (const path of ['/reset', '/slow']) {
      const text = await raw(port, `GET ${path} HTTP/1.1\r\nHost: u\r\n\r\n`);
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 100\r\n[\s\S]*partial$/);
    }
    expect(outcomes.map((o) => [o.status, o.responseFlags])).toEqual([
      [200, 'UC'],
      [200, 'UT'],
    ]);
  });

  it('cancels the upstream request and records DC with status 0 when the client goes away', async () => {
    let upstreamClosed = false;
    const up = await httpUpstream((_req, res) => {
      res.on('close', () => (upstreamClosed = true));
    });
    const { port, outcomes } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /hang HTTP/1.1\r\nHost: u\r\n\r\n');
    await waitFor(() => up.connections === 1, 'the upstream request');
    socket.destroy();
    await waitFor(() => outcomes.length === 1 && upstreamClosed, 'the abort to reach the upstream');
    expect(outcomes[0]).toMatchObject({ status: 0, responseFlags: 'DC' });
  });

  it('streams a large request body with backpressure when the upstream reads slowly', async () => {
    let received = 0;
    // Every 4-byte word differs: a queued view of a reused read buffer would show as a mismatch.
    let mismatch = -1;
    const up = await httpUpstream((req, res) => {
      req.pause();
      setTimeout(() => {
        req.on('data', (c: Buffer) => {
          for (let i = 0; i < c.length && mismatch < 0; i++) {
            const at = received + i;
            if (c[i] !== (Math.floor(at / 4) >>> (8 * (3 - (at % 4)))) % 256) mismatch = at;
          }
          received += c.length;
        });
        req.on('end', () => res.end(mismatch < 0 ? String(received) : `mismatch at ${mismatch}`));
        req.resume();
      }, 100);
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const size = 8 * 1024 * 1024;
    const answer = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { host: 'u', 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      // Small writes a tick apart: the proxy reads many small chunks, each under its upstream socket's
      // high-water mark (queued while write() still says true).
      let sent = 0;
      const pump = (): void => {
        if (sent >= size) return void req.end();
        const chunk = Buffer.alloc(4096);
        for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32BE((sent + i) / 4, i);
        sent += chunk.length;
        if (!req.write(chunk)) req.once('drain', pump);
        else setImmediate(pump);
      };
      pump();
    });
    expect(answer).toBe(String(size));
  });
});

describe('an answer before the whole request body', () => {
  it('drops the rest of a body whose reading was paused, and serves the next request on the connection', async () => {
    // The upstream reads nothing of the body for a while (the proxy's upstream writes back up and it
    // pauses the client's body), then answers 413 and closes. The proxy must drop the rest of the
    // body itself: nobody is left to resume it.
    const up = createServer((s: Socket) => {
      let head = '';
      const onData = (d: Buffer): void => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        s.off('data', onData);
        if (head.startsWith('GET')) {
          s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
          return;
        }
        s.pause();
        setTimeout(() => {
          s.write('HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
          s.resume();
          s.on('data', () => undefined);
        }, 300);
      };
      s.on('data', onData);
      s.on('error', () => undefined);
    });
    const upPort = await listen(up);
    cleanups.push(() => new Promise<void>((resolve) => up.close(() => resolve())));
    const { port } = await startHandler({ clusters: [cluster('U', upPort)], routeConfigurations: [routesTo('80', 'U')] });
    const client = connect(port, '127.0.0.1');
    cleanups.push(() => void client.destroy());
    let text = '';
    client.setEncoding('latin1');
    client.on('data', (d: string) => (text += d));
    const size = 8 * 1024 * 1024;
    client.write(`POST / HTTP/1.1\r\nhost: u\r\ncontent-length: ${size}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!client.write(chunk)) return void client.once('drain', pump);
        }
        resolve();
      };
      pump();
    });
    client.write('GET /next HTTP/1.1\r\nhost: u\r\n\r\n');
    await waitFor(() => text.includes('\r\n\r\nok'), 'the next request to be answered');
    expect(text.startsWith('HTTP/1.1 413')).toBe(true);
  });
});

describe('response bodies read into the shared upstream buffer', () => {
  // Upstream reads land in one buffer shared by every plaintext upstream connection: a chunk the
  // downstream socket queues (a slow client) must be a copy. Every 4-byte word of the body differs,
  // so a queued view overwritten by a later read shows up as a mismatch.
  const patterned = (size: number): Buffer => {
    const b = Buffer.alloc(size);
    for (let i = 0; i + 4 <= size; i += 4) b.writeUInt32BE(i, i);
    return b;
  };

  it.each([
    ['content-length', false],
    ['chunked', true],
  ])('relays a %s body intact to a client that reads late', async (_name, chunked) => {
    const body = patterned(4 * 1024 * 1024);
    const up = await httpUpstream(async (_req, res) => {
      if (!chunked) res.setHeader('content-length', body.length);
      // Small writes a tick apart, so the proxy sees many small reads: a chunk under the socket's
      // high-water mark is queued while write() still returns true, and the next read comes at once.
      for (let off = 0; off < body.length; off += 4096) {
        res.write(body.subarray(off, off + 4096));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const received = await new Promise<Buffer>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host: 'u' } }, (res) => {
        const chunks: Buffer[] = [];
        // Not read for a while: the proxy's downstream socket queues what it cannot send.
        res.pause();
        setTimeout(() => {
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.resume();
        }, 200);
      });
      req.on('error', reject);
      req.end();
    });
    expect(received.length).toBe(body.length);
    expect(received.equals(body)).toBe(true);
  });

  it('relays a body intact to an HTTP/2 client that reads late', async () => {
    const body = patterned(2 * 1024 * 1024);
    const up = await httpUpstream(async (_req, res) => {
      res.setHeader('content-length', body.length);
      for (let off = 0; off < body.length; off += 4096) {
        res.write(body.subarray(off, off + 4096));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const { port } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const client = http2Connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => void client.close());
    const received = await new Promise<Buffer>((resolve, reject) => {
      const stream = client.request({ ':path': '/', ':authority': 'u' });
      stream.on('error', reject);
      const chunks: Buffer[] = [];
      stream.pause();
      setTimeout(() => {
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.resume();
      }, 200);
    });
    expect(received.length).toBe(body.length);
    expect(received.equals(body)).toBe(true);
  });
});

describe('protocol errors and listener binding', () => {
  it.each([
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['differing Content-Length', 'POST / HTTP/1.1\r\nHost: u\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: u\r\nX-A: 1\r\n  folded\r\n\r\n', 400],
    ['bare LF line ends', 'GET / HTTP/1.1\nHost: u\n\n', 400],
    ['a transfer coding other than chunked', 'POST / HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['a head over 60 KiB', `GET / HTTP/1.1\r\nHost: u\r\nX-Big: ${'a'.repeat(61 * 1024)}\r\n\r\n`, 431],
    ['more than 100 headers', `GET / HTTP/1.1\r\nHost: u\r\n${Array.from({ length: 101 }, (_, i) => `x-h${i}: v\r\n`).join('')}\r\n`, 431],
  ])('answers %s with the codec status, closes, and counts DPE', async (_name, bytes, status) => {
    const up = await httpUpstream((_req, res) => res.end('should not be reached'));
    const { port, outcomes } = await startHandler({ clusters: [cluster('U', up.port)], routeConfigurations: [routesTo('80', 'U')] });
    const text = await raw(port, bytes);
    expect(text.slice(0, 12)).toBe(`HTTP/1.1 ${status}`);
    expect(text).toMatch(/connection: close\r\n/);
    expect(up.connections).toBe(0);
    expect(outcomes).toMatchObject([{ status, responseFlags: 'DPE' }]);
  });

  it('routes every request through the named route configuration when one is given (an RDS-bound listener)', async () => {
    const [a, b] = await Promise.all([httpUpstream((_q, s) => s.end('a')), httpUpstream((_q, s) => s.end('b'))]);
    const input = { clusters: [cluster('A', a.port), cluster('B', b.port)], routeConfigurations: [routesTo('9080', 'A'), routesTo('inbound|9080||', 'B')] };
    const bound = await startHandler(input, { routeConfigName: 'inbound|9080||', direction: 'inbound' });
    expect(await raw(bound.port, 'GET / HTTP/1.1\r\nHost: reviews:9080\r\nConnection: close\r\n\r\n')).toMatch(/b$/);
    expect(bound.outcomes[0]).toMatchObject({ routeConfig: 'inbound|9080||', cluster: 'B', direction: 'inbound' });
    const byPort = await startHandler(input);
    expect(await raw(byPort.port, 'GET / HTTP/1.1\r\nHost: reviews:9080\r\nConnection: close\r\n\r\n')).toMatch(/a$/);
  });
});
