// A @grpc/grpc-js echo service and client for the gRPC tests: JSON messages instead of protobuf, so no
// .proto is needed; the server records deadlines and cancellations it saw.

import * as grpc from '@grpc/grpc-js';
import type { Cleanups } from './h2c-relay.test-fixtures.js';

/** The message every method takes and returns (JSON on the wire: no .proto needed). */
export interface Msg {
  readonly text: string;
}

const serialize = (v: Msg): Buffer => Buffer.from(JSON.stringify(v));
const deserialize = (b: Buffer): Msg => JSON.parse(b.toString()) as Msg;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});

/** A small service covering unary, failing, never-answering, server- and client-streaming calls. */
export const ECHO_SERVICE = {
  echo: method('Echo', false, false),
  fail: method('Fail', false, false),
  slow: method('Slow', false, false),
  count: method('Count', false, true),
  join: method('Join', true, false),
} satisfies grpc.ServiceDefinition;

/** What the server saw. */
export interface ServerLog {
  cancelled: string[];
  deadlines: (number | undefined)[];
}

/** Starts the echo service on 127.0.0.1:0 (h2c); returns its port. */
export async function startGrpcServer(log: ServerLog, cleanups: Cleanups): Promise<number> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    echo: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      const deadline = call.getDeadline();
      log.deadlines.push(deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : undefined);
      const md = new grpc.Metadata();
      md.set('x-header', 'h');
      call.sendMetadata(md);
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', `t:${String(call.metadata.get('x-from-client')[0] ?? '')}`);
      cb(null, { text: `echo ${call.request.text}` }, trailer);
    },
    fail: (_call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      cb({ code: grpc.status.NOT_FOUND, details: 'no such thing: café 100%' });
    },
    slow: (call: grpc.ServerUnaryCall<Msg, Msg>) => {
      call.on('cancelled', () => log.cancelled.push('slow'));
    },
    count: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      const n = Number(call.request.text);
      for (let i = 1; i <= n; i++) call.write({ text: String(i) });
      const trailer = new grpc.Metadata();
      trailer.set('x-count', String(n));
      call.end(trailer);
    },
    join: (call: grpc.ServerReadableStream<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      const parts: string[] = [];
      call.on('data', (m: Msg) => parts.push(m.text));
      call.on('end', () => cb(null, { text: parts.join('+') }));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  cleanups.push(() => {
    server.forceShutdown();
  });
  return port;
}

/** A generic client of the echo service. */
export type EchoClient = grpc.Client & Record<keyof typeof ECHO_SERVICE, (...args: unknown[]) => unknown>;

/** A client of the echo service at `port` (plaintext, HTTP/2 with prior knowledge). */
export function echoClient(port: number, cleanups: Cleanups): EchoClient {
  const Client = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
  cleanups.push(() => client.close());
  return client;
}

/** The outcome of a unary call: the callback's error or value, the response headers and the status. */
export interface UnaryResult {
  error: grpc.ServiceError | null;
  value: Msg | undefined;
  headers: grpc.Metadata | undefined;
  status: grpc.StatusObject | undefined;
}

/** Makes a unary call and waits for both its callback and its status. */
export function unary(client: EchoClient, name: 'echo' | 'fail' | 'slow', text: string, options: grpc.CallOptions = {}, md = new grpc.Metadata()): Promise<UnaryResult> {
  return new Promise((resolve) => {
    const r: UnaryResult = { error: null, value: undefined, headers: undefined, status: undefined };
    let pending = 2;
    const done = (): void => {
      if (--pending === 0) resolve(r);
    };
    const call = client[name]({ text }, md, options, (error: grpc.ServiceError | null, value?: Msg) => {
      r.error = error;
      r.value = value;
      done();
    }) as grpc.ClientUnaryCall;
    call.on('metadata', (m: grpc.Metadata) => (r.headers = m));
    call.on('status', (s: grpc.StatusObject) => {
      r.status = s;
      done();
    });
  });
}
