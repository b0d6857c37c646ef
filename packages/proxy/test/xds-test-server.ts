// A tiny, independent ADS server (state of the world) for weft-proxy's tests: real @grpc/grpc-js over
// a real port, the shared protos, and just enough protocol to drive a client: subscribe, answer on
// subscription changes, push on set(), ignore stale nonces. It records every request for assertions.
// weftd's own server is not used: the proxy may not import the control plane, even in tests.

import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, isWildcardType, packAny, structToPlain, type AnyMessage, type DiscoveryRequest, type DiscoveryResponse } from '@weft/shared/xds';

/** A request as the server received it, with the node metadata as a plain object. */
export interface RecordedRequest extends DiscoveryRequest {
  /** Which stream (1, 2, ...) it came on. */
  readonly stream: number;
  readonly metadata: Record<string, unknown> | undefined;
}

interface TypeContent {
  readonly version: string;
  readonly resources: ReadonlyMap<string, AnyMessage>;
}

interface StreamState {
  readonly id: number;
  readonly call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  readonly names: Map<string, readonly string[]>;
  readonly lastNonce: Map<string, string>;
}

const nameOf = (resource: Record<string, unknown>): string => String(resource.name ?? resource.cluster_name ?? '');

/** Polls `check` (sync or async) every 10 ms until it gives a value other than undefined/false, or
 *  fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One running test ADS server. */
export class XdsTestServer {
  /** Every request received, in order, across streams. */
  readonly requests: RecordedRequest[] = [];
  private readonly content = new Map<string, TypeContent>();
  private readonly streams = new Set<StreamState>();
  private streamCount = 0;
  private nonceCount = 0;

  /** The bound port. */
  port = 0;

  private constructor(private readonly server: grpc.Server) {}

  /** Starts a server on 127.0.0.1:`port` (0: a free port). */
  static async start(port = 0): Promise<XdsTestServer> {
    const server = new grpc.Server();
    const self = new XdsTestServer(server);
    server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => self.accept(call),
    });
    self.port = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    return self;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Replaces the content of a type (plain Envoy objects, packed here) and pushes it to subscribers. */
  set(typeUrl: string, version: string, resources: readonly Record<string, unknown>[]): void {
    this.setPacked(typeUrl, version, resources.map((r) => [nameOf(r), packAny(typeUrl, r)] as const));
  }

  /** Like {@link set} with already-packed resources (to send bytes no generator would make). */
  setPacked(typeUrl: string, version: string, resources: readonly (readonly [string, AnyMessage])[]): void {
    this.content.set(typeUrl, { version, resources: new Map(resources) });
    for (const s of this.streams) if (s.names.has(typeUrl)) this.respond(s, typeUrl);
  }

  /** Requests of one type (and stream, when given). */
  requestsOf(typeUrl: string, stream?: number): RecordedRequest[] {
    return this.requests.filter((r) => r.type_url === typeUrl && (stream === undefined || r.stream === stream));
  }

  /** Stops the server, ending open streams with UNAVAILABLE. */
  async close(): Promise<void> {
    for (const s of this.streams) s.call.destroy();
    this.streams.clear();
    this.server.forceShutdown();
  }

  private accept(call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>): void {
    const s: StreamState = { id: ++this.streamCount, call, names: new Map(), lastNonce: new Map() };
    this.streams.add(s);
    call.on('data', (request: DiscoveryRequest) => this.onRequest(s, request));
    call.on('error', () => this.streams.delete(s));
    call.on('end', () => {
      this.streams.delete(s);
      call.end();
    });
  }

  private onRequest(s: StreamState, request: DiscoveryRequest): void {
    this.requests.push({ ...request, stream: s.id, metadata: request.node?.metadata ? structToPlain(request.node.metadata) : undefined });
    const type = request.type_url;
    const before = s.names.get(type);
    if (before === undefined) {
      // First request for the type on this stream: subscribe, whatever nonce it carries.
      s.names.set(type, request.resource_names);
      this.respond(s, type);
      return;
    }
    // Only the latest nonce is current; anything else is stale and ignored.
    if (request.response_nonce !== (s.lastNonce.get(type) ?? '')) return;
    const changed = before.length !== request.resource_names.length || before.some((n, i) => n !== request.resource_names[i]);
    s.names.set(type, request.resource_names);
    if (changed && (request.resource_names.length > 0 || isWildcardType(type))) this.respond(s, type);
  }

  private respond(s: StreamState, type: string): void {
    const content = this.content.get(type);
    if (!content) return;
    const names = s.names.get(type) ?? [];
    const wildcard = isWildcardType(type) && names.length === 0;
    const resources = [...content.resources].filter(([name]) => wildcard || names.includes(name)).map(([, any]) => any);
    const nonce = String(++this.nonceCount);
    s.lastNonce.set(type, nonce);
    s.call.write({ version_info: content.version, resources, type_url: type, nonce });
  }
}
