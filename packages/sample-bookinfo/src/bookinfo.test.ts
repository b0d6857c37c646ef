// The four real services wired straight to each other (no proxy), on port 0: the product page shows
// details and reviews, the reviews versions differ as bookinfo's do, headers propagate end to end, and
// failing or slow upstreams turn into Istio's "unavailable" messages with a 200 page.

import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, get, local, startService, startStub, startTap } from './bookinfo.test-fixtures.js';

const cleanup = new Cleanup();

/** Istio's tracing headers and the application headers bookinfo forwards (end-user is set from the cookie). */
const TRACE_HEADERS = [
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'traceparent',
  'tracestate',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'user-agent',
];
afterEach(() => cleanup.run());

/** ratings, details and reviews `version` behind taps, and productpage calling the taps. */
async function startBookinfo(version: string, productpageEnv: Record<string, string> = {}) {
  const ratings = await startService('ratings', {}, cleanup);
  const ratingsTap = await startTap(ratings.port, cleanup);
  const details = await startService('details', {}, cleanup);
  const detailsTap = await startTap(details.port, cleanup);
  const reviews = await startService('reviews', { WEFT_SAMPLE_VERSION: version, WEFT_SAMPLE_RATINGS: local(ratingsTap.port) }, cleanup);
  const reviewsTap = await startTap(reviews.port, cleanup);
  const productpage = await startService(
    'productpage',
    { WEFT_SAMPLE_DETAILS: local(detailsTap.port), WEFT_SAMPLE_REVIEWS: local(reviewsTap.port), WEFT_SAMPLE_RATINGS: local(ratingsTap.port), ...productpageEnv },
    cleanup,
  );
  return { ratings, ratingsTap, details, detailsTap, reviews, reviewsTap, productpage };
}

describe('productpage', () => {
  it.each(['/', '/productpage'])('GET %s shows the book, its details and its reviews', async (path) => {
    const { productpage } = await startBookinfo('v1');
    const page = await get(productpage.url + path);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>Simple Bookstore App</title>');
    expect(page.text).toContain('The Comedy of Errors');
    // from details
    expect(page.text).toContain('<dt>Publisher:</dt><dd>PublisherA</dd>');
    expect(page.text).toContain('<dt>ISBN-13:</dt><dd>123-1234567890</dd>');
    // from reviews
    expect(page.text).toContain('An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!');
    expect(page.text).toContain('<small class="reviewer">Reviewer2</small>');
    expect(page.text).not.toContain('currently unavailable');
  });

  it.each([
    ['v1', undefined],
    ['v2', 'black'],
    ['v3', 'red'],
  ] as const)('reviews %s: stars %s, ratings called only when rated', async (version, color) => {
    const { productpage, ratingsTap } = await startBookinfo(version);
    const page = await get(`${productpage.url}/productpage`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-version="${version}"><u>reviews-${version}</u>`);
    if (color === undefined) {
      expect(page.text).not.toContain('★');
      expect(page.text).not.toContain('class="stars');
      expect(ratingsTap.requests).toHaveLength(0);
    } else {
      expect(page.text).toContain(`<span class="stars stars-${color}" style="color: ${color}" data-stars="5">★★★★★</span>`);
      expect(page.text).toContain(`<span class="stars stars-${color}" style="color: ${color}" data-stars="4">★★★★☆</span>`);
      expect(page.text.match(/class="stars /g)).toHaveLength(2);
      expect(ratingsTap.requests.map((r) => r.url)).toEqual(['/ratings/0']);
    }
  });

  it('propagates the tracing headers and the end user from the user cookie to details, reviews and ratings', async () => {
    const { productpage, detailsTap, reviewsTap, ratingsTap } = await startBookinfo('v2');
    const trace: Record<string, string> = Object.fromEntries(TRACE_HEADERS.map((h, i) => [h, `value-${i}-${h}`]));
    const page = await get(`${productpage.url}/productpage`, { ...trace, cookie: 'session=abc; user=jason', 'x-not-propagated': 'secret' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('signed in as <b>jason</b>');
    for (const tap of [detailsTap, reviewsTap, ratingsTap]) {
      expect(tap.requests).toHaveLength(1);
      const seen = tap.requests[0]?.headers ?? {};
      for (const [name, value] of Object.entries(trace)) expect(seen[name], name).toBe(value);
      expect(seen['end-user']).toBe('jason');
      expect(seen['x-not-propagated']).toBeUndefined();
      expect(seen.cookie).toBeUndefined();
    }
  });

  it('signs in (any password) with a user cookie that makes the page send end-user, and signs out', async () => {
    const { productpage, reviewsTap } = await startBookinfo('v1');
    const login = await fetch(`${productpage.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'jason', passwd: 'x' }), redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/productpage');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toBe('user=jason');
    const page = await get(`${productpage.url}/productpage`, { cookie });
    expect(page.text).toContain('signed in as <b>jason</b>');
    expect(reviewsTap.requests.at(-1)?.headers['end-user']).toBe('jason');
    const logout = await fetch(`${productpage.url}/logout`, { redirect: 'manual' });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('set-cookie')).toMatch(/^user=;.*Max-Age=0/);
  });

  it('forwards an incoming end-user header as end-user (and nothing when there is no user)', async () => {
    const { productpage, reviewsTap, ratingsTap } = await startBookinfo('v3');
    await get(`${productpage.url}/productpage`, { 'end-user': 'jason' });
    await get(`${productpage.url}/productpage`);
    expect(reviewsTap.requests.map((r) => r.headers['end-user'])).toEqual(['jason', undefined]);
    expect(ratingsTap.requests.map((r) => r.headers['end-user'])).toEqual(['jason', undefined]);
  });

  it('shows the reviews message with 200 when reviews is slow, after one timeout per attempt', async () => {
    const slow = await startStub(() => {}, cleanup); // never answers; closed by cleanup
    const details = await startService('details', {}, cleanup);
    const productpage = await startService(
      'productpage',
      { WEFT_SAMPLE_DETAILS: local(details.port), WEFT_SAMPLE_REVIEWS: local(slow.port), WEFT_SAMPLE_REVIEWS_TIMEOUT: '200ms' },
      cleanup,
    );
    const started = Date.now();
    const page = await get(`${productpage.url}/productpage`);
    const elapsed = Date.now() - started;
    expect(page.status).toBe(200);
    expect(page.text).toContain('Error fetching product reviews!');
    expect(page.text).toContain('Sorry, product reviews are currently unavailable for this book.');
    expect(page.text).toContain('<dd>PublisherA</dd>');
    expect(slow.hits()).toBe(2); // bookinfo's two attempts
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(2_500);
  });

  it.each([
    ['answers 503', 'status'],
    ['is not listening', 'down'],
  ])('shows the reviews message with 200 when reviews %s', async (_what, mode) => {
    const failing = await startStub((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"fault filter abort"}'), cleanup);
    const details = await startService('details', {}, cleanup);
    const reviewsAddress = mode === 'down' ? local(await closedPort()) : local(failing.port);
    const productpage = await startService('productpage', { WEFT_SAMPLE_DETAILS: local(details.port), WEFT_SAMPLE_REVIEWS: reviewsAddress }, cleanup);
    const page = await get(`${productpage.url}/productpage`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sorry, product reviews are currently unavailable for this book.');
    const api = await get(`${productpage.url}/api/v1/products/0/reviews`);
    expect(api.status).toBe(mode === 'down' ? 500 : 503);
    expect(api.json()).toEqual({ error: 'Sorry, product reviews are currently unavailable for this book.' });
  });

  it('shows the details message with 200 when details fails, and the reviews still', async () => {
    const reviews = await startService('reviews', {}, cleanup);
    const productpage = await startService('productpage', { WEFT_SAMPLE_DETAILS: local(await closedPort()), WEFT_SAMPLE_REVIEWS: local(reviews.port) }, cleanup);
    const page = await get(`${productpage.url}/`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Sorry, product details are currently unavailable for this book.');
    expect(page.text).toContain('Reviewer1');
    const api = await get(`${productpage.url}/api/v1/products/0`);
    expect(api.status).toBe(500);
    expect(api.json()).toEqual({ error: 'Sorry, product details are currently unavailable for this book.' });
  });

  it('shows "Ratings service is currently unavailable" in place of stars when ratings is down (v2)', async () => {
    const reviews = await startService('reviews', { WEFT_SAMPLE_VERSION: 'v2', WEFT_SAMPLE_RATINGS: local(await closedPort()) }, cleanup);
    const body = (await get(`${reviews.url}/reviews/0`)).json() as { reviews: { rating: unknown }[] };
    expect(body.reviews.map((r) => r.rating)).toEqual([{ error: 'Ratings service is currently unavailable' }, { error: 'Ratings service is currently unavailable' }]);
    const details = await startService('details', {}, cleanup);
    const productpage = await startService('productpage', { WEFT_SAMPLE_DETAILS: local(details.port), WEFT_SAMPLE_REVIEWS: local(reviews.port) }, cleanup);
    const page = await get(`${productpage.url}/productpage`);
    expect(page.text.match(/Ratings service is currently unavailable/g)).toHaveLength(2);
    expect(page.text).not.toContain('★');
  });

  it('serves the /api/v1/products JSON API like bookinfo', async () => {
    const { productpage } = await startBookinfo('v3');
    const products = await get(`${productpage.url}/api/v1/products`);
    expect(products.status).toBe(200);
    expect(products.json()).toEqual([{ id: 0, title: 'The Comedy of Errors', descriptionHtml: expect.stringContaining('William Shakespeare') }]);
    expect((await get(`${productpage.url}/api/v1/products/0`)).json()).toMatchObject({ id: 0, author: 'William Shakespeare', 'ISBN-10': '1234567890' });
    expect((await get(`${productpage.url}/api/v1/products/0/reviews`)).json()).toMatchObject({ id: '0', version: 'v3', podname: 'reviews-v3' });
    expect((await get(`${productpage.url}/api/v1/products/0/ratings`)).json()).toEqual({ id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } });
    expect((await get(`${productpage.url}/api/v1/products/x`)).status).toBe(404);
  });
});

describe('details, reviews, ratings', () => {
  it('details answers bookinfo\'s book JSON, fields in bookinfo\'s order', async () => {
    const details = await startService('details', {}, cleanup);
    const r = await get(`${details.url}/details/7`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.text).toBe(
      '{"id":7,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,"publisher":"PublisherA","language":"English","ISBN-10":"1234567890","ISBN-13":"123-1234567890"}',
    );
    const bad = await get(`${details.url}/details/abc`);
    expect([bad.status, bad.json()]).toEqual([400, { error: 'please provide numeric product id' }]);
  });

  it('ratings answers each reviewer\'s stars', async () => {
    const ratings = await startService('ratings', {}, cleanup);
    const r = await get(`${ratings.url}/ratings/0`);
    expect([r.status, r.json()]).toEqual([200, { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } }]);
    expect((await get(`${ratings.url}/ratings/zero`)).status).toBe(400);
  });

  it.each([
    ['v1', undefined],
    ['v2', 'black'],
    ['v3', 'red'],
  ] as const)('reviews %s answers bookinfo\'s reviews JSON', async (version, color) => {
    const ratings = await startService('ratings', {}, cleanup);
    const reviews = await startService('reviews', { WEFT_SAMPLE_VERSION: version, WEFT_SAMPLE_RATINGS: local(ratings.port) }, cleanup);
    const r = await get(`${reviews.url}/reviews/0`);
    expect(r.status).toBe(200);
    const rating = (stars: number) => (color === undefined ? {} : { rating: { stars, color } });
    expect(r.json()).toEqual({
      id: '0',
      podname: `reviews-${version}`,
      version,
      reviews: [
        { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!', ...rating(5) },
        { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.', ...rating(4) },
      ],
    });
  });

  it.each(['productpage', 'details', 'reviews', 'ratings'] as const)('%s answers GET /health with 200 and 404 elsewhere', async (service) => {
    const s = await startService(service, {}, cleanup);
    expect((await get(`${s.url}/health`)).status).toBe(200);
    expect((await get(`${s.url}/nope`)).status).toBe(404);
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const c = new Cleanup();
  const stub = await startStub(() => {}, c);
  await c.run();
  return stub.port;
}
