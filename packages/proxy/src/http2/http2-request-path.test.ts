// HTTP/2 on the real request path (createRequestHandler: routing, retries, header edits, local replies)
// between serveHttp2Connection and a connector chosen per cluster with upstreamHttpOptionsOf: gRPC to an
// HTTP/2 cluster, an h2c client to an HTTP/1.1 cluster, HTTP/1.1 responses and trailers back over
// HTTP/2, retries of a 503 on an HTTP/2 upstream, and the proxy's own answers as a gRPC client sees them.

import * as grpc from '@grpc/grpc-js';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect as h2Connect, type IncomingHttpHeaders } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoint } from '../balancer/picker.js';
import type { CompiledCluster } from '../compile/compile-cluster.js';
import { compileConfig, type CompileInput } from '../compile/compile-config.js';
import { createRequestHandler } from '../http/handle-request.js';
import type { UpstreamConnector, UpstreamConnectors } from '../http/upstream-exchange.js';
import { Http1Pool } from '../http1/http1-pool.js';
import { Http1ServerConnection } from '../http1/http1-server-connection.js';
import type { RequestOutcome } from '../outbound/request-outcome.js';
import type { ClusterShape } from '../xds-client/envoy-shapes.js';
import { echoClient, startGrpcServer, unary, type Msg, type ServerLog } from './grpc-echo.test-fixtures.js';
import { startH2cProxy, startH2Upstream, type Cleanups } from './h2c-relay.test-fixtures.js';
import { serveHttp2Connection } from './http2-downstream.js';
import { sniffHttpProtocol } from './http2-preface.js';
import { Http2SessionPool } from './http2-session-pool.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, upstreamHttpOptionsOf } from './upstream-protocol.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const H2_OPTIONS = { [HTTP_PROTOCOL_OPTIONS_KEY]: { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } };

function cluster(name: string, port: number | undefined, h2: boolean): ClusterShape {
  const endpoints = port === undefined ? [] : [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }];
  return { name, type: 'STATIC', connect_timeout: { seconds: '1' }, load_assignment: { cluster_name: name, endpoints }, ...(h2 ? { typed_extension_protocol_options: H2_OPTIONS } : {}) } as ClusterShape;
}

/**
 * Connectors as the pool registry would pick them once wired: the cluster's upstream protocol (from
 * the raw Cluster, by name here, as CompiledCluster has no field for it yet) decides HTTP/2 or HTTP/1.1.
 */
function connectorsFor(clusters: readonly ClusterShape[]): UpstreamConnectors {
  const shapes = new Map(clusters.map((c) => [c.name ?? '', c]));
  const pools = new Map<string, UpstreamConnector>();
  cleanups.push(() => {
    for (const p of pools.values()) (p as Http2SessionPool | Http1Pool).destroy();
  });
  return {
    get(endpoint: Endpoint, c: CompiledCluster): UpstreamConnector {
      const http = upstreamHttpOptionsOf(shapes.get(c.name));
      const key = `${http.protocol}|${endpoint.key}`;
      let pool = pools.get(key);
      if (!pool) {
        const base = { host: endpoint.host, port: endpoint.port, connectTimeoutMs: c.connectTimeoutMs };
        pool = http.protocol === 'http2' ? new Http2SessionPool({ ...base, maxConcurrentStreams: http.maxConcurrentStreams }) : new Http1Pool(base);
        pools.set(key, pool);
      }
      return pool;
    },
  };
}

async function proxy(input: CompileInput & { clusters: readonly ClusterShape[] }): Promise<{ port: number; outcomes: RequestOutcome[] }> {
  const config = compileConfig(input);
  const outcomes: RequestOutcome[] = [];
  const handler = createRequestHandler({ config: () => config, connectors: connectorsFor(input.clusters), random: Math.random, onOutcome: (o) => outcomes.push(o), direction: 'outbound', routeConfigName: 'rc' });
  const { port } = await startH2cProxy(handler, cleanups);
  return { port, outcomes };
}

const routes = (routeList: Record<string, unknown>[]): Record<string, unknown> => ({ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: routeList }] });

describe('HTTP/2 on the request path', () => {
  it('carries gRPC calls to an HTTP/2 cluster with headers, messages and trailers', async () => {
    const log: ServerLog = { cancelled: [], deadlines: [] };
    const grpcPort = await startGrpcServer(log, cleanups);
    const { port, outcomes } = await proxy({
      clusters: [cluster('grpc', grpcPort, true)],
      routeConfigurations: [routes([{ match: { prefix: '/test.Echo/' }, route: { cluster: 'grpc', timeout: { seconds: '0' } } }])],
    });
    const client = echoClient(port, cleanups);
    const r = await unary(client, 'echo', 'hi');
    expect(r.value).toEqual({ text: 'echo hi' });
    expect(r.headers?.get('x-header')).toEqual(['h']);
    expect(r.status?.metadata.get('x-trailer')).toEqual(['t:']);
    const call = client.count({ text: '3' }) as grpc.ClientReadableStream<Msg>;
    const got: string[] = [];
    call.on('data', (m: Msg) => got.push(m.text));
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(got).toEqual(['1', '2', '3']);
    expect(status.metadata.get('x-count')).toEqual(['3']);
    const failed = await unary(client, 'fail', 'x');
    expect(failed.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(outcomes.map((o) => [o.status, o.cluster, o.responseFlags])).toEqual([
      [200, 'grpc', '-'],
      [200, 'grpc', '-'],
      [200, 'grpc', '-'],
    ]);
  });

  it('answers a gRPC call the proxy cannot route, or has no upstream for, with the status the client expects', async () => {
    const { port } = await proxy({
      clusters: [cluster('empty', undefined, true)],
      routeConfigurations: [routes([{ match: { prefix: '/test.Echo/Echo' }, route: { cluster: 'empty' } }])],
    });
    const client = echoClient(port, cleanups);
    // 404 NR → UNIMPLEMENTED; 503 UH → UNAVAILABLE (gRPC's HTTP mapping and Envoy's agree on both).
    expect((await unary(client, 'fail', 'x')).error?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect((await unary(client, 'echo', 'x')).error?.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('serves an h2c client from an HTTP/1.1 cluster, trailers included', async () => {
    const server = createHttpServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'trailer': 'x-sum' });
        res.write(`got ${body} via ${req.headers.host ?? ''}`);
        res.addTrailers({ 'x-sum': String(body.length) });
        res.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = await proxy({
      clusters: [cluster('h1', (server.address() as AddressInfo).port, false)],
      routeConfigurations: [routes([{ match: { prefix: '/' }, route: { cluster: 'h1' }, response_headers_to_add: [{ header: { key: 'x-route', value: 'r1' } }] }])],
    });
    const session = h2Connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => {
      session.destroy();
    });
    const req = session.request({ ':method': 'POST', ':path': '/up', ':authority': 'shop.local' });
    req.end('hello');
    const [headers] = (await once(req, 'response')) as [IncomingHttpHeaders];
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    const [trailers] = (await once(req, 'trailers')) as [IncomingHttpHeaders];
    expect(headers[':status']).toBe(200);
    expect(headers['x-route']).toBe('r1');
    expect(text).toBe('got hello via shop.local');
    expect(trailers['x-sum']).toBe('5');
  });

  it('retries a 503 from an HTTP/2 upstream on another try', async () => {
    const attempts: string[] = [];
    const up = await startH2Upstream((stream, headers) => {
      attempts.push(String(headers['x-envoy-attempt-count']));
      stream.respond({ ':status': attempts.length === 1 ? 503 : 200 });
      stream.end(attempts.length === 1 ? 'busy' : 'ok');
    }, cleanups);
    const { port, outcomes } = await proxy({
      clusters: [cluster('h2', up.port, true)],
      routeConfigurations: [routes([{ match: { prefix: '/' }, route: { cluster: 'h2', retry_policy: { retry_on: '5xx', num_retries: { value: 2 } } } }])],
    });
    const session = h2Connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => {
      session.destroy();
    });
    const req = session.request({ ':path': '/' }, { endStream: true });
    const [headers] = (await once(req, 'response')) as [IncomingHttpHeaders];
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    await once(req, 'end');
    expect([headers[':status'], text]).toEqual([200, 'ok']);
    expect(attempts).toEqual(['1', '2']);
    expect(outcomes[0]).toMatchObject({ status: 200, attempts: 2 });
    expect(up.sessions).toHaveLength(1);
  });

  it('serves HTTP/1.1 and h2c on one listener with the sniffing wiring proposed for createHttpConnectionHandler', async () => {
    const up = await startH2Upstream((stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(`hello ${String(headers['user-agent'] ?? '')}`);
    }, cleanups);
    const clusters = [cluster('h2', up.port, true)];
    const config = compileConfig({ clusters, routeConfigurations: [routes([{ match: { prefix: '/' }, route: { cluster: 'h2' } }])] });
    const onRequest = createRequestHandler({ config: () => config, connectors: connectorsFor(clusters), random: Math.random, direction: 'outbound', routeConfigName: 'rc' });
    // The body of createHttpConnectionHandler's returned function once wired (see the report).
    const serve = (socket: Socket): void => {
      sniffHttpProtocol(socket, (protocol) => {
        if (protocol === 'http2') serveHttp2Connection(socket, { onRequest });
        else {
          new Http1ServerConnection(socket, { onRequest });
          socket.resume();
        }
      });
    };
    const sockets = new Set<Socket>();
    const server = createNetServer((s) => {
      sockets.add(s);
      serve(s);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const port = (server.address() as AddressInfo).port;

    const h1 = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'user-agent': 'h1-client' } });
    expect([h1.status, await h1.text()]).toEqual([200, 'hello h1-client']);

    const session = h2Connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => {
      session.destroy();
    });
    const req = session.request({ ':path': '/', 'user-agent': 'h2-client' }, { endStream: true });
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    await once(req, 'end');
    expect(text).toBe('hello h2-client');
  });
});
