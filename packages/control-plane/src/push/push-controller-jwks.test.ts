// RequestAuthentication jwksUri through the push controller, end to end inside weftd: the keys are
// fetched from a real HTTP server before the snapshot that needs them is built (so the first LDS a
// proxy gets already has them inline), a rotation found by the refresh pushes the proxies the policy
// selects, and an unreachable jwksUri gives the fail-closed key.

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TYPE_URL, unpackAny } from '@weft/shared/xds';
import { AdsTestClient } from '../../test/ads-test-client.js';
import { ConfigStore } from '../config/config-store.js';
import { MemorySource } from '../config/memory-source.js';
import { PUBLIC_ONLY_JWKS, JwksResolver } from '../security/authn/index.js';
import { DEFAULT_MESH_CONFIG } from '../snapshot/mesh-config.js';
import { AdsServer } from '../xds/ads-server.js';
import { createSnapshotCache } from '../xds/snapshot-cache.js';
import { PushController, type PushReport } from './push-controller.js';

const NODE = 'sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local';
const KEYS_A = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'a', e: 'AQAB', n: 'aaa' }] });
const KEYS_B = JSON.stringify({ keys: [{ kty: 'RSA', kid: 'b', e: 'AQAB', n: 'bbb' }] });

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const productpage = [
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'productpage', namespace: 'default' },
    spec: { hosts: ['productpage.default.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: 'productpage' } } },
  },
  { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'productpage-v1', namespace: 'default' }, spec: { address: '10.0.0.1', labels: { app: 'productpage' } } },
];
const requestAuthn = (jwksUri: string) => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'RequestAuthentication',
  metadata: { name: 'jwt', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'productpage' } }, jwtRules: [{ issuer: 'https://issuer.example', jwksUri, timeout: '1s' }] },
});

async function keyServer(): Promise<{ uri: string; set(body: string, status?: number): void; hits(): number }> {
  let body = KEYS_A;
  let status = 200;
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, set: (b, s = 200) => ((body = b), (status = s)), hits: () => hits };
}

async function start(initial: object[]) {
  const store = new ConfigStore();
  const memory = new MemorySource(store);
  expect(memory.apply(...initial).ok).toBe(true);
  const cache = createSnapshotCache();
  const ads = new AdsServer({ cache, shutdownGraceMs: 200, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined } });
  const port = await ads.listen(0, '127.0.0.1');
  cleanups.push(() => ads.close());
  const jwks = new JwksResolver({ retryIntervalMs: 10, refreshRetries: 0 });
  cleanups.push(() => jwks.close());
  const controller = new PushController({ store, ads, cache, mesh: DEFAULT_MESH_CONFIG, debounce: { quietMs: 10, maxMs: 100 }, logger: pino({ level: 'silent' }), jwks });
  await controller.prepare();
  controller.start();
  cleanups.push(() => controller.close());
  const client = new AdsTestClient(`127.0.0.1:${port}`, NODE, { NAMESPACE: 'default', LABELS: { app: 'productpage' }, WORKLOAD_NAME: 'productpage-v1', INSTANCE_IPS: '10.0.0.1' });
  cleanups.push(() => client.close());
  return { memory, controller, client, jwks, nextPush: async () => (await once(controller, 'push'))[0] as PushReport };
}

/** The inline JWKS of the JWT filter on the proxy's inbound 9080 chain, from an LDS response. */
function inlineJwks(response: Awaited<ReturnType<AdsTestClient['next']>>): string | undefined {
  for (const any of response.resources) {
    const decoded = unpackAny(any);
    if (!decoded.ok) throw new Error(decoded.error);
    const text = JSON.stringify(decoded.message);
    const m = /"local_jwks":\{"inline_string":"((?:[^"\\]|\\.)*)"\}/.exec(text);
    if (m?.[1] !== undefined) return JSON.parse(`"${m[1]}"`) as string;
  }
  return undefined;
}

describe('PushController with a JwksResolver', () => {
  it('fetches the keys before the first snapshot, so the first LDS already has them inline', async () => {
    const keys = await keyServer();
    const h = await start([...productpage, requestAuthn(keys.uri)]);
    h.client.send(TYPE_URL.LISTENER);
    expect(inlineJwks(await h.client.next(TYPE_URL.LISTENER))).toBe(KEYS_A);
    expect(keys.hits()).toBe(1);
  });

  it('fetches the keys of a new RequestAuthentication before pushing it, and pushes a key rotation found by the refresh', async () => {
    const keys = await keyServer();
    const h = await start(productpage);
    h.client.send(TYPE_URL.LISTENER);
    expect(inlineJwks(await h.client.next(TYPE_URL.LISTENER))).toBeUndefined();
    const pushed = h.nextPush();
    h.memory.apply(requestAuthn(keys.uri));
    expect(await pushed).toMatchObject({ trigger: 'config', pushed: [NODE] });
    expect(inlineJwks(await h.client.next(TYPE_URL.LISTENER))).toBe(KEYS_A);

    keys.set(KEYS_B);
    const rotated = h.nextPush();
    await h.jwks.refresh();
    expect(await rotated).toMatchObject({ pushed: [NODE] });
    expect(inlineJwks(await h.client.next(TYPE_URL.LISTENER))).toBe(KEYS_B);
  });

  it('inlines the fail-closed key when the jwksUri cannot be fetched', async () => {
    const keys = await keyServer();
    keys.set('down', 503);
    const h = await start([...productpage, requestAuthn(keys.uri)]);
    h.client.send(TYPE_URL.LISTENER);
    expect(inlineJwks(await h.client.next(TYPE_URL.LISTENER))).toBe(PUBLIC_ONLY_JWKS);
  });
});
