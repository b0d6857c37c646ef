// Test stand-ins around the HTTP/2 adapters: a relay that forwards each DownstreamRequest to one
// UpstreamConnector with backpressure both ways, trailers and resets (just enough of the request path,
// which handle-request / forward-request own), a local reply in Envoy's gRPC form, and servers on port 0.

import { once } from 'node:events';
import { createServer as createH2Server, type Http2Server, type Http2Session, type ServerHttp2Stream, type IncomingHttpHeaders, type Settings } from 'node:http2';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { DownstreamRequest } from '../http/downstream-request.js';
import type { UpstreamConnector, UpstreamExchange, UpstreamFailure } from '../http/upstream-exchange.js';
import { isGrpcRequest, toGrpcLocalReply } from './grpc-local-reply.js';
import { serveHttp2Connection, type Http2ServerConnection } from './http2-downstream.js';
import { sniffHttpProtocol } from './http2-preface.js';

/** What a relay saw, for assertions. */
export interface RelayProbe {
  /** Request body bytes handed to the upstream exchange. */
  upBytes: number;
  /** Response body bytes received from the upstream exchange. */
  downBytes: number;
  readonly failures: UpstreamFailure[];
  readonly aborts: number[];
}

/** A reply the proxy makes itself. */
export interface LocalAnswer {
  readonly status: number;
  readonly body: string;
  readonly grpcStatus?: number;
}

/** Answers `req` locally: Envoy's gRPC trailers-only form for a gRPC request, text otherwise. */
export function answerLocally(req: DownstreamRequest, answer: LocalAnswer): void {
  if (isGrpcRequest(req.headers)) {
    req.respond(200, toGrpcLocalReply(answer.status, answer.body, {}, answer.grpcStatus), true);
    return;
  }
  const body = answer.body;
  req.respond(answer.status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) }, body === '');
  if (body !== '') {
    req.write(body);
    req.end();
  }
}

/** A request handler relaying to `connector`, unless `local` answers first. */
export function createRelay(connector: UpstreamConnector, probe: RelayProbe, local?: (req: DownstreamRequest) => LocalAnswer | undefined): (req: DownstreamRequest) => void {
  return (req) => {
    const answer = local?.(req);
    if (answer) return answerLocally(req, answer);
    const headers: HeaderBag = { ...req.headers, host: req.authority };
    let ex: UpstreamExchange | undefined;
    ex = connector.request(
      { method: req.method, path: req.path, headers, bodyMode: req.hasBody ? 'stream' : 'none', body: [], upgrade: undefined },
      {
        onHead: (status, h) => req.respond(status, h, false),
        onData: (chunk, transient) => {
          probe.downBytes += chunk.length;
          if (!req.write(chunk, transient)) ex?.pause();
        },
        onEnd: (trailers) => req.end(trailers),
        onError: (failure) => {
          probe.failures.push(failure);
          if (req.responseStarted) req.reset();
          else answerLocally(req, { status: 503, body: `upstream connect error or disconnect/reset before headers. reset reason: ${failure}` });
        },
        onDrain: () => req.resumeBody(),
        onUpgrade: (_h, stream) => stream.destroy(),
      },
    );
    req.listen({
      onDrain: () => ex?.resume(),
      onAbort: () => {
        probe.aborts.push(Date.now());
        ex?.abort();
        ex = undefined;
      },
    });
    req.readBody({
      onData: (chunk) => {
        probe.upBytes += chunk.length;
        if (ex && !ex.write(chunk)) req.pauseBody();
      },
      onEnd: (trailers) => ex?.end(trailers),
    });
  };
}

export function newProbe(): RelayProbe {
  return { upBytes: 0, downBytes: 0, failures: [], aborts: [] };
}

/** Things to undo after a test, run in reverse order. */
export type Cleanups = (() => Promise<void> | void)[];

/** A plaintext listener that sniffs the preface and serves h2c with `onRequest` (HTTP/1 is closed). */
export async function startH2cProxy(onRequest: (req: DownstreamRequest) => void, cleanups: Cleanups): Promise<{ port: number; connections: Http2ServerConnection[] }> {
  const sockets = new Set<Socket>();
  const connections: Http2ServerConnection[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    sniffHttpProtocol(socket, (protocol) => {
      if (protocol === 'http2') connections.push(serveHttp2Connection(socket, { onRequest }));
      else socket.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, connections };
}

/** A node:http2 h2c upstream; `sessions` are the connections it accepted. */
export async function startH2Upstream(
  onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void,
  cleanups: Cleanups,
  settings?: Settings,
): Promise<{ port: number; server: Http2Server; sessions: Http2Session[] }> {
  const server = createH2Server(settings ? { settings } : {});
  const sessions: Http2Session[] = [];
  server.on('session', (s: Http2Session) => {
    sessions.push(s);
    s.on('error', () => undefined);
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => undefined);
    onStream(stream, headers);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, server, sessions };
}
