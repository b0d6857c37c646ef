// The product page (bookinfo's productpage v1): the HTML page and the /api/v1/products JSON API. Calls
// details and reviews (and ratings for /api/v1/products/<id>/ratings), forwarding trace headers and the
// end user; a failing or slow service becomes Istio's "currently unavailable" message, never a failed page.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PRODUCTS, parseProductId, type Product } from '../catalog.js';
import type { SampleConfig, ServiceAddress } from '../config.js';
import { sendHtml, sendJson, sendNotFound } from '../http-response.js';
import { isRecord } from '../json-record.js';
import { propagatedHeaders } from '../trace-headers.js';
import type { UpstreamClient } from '../upstream-client.js';
import { renderProductPage, type Fetched } from './productpage-html.js';

/** Istio's messages in place of a service's answer. */
export const UNAVAILABLE = Object.freeze({
  details: 'Sorry, product details are currently unavailable for this book.',
  reviews: 'Sorry, product reviews are currently unavailable for this book.',
  ratings: 'Sorry, product ratings are currently unavailable for this book.',
});

/** bookinfo's productpage waits 3 s for ratings. */
const DEFAULT_RATINGS_TIMEOUT_MS = 3_000;

/**
 * The end user of a request: the `user` cookie (bookinfo's login session), else the `end-user` header.
 * Sent on as `end-user`, which Istio's `virtual-service-reviews-test-v2.yaml` routes on.
 */
export function endUserOf(headers: IncomingHttpHeaders): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === 'user') {
      const raw = part.slice(eq + 1).trim();
      let value = raw;
      try {
        value = decodeURIComponent(raw);
      } catch {
        // A malformed %-escape: keep the cookie as sent.
      }
      if (value !== '') return value;
    }
  }
  const header = headers['end-user'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** A service call's outcome as productpage answers it: the status to pass on, and the body or message. */
interface Answer {
  readonly status: number;
  readonly fetched: Fetched;
}

/** The request body as text, at most 16 KiB (a sign-in form). */
async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 16 * 1024) break;
  }
  return text;
}

function redirectToProductPage(res: ServerResponse, cookie: string): void {
  res.writeHead(302, { location: '/productpage', 'set-cookie': cookie, 'content-length': '0' });
  res.end();
}

/** Handles productpage's requests (see the package README for the routes). */
export function createProductPageHandler(config: SampleConfig, client: UpstreamClient): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  /** One GET; a 200 with a JSON object is an answer, anything else is `message` with the upstream status (500 when none). */
  async function fetchOnce(to: ServiceAddress, path: string, headers: Record<string, string>, timeoutMs: number, message: string): Promise<Answer> {
    const r = await client.getJson(to, path, headers, timeoutMs);
    if (r.ok && r.status === 200 && isRecord(r.body)) return { status: 200, fetched: { ok: true, body: r.body } };
    return { status: r.ok && r.status !== 200 ? r.status : 500, fetched: { ok: false, error: message } };
  }

  const details = (id: number, h: Record<string, string>): Promise<Answer> => fetchOnce(config.details, `/details/${id}`, h, config.detailsTimeoutMs, UNAVAILABLE.details);

  // bookinfo retries reviews once on purpose (its "bug introduced for the fault injection task"): with a
  // 3 s timeout a 7 s delay shows as unavailable after 6 s.
  async function reviews(id: number, h: Record<string, string>): Promise<Answer> {
    let last: Answer = { status: 500, fetched: { ok: false, error: UNAVAILABLE.reviews } };
    for (let i = 0; i < config.reviewsAttempts; i++) {
      last = await fetchOnce(config.reviews, `/reviews/${id}`, h, config.reviewsTimeoutMs, UNAVAILABLE.reviews);
      if (last.fetched.ok) break;
    }
    return last;
  }

  const ratings = (id: number, h: Record<string, string>): Promise<Answer> =>
    fetchOnce(config.ratings, `/ratings/${id}`, h, config.ratingsTimeoutMs ?? DEFAULT_RATINGS_TIMEOUT_MS, UNAVAILABLE.ratings);

  const answerJson = (res: ServerResponse, a: Answer): void => sendJson(res, a.status, a.fetched.ok ? a.fetched.body : { error: a.fetched.error });

  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // bookinfo's sign-in: any password; the session is the `user` cookie endUserOf reads.
    if (path === '/login' && req.method === 'POST') {
      const user = new URLSearchParams(await readBody(req)).get('username') ?? '';
      return redirectToProductPage(res, user === '' ? 'user=; Path=/; Max-Age=0' : `user=${encodeURIComponent(user)}; Path=/`);
    }
    if (path === '/logout' && req.method === 'GET') return redirectToProductPage(res, 'user=; Path=/; Max-Age=0');
    if (req.method !== 'GET') return sendNotFound(res);
    if (path === '/health') return sendJson(res, 200, { status: 'Product page is healthy' });
    if (path === '/api/v1/products') return sendJson(res, 200, PRODUCTS);

    const headers = propagatedHeaders(req.headers);
    const user = endUserOf(req.headers);
    if (user !== undefined) headers['end-user'] = user;

    if (path === '/' || path === '/productpage') {
      const product = PRODUCTS[0] as Product;
      const [d, r] = await Promise.all([details(product.id, headers), reviews(product.id, headers)]);
      return sendHtml(res, 200, renderProductPage({ product, details: d.fetched, reviews: r.fetched, user }));
    }
    const m = /^\/api\/v1\/products\/(\d+)(?:\/(reviews|ratings))?$/.exec(path);
    const id = m ? parseProductId(m[1] ?? '') : undefined;
    if (!m || id === undefined) return sendNotFound(res);
    if (m[2] === 'reviews') return answerJson(res, await reviews(id, headers));
    if (m[2] === 'ratings') return answerJson(res, await ratings(id, headers));
    answerJson(res, await details(id, headers));
  };
}
