// The send path of one ADS stream under transport backpressure, driven by a raw HTTP/2 client that
// stops reading (so the stream's flow-control window really fills), not by a gRPC library.

import { once } from 'node:events';
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { adsServiceDefinition, STREAM_AGGREGATED_RESOURCES_PATH, type DiscoveryResponse, packAny, TYPE_URL } from '@weft/shared/xds';
import { AdsServer } from './ads-server.js';
import { createSnapshot, type Snapshot } from './snapshot.js';
import { createSnapshotCache } from './snapshot-cache.js';

const NODE = 'router~10.0.0.9~gateway.istio-system~istio-system.svc.cluster.local';

/** One 256 KiB cluster: four of them overflow HTTP/2's default 64 KiB stream window many times. */
function bigWorld(gen: number): Snapshot {
  const resource = packAny(TYPE_URL.CLUSTER, { name: 'big', alt_stat_name: `${gen}:${'x'.repeat(256 * 1024)}` });
  return createSnapshot({ [TYPE_URL.CLUSTER]: [['big', resource]] });
}

/** Splits a gRPC response body into its complete length-prefixed messages. */
function grpcMessages(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 5 <= body.length; ) {
    const length = body.readUInt32BE(at + 1);
    if (at + 5 + length > body.length) break;
    out.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return out;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('ADS stream backpressure', () => {
  it('stops writing when the transport is full, keeps only the latest version per type, and flushes it on drain', async () => {
    const cache = createSnapshotCache();
    const server = new AdsServer({ cache, maxPendingResponses: 100, shutdownGraceMs: 200 });
    const port = await server.listen();
    cleanups.push(() => server.close());
    cache.setSnapshot(NODE, bigWorld(1));

    const session = http2.connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => void session.destroy());
    const stream = session.request({ ':method': 'POST', ':path': STREAM_AGGREGATED_RESOURCES_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    stream.pause();
    const method = adsServiceDefinition().StreamAggregatedResources;
    const request = method.requestSerialize({ version_info: '', node: { id: NODE }, resource_names: [], type_url: TYPE_URL.CLUSTER, response_nonce: '', error_detail: undefined });
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(request.length, 1);
    stream.write(Buffer.concat([frame, request]));
    await once(server, 'connect');

    let written = 0;
    server.on('response', () => written++);
    for (let gen = 2; gen <= 40; gen++) cache.setSnapshot(NODE, bigWorld(gen));
    // Far fewer than 40 responses fit before write() pushes back; the rest are coalesced.
    expect(written).toBeLessThan(30);
    expect(server.stats().slowConsumers).toBe(0);

    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.resume();
    const expected = bigWorld(40).get(TYPE_URL.CLUSTER)?.version;
    const received = (): DiscoveryResponse[] => grpcMessages(Buffer.concat(chunks)).map((m) => method.responseDeserialize(m));
    for (const deadline = Date.now() + 10_000; received().at(-1)?.version_info !== expected; ) {
      if (Date.now() > deadline) throw new Error('latest version never arrived');
      await new Promise((r) => setTimeout(r, 20));
    }
    const all = received();
    // Everything written arrives in order (the initial response plus the pushes), the last one
    // (written on drain) with the latest version and the one before it older.
    expect(all.length).toBe(1 + written);
    expect(all.at(-2)?.version_info).not.toBe(expected);
    expect(new Set(all.map((r) => r.nonce)).size).toBe(all.length);
  });
});
