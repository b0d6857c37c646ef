// Protocol tests for the ADS server with a real gRPC client. The client is built independently of the
// server's codec: @grpc/proto-loader loads ads.proto from the same deps folders on its own.

import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { packAny, unpackAny, type AnyMessage, protoIncludeDirs, plainToStruct, TYPE_URL } from '@weft/shared/xds';
import { AdsServer, type AdsServerOptions } from './ads-server.js';
import { createSnapshot, type Snapshot } from './snapshot.js';
import { createSnapshotCache, type SnapshotCache } from './snapshot-cache.js';
import type { XdsLogger } from './xds-logger.js';

const { CLUSTER: CDS, ENDPOINT: EDS, LISTENER: LDS, ROUTE: RDS } = TYPE_URL;
const NODE_A = 'sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local';
const NODE_B = 'sidecar~10.0.0.2~ratings-v1.default~default.svc.cluster.local';

/** A DiscoveryResponse as the proto-loader client decodes it. */
interface WireResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
}

// --- resources and snapshots -------------------------------------------------------------------

const cluster = (name: string, generation: number): [string, AnyMessage] => [
  name,
  packAny(CDS, { name, type: 'EDS', connect_timeout: { seconds: String(generation) }, eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } }),
];
const endpoints = (name: string, generation: number): [string, AnyMessage] => [
  name,
  packAny(EDS, { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: `10.0.0.${generation}`, port_value: 9080 } } } }] }] }),
];
const listener = (name: string, port: number): [string, AnyMessage] => [name, packAny(LDS, { name, address: { socket_address: { address: '0.0.0.0', port_value: port } } })];
const route = (name: string, clusterName: string): [string, AnyMessage] => [
  name,
  packAny(RDS, { name, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName } }] }] }),
];

/** A snapshot whose every type changes with `gen` (unless a type's generation is pinned). */
function world(gen: number, pin: Partial<Record<string, number>> = {}): Snapshot {
  const g = (t: string): number => pin[t] ?? gen;
  return createSnapshot({
    [CDS]: [cluster('a', g(CDS)), cluster('b', g(CDS))],
    [EDS]: ['a', 'b', 'c'].map((n) => endpoints(n, g(EDS))),
    [LDS]: [listener('0.0.0.0_9080', 9080), listener(`extra_${g(LDS)}`, 10000 + g(LDS))],
    [RDS]: ['9080', '9090', '9191'].map((n) => route(n, `cluster-${g(RDS)}`)),
  });
}

/** Resource names in a response, decoded with the server's own decoder. */
function names(response: WireResponse): string[] {
  return response.resources.map((r) => {
    const decoded = unpackAny(r);
    if (!decoded.ok) throw new Error(decoded.error);
    return String(decoded.message.name ?? decoded.message.cluster_name);
  });
}

// --- the independent client --------------------------------------------------------------------

let AdsClient: grpc.ServiceClientConstructor;

beforeAll(() => {
  const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', { includeDirs: protoIncludeDirs(), keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } };
  AdsClient = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService;
});

class TestClient {
  private readonly client: grpc.Client;
  readonly call: grpc.ClientDuplexStream<object, WireResponse>;
  readonly status: Promise<grpc.StatusObject>;
  private readonly inbox: WireResponse[] = [];
  private wake: (() => void) | undefined;
  private sentNode = false;

  constructor(
    port: number,
    private readonly nodeId: string,
    { read = true } = {},
  ) {
    this.client = new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    this.call = (this.client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<object, WireResponse> }).StreamAggregatedResources();
    this.status = new Promise((resolve) => this.call.on('status', resolve));
    this.call.on('error', () => undefined); // the status promise carries the code
    if (read) this.startReading();
  }

  startReading(): void {
    this.call.on('data', (response: WireResponse) => {
      this.inbox.push(response);
      this.wake?.();
    });
  }

  /** Sends a request; the node goes on the first one only, like Envoy. */
  send(typeUrl: string, fields: { resource_names?: string[]; response_nonce?: string; version_info?: string; error_detail?: { code: number; message: string } } = {}): void {
    const node = this.sentNode ? undefined : { id: this.nodeId, cluster: 'reviews.default', user_agent_name: 'envoy', metadata: plainToStruct({ ISTIO_VERSION: '1.22.0', LABELS: { app: 'reviews', version: 'v1' } }) };
    this.sentNode = true;
    this.call.write({ type_url: typeUrl, node, ...fields });
  }

  ack(response: WireResponse, resourceNames: string[] = []): void {
    this.send(response.type_url, { response_nonce: response.nonce, version_info: response.version_info, resource_names: resourceNames });
  }

  async next(timeoutMs = 5000): Promise<WireResponse> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (Date.now() > deadline) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.inbox.shift() as WireResponse;
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

// --- harness -----------------------------------------------------------------------------------

interface Harness {
  server: AdsServer;
  cache: SnapshotCache;
  port: number;
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
  connect(nodeId?: string, options?: { read?: boolean }): TestClient;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHarness(options: Partial<AdsServerOptions> = {}): Promise<Harness> {
  const logs: Harness['logs'] = [];
  const logger: XdsLogger = {
    debug: (message, fields) => logs.push({ level: 'debug', message, fields }),
    info: (message, fields) => logs.push({ level: 'info', message, fields }),
    warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
  };
  const cache = createSnapshotCache();
  const server = new AdsServer({ cache, logger, shutdownGraceMs: 200, ...options });
  const port = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close());
  return {
    server,
    cache,
    port,
    logs,
    connect(nodeId = NODE_A, clientOptions = {}) {
      const client = new TestClient(port, nodeId, clientOptions);
      cleanups.push(() => client.close());
      return client;
    },
  };
}

// --- tests -------------------------------------------------------------------------------------

describe('ADS server (state of the world) with a real gRPC client', () => {
  it('answers an initial wildcard CDS request with the snapshot and keeps the node identity', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const connected = once(h.server, 'connect');
    const client = h.connect();
    client.send(CDS);
    const response = await client.next();
    expect(response).toMatchObject({ type_url: CDS, version_info: world(1).get(CDS)?.version });
    expect(names(response)).toEqual(['a', 'b']);
    const [info] = await connected;
    expect(info.node).toEqual({ id: NODE_A, cluster: 'reviews.default', userAgentName: 'envoy', metadata: { ISTIO_VERSION: '1.22.0', LABELS: { app: 'reviews', version: 'v1' } } });
    expect(h.server.syncStatus()).toEqual([
      { connectionId: `${NODE_A}-1`, nodeId: NODE_A, connectedAt: expect.any(String), types: [{ typeUrl: CDS, versionSent: response.version_info, versionAcked: undefined, nonce: response.nonce, lastNack: undefined }] },
    ]);
  });

  it('records the ACKed version', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const client = h.connect();
    client.send(CDS);
    const response = await client.next();
    const acked = once(h.server, 'ack');
    client.ack(response);
    const [event] = await acked;
    expect(event).toMatchObject({ typeUrl: CDS, version: response.version_info, nonce: response.nonce });
    expect(h.server.syncStatus()[0]?.types[0]).toMatchObject({ versionSent: response.version_info, versionAcked: response.version_info, nonce: response.nonce });
    expect(h.server.stats()).toMatchObject({ connected: 1, acks: 1, nacks: 0, responses: 1 });
  });

  it('records, counts and logs a NACK, does not resend that version, and sends the next one', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const client = h.connect();
    client.send(CDS);
    const v1 = await client.next();
    const nacked = once(h.server, 'nack');
    client.send(CDS, { response_nonce: v1.nonce, version_info: '', error_detail: { code: 3, message: 'cluster a: bad connect_timeout' } });
    const [event] = await nacked;
    expect(event.nack).toMatchObject({ version: v1.version_info, nonce: v1.nonce, code: 3, message: 'cluster a: bad connect_timeout' });
    expect(h.server.stats().nacks).toBe(1);
    expect(h.logs).toContainEqual({ level: 'warn', message: 'xDS NACK', fields: expect.objectContaining({ node: NODE_A, type: 'CDS', version: v1.version_info, error: 'cluster a: bad connect_timeout' }) });
    expect(h.server.syncStatus()[0]?.types[0]).toMatchObject({ versionSent: v1.version_info, versionAcked: undefined, lastNack: { message: 'cluster a: bad connect_timeout' } });

    // The same content again is the same version: nothing is pushed. The next response on the stream
    // must therefore be the new version (responses are ordered), not a resend of v1.
    h.cache.setSnapshot(NODE_A, world(1));
    h.cache.setSnapshot(NODE_A, world(2));
    const v2 = await client.next();
    expect(v2.version_info).toBe(world(2).get(CDS)?.version);
    expect(v2.version_info).not.toBe(v1.version_info);
    client.ack(v2);
    await vi.waitFor(() => expect(h.server.syncStatus()[0]?.types[0]?.versionAcked).toBe(v2.version_info));
  });

  it('ignores a request with a stale nonce, subscription change included', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const client = h.connect();
    client.send(EDS, { resource_names: ['a'] });
    const first = await client.next();
    h.cache.setSnapshot(NODE_A, world(2));
    const second = await client.next();
    // Answer the first response only now: its nonce is stale, so the new name "b" is not honoured.
    client.send(EDS, { response_nonce: first.nonce, version_info: first.version_info, resource_names: ['a', 'b'] });
    await vi.waitFor(() => expect(h.server.stats().staleNonces).toBe(1));
    h.cache.setSnapshot(NODE_A, world(3));
    const third = await client.next();
    expect(names(third)).toEqual(['a']);
    expect(third.version_info).toBe(world(3).get(EDS)?.version);
    expect(h.server.syncStatus()[0]?.types[0]).toMatchObject({ versionAcked: undefined, nonce: third.nonce });
    expect(second.nonce).not.toBe(third.nonce);
  });

  it.each([
    ['RDS', RDS, ['9080', '9090'], ['9191', '9080'], ['9080', '9191']],
    ['EDS', EDS, ['a', 'b'], ['c'], ['c']],
  ])('serves named %s subscriptions only the named resources, and answers a different set', async (_label, typeUrl, initial, changed, expected) => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const client = h.connect();
    client.send(typeUrl, { resource_names: [...initial, 'does-not-exist'] });
    const first = await client.next();
    expect(names(first)).toEqual(initial);
    client.ack(first, changed);
    const second = await client.next();
    expect(names(second)).toEqual(expected);
    // ACK with the same set: no response. The next one on the stream is the pushed update.
    client.ack(second, changed);
    h.cache.setSnapshot(NODE_A, world(2));
    const third = await client.next();
    expect(third.version_info).toBe(world(2).get(typeUrl)?.version);
    expect(names(third)).toEqual(expected);
  });

  it('pushes only the types whose version changed, in CDS, EDS, LDS, RDS order', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const client = h.connect();
    const initial: Record<string, WireResponse> = {};
    for (const [typeUrl, resourceNames] of [[LDS, []], [RDS, ['9080']], [CDS, []], [EDS, ['a']]] as const) {
      client.send(typeUrl, { resource_names: [...resourceNames] });
      initial[typeUrl] = await client.next();
    }
    for (const [typeUrl, r] of Object.entries(initial)) client.ack(r, typeUrl === RDS ? ['9080'] : typeUrl === EDS ? ['a'] : []);

    h.cache.setSnapshot(NODE_A, world(2, { [LDS]: 1, [RDS]: 1 }));
    const cds = await client.next();
    const eds = await client.next();
    expect([cds.type_url, eds.type_url]).toEqual([CDS, EDS]);
    client.ack(cds);
    client.ack(eds, ['a']);
    // Only RDS changes now; had LDS/RDS been pushed before, they would arrive first.
    h.cache.setSnapshot(NODE_A, world(2, { [LDS]: 1, [RDS]: 3 }));
    const rds = await client.next();
    expect(rds.type_url).toBe(RDS);
    client.ack(rds, ['9080']);

    h.cache.setSnapshot(NODE_A, world(4));
    const order = [await client.next(), await client.next(), await client.next(), await client.next()].map((r) => r.type_url);
    expect(order).toEqual([CDS, EDS, LDS, RDS]);
  });

  it('sends the current snapshot again to a client that reconnects', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const first = h.connect();
    first.send(CDS);
    const before = await first.next();
    first.ack(before);
    const gone = once(h.server, 'disconnect');
    first.close();
    const [event] = await gone;
    expect(event.reason).toBe('client-closed');
    h.cache.setSnapshot(NODE_A, world(2));

    const again = h.connect();
    again.send(CDS, { version_info: before.version_info, response_nonce: before.nonce });
    const after = await again.next();
    expect(after.version_info).toBe(world(2).get(CDS)?.version);
    expect(names(after)).toEqual(['a', 'b']);
    expect(h.server.syncStatus().map((s) => s.connectionId)).toEqual([`${NODE_A}-2`]);
  });

  it('waits for a snapshot when the node has none yet', async () => {
    const h = await startHarness();
    const client = h.connect();
    client.send(CDS);
    await once(h.server, 'connect');
    h.cache.setSnapshot(NODE_A, world(1));
    expect(names(await client.next())).toEqual(['a', 'b']);
  });

  it('serves each node its own snapshot', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, createSnapshot({ [CDS]: [cluster('for-a', 1)] }));
    h.cache.setSnapshot(NODE_B, createSnapshot({ [CDS]: [cluster('for-b', 1)] }));
    const a = h.connect(NODE_A);
    const b = h.connect(NODE_B);
    a.send(CDS);
    b.send(CDS);
    expect(names(await a.next())).toEqual(['for-a']);
    expect(names(await b.next())).toEqual(['for-b']);
    h.cache.setSnapshot(NODE_B, createSnapshot({ [CDS]: [cluster('for-b', 2)] }));
    h.cache.setSnapshot(NODE_A, createSnapshot({ [CDS]: [cluster('for-a', 1), cluster('also-a', 1)] }));
    expect(names(await a.next())).toEqual(['also-a', 'for-a']);
    expect(names(await b.next())).toEqual(['for-b']);
    expect(h.server.syncStatus().map((s) => s.nodeId).sort()).toEqual([NODE_A, NODE_B].sort());
  });

  it('disconnects a client that never reads with RESOURCE_EXHAUSTED and counts it', async () => {
    const h = await startHarness({ maxPendingResponses: 4 });
    h.cache.setSnapshot(NODE_A, world(1));
    const slow = h.connect(NODE_A, { read: false });
    slow.send(CDS);
    await once(h.server, 'connect');
    const gone = once(h.server, 'disconnect');
    for (let gen = 2; gen <= 10; gen++) h.cache.setSnapshot(NODE_A, world(gen));
    const [event] = await gone;
    expect(event).toMatchObject({ reason: 'slow-consumer', node: { id: NODE_A } });
    expect(h.server.stats()).toMatchObject({ slowConsumers: 1, connected: 0, responses: 5 });
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'xDS slow consumer disconnected', fields: expect.objectContaining({ node: NODE_A }) }));
    // Once the client reads, it gets what was written, then the status.
    slow.startReading();
    const final = await slow.status;
    expect(final.code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    // A client that answers every response stays connected through more pushes than the limit.
    const healthy = h.connect();
    healthy.send(CDS);
    for (let gen = 11; gen <= 20; gen++) {
      healthy.ack(await healthy.next());
      h.cache.setSnapshot(NODE_A, world(gen));
    }
    expect((await healthy.next()).version_info).toBe(world(20).get(CDS)?.version);
    expect(h.server.stats()).toMatchObject({ slowConsumers: 1, connected: 1 });
  });

  it('rejects a stream whose first request has no node id', async () => {
    const h = await startHarness();
    const client = h.connect();
    client.call.write({ type_url: CDS });
    expect((await client.status).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(h.server.stats().connected).toBe(0);
  });

  it('ends every stream with UNAVAILABLE on close', async () => {
    const h = await startHarness();
    h.cache.setSnapshot(NODE_A, world(1));
    const client = h.connect();
    client.send(CDS);
    await client.next();
    await h.server.close();
    expect((await client.status).code).toBe(grpc.status.UNAVAILABLE);
  });
});
