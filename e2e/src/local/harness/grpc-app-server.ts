// A @grpc/grpc-js app for e2e scenarios, with JSON messages instead of protobuf (no .proto needed; gRPC
// does not care how messages are encoded): unary Rate (answers its version and echoes metadata in both
// header and trailer metadata), server-streaming Count, and Fail (a status error with trailers).

import * as grpc from '@grpc/grpc-js';
import type { AppServer } from './app-server.js';

/** Every message on the wire. */
export interface RatingMessage {
  readonly text: string;
  readonly version?: string;
}

const serialize = (v: RatingMessage): Buffer => Buffer.from(JSON.stringify(v));
const deserialize = (b: Buffer): RatingMessage => JSON.parse(b.toString()) as RatingMessage;
const method = (name: string, responseStream: boolean) => ({
  path: `/weft.e2e.Ratings/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});

/** The service: `rate` (unary), `count` (server streaming: `text` is how many), `fail` (NOT_FOUND). */
export const RATINGS_SERVICE = {
  rate: method('Rate', false),
  count: method('Count', true),
  fail: method('Fail', false),
} satisfies grpc.ServiceDefinition;

/** The details of Fail's status: non-ASCII and `%` test grpc-message's percent-encoding end to end. */
export const FAIL_DETAILS = 'no such rating: café 100%';

/** A client of the service. */
export const RatingsClient = grpc.makeGenericClientConstructor(RATINGS_SERVICE, 'Ratings');

/** A running gRPC app. */
export class GrpcAppServer implements AppServer {
  private constructor(
    readonly version: string,
    readonly address: string,
    readonly port: number,
    private readonly server: grpc.Server,
    /** Full method paths of the calls received, in order. */
    readonly calls: string[],
  ) {}

  /** Starts the app named `version` on `address` and a free port. */
  static async start(version: string, address: string): Promise<GrpcAppServer> {
    const server = new grpc.Server();
    const calls: string[] = [];
    const echoMetadata = (from: grpc.Metadata, prefix: string): grpc.Metadata => {
      const md = new grpc.Metadata();
      md.set(`x-${prefix}-version`, version);
      md.set(`x-${prefix}-echo`, String(from.get('x-client')[0] ?? ''));
      return md;
    };
    server.addService(RATINGS_SERVICE, {
      rate: (call: grpc.ServerUnaryCall<RatingMessage, RatingMessage>, cb: grpc.sendUnaryData<RatingMessage>) => {
        calls.push(RATINGS_SERVICE.rate.path);
        call.sendMetadata(echoMetadata(call.metadata, 'header'));
        cb(null, { text: `rated ${call.request.text}`, version }, echoMetadata(call.metadata, 'trailer'));
      },
      count: (call: grpc.ServerWritableStream<RatingMessage, RatingMessage>) => {
        calls.push(RATINGS_SERVICE.count.path);
        const n = Number(call.request.text);
        for (let i = 1; i <= n; i++) call.write({ text: String(i), version });
        const trailer = new grpc.Metadata();
        trailer.set('x-count', String(n));
        call.end(trailer);
      },
      fail: (call: grpc.ServerUnaryCall<RatingMessage, RatingMessage>, cb: grpc.sendUnaryData<RatingMessage>) => {
        calls.push(RATINGS_SERVICE.fail.path);
        const trailer = new grpc.Metadata();
        trailer.set('x-reason', `unknown ${call.request.text}`);
        cb({ code: grpc.status.NOT_FOUND, details: FAIL_DETAILS, metadata: trailer });
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${address}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return new GrpcAppServer(version, address, port, server, calls);
  }

  /** Stops the server and ends every call. */
  close(): Promise<void> {
    this.server.forceShutdown();
    return Promise.resolve();
  }
}
