// The reviews service (bookinfo's reviews v1/v2/v3): GET /reviews/<id> answers the two reviews; v2 and
// v3 add each reviewer's rating from the ratings service, in black (v2) or red (v3) stars.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { REVIEWS, parseProductId } from '../catalog.js';
import type { SampleConfig } from '../config.js';
import { isRecord } from '../json-record.js';
import { sendBadProductId, sendJson, sendNotFound } from '../http-response.js';
import { propagatedHeaders } from '../trace-headers.js';
import type { UpstreamClient } from '../upstream-client.js';

/** A review's rating: stars and their colour, or bookinfo's message when ratings did not answer. */
export type Rating = { readonly stars: number; readonly color: string } | { readonly error: string };

/** One review; `rating` is absent from v1. */
export interface Review {
  readonly reviewer: string;
  readonly text: string;
  readonly rating?: Rating;
}

/** The body of `GET /reviews/<id>`: bookinfo's fields, plus `version` so callers can tell versions apart. */
export interface ReviewsResponse {
  /** The product id as a string, as bookinfo's reviews returns it. */
  readonly id: string;
  readonly podname: string;
  readonly version: string;
  readonly reviews: readonly Review[];
}

/** The star colour of a version; undefined for v1, which does not call ratings. */
export function starColor(version: string): 'black' | 'red' | undefined {
  return version === 'v2' ? 'black' : version === 'v3' ? 'red' : undefined;
}

/** bookinfo's message in place of a rating when ratings fails. */
export const RATINGS_UNAVAILABLE = 'Ratings service is currently unavailable';

/** Handles reviews' requests: `GET /reviews/<id>`, `GET /health`. v2/v3 call ratings with the incoming trace headers. */
export function createReviewsHandler(config: SampleConfig, client: UpstreamClient): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const color = starColor(config.version);
  // bookinfo's reviews waits 10 s for ratings in v2 and 2.5 s in v3 (the gap Istio's timeout task shows).
  const ratingsTimeoutMs = config.ratingsTimeoutMs ?? (color === 'black' ? 10_000 : 2_500);
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET') return sendNotFound(res);
    if (path === '/health') return sendJson(res, 200, { status: 'Reviews is healthy' });
    const m = /^\/reviews\/([^/]*)$/.exec(path);
    if (!m) return sendNotFound(res);
    const id = parseProductId(m[1] ?? '');
    if (id === undefined) return sendBadProductId(res);

    let stars: Readonly<Record<string, unknown>> | undefined;
    if (color !== undefined) {
      const r = await client.getJson(config.ratings, `/ratings/${id}`, propagatedHeaders(req.headers), ratingsTimeoutMs);
      if (r.ok && r.status === 200 && isRecord(r.body) && isRecord(r.body.ratings)) stars = r.body.ratings;
    }
    const reviews = REVIEWS.map((review): Review => {
      if (color === undefined) return review;
      const n = stars?.[review.reviewer];
      return { ...review, rating: typeof n === 'number' ? { stars: n, color } : { error: RATINGS_UNAVAILABLE } };
    });
    const body: ReviewsResponse = { id: String(id), podname: config.podName, version: config.version, reviews };
    sendJson(res, 200, body);
  };
}
