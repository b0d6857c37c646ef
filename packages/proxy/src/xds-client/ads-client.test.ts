import { TYPE_URL } from '@weft/shared/xds';
import { afterEach, describe, expect, it } from 'vitest';
import { BLACKHOLE, REVIEWS, RATINGS, edsCluster, httpListener, loadAssignment, routeConfig, tcpListener } from '../../test/mesh-fixtures.js';
import { XdsTestServer, waitFor } from '../../test/xds-test-server.js';
import { buildXdsNode } from '../bootstrap/xds-node.js';
import { defaultProxyConfig } from '../config.js';
import { AdsClient, type AdsClientOptions } from './ads-client.js';
import type { XdsSnapshot } from './resource-store.js';

const node = buildXdsNode(defaultProxyConfig({ workloadName: 'productpage-v1', labels: { app: 'productpage' }, serviceAccount: 'bookinfo-productpage', workloadAddresses: ['10.0.0.9'] }), 'h');

let server: XdsTestServer | undefined;
let client: AdsClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

function startClient(address: string, extra: Partial<AdsClientOptions> = {}): AdsClient {
  client = new AdsClient({ address, node, backoff: { initialMs: 20, maxMs: 100 }, ...extra });
  client.start();
  return client;
}

/** The bookinfo-like mesh at version `v`: two clusters (one EDS), an HTTP listener on RDS 9080, a TCP listener. */
function serveMesh(s: XdsTestServer, v = '1'): void {
  s.set(TYPE_URL.CLUSTER, v, [edsCluster(REVIEWS), BLACKHOLE]);
  s.set(TYPE_URL.ENDPOINT, v, [loadAssignment(REVIEWS, ['10.0.0.7', '10.0.0.8'])]);
  s.set(TYPE_URL.LISTENER, v, [httpListener('0.0.0.0_9080', 9080, '9080'), tcpListener('10.0.0.20_3306', 3306, 'BlackHoleCluster')]);
  s.set(TYPE_URL.ROUTE, v, [routeConfig('9080', REVIEWS)]);
}

const names = (snapshot: XdsSnapshot, kind: keyof XdsSnapshot): string[] => [...snapshot[kind].resources.keys()].sort();
const complete = (c: AdsClient, v: string) => () => (['cluster', 'endpoint', 'listener', 'route'] as const).every((k) => c.snapshot()[k].versionInfo === v);

describe('AdsClient', () => {
  it('subscribes like Envoy: node first, wildcard CDS and LDS, then the EDS and RDS names they call for; ACKs each', async () => {
    server = await XdsTestServer.start();
    serveMesh(server);
    const c = startClient(server.address);
    await waitFor(complete(c, '1'), 'all four types at version 1');

    const [first] = server.requests;
    expect(first?.node?.id).toBe('sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local');
    expect(first?.metadata).toMatchObject({ NAMESPACE: 'default', WORKLOAD_NAME: 'productpage-v1', LABELS: { app: 'productpage' }, SERVICE_ACCOUNT: 'bookinfo-productpage', INSTANCE_IPS: '10.0.0.9' });
    expect(server.requests.slice(1).every((r) => r.node === undefined)).toBe(true);
    expect(server.requestsOf(TYPE_URL.CLUSTER)[0]).toMatchObject({ resource_names: [], response_nonce: '', version_info: '' });
    expect(server.requestsOf(TYPE_URL.LISTENER)[0]).toMatchObject({ resource_names: [], response_nonce: '' });
    expect(server.requestsOf(TYPE_URL.ENDPOINT)[0]?.resource_names).toEqual([REVIEWS]);
    expect(server.requestsOf(TYPE_URL.ROUTE)[0]?.resource_names).toEqual(['9080']);
    await waitFor(() => server?.requestsOf(TYPE_URL.ROUTE).find((r) => r.version_info === '1'), 'RDS ACK');
    for (const type of [TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT, TYPE_URL.LISTENER, TYPE_URL.ROUTE]) {
      const ack = server.requestsOf(type).find((r) => r.version_info === '1');
      expect(ack?.response_nonce, type).not.toBe('');
      expect(ack?.error_detail, type).toBeUndefined();
    }

    const snapshot = c.snapshot();
    expect(names(snapshot, 'cluster')).toEqual(['BlackHoleCluster', REVIEWS]);
    expect(names(snapshot, 'listener')).toEqual(['0.0.0.0_9080', '10.0.0.20_3306']);
    expect(snapshot.endpoint.resources.get(REVIEWS)?.message).toMatchObject({ cluster_name: REVIEWS });
    expect(snapshot.route.resources.get('9080')?.version).toBe('1');
    expect(c.stats()).toMatchObject({ connected: true, streams: 1, updates: { cluster: { attempt: 1, success: 1, rejected: 0 }, listener: { success: 1 } } });
  });

  it('NACKs a response with unusable resources, naming each and why, and keeps their last good versions', async () => {
    server = await XdsTestServer.start();
    serveMesh(server);
    const c = startClient(server.address);
    await waitFor(complete(c, '1'), 'version 1');
    const nacks: string[] = [];
    c.on('nack', (e) => nacks.push(e.message));

    const broken = { ...httpListener('0.0.0.0_9080', 9080, '9080'), filter_chains: [] };
    server.set(TYPE_URL.LISTENER, '2', [broken, tcpListener('10.0.0.20_3306', 3306, 'BlackHoleCluster'), tcpListener('10.0.0.21_5432', 5432, 'BlackHoleCluster')]);
    const nack = await waitFor(() => server?.requestsOf(TYPE_URL.LISTENER).find((r) => r.error_detail), 'LDS NACK');
    expect(nack.error_detail).toEqual({ code: 3, message: "listener '0.0.0.0_9080': no filter chains specified" });
    expect(nack.version_info).toBe('1');
    expect(nacks).toEqual(["listener '0.0.0.0_9080': no filter chains specified"]);

    const after = c.snapshot();
    expect(after.listener.versionInfo).toBe('1');
    // The broken listener keeps version 1, the valid new one is in force, and the failure is on record.
    expect(after.listener.resources.get('0.0.0.0_9080')?.version).toBe('1');
    expect(after.listener.resources.get('10.0.0.21_5432')?.version).toBe('2');
    expect(after.listener.failures.get('0.0.0.0_9080')).toMatchObject({ version: '2', details: 'no filter chains specified' });
    expect(c.stats().updates.listener).toMatchObject({ attempt: 2, success: 1, rejected: 1 });

    server.set(TYPE_URL.ROUTE, '2', [routeConfig('9080', RATINGS, { safe_regex: { regex: '/(api' } })]);
    const routeNack = await waitFor(() => server?.requestsOf(TYPE_URL.ROUTE).find((r) => r.error_detail), 'RDS NACK');
    expect(routeNack.error_detail?.message).toBe("RouteConfiguration '9080': virtual_hosts[0].routes[0].match.safe_regex: invalid regex '/(api': missing closing ): `/(api`");
    expect(c.snapshot().route.resources.get('9080')?.message).toMatchObject({ virtual_hosts: [{ routes: [{ route: { cluster: REVIEWS } }] }] });

    // A fixed version is accepted and clears the failure.
    server.set(TYPE_URL.LISTENER, '3', [httpListener('0.0.0.0_9080', 9080, '9080')]);
    await waitFor(() => c.snapshot().listener.versionInfo === '3', 'LDS v3');
    expect(names(c.snapshot(), 'listener')).toEqual(['0.0.0.0_9080']);
    expect(c.snapshot().listener.failures.size).toBe(0);
  });

  it('NACKs a response that cannot be decoded as a whole and changes nothing', async () => {
    server = await XdsTestServer.start();
    serveMesh(server);
    const c = startClient(server.address);
    await waitFor(complete(c, '1'), 'version 1');
    const before = c.snapshot();
    server.setPacked(TYPE_URL.CLUSTER, '2', [['garbage', { type_url: TYPE_URL.CLUSTER, value: Uint8Array.from([0x0a, 0xff, 0x01]) }]]);
    const nack = await waitFor(() => server?.requestsOf(TYPE_URL.CLUSTER).find((r) => r.error_detail), 'CDS NACK');
    expect(nack.error_detail?.message).toMatch(/^resource 0 of the CDS response: cannot decode envoy.config.cluster.v3.Cluster/);
    expect(c.snapshot()).toBe(before);

    server.setPacked(TYPE_URL.CLUSTER, '3', [['x', { type_url: TYPE_URL.LISTENER, value: new Uint8Array() }]]);
    await waitFor(() => server?.requestsOf(TYPE_URL.CLUSTER).filter((r) => r.error_detail).length === 2, 'second CDS NACK');
    expect(server.requestsOf(TYPE_URL.CLUSTER).at(-1)?.error_detail?.message).toBe(
      `type URL ${TYPE_URL.LISTENER} embedded in an individual Any does not match the message-wide type URL ${TYPE_URL.CLUSTER}`,
    );
  });

  it('keeps serving its last good config while weftd is down, and reconnects with the versions it has', async () => {
    server = await XdsTestServer.start();
    const port = server.port;
    serveMesh(server);
    const c = startClient(server.address);
    await waitFor(complete(c, '1'), 'version 1');
    const disconnects: number[] = [];
    c.on('disconnected', (e) => disconnects.push(e.retryInMs));

    await server.close();
    await waitFor(() => disconnects.length >= 2, 'two failed reconnects');
    expect(c.stats().connected).toBe(false);
    expect(names(c.snapshot(), 'cluster')).toEqual(['BlackHoleCluster', REVIEWS]);
    expect(c.stats().updates.cluster.failure).toBeGreaterThanOrEqual(1);
    expect(disconnects.every((d) => d >= 1 && d < 100)).toBe(true);

    server = await XdsTestServer.start(port);
    server.set(TYPE_URL.CLUSTER, '2', [edsCluster(REVIEWS), edsCluster(RATINGS), BLACKHOLE]);
    server.set(TYPE_URL.ENDPOINT, '2', [loadAssignment(REVIEWS, ['10.0.0.7']), loadAssignment(RATINGS, ['10.0.0.5'])]);
    server.set(TYPE_URL.LISTENER, '2', [httpListener('0.0.0.0_9080', 9080, '9080')]);
    server.set(TYPE_URL.ROUTE, '2', [routeConfig('9080', RATINGS)]);
    await waitFor(complete(c, '2'), 'version 2 after reconnect');
    // EDS reaches version 2 with the old names first; the ratings endpoints follow the new CDS.
    await waitFor(() => c.snapshot().endpoint.resources.size === 2, 'ratings endpoints');

    const resumed = server.requests[0];
    expect(resumed?.node?.id).toBe(node.id);
    expect(server.requestsOf(TYPE_URL.CLUSTER)[0]).toMatchObject({ version_info: '1', response_nonce: '', resource_names: [] });
    expect(server.requestsOf(TYPE_URL.ENDPOINT)[0]).toMatchObject({ version_info: '1', resource_names: [REVIEWS] });
    expect(server.requestsOf(TYPE_URL.ROUTE)[0]).toMatchObject({ version_info: '1', resource_names: ['9080'] });
    expect(names(c.snapshot(), 'endpoint')).toEqual([RATINGS, REVIEWS]);
    expect(c.stats().connected).toBe(true);
  });

  it('follows CDS and LDS: new EDS/RDS names are subscribed, dropped ones unsubscribed and forgotten', async () => {
    server = await XdsTestServer.start();
    serveMesh(server);
    server.set(TYPE_URL.ENDPOINT, '1', [loadAssignment(REVIEWS, ['10.0.0.7']), loadAssignment('ratings-eds', ['10.0.0.5'])]);
    server.set(TYPE_URL.ROUTE, '1', [routeConfig('9080', REVIEWS), routeConfig('8080', RATINGS)]);
    const c = startClient(server.address);
    await waitFor(complete(c, '1'), 'version 1');
    expect(names(c.snapshot(), 'endpoint')).toEqual([REVIEWS]);

    // A second EDS cluster (named by its service_name) and a second RDS route config.
    server.set(TYPE_URL.CLUSTER, '2', [edsCluster(REVIEWS), edsCluster(RATINGS, 'ratings-eds'), BLACKHOLE]);
    server.set(TYPE_URL.LISTENER, '2', [httpListener('0.0.0.0_9080', 9080, '9080'), httpListener('0.0.0.0_8080', 8080, '8080')]);
    await waitFor(() => c.snapshot().endpoint.resources.has('ratings-eds') && c.snapshot().route.resources.has('8080'), 'new named resources');
    expect(server.requestsOf(TYPE_URL.ENDPOINT).at(-1)?.resource_names).toEqual([REVIEWS, 'ratings-eds'].sort());
    expect(server.requestsOf(TYPE_URL.ROUTE).at(-1)?.resource_names).toEqual(['8080', '9080']);
    expect(c.subscriptions()).toEqual({ cluster: '*', listener: '*', endpoint: ['outbound|9080||reviews.default.svc.cluster.local', 'ratings-eds'], route: ['8080', '9080'] });

    // No EDS cluster left: EDS is unsubscribed (an empty list) and its resources are dropped.
    server.set(TYPE_URL.CLUSTER, '3', [BLACKHOLE]);
    await waitFor(() => c.snapshot().endpoint.resources.size === 0, 'endpoints dropped');
    await waitFor(() => server?.requestsOf(TYPE_URL.ENDPOINT).at(-1)?.resource_names.length === 0, 'EDS unsubscribe');
    server.set(TYPE_URL.LISTENER, '3', [httpListener('0.0.0.0_8080', 8080, '8080')]);
    await waitFor(() => names(c.snapshot(), 'route').join() === '8080', 'route 9080 dropped');
    expect(server.requestsOf(TYPE_URL.ROUTE).at(-1)?.resource_names).toEqual(['8080']);
  });
});
