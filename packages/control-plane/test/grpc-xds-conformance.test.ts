// Conformance: an unmodified @grpc/grpc-js-xds client resolves `xds:///echo...:7070` through a real
// weftd (ADS on port 0, config applied in memory) and calls three real gRPC echo servers registered as
// WorkloadEntries. Weighted splits, header routing, fault aborts and a live config edit are measured
// on the client side, by which server answered, and printed for the milestone notes.

import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { register } from '@grpc/grpc-js-xds';
import * as protoLoader from '@grpc/proto-loader';
import { TYPE_URL } from '@weft/shared/xds';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWeftd, type WeftdHandle } from '../src/bootstrap/start-weftd.js';
import { defaultWeftdConfig } from '../src/config.js';
import { generateProxyConfig } from '../src/generators/index.js';

const HOST = 'echo.default.svc.cluster.local';
const PORT = 7070;
const TARGET = `xds:///${HOST}:${PORT}`;
const NODE_ID = 'sidecar~127.0.0.1~grpc-client.default~default.svc.cluster.local';
const CALLS = 1000;
const CONCURRENCY = 50;

// The echo service, as a protobuf JSON descriptor so the test needs no .proto file.
const ECHO_PROTO = {
  nested: {
    weft: {
      nested: {
        test: {
          nested: {
            EchoRequest: { fields: { message: { type: 'string', id: 1 } } },
            EchoReply: { fields: { message: { type: 'string', id: 1 }, server: { type: 'string', id: 2 } } },
            Echo: { methods: { Echo: { requestType: 'EchoRequest', responseType: 'EchoReply' } } },
          },
        },
      },
    },
  },
};
const echoPackage = grpc.loadPackageDefinition(protoLoader.fromJSON(ECHO_PROTO as Parameters<typeof protoLoader.fromJSON>[0], { keepCase: true })) as unknown as {
  weft: { test: { Echo: grpc.ServiceClientConstructor } };
};
const EchoClient = echoPackage.weft.test.Echo;
type EchoReply = { message: string; server: string };

/** One echo server: `version` goes to its WorkloadEntry labels, `name` into every reply. */
interface EchoServer {
  readonly name: string;
  readonly version: string;
  readonly port: number;
  readonly server: grpc.Server;
}

async function startEchoServer(name: string, version: string): Promise<EchoServer> {
  const server = new grpc.Server();
  server.addService(EchoClient.service, {
    Echo: (call: grpc.ServerUnaryCall<{ message: string }, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => callback(null, { message: call.request.message, server: name }),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { name, version, port, server };
}

/** What one call got: the answering server's name, or the gRPC status code of its failure. */
type Outcome = { readonly server: string } | { readonly code: grpc.status; readonly details: string };

function callEcho(client: grpc.Client, metadata = new grpc.Metadata()): Promise<Outcome> {
  return new Promise((resolve) => {
    const deadline = Date.now() + 5000;
    (client as unknown as { Echo: (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: EchoReply) => void) => void }).Echo(
      { message: 'hi' },
      metadata,
      { deadline },
      (err, reply) => resolve(err ? { code: err.code, details: err.details } : { server: reply?.server ?? '' }),
    );
  });
}

/** The details of the last failure seen per `code:<status>` key. */
const failureDetails = new Map<string, string>();

/** `n` calls, `CONCURRENCY` at a time; counts outcomes by server name or by `code:<status>`. */
async function callMany(client: grpc.Client, n: number, metadata?: grpc.Metadata): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let done = 0; done < n; done += CONCURRENCY) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n - done) }, () => callEcho(client, metadata)));
    for (const o of batch) {
      const key = 'server' in o ? o.server : `code:${grpc.status[o.code]}`;
      if (!('server' in o)) failureDetails.set(key, o.details);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

const share = (counts: Map<string, number>, keys: (k: string) => boolean): number => {
  let hit = 0;
  let all = 0;
  for (const [k, v] of counts) {
    all += v;
    if (keys(k)) hit += v;
  }
  return all === 0 ? 0 : (100 * hit) / all;
};

let weftd: WeftdHandle;
/** A channel open for the whole file: it keeps grpc-js-xds's ADS stream (shared by every xds: channel
 *  of the process) alive between scenarios, so each one can wait for its config to be ACKed. */
let anchor: grpc.Client | undefined;
let servers: EchoServer[] = [];
const logLines: string[] = [];
const clients: grpc.Client[] = [];
const savedEnv = { config: process.env.GRPC_XDS_BOOTSTRAP_CONFIG, file: process.env.GRPC_XDS_BOOTSTRAP };
const responses: { typeUrl: string; resources: number }[] = [];

const byVersion = (version: string) => (k: string) => servers.some((s) => s.name === k && s.version === version);

function newClient(target = TARGET): grpc.Client {
  const c = new EchoClient(target, grpc.credentials.createInsecure());
  clients.push(c);
  return c;
}

function apply(...resources: object[]): void {
  const result = weftd.memory.apply(...resources);
  expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  weftd.controller.flush();
}

const virtualService = (http: unknown[]) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'echo', namespace: 'default' },
  spec: { hosts: [HOST], http },
});
const to = (subset?: string, weight?: number) => ({ destination: { host: HOST, ...(subset ? { subset } : {}) }, ...(weight !== undefined ? { weight } : {}) });

/** The gRPC client's ADS stream status in weftd. */
const clientSync = () => weftd.ads.syncStatus().find((s) => s.nodeId === NODE_ID);
const routeVersion = () => clientSync()?.types.find((t) => t.typeUrl === TYPE_URL.ROUTE)?.versionSent;

/** Applies a VirtualService and waits (at most 5 s) until the client has ACKed a new route
 *  configuration and everything else weftd sent it. */
async function applyAndSync(vs: object): Promise<void> {
  const before = routeVersion();
  apply(vs);
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    const types = clientSync()?.types ?? [];
    const route = types.find((t) => t.typeUrl === TYPE_URL.ROUTE);
    if (route?.versionSent !== undefined && route.versionSent !== before && types.every((t) => t.versionSent === t.versionAcked)) return;
    await sleep(10);
  }
  throw new Error(`the gRPC client did not ACK the new routes within 5 s: ${JSON.stringify(clientSync())}`);
}

beforeAll(async () => {
  servers = await Promise.all([startEchoServer('echo-v1-a', 'v1'), startEchoServer('echo-v1-b', 'v1'), startEchoServer('echo-v2', 'v2')]);
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  weftd = await startWeftd(defaultWeftdConfig({ xdsPort: 0, debugPort: 0, debounceAfterMs: 20, debounceMaxMs: 200, logLevel: 'info' }), { logStream: sink });
  weftd.ads.on('response', (r) => {
    if (r.node.id === NODE_ID) responses.push({ typeUrl: r.typeUrl, resources: r.resources });
  });
  apply(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'echo', namespace: 'default' },
      spec: { hosts: [HOST], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: PORT, name: 'grpc', protocol: 'GRPC' }], workloadSelector: { labels: { app: 'echo' } } },
    },
    ...servers.map((s) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: s.name, namespace: 'default' },
      spec: { address: '127.0.0.1', ports: { grpc: s.port }, labels: { app: 'echo', version: s.version } },
    })),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'echo', namespace: 'default' },
      spec: { host: HOST, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    },
  );
  // grpc-js-xds reads its bootstrap once per process, when the first xds: channel resolves.
  delete process.env.GRPC_XDS_BOOTSTRAP;
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: weftd.xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    // grpc-js-xds requires `locality` on the node (Istio's generated gRPC bootstrap sets it too).
    node: { id: NODE_ID, locality: {}, metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' } },
  });
  register();
  anchor = new EchoClient(TARGET, grpc.credentials.createInsecure());
  const first = await callEcho(anchor);
  if (!('server' in first)) throw new Error(`the first call through weftd failed: ${grpc.status[first.code]} ${first.details}`);
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  anchor?.close();
  await weftd?.close();
  for (const s of servers) s.server.forceShutdown();
  if (savedEnv.config === undefined) delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
  else process.env.GRPC_XDS_BOOTSTRAP_CONFIG = savedEnv.config;
  if (savedEnv.file !== undefined) process.env.GRPC_XDS_BOOTSTRAP = savedEnv.file;
});

describe('an unmodified grpc-js-xds client through weftd', () => {
  it('resolves the service by FQDN and by short name and round-robins over every endpoint', async () => {
    const client = newClient();
    // Round robin spreads only over connected endpoints: call one at a time until all three answered.
    const seen = new Set<string>();
    for (let i = 0; i < 100 && seen.size < servers.length; i++) {
      const o = await callEcho(client);
      if ('server' in o) seen.add(o.server);
    }
    const counts = await callMany(client, 60);
    const short = await callMany(newClient(`xds:///echo:${PORT}`), 30);
    console.log(`[grpc-xds] no VirtualService, ${TARGET}: ${JSON.stringify(Object.fromEntries(counts))}; xds:///echo:${PORT}: ${JSON.stringify(Object.fromEntries(short))}`);
    expect([...counts.keys()].sort()).toEqual(servers.map((s) => s.name).sort());
    for (const s of servers) expect(counts.get(s.name)).toBe(20);
    expect([...short.values()].reduce((a, b) => a + b, 0)).toBe(30);
    expect([...short.keys()].every((k) => servers.some((s) => s.name === k))).toBe(true);

    // Named subscriptions only: the client got the listeners it dialled, not every name weftd generated.
    const generated = generateProxyConfig(weftd.controller.snapshot, weftd.controller.proxy(NODE_ID) ?? expect.fail('client not connected'));
    const lds = responses.filter((r) => r.typeUrl === TYPE_URL.LISTENER);
    expect(generated.listeners.length).toBeGreaterThan(2);
    expect(Math.max(...lds.map((r) => r.resources))).toBeLessThanOrEqual(2);
    expect(generated.listeners.map((l) => l.name)).not.toContain('virtualOutbound');
  });

  it('splits 90/10 between subsets within ±5 points over 1,000 calls', async () => {
    await applyAndSync(virtualService([{ route: [to('v1', 90), to('v2', 10)] }]));
    const counts = await callMany(newClient(), CALLS);
    const v1 = share(counts, byVersion('v1'));
    const v2 = share(counts, byVersion('v2'));
    console.log(`[grpc-xds] 90/10 split over ${CALLS} calls: v1 ${v1.toFixed(1)}%, v2 ${v2.toFixed(1)}% ${JSON.stringify(Object.fromEntries(counts))}`);
    expect(v1 + v2).toBe(100);
    expect(Math.abs(v2 - 10)).toBeLessThanOrEqual(5);
  });

  it('routes `x-canary: true` to subset v2 and everything else to v1', async () => {
    await applyAndSync(virtualService([{ match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [to('v2')] }, { route: [to('v1')] }]));
    const client = newClient();
    const canary = new grpc.Metadata();
    canary.set('x-canary', 'true');
    const withHeader = await callMany(client, 100, canary);
    const without = await callMany(client, 100);
    console.log(`[grpc-xds] header match: x-canary=true → ${JSON.stringify(Object.fromEntries(withHeader))}; no header → ${JSON.stringify(Object.fromEntries(without))}`);
    expect(share(withHeader, byVersion('v2'))).toBe(100);
    expect(share(without, byVersion('v1'))).toBe(100);
  });

  it('aborts 50% of calls with UNAVAILABLE within ±5 points over 1,000 calls', async () => {
    await applyAndSync(virtualService([{ fault: { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 50 } } }, route: [to()] }]));
    const counts = await callMany(newClient(), CALLS);
    const aborted = share(counts, (k) => k === 'code:UNAVAILABLE');
    const answered = share(counts, (k) => servers.some((s) => s.name === k));
    console.log(`[grpc-xds] fault abort 50% UNAVAILABLE over ${CALLS} calls: aborted ${aborted.toFixed(1)}%, answered ${answered.toFixed(1)}% ${JSON.stringify(Object.fromEntries(counts))} (details: "${failureDetails.get('code:UNAVAILABLE')}")`);
    expect(aborted + answered).toBe(100);
    expect(Math.abs(aborted - 50)).toBeLessThanOrEqual(5);
  });

  it('applies a config edit to a running client without restarting it', async () => {
    await applyAndSync(virtualService([{ route: [to('v1')] }]));
    const client = newClient();
    const before = await callMany(client, 50);
    expect(share(before, byVersion('v1'))).toBe(100);

    const editedAt = performance.now();
    apply(virtualService([{ route: [to('v2')] }]));
    let switchedMs: number | undefined;
    for (let i = 0; i < 500 && switchedMs === undefined; i++) {
      const o = await callEcho(client);
      if ('server' in o && byVersion('v2')(o.server)) switchedMs = performance.now() - editedAt;
      else await sleep(10);
    }
    const after = await callMany(client, 50);
    console.log(`[grpc-xds] live edit v1 → v2: first v2 answer ${switchedMs?.toFixed(0)} ms after apply (debounce 20 ms); before ${JSON.stringify(Object.fromEntries(before))}, after ${JSON.stringify(Object.fromEntries(after))}`);
    expect(switchedMs).toBeDefined();
    expect(switchedMs).toBeLessThan(1000);
    expect(share(after, byVersion('v2'))).toBe(100);
  });

  it('accepted every resource weftd sent (no NACK) and stayed on one stream', () => {
    const stats = weftd.ads.stats();
    const nacks = clientSync()?.types.filter((t) => t.lastNack) ?? [];
    console.log(`[grpc-xds] ADS: ${stats.responses} responses, ${stats.acks} ACKs, ${stats.nacks} NACKs, ${stats.connected} stream(s)`);
    expect(nacks, logLines.filter((l) => l.includes('NACK') || l.includes('"level":40')).join('\n')).toEqual([]);
    expect(stats.nacks).toBe(0);
    expect(stats.connected).toBe(1);
    expect(weftd.ads.syncStatus().map((p) => p.nodeId)).toEqual([NODE_ID]);
  });
});
