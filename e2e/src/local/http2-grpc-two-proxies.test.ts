// HTTP/2 and gRPC through two proxies, measured: the client's weft-proxy (h2c sniffed on its explicit
// outbound port and on per-service listeners) → the server's weft-proxy inbound listener → the app.
// reviews has a port of protocol HTTP2 and an h2c-only app, so each answer proves both hops spoke HTTP/2
// (an HTTP/1.1 client too: the mesh upgrades it); ratings has a GRPC port and a @grpc/grpc-js app:
// unary and server-streaming calls, metadata and trailers, a status error with its details intact, and
// local replies (a route to a missing cluster, a fault abort) that reach the client as gRPC statuses.

import { connect, type ClientHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { FAIL_DETAILS, GrpcAppServer, RatingsClient, type RatingMessage } from './harness/grpc-app-server.js';
import { H2cUpstreamServer, type H2cAnswer } from './harness/h2c-upstream-server.js';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh } from './harness/local-mesh.js';
import { VERSION_HEADER } from './harness/upstream-server.js';

const REVIEWS_PORT = 9080;
const RATINGS_PORT = 9090;

const mesh = useLocalMesh({
  scenario: 'http2-grpc',
  services: [
    { name: 'reviews', versions: ['v1'], port: REVIEWS_PORT, protocol: 'HTTP2', sidecar: true, app: (v, a) => H2cUpstreamServer.start(v, a) },
    { name: 'ratings', versions: ['v1'], port: RATINGS_PORT, protocol: 'GRPC', sidecar: true, app: (v, a) => GrpcAppServer.start(v, a) },
  ],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1']),
    subsetsByVersion('ratings', m.namespace, ['v1']),
    virtualService('ratings', m.namespace, {
      hosts: ['ratings'],
      http: [
        // A subset no DestinationRule defines: its cluster does not exist.
        { name: 'missing', match: [{ headers: { 'x-route': { exact: 'missing' } } }], route: [{ destination: { host: 'ratings', subset: 'v9' } }] },
        { name: 'abort', match: [{ headers: { 'x-route': { exact: 'abort' } } }], fault: { abort: { grpcStatus: 'RESOURCE_EXHAUSTED', percentage: { value: 100 } } }, route: [{ destination: { host: 'ratings', subset: 'v1' } }] },
        { name: 'default', route: [{ destination: { host: 'ratings', subset: 'v1' } }] },
      ],
    }),
  ],
});

const reviewsApp = (m: LocalMesh): H2cUpstreamServer => m.app('reviews', 'v1') as H2cUpstreamServer;
const ratingsApp = (m: LocalMesh): GrpcAppServer => m.app('ratings', 'v1') as GrpcAppServer;

/** An h2c session (prior knowledge) to `host:port`, closed by the caller. */
async function h2cSession(host: string, port: number): Promise<ClientHttp2Session> {
  const session = connect(`http://${host}:${port}`);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return session;
}

interface H2Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: string;
}

/** One request on `session`; `body` (if any) is sent as the request body. */
function h2Request(session: ClientHttp2Session, authority: string, path: string, body?: Buffer): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': body ? 'POST' : 'GET', ':path': path, ':authority': authority, ':scheme': 'http' }, { endStream: !body });
    let headers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', reject);
    if (body) stream.end(body);
  });
}

/** The generic client's methods (makeGenericClientConstructor types them loosely). */
type RatingsStub = grpc.Client & Record<'rate' | 'count' | 'fail', (...args: unknown[]) => unknown>;

/** A gRPC client of ratings through the client's per-service listener (`<outbound address>:9090`). The
 *  target is an IP, so the channel's authority is set to the service's name, as a client using the
 *  service's DNS name would send it. */
function ratingsClient(m: LocalMesh): RatingsStub {
  return new RatingsClient(`${m.proxy.outboundAddress}:${RATINGS_PORT}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': m.authority('ratings') }) as unknown as RatingsStub;
}

/** The outcome of a unary call: the answer or the error, with header and trailer metadata. */
interface UnaryOutcome {
  readonly error?: grpc.ServiceError;
  readonly answer?: RatingMessage;
  readonly headers?: grpc.Metadata;
  readonly trailers?: grpc.Metadata;
}

function unary(client: RatingsStub, method: 'rate' | 'fail', request: RatingMessage, metadata = new grpc.Metadata()): Promise<UnaryOutcome> {
  return new Promise((resolve) => {
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    const call = client[method](request, metadata, { deadline: Date.now() + 10_000 }, (error: grpc.ServiceError | null, answer?: RatingMessage) =>
      // The status event (with trailers) comes after the callback's data; wait a tick for it.
      setImmediate(() => resolve({ ...(error ? { error } : {}), ...(answer ? { answer } : {}), ...(headers ? { headers } : {}), ...(trailers ? { trailers } : {}) })),
    ) as grpc.ClientUnaryCall;
    call.on('metadata', (md: grpc.Metadata) => (headers = md));
    call.on('status', (s: grpc.StatusObject) => (trailers = s.metadata));
  });
}

describe('HTTP/2 through two proxies: client sidecar → server sidecar inbound → h2c app', () => {
  it('carries 100 h2c streams multiplexed on one session to the per-service listener', async () => {
    const m = mesh();
    const app = reviewsApp(m);
    app.seen.length = 0;
    const session = await h2cSession(m.proxy.outboundAddress, REVIEWS_PORT);
    try {
      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => h2Request(session, `reviews:${REVIEWS_PORT}`, `/reviews/${i}`)));
      expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 200));
      responses.forEach((r, i) => {
        expect(r.headers[VERSION_HEADER]).toBe('v1');
        expect(JSON.parse(r.body) as H2cAnswer).toEqual({ version: 'v1', method: 'GET', path: `/reviews/${i}`, bytes: 0 });
      });
      expect(app.seen.length).toBe(100);
      expect(new Set(app.seen.map((s) => s.httpVersion))).toEqual(new Set(['2.0']));
    } finally {
      session.close();
    }
  });

  it('relays request bodies of 1 MiB both ways under HTTP/2 flow control (explicit outbound port, :authority routing)', async () => {
    const m = mesh();
    const session = await h2cSession('127.0.0.1', m.proxy.outboundPort);
    try {
      const body = Buffer.alloc(1 << 20, 'x');
      const responses = await Promise.all(Array.from({ length: 4 }, (_, i) => h2Request(session, m.authority('reviews'), `/upload/${i}`, body)));
      for (const [i, r] of responses.entries()) {
        expect(r.status, r.body).toBe(200);
        expect(JSON.parse(r.body) as H2cAnswer).toEqual({ version: 'v1', method: 'POST', path: `/upload/${i}`, bytes: 1 << 20 });
      }
    } finally {
      session.close();
    }
  });

  it('upgrades HTTP/1.1 requests of the app to HTTP/2 for a port of protocol HTTP2', async () => {
    const m = mesh();
    const app = reviewsApp(m);
    app.seen.length = 0;
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/from-http1' }, 200, { concurrency: 10 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 200 });
    expect(report.byVersion).toEqual({ v1: 200 });
    // The app speaks nothing but HTTP/2.
    expect(app.seen.filter((s) => s.path === '/from-http1' && s.httpVersion === '2.0').length).toBe(200);
  });
});

describe('gRPC through two proxies: @grpc/grpc-js client → client sidecar → server sidecar → @grpc/grpc-js server', () => {
  it('answers 200 unary calls with header and trailer metadata intact', async () => {
    const m = mesh();
    const client = ratingsClient(m);
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const md = new grpc.Metadata();
          md.set('x-client', `c${i}`);
          return unary(client, 'rate', { text: `r${i}` }, md);
        }),
      );
      outcomes.forEach((o, i) => {
        expect(o.error).toBeUndefined();
        expect(o.answer).toEqual({ text: `rated r${i}`, version: 'v1' });
        expect(o.headers?.get('x-header-echo')).toEqual([`c${i}`]);
        expect(o.trailers?.get('x-trailer-echo')).toEqual([`c${i}`]);
        expect(o.trailers?.get('x-trailer-version')).toEqual(['v1']);
      });
    } finally {
      client.close();
    }
  });

  it('streams 500 messages of a server-streaming call in order, then the trailers', async () => {
    const m = mesh();
    const client = ratingsClient(m);
    try {
      const call = client.count({ text: '500' }) as grpc.ClientReadableStream<RatingMessage>;
      const texts: string[] = [];
      const status = await new Promise<grpc.StatusObject>((resolve, reject) => {
        call.on('data', (msg: RatingMessage) => texts.push(msg.text));
        call.on('status', resolve);
        call.on('error', reject);
      });
      expect(status.code).toBe(grpc.status.OK);
      expect(status.metadata.get('x-count')).toEqual(['500']);
      expect(texts).toEqual(Array.from({ length: 500 }, (_, i) => String(i + 1)));
    } finally {
      client.close();
    }
  });

  it('relays a status error with its code, details and trailers', async () => {
    const m = mesh();
    const client = ratingsClient(m);
    try {
      const o = await unary(client, 'fail', { text: 'r42' });
      expect(o.error?.code).toBe(grpc.status.NOT_FOUND);
      expect(o.error?.details).toBe(FAIL_DETAILS);
      expect(o.error?.metadata.get('x-reason')).toEqual(['unknown r42']);
    } finally {
      client.close();
    }
  });

  // Envoy's local replies to a gRPC client: HTTP 200, trailers only, grpc-status mapped from the HTTP
  // status (503 → UNAVAILABLE) or the fault's own grpc_status, grpc-message from the body (none for a
  // missing cluster, `fault filter abort` for a fault).
  it.each([
    ['a route to a missing cluster', 'missing', grpc.status.UNAVAILABLE, ''],
    ['a fault abort with grpcStatus RESOURCE_EXHAUSTED', 'abort', grpc.status.RESOURCE_EXHAUSTED, 'fault filter abort'],
  ] as const)('turns %s into a gRPC status, not an HTTP error', async (_, route, code, details) => {
    const m = mesh();
    const app = ratingsApp(m);
    const before = app.calls.length;
    const client = ratingsClient(m);
    try {
      const md = new grpc.Metadata();
      md.set('x-route', route);
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => unary(client, 'rate', { text: 'x' }, md)));
      for (const o of outcomes) expect({ code: o.error?.code, details: o.error?.details }).toEqual({ code, details });
      // A local reply: the app never saw these calls.
      expect(app.calls.length).toBe(before);
      process.stdout.write(`gRPC ${route}: ${JSON.stringify({ code: outcomes[0]?.error?.code, details: outcomes[0]?.error?.details })}\n`);
    } finally {
      client.close();
    }
  });

  it('stops at the client proxy with UNAVAILABLE once the server-side proxy is gone (the calls crossed it)', async () => {
    const m = mesh();
    await m.sidecars.get('ratings/v1')?.stop();
    const client = ratingsClient(m);
    try {
      const o = await unary(client, 'rate', { text: 'x' });
      expect(o.error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });
});
