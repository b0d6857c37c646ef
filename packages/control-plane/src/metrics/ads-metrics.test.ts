// ADS activity → pilot_* metrics, with a real server and client.

import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { TYPE_URL } from '@weft/shared/xds';
import { AdsTestClient } from '../../test/ads-test-client.js';
import { AdsServer } from '../xds/ads-server.js';
import { createSnapshot } from '../xds/snapshot.js';
import { createSnapshotCache } from '../xds/snapshot-cache.js';
import { bindAdsMetrics, metricType, proxyVersionOf } from './ads-metrics.js';
import { createPilotMetrics } from './pilot-metrics.js';

const NODE = 'sidecar~10.0.0.1~a.default~default.svc.cluster.local';
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('bindAdsMetrics', () => {
  it.each([
    [TYPE_URL.CLUSTER, 'cds'],
    [TYPE_URL.ENDPOINT, 'eds'],
    [TYPE_URL.LISTENER, 'lds'],
    [TYPE_URL.ROUTE, 'rds'],
    ['type.googleapis.com/other', 'type.googleapis.com/other'],
  ])('labels %s as %s', (typeUrl, label) => {
    expect(metricType(typeUrl)).toBe(label);
  });

  it('reads the version label from ISTIO_VERSION', () => {
    expect(proxyVersionOf({ ISTIO_VERSION: '1.22.0' })).toBe('1.22.0');
    expect(proxyVersionOf({})).toBe('unknown');
  });

  it('counts connections, pushes, NACKs and stale nonces', async () => {
    const cache = createSnapshotCache();
    cache.setSnapshot(NODE, createSnapshot({ [TYPE_URL.CLUSTER]: [] }));
    const ads = new AdsServer({ cache, logger: quiet, shutdownGraceMs: 100 });
    const port = await ads.listen(0, '127.0.0.1');
    cleanups.push(() => ads.close());
    const metrics = createPilotMetrics();
    const unbind = bindAdsMetrics(ads, metrics);
    cleanups.push(unbind);
    const client = new AdsTestClient(`127.0.0.1:${port}`, NODE, { ISTIO_VERSION: '1.23.1' });
    cleanups.push(() => client.close());

    client.send(TYPE_URL.CLUSTER);
    const response = await client.next(TYPE_URL.CLUSTER);
    const nacked = once(ads, 'nack');
    client.nack(response, 'no');
    await nacked;
    client.send(TYPE_URL.CLUSTER, { response_nonce: 'stale-nonce' });
    await new Promise((r) => setTimeout(r, 100));
    let text = await metrics.scrape();
    expect(text).toContain('pilot_xds{version="1.23.1"} 1');
    expect(text).toContain('pilot_xds_pushes{type="cds"} 1');
    expect(text).toContain('pilot_xds_cds_reject 1');
    expect(text).toContain('pilot_total_xds_rejects{type="cds"} 1');
    expect(text).toContain('pilot_xds_expired_nonce 1');
    // Scraping again does not count the same stale nonce twice.
    text = await metrics.scrape();
    expect(text).toContain('pilot_xds_expired_nonce 1');

    const gone = once(ads, 'disconnect');
    client.close();
    await gone;
    expect(await metrics.scrape()).toContain('pilot_xds{version="1.23.1"} 0');
  });
});
