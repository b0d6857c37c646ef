// gRPC end to end through the HTTP/2 adapter pair with a real @grpc/grpc-js client and server: unary,
// server- and client-streaming calls with headers and trailers intact, error statuses, a deadline that
// expires (the cancellation reaches the server), and local replies in Envoy's gRPC form as the client
// sees them.

import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownstreamRequest } from '../http/downstream-request.js';
import { echoClient, startGrpcServer, unary, type EchoClient, type Msg, type ServerLog } from './grpc-echo.test-fixtures.js';
import { GRPC_STATUS } from './grpc-local-reply.js';
import { createRelay, newProbe, startH2cProxy, type Cleanups, type LocalAnswer } from './h2c-relay.test-fixtures.js';
import { Http2SessionPool } from './http2-session-pool.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A gRPC server behind the proxy; `local` answers some requests in the proxy itself. */
async function setup(local?: (req: DownstreamRequest) => LocalAnswer | undefined): Promise<{ client: EchoClient; log: ServerLog }> {
  const log: ServerLog = { cancelled: [], deadlines: [] };
  const upstreamPort = await startGrpcServer(log, cleanups);
  const pool = new Http2SessionPool({ host: '127.0.0.1', port: upstreamPort, connectTimeoutMs: 1000 });
  cleanups.push(() => pool.destroy());
  const { port } = await startH2cProxy(createRelay(pool, newProbe(), local), cleanups);
  return { client: echoClient(port, cleanups), log };
}

describe('gRPC through the HTTP/2 adapters', () => {
  it('relays a unary call with its headers and trailers', async () => {
    const { client } = await setup();
    const md = new grpc.Metadata();
    md.set('x-from-client', 'c');
    const r = await unary(client, 'echo', 'hi', {}, md);
    expect(r.error).toBeNull();
    expect(r.value).toEqual({ text: 'echo hi' });
    expect(r.headers?.get('x-header')).toEqual(['h']);
    expect(r.status?.code).toBe(grpc.status.OK);
    expect(r.status?.metadata.get('x-trailer')).toEqual(['t:c']);
  });

  it('relays an error status with its (percent-encoded) message', async () => {
    const { client } = await setup();
    const r = await unary(client, 'fail', 'x');
    expect(r.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(r.error?.details).toBe('no such thing: café 100%');
  });

  it('relays a server-streaming call and its trailers', async () => {
    const { client } = await setup();
    const call = client.count({ text: '5' }) as grpc.ClientReadableStream<Msg>;
    const got: string[] = [];
    call.on('data', (m: Msg) => got.push(m.text));
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(got).toEqual(['1', '2', '3', '4', '5']);
    expect(status.code).toBe(grpc.status.OK);
    expect(status.metadata.get('x-count')).toEqual(['5']);
  });

  it('relays a client-streaming call', async () => {
    const { client } = await setup();
    const result = await new Promise<Msg | undefined>((resolve, reject) => {
      const call = client.join((err: grpc.ServiceError | null, v?: Msg) => (err ? reject(err) : resolve(v))) as grpc.ClientWritableStream<Msg>;
      for (const t of ['a', 'b', 'c']) call.write({ text: t });
      call.end();
    });
    expect(result).toEqual({ text: 'a+b+c' });
  });

  it('passes the deadline upstream, and a deadline that expires cancels the call on the server', async () => {
    const { client, log } = await setup();
    const deadline = Date.now() + 5000;
    expect((await unary(client, 'echo', 'x', { deadline })).error).toBeNull();
    // grpc-timeout travelled through: the server's deadline is the client's (to the millisecond unit).
    expect(Math.abs((log.deadlines[0] ?? 0) - deadline)).toBeLessThan(500);
    const started = Date.now();
    const r = await unary(client, 'slow', 'x', { deadline: Date.now() + 300 });
    expect(r.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect.poll(() => log.cancelled, { timeout: 2000 }).toEqual(['slow']);
  });

  it.each([
    ['an unroutable method (404, no body) as UNIMPLEMENTED', '/test.Echo/Echo', { status: 404, body: '' }, GRPC_STATUS.UNIMPLEMENTED, ''],
    ['no healthy upstream (503) as UNAVAILABLE with the body as message', '/test.Echo/Echo', { status: 503, body: 'no healthy upstream' }, GRPC_STATUS.UNAVAILABLE, 'no healthy upstream'],
    ['a timeout (504) as UNAVAILABLE', '/test.Echo/Echo', { status: 504, body: 'upstream request timeout' }, GRPC_STATUS.UNAVAILABLE, 'upstream request timeout'],
    ['a fault abort with grpc_status', '/test.Echo/Echo', { status: 200, body: 'fault filter abort', grpcStatus: GRPC_STATUS.RESOURCE_EXHAUSTED }, GRPC_STATUS.RESOURCE_EXHAUSTED, 'fault filter abort'],
  ] as [string, string, LocalAnswer, number, string][])('shows a local reply for %s in the client', async (_name, path, answer, code, details) => {
    const { client } = await setup((req) => (req.path === path ? answer : undefined));
    const r = await unary(client, 'echo', 'x');
    expect(r.error?.code).toBe(code);
    expect(r.error?.details).toBe(details);
  });
});
