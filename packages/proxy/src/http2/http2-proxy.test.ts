// The HTTP/2 adapter pair end to end on real sockets: an h2c client → serveHttp2Connection → a relay →
// Http2SessionPool → a node:http2 upstream. Trailers both ways, trailers-only responses, backpressure on
// large bodies, resets from either side, multiplexing, stream limits, GOAWAY, connect failures.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect as h2Connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamFailure } from '../http/upstream-exchange.js';
import { unacceptingPort as holdUnacceptedPort } from '../../test/unaccepting-port.js';
import { createRelay, newProbe, startH2cProxy, startH2Upstream, type Cleanups, type RelayProbe } from './h2c-relay.test-fixtures.js';
import { Http2SessionPool, type Http2PoolOptions } from './http2-session-pool.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function pool(port: number, extra: Partial<Http2PoolOptions> = {}): Http2SessionPool {
  const p = new Http2SessionPool({ host: '127.0.0.1', port, connectTimeoutMs: 1000, ...extra });
  cleanups.push(() => p.destroy());
  return p;
}

function client(port: number): ClientHttp2Session {
  const c = h2Connect(`http://127.0.0.1:${port}`);
  c.on('error', () => undefined);
  cleanups.push(() => {
    c.destroy();
  });
  return c;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** HEADERS flags of the response (END_STREAM = 1 for a trailers-only response). */
  flags: number;
  body: Buffer;
  trailers: IncomingHttpHeaders | undefined;
  /** The stream ended normally (END_STREAM), as opposed to a reset. */
  ended: boolean;
  rstCode: number;
}

/** Sends one request on `session` and collects the answer, whatever way the stream ends. */
function send(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: Buffer | string, trailers?: OutgoingHttpHeaders): Promise<Answer> {
  const req = session.request({ ':method': body === undefined ? 'GET' : 'POST', ':path': '/', ...headers }, { endStream: body === undefined, waitForTrailers: trailers !== undefined });
  const a: Answer = { status: 0, headers: {}, flags: 0, body: Buffer.alloc(0), trailers: undefined, ended: false, rstCode: -1 };
  const chunks: Buffer[] = [];
  req.on('error', () => undefined);
  req.on('response', (h, flags) => {
    a.status = Number(h[':status']);
    a.headers = h;
    a.flags = flags;
  });
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('trailers', (t) => {
    a.trailers = t;
  });
  req.on('end', () => {
    a.ended = true;
  });
  if (trailers) req.on('wantTrailers', () => req.sendTrailers(trailers));
  if (body !== undefined) req.end(body);
  return new Promise((resolve) => {
    req.on('close', () => {
      a.body = Buffer.concat(chunks);
      a.rstCode = req.rstCode ?? -1;
      resolve(a);
    });
  });
}

/** A proxy relaying to an upstream pool; returns the client session and what the relay saw. */
async function proxyTo(upstreamPort: number, poolOptions: Partial<Http2PoolOptions> = {}): Promise<{ session: ClientHttp2Session; probe: RelayProbe; pool: Http2SessionPool }> {
  const probe = newProbe();
  const p = pool(upstreamPort, poolOptions);
  const { port } = await startH2cProxy(createRelay(p, probe), cleanups);
  return { session: client(port), probe, pool: p };
}

/**
 * A port whose TCP handshakes never complete: a listener in a worker thread that blocks itself (so it
 * never accepts), with its backlog filled by two connections. A blackhole address would do, but some
 * sandboxes answer every SYN.
 */
async function unacceptingPort(): Promise<number> {
  const held = await holdUnacceptedPort();
  cleanups.push(() => held.close());
  return held.port;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('h2c through the adapter pair', () => {
  it('relays the request head, body and trailers up, and the response head, body and trailers down', async () => {
    let seen: { headers: IncomingHttpHeaders; body: string; trailers: IncomingHttpHeaders | undefined } | undefined;
    const up = await startH2Upstream((stream, headers) => {
      const chunks: Buffer[] = [];
      let trailers: IncomingHttpHeaders | undefined;
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        seen = { headers, body: Buffer.concat(chunks).toString(), trailers };
        stream.respond({ ':status': 201, 'x-up': 'yes', 'set-cookie': ['a=1', 'b=2'] }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
        stream.end('created');
      });
    }, cleanups);
    const { session } = await proxyTo(up.port);
    const a = await send(session, { ':path': '/items?x=1', ':authority': 'svc.local:8080', 'x-custom': 'v', 'te': 'trailers' }, 'payload', { 'x-req-trailer': 't' });
    expect(a).toMatchObject({ status: 201, ended: true, trailers: { 'x-checksum': 'abc' } });
    expect(a.headers['x-up']).toBe('yes');
    expect(a.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(a.body.toString()).toBe('created');
    expect(seen?.body).toBe('payload');
    expect(seen?.trailers?.['x-req-trailer']).toBe('t');
    expect(seen?.headers).toMatchObject({ ':method': 'POST', ':path': '/items?x=1', ':authority': 'svc.local:8080', ':scheme': 'http', 'x-custom': 'v' });
    // TE is hop-by-hop (only a gRPC request gets `te: trailers` upstream).
    expect(seen?.headers.te).toBeUndefined();
  });

  it('keeps a trailers-only response (grpc-status in HEADERS with END_STREAM) in one HEADERS frame', async () => {
    const up = await startH2Upstream((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'nope' }, { endStream: true });
    }, cleanups);
    const { session } = await proxyTo(up.port);
    const a = await send(session, { 'content-type': 'application/grpc' }, Buffer.alloc(5));
    expect(a.status).toBe(200);
    expect(a.flags & constants.NGHTTP2_FLAG_END_STREAM).toBe(constants.NGHTTP2_FLAG_END_STREAM);
    expect(a.headers).toMatchObject({ 'grpc-status': '5', 'grpc-message': 'nope' });
    expect(a.trailers).toBeUndefined();
  });

  it('answers expect: 100-continue itself when the body is wanted, and does not forward the header', async () => {
    let upstreamHeaders: IncomingHttpHeaders | undefined;
    const up = await startH2Upstream((stream, headers) => {
      upstreamHeaders = headers;
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (body += c));
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end(`got ${body}`);
      });
    }, cleanups);
    const { session } = await proxyTo(up.port);
    const req = session.request({ ':method': 'PUT', ':path': '/file', 'expect': '100-continue' });
    await once(req, 'continue');
    req.end('contents');
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    await once(req, 'end');
    expect(text).toBe('got contents');
    expect(upstreamHeaders?.expect).toBeUndefined();
  });

  it('applies backpressure to a large request body: the relay holds a bounded amount while the upstream does not read', async () => {
    let upstreamStream: ServerHttp2Stream | undefined;
    const received: Buffer[] = [];
    const up = await startH2Upstream((stream) => {
      upstreamStream = stream;
      stream.pause();
      stream.on('data', (c: Buffer) => received.push(c));
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end(sha(Buffer.concat(received)));
      });
    }, cleanups);
    const { session, probe } = await proxyTo(up.port);
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32BE(i, i);
    const pending = send(session, {}, body);
    await sleep(300);
    // Windows and stream buffers on both hops: far below the 8 MiB sent.
    expect(upstreamStream).toBeDefined();
    expect(probe.upBytes).toBeLessThan(1024 * 1024);
    upstreamStream?.resume();
    const a = await pending;
    expect(a.body.toString()).toBe(sha(body));
    expect(probe.upBytes).toBe(body.length);
  });

  it('applies backpressure to a large response body: the relay stops reading upstream while the client does not read', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 7);
    body.write('first', 0);
    body.write('last', body.length - 4);
    const up = await startH2Upstream((stream) => {
      stream.respond({ ':status': 200 });
      stream.end(body);
    }, cleanups);
    const { session, probe } = await proxyTo(up.port);
    const req = session.request({ ':path': '/big' }, { endStream: true });
    req.pause();
    await once(req, 'response');
    await sleep(300);
    expect(probe.downBytes).toBeLessThan(1024 * 1024);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.resume();
    await once(req, 'end');
    expect(sha(Buffer.concat(chunks))).toBe(sha(body));
  });

  it('resets the downstream stream when the upstream resets mid-body', async () => {
    const up = await startH2Upstream((stream) => {
      stream.respond({ ':status': 200 });
      stream.write(Buffer.alloc(1000, 1));
      // destroy(error): close() would send END_STREAM first, making the cut look like a clean end.
      setTimeout(() => stream.destroy(new Error('upstream cut')), 50);
    }, cleanups);
    const { session, probe } = await proxyTo(up.port);
    const a = await send(session, {});
    expect(a.status).toBe(200);
    expect(a.body.length).toBe(1000);
    // INTERNAL_ERROR, not Envoy's NO_ERROR, so that the client knows the response is cut.
    expect(a.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR);
    expect(probe.failures).toEqual(['reset']);
  });

  it('cancels the upstream stream when the client resets mid-request', async () => {
    let upstreamClosed: Promise<number> | undefined;
    const up = await startH2Upstream((stream) => {
      upstreamClosed = new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode ?? -1)));
      stream.respond({ ':status': 200 });
      stream.write('partial');
    }, cleanups);
    const { session, probe } = await proxyTo(up.port);
    const req = session.request({ ':method': 'POST', ':path': '/upload' });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(1000));
    await once(req, 'response');
    req.close(constants.NGHTTP2_CANCEL);
    await expect.poll(() => upstreamClosed, { timeout: 2000 }).toBeDefined();
    expect(await upstreamClosed).toBe(constants.NGHTTP2_CANCEL);
    expect(probe.aborts).toHaveLength(1);
  });

  it('multiplexes many concurrent streams over one upstream session', async () => {
    const up = await startH2Upstream((stream, headers) => {
      setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end(String(headers[':path']));
      }, 20);
    }, cleanups);
    const { session, pool: p } = await proxyTo(up.port);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => send(session, { ':path': `/n/${i}` })));
    expect(answers.map((a) => a.body.toString())).toEqual(Array.from({ length: 200 }, (_, i) => `/n/${i}`));
    expect(up.sessions).toHaveLength(1);
    expect(p.stats).toEqual({ sessions: 1, active: 0, queued: 0 });
  });

  it.each([
    ['the upstream SETTINGS_MAX_CONCURRENT_STREAMS', { maxConcurrentStreams: 10 }, {}],
    ['the cluster max_concurrent_streams', {}, { maxConcurrentStreams: 10 }],
  ] as const)('opens another session when every session is at %s', async (_name, upstreamSettings, poolOptions) => {
    let open = 0;
    let peak = 0;
    const up = await startH2Upstream(
      (stream) => {
        open++;
        peak = Math.max(peak, open);
        setTimeout(() => {
          open--;
          stream.respond({ ':status': 200 });
          stream.end('ok');
        }, 100);
      },
      cleanups,
      upstreamSettings,
    );
    const { session } = await proxyTo(up.port, poolOptions);
    // One request first, so the upstream's SETTINGS are known (before them nghttp2 queues locally).
    await send(session, {});
    const answers = await Promise.all(Array.from({ length: 30 }, () => send(session, {})));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(up.sessions.length).toBe(3);
    for (const s of up.sessions) expect(s.closed).toBe(false);
    expect(peak).toBe(30);
  });

  it('sends streams refused by a GOAWAY again on a new session, and uses it for new requests', async () => {
    let first = true;
    const up = await startH2Upstream((stream) => {
      if (first) {
        first = false;
        // Graceful shutdown: streams after this one are refused (not processed) and must be retried.
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR, stream.id ?? 1);
        setTimeout(() => {
          stream.respond({ ':status': 200 });
          stream.end('first');
        }, 50);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end('later');
    }, cleanups);
    const { session, probe } = await proxyTo(up.port);
    const answers = await Promise.all([send(session, { ':path': '/1' }), send(session, { ':path': '/2' }), send(session, { ':path': '/3' })]);
    expect(answers.map((a) => [a.status, a.body.toString()])).toEqual([
      [200, 'first'],
      [200, 'later'],
      [200, 'later'],
    ]);
    expect(probe.failures).toEqual([]);
    expect(up.sessions).toHaveLength(2);
    const again = await send(session, { ':path': '/4' });
    expect(again.body.toString()).toBe('later');
    expect(up.sessions).toHaveLength(2);
  });

  it('reports a refused stream that cannot be replayed (its body was streamed) as a reset', async () => {
    const up = await startH2Upstream((stream) => {
      stream.on('data', () => undefined);
      stream.on('end', () => stream.close(constants.NGHTTP2_REFUSED_STREAM));
    }, cleanups);
    const { session, probe } = await proxyTo(up.port);
    const a = await send(session, {}, 'body');
    expect(a.status).toBe(503);
    expect(probe.failures).toEqual(['reset']);
  });

  it('reports a connection refused as connect-failure and a lost session as reset', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failures: UpstreamFailure[] = [];
    const p = pool(deadPort);
    await new Promise<void>((resolve) => {
      p.request(
        { method: 'GET', path: '/', headers: {}, bodyMode: 'none', body: [], upgrade: undefined },
        { onHead: () => undefined, onData: () => undefined, onEnd: () => undefined, onDrain: () => undefined, onUpgrade: () => undefined, onError: (f) => (failures.push(f), resolve()) },
      );
    });
    expect(failures).toEqual(['connect-failure']);
    expect(p.stats.sessions).toBe(0);

    const up = await startH2Upstream((stream) => {
      stream.respond({ ':status': 200 });
      stream.write('x');
      setTimeout(() => stream.session?.destroy(), 20);
    }, cleanups);
    const { session, probe } = await proxyTo(up.port);
    const a = await send(session, {});
    expect(a.rstCode).toBe(constants.NGHTTP2_INTERNAL_ERROR);
    expect(probe.failures).toEqual(['reset']);
  });

  it('gives up connecting after the connect timeout', async () => {
    const port = await unacceptingPort();
    const failures: UpstreamFailure[] = [];
    const p = pool(port, { connectTimeoutMs: 100 });
    const started = Date.now();
    await new Promise<void>((resolve) => {
      p.request(
        { method: 'GET', path: '/', headers: {}, bodyMode: 'none', body: [], upgrade: undefined },
        { onHead: () => undefined, onData: () => undefined, onEnd: () => undefined, onDrain: () => undefined, onUpgrade: () => undefined, onError: (f) => (failures.push(f), resolve()) },
      );
    });
    expect(failures).toEqual(['connect-failure']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('closes a session left idle, and refuses upgrades (no extended CONNECT upstream)', async () => {
    const up = await startH2Upstream((stream) => {
      stream.respond({ ':status': 204 });
      stream.end();
    }, cleanups);
    const { session, pool: p } = await proxyTo(up.port, { idleTimeoutMs: 50 });
    expect((await send(session, {})).status).toBe(204);
    await expect.poll(() => p.stats.sessions, { timeout: 2000 }).toBe(0);
    const failure = await new Promise<UpstreamFailure>((resolve) => {
      p.request(
        { method: 'GET', path: '/ws', headers: {}, bodyMode: 'none', body: [], upgrade: 'websocket' },
        { onHead: () => undefined, onData: () => undefined, onEnd: () => undefined, onDrain: () => undefined, onUpgrade: () => undefined, onError: resolve },
      );
    });
    expect(failure).toBe('protocol-error');
  });

  it('drains: streams in flight finish, then every session closes', async () => {
    const up = await startH2Upstream((stream) => {
      setTimeout(() => {
        stream.respond({ ':status': 200 });
        stream.end('done');
      }, 100);
    }, cleanups);
    const { session, pool: p } = await proxyTo(up.port);
    const pending = send(session, {});
    await sleep(30);
    await p.drain();
    expect((await pending).body.toString()).toBe('done');
    expect(p.stats.sessions).toBe(0);
  });
});
