// Explicit-proxy mode, as in Weft's local mode: productpage and reviews send every call to one proxy
// (a test-only forward proxy standing in for weft-proxy's 15001) with `Host: <service>:9080` and the
// request-target in the configured form; the default service names are used unchanged.

import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, get, startRecordingProxy, startService } from './bookinfo.test-fixtures.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('through an explicit HTTP proxy', () => {
  it.each([
    ['absolute', (authority: string, path: string) => `http://${authority}${path}`],
    ['origin', (_authority: string, path: string) => path],
  ] as const)('%s-form: every call names its service in Host and reaches it', async (form, target) => {
    const ports = new Map<string, number>();
    const proxy = await startRecordingProxy((authority) => ports.get(authority), cleanup);
    const viaProxy = { WEFT_SAMPLE_PROXY: proxy.url, WEFT_SAMPLE_PROXY_FORM: form };
    ports.set('ratings:9080', (await startService('ratings', {}, cleanup)).port);
    ports.set('details:9080', (await startService('details', {}, cleanup)).port);
    ports.set('reviews:9080', (await startService('reviews', { ...viaProxy, WEFT_SAMPLE_VERSION: 'v2' }, cleanup)).port);
    const productpage = await startService('productpage', viaProxy, cleanup);

    const page = await get(`${productpage.url}/productpage`, { 'x-request-id': 'req-1', cookie: 'user=jason' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dd>PublisherA</dd>');
    expect(page.text).toContain('style="color: black" data-stars="5"');

    const seen = proxy.requests.map((r) => ({ url: r.url, host: r.host })).sort((a, b) => a.host!.localeCompare(b.host!));
    expect(seen).toEqual([
      { url: target('details:9080', '/details/0'), host: 'details:9080' },
      { url: target('ratings:9080', '/ratings/0'), host: 'ratings:9080' },
      { url: target('reviews:9080', '/reviews/0'), host: 'reviews:9080' },
    ]);
    for (const r of proxy.requests) {
      expect(r.headers['x-request-id']).toBe('req-1');
      expect(r.headers['end-user']).toBe('jason');
    }
  });

  it('uses the upstream names from the environment in Host', async () => {
    const ports = new Map<string, number>();
    const proxy = await startRecordingProxy((authority) => ports.get(authority), cleanup);
    ports.set('details.default.svc.cluster.local:9080', (await startService('details', {}, cleanup)).port);
    ports.set('reviews.default.svc.cluster.local:9080', (await startService('reviews', {}, cleanup)).port);
    const productpage = await startService(
      'productpage',
      { WEFT_SAMPLE_PROXY: proxy.url, WEFT_SAMPLE_DETAILS: 'details.default.svc.cluster.local:9080', WEFT_SAMPLE_REVIEWS: 'reviews.default.svc.cluster.local' },
      cleanup,
    );
    const page = await get(`${productpage.url}/productpage`);
    expect(page.text).not.toContain('currently unavailable');
    expect(proxy.to('details.default.svc.cluster.local:9080')).toHaveLength(1);
    expect(proxy.to('reviews.default.svc.cluster.local:9080')).toHaveLength(1);
  });

  it('shows the unavailable messages when the proxy cannot route (502)', async () => {
    const proxy = await startRecordingProxy(() => undefined, cleanup); // 502 for everything
    const productpage = await startService('productpage', { WEFT_SAMPLE_PROXY: proxy.url }, cleanup);
    const page = await get(`${productpage.url}/productpage`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sorry, product details are currently unavailable for this book.');
    expect(page.text).toContain('Sorry, product reviews are currently unavailable for this book.');
    expect(proxy.to('reviews:9080')).toHaveLength(2);
  });
});
