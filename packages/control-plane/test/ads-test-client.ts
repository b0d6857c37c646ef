// A real gRPC ADS client for weftd tests, built independently of the server's codec: proto-loader
// loads ads.proto on its own. Sends requests like Envoy (node on the first one), collects responses.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoIncludeDirs, plainToStruct, type AnyMessage } from '@weft/shared/xds';

/** A DiscoveryResponse as the proto-loader client decodes it. */
export interface WireResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}

let AdsClient: grpc.ServiceClientConstructor | undefined;

function clientConstructor(): grpc.ServiceClientConstructor {
  if (!AdsClient) {
    const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', { includeDirs: protoIncludeDirs(), keepCase: true, longs: String, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } };
    AdsClient = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService;
  }
  return AdsClient;
}

/** One ADS stream to `address` as node `nodeId`. Call {@link close} in afterEach. */
export class AdsTestClient {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<object, WireResponse>;
  /** The stream's final status (UNAVAILABLE when weftd shuts down, CANCELLED after {@link close}). */
  readonly status: Promise<grpc.StatusObject>;
  private readonly inbox: WireResponse[] = [];
  private wake: (() => void) | undefined;
  private sentNode = false;

  constructor(
    address: string,
    private readonly nodeId: string,
    private readonly metadata: Record<string, unknown> = { ISTIO_VERSION: '1.22.0' },
  ) {
    const Ctor = clientConstructor();
    this.client = new Ctor(address, grpc.credentials.createInsecure());
    this.call = (this.client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<object, WireResponse> }).StreamAggregatedResources();
    this.status = new Promise((resolve) => this.call.on('status', resolve));
    this.call.on('error', () => undefined); // the status promise carries the code
    this.call.on('data', (response: WireResponse) => {
      this.inbox.push(response);
      this.wake?.();
    });
  }

  /** Sends a request; the node goes on the first one only, like Envoy. */
  send(typeUrl: string, fields: { resource_names?: string[]; response_nonce?: string; version_info?: string; error_detail?: { code: number; message: string } } = {}): void {
    const node = this.sentNode ? undefined : { id: this.nodeId, cluster: 'test', user_agent_name: 'envoy', metadata: plainToStruct(this.metadata) };
    this.sentNode = true;
    this.call.write({ type_url: typeUrl, node, ...fields });
  }

  /** ACKs a response (same names as subscribed: empty for a wildcard). */
  ack(response: WireResponse, resourceNames: string[] = []): void {
    this.send(response.type_url, { response_nonce: response.nonce, version_info: response.version_info, resource_names: resourceNames });
  }

  /** NACKs a response; the request carries the last good version, as Envoy's does. */
  nack(response: WireResponse, message: string, lastGoodVersion = '', resourceNames: string[] = []): void {
    this.send(response.type_url, { response_nonce: response.nonce, version_info: lastGoodVersion, resource_names: resourceNames, error_detail: { code: 3, message } });
  }

  /** The next response (of `typeUrl` when given: others received meanwhile are kept for later). */
  async next(typeUrl?: string, timeoutMs = 5000): Promise<WireResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((r) => typeUrl === undefined || r.type_url === typeUrl);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as WireResponse;
      if (Date.now() > deadline) throw new Error(`no ${typeUrl ?? ''} response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 25);
      });
    }
  }

  /** Responses received and not yet taken by {@link next}. */
  pending(): readonly WireResponse[] {
    return this.inbox;
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}
