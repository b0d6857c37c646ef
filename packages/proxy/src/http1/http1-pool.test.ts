// The per-endpoint pool against real upstream sockets: reuse order, the connection limit and its
// queue, connect failures, upstream keep-alive announcements, draining, and streamed bodies.

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { UpstreamFailure, UpstreamRequestHead, UpstreamResponseHandler } from '../http/upstream-exchange.js';
import { Http1Pool } from './http1-pool.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface RawUpstream {
  readonly port: number;
  /** Request heads seen, with the index of the connection they came on. */
  readonly seen: { conn: number; head: string; body: string }[];
  readonly sockets: Socket[];
}

/** An upstream answering each request (content-length framed) with `respond(head, connIndex)`. */
async function rawUpstream(respond: (head: string, conn: number) => string | undefined = () => 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'): Promise<RawUpstream> {
  const u: RawUpstream = { port: 0, seen: [], sockets: [] };
  const server: Server = createServer((socket) => {
    const conn = u.sockets.push(socket) - 1;
    let buf = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      buf += d;
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        u.seen.push({ conn, head, body: buf.slice(end + 4, end + 4 + length) });
        buf = buf.slice(end + 4 + length);
        const answer = respond(head, conn);
        if (answer !== undefined) socket.write(answer, 'latin1');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of u.sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return Object.assign(u, { port: (server.address() as AddressInfo).port });
}

function pool(port: number, extra: Partial<ConstructorParameters<typeof Http1Pool>[0]> = {}): Http1Pool {
  const p = new Http1Pool({ host: '127.0.0.1', port, connectTimeoutMs: 1000, ...extra });
  cleanups.push(() => p.destroy());
  return p;
}

interface Answer {
  status?: number;
  body: string;
  trailers?: HeaderBag;
  failure?: UpstreamFailure;
}

/** Sends one request and resolves with what came back. */
function send(p: Http1Pool, path = '/', head: Partial<UpstreamRequestHead> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const answer: Answer = { body: '' };
    const handler: UpstreamResponseHandler = {
      onHead: (status) => (answer.status = status),
      onData: (c) => (answer.body += c.toString()),
      onEnd: (trailers) => resolve({ ...answer, trailers }),
      onError: (failure) => resolve({ ...answer, failure }),
      onDrain: () => undefined,
      onUpgrade: (_h: HeaderBag, s: Duplex) => s.destroy(),
    };
    p.request({ method: 'GET', path, headers: { host: 'u' }, bodyMode: 'none', body: [], upgrade: undefined, ...head }, handler);
  });
}

describe('Http1Pool', () => {
  it('keeps body chunks and split heads intact although plaintext connections share one read buffer', async () => {
    // Two upstreams write distinct bytes in many small reads, heads split mid-line, interleaved in
    // time; the handler keeps the chunks it is given (as a socket's write queue does) and compares
    // only at the end: a view of the reused read buffer would by then hold other bytes.
    const bodyOf = (tag: string): string => Array.from({ length: 40 }, (_, i) => `${tag}${String(i).padStart(3, '0')}`.repeat(50)).join('');
    const servers = await Promise.all(['A', 'B'].map(async (tag) => {
      const body = bodyOf(tag);
      const server: Server = createServer((socket) => {
        socket.once('data', async () => {
          const head = `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nx-tag: ${tag}\r\n\r\n`;
          const pieces = [head.slice(0, 20), head.slice(20), ...Array.from({ length: 40 }, (_, i) => body.slice(i * (body.length / 40), (i + 1) * (body.length / 40)))];
          for (const piece of pieces) {
            socket.write(piece, 'latin1');
            await new Promise((r) => setTimeout(r, 2));
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return { port: (server.address() as AddressInfo).port, body, tag };
    }));
    const results = await Promise.all(servers.map(({ port }) => new Promise<{ headers: HeaderBag; chunks: Buffer[] }>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let headers: HeaderBag = {};
      pool(port).request({ method: 'GET', path: '/', headers: { host: 'u' }, bodyMode: 'none', body: [], upgrade: undefined }, {
        onHead: (_status, h) => (headers = h),
        onData: (c, transient) => chunks.push(transient ? Buffer.from(c) : c),
        onEnd: () => resolve({ headers, chunks }),
        onError: (f) => reject(new Error(f)),
        onDrain: () => undefined,
        onUpgrade: (_h: HeaderBag, s: Duplex) => s.destroy(),
      });
    })));
    for (const [i, { headers, chunks }] of results.entries()) {
      const { body, tag } = servers[i] as { body: string; tag: string };
      expect(headers['x-tag']).toBe(tag);
      expect(chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(chunks).toString('latin1')).toBe(body);
    }
  });

  it('reuses the most recently released connection first (LIFO)', async () => {
    const up = await rawUpstream();
    const p = pool(up.port);
    await Promise.all([send(p, '/a'), send(p, '/b')]);
    expect(p.stats).toMatchObject({ open: 2, idle: 2 });
    await send(p, '/c');
    await send(p, '/d');
    const conns = up.seen.map((s) => s.conn);
    // c and d go on the same connection: the one released last.
    expect(conns[2]).toBe(conns[3]);
    expect(up.sockets).toHaveLength(2);
  });

  it('closes a connection after max_requests_per_connection requests, as Envoy does', async () => {
    const u = await rawUpstream();
    const p = pool(u.port, { maxRequestsPerConnection: 2 });
    for (let i = 0; i < 5; i++) expect((await send(p, `/${i}`)).body).toBe('ok');
    // Requests 1-2 on the first connection, 3-4 on the second, 5 on a third.
    expect(u.seen.map((s) => s.conn)).toEqual([0, 0, 1, 1, 2]);
  });

  it('queues requests beyond maxConnections and serves them in order as connections free up', async () => {
    const up = await rawUpstream();
    const p = pool(up.port, { maxConnections: 1 });
    const answers = await Promise.all(['/1', '/2', '/3'].map((path) => send(p, path)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(up.sockets).toHaveLength(1);
    expect(up.seen.map((s) => s.head.split(' ')[1])).toEqual(['/1', '/2', '/3']);
  });

  it('fails with connect-failure when nothing listens', async () => {
    const up = await rawUpstream();
    const port = up.port;
    await cleanups.pop()?.();
    const p = pool(port);
    expect((await send(p)).failure).toBe('connect-failure');
    expect(p.stats).toMatchObject({ open: 0, connecting: 0, queued: 0 });
  });

  it('fails with reset when the upstream closes mid-response, and protocol-error on garbage', async () => {
    const up = await rawUpstream((head) => (head.includes('/cut') ? 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc' : 'NOT HTTP\r\n\r\n'));
    const p = pool(up.port);
    const cut = send(p, '/cut');
    await new Promise((r) => setTimeout(r, 50));
    up.sockets[0]?.destroy();
    expect(await cut).toMatchObject({ status: 200, body: 'abc', failure: 'reset' });
    expect((await send(p, '/garbage')).failure).toBe('protocol-error');
  });

  it("does not reuse a connection past the upstream's announced Keep-Alive timeout (less a margin)", async () => {
    const up = await rawUpstream(() => 'HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 2\r\n\r\nok');
    const p = pool(up.port);
    await send(p);
    await send(p);
    // timeout=1 s less the 1 s margin: an idle connection is already too old to use.
    expect(up.sockets).toHaveLength(2);
  });

  it('skips 1xx answers, reads a body until close, and relays chunked trailers', async () => {
    const up = await rawUpstream((head) => {
      if (head.includes('/close')) return 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil close';
      return 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\ngrpc-status: 0\r\n\r\n';
    });
    const p = pool(up.port);
    const closing = send(p, '/close');
    await new Promise((r) => setTimeout(r, 50));
    up.sockets[0]?.end();
    expect(await closing).toMatchObject({ status: 200, body: 'until close' });
    expect(await send(p, '/trailers')).toMatchObject({ status: 200, body: 'ok', trailers: { 'grpc-status': '0' } });
  });

  it('sends a full body with its length, and a streamed one chunked with its trailers', async () => {
    const up = await rawUpstream();
    const p = pool(up.port);
    await send(p, '/full', { method: 'POST', headers: { host: 'u', 'content-length': '5' }, bodyMode: 'full', body: [Buffer.from('he'), Buffer.from('llo')] });
    expect(up.seen[0]).toMatchObject({ body: 'hello' });

    let bytes = '';
    const server = createServer((socket) => {
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        bytes += d;
        if (bytes.endsWith('\r\n0\r\nx-sum: 1\r\n\r\n')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const streaming = pool((server.address() as AddressInfo).port);
    const result = await new Promise<string>((resolve) => {
      const ex = streaming.request({ method: 'POST', path: '/s', headers: { host: 'u' }, bodyMode: 'stream', body: [], upgrade: undefined }, {
        onHead: () => undefined,
        onData: () => undefined,
        onEnd: () => resolve('end'),
        onError: (f) => resolve(f),
        onDrain: () => undefined,
        onUpgrade: () => undefined,
      });
      // Written before the connection exists: held, then sent in order.
      ex.write(Buffer.from('abc'));
      ex.write(Buffer.from('defg'));
      ex.end({ 'x-sum': '1' });
    });
    expect(result).toBe('end');
    expect(bytes).toBe('POST /s HTTP/1.1\r\nhost: u\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\nx-sum: 1\r\n\r\n');
  });

  it('drains: idle connections close at once, a busy one after its exchange', async () => {
    let release: (() => void) | undefined;
    const up = await rawUpstream((head, conn) => {
      if (!head.includes('/slow')) return 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
      release = () => up.sockets[conn]?.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nslow');
      return undefined;
    });
    const p = pool(up.port);
    await Promise.all([send(p, '/a'), send(p, '/b')]);
    const slow = send(p, '/slow');
    await new Promise((r) => setTimeout(r, 50));
    let drained = false;
    const draining = p.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(false);
    release?.();
    expect((await slow).body).toBe('slow');
    await draining;
    expect(p.stats).toMatchObject({ open: 0, idle: 0 });
  });
});
