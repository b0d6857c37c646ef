// The ratings service (bookinfo's ratings v1): GET /ratings/<id> answers each reviewer's stars.
// Calls nothing.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { RATINGS, parseProductId } from '../catalog.js';
import { sendBadProductId, sendJson, sendNotFound } from '../http-response.js';

/** Handles ratings' requests: `GET /ratings/<id>` → `{ id, ratings: { Reviewer1: 5, Reviewer2: 4 } }`, `GET /health`. */
export function createRatingsHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET') return sendNotFound(res);
    if (path === '/health') return sendJson(res, 200, { status: 'Ratings is healthy' });
    const m = /^\/ratings\/([^/]*)$/.exec(path);
    if (!m) return sendNotFound(res);
    const id = parseProductId(m[1] ?? '');
    if (id === undefined) return sendBadProductId(res);
    sendJson(res, 200, { id, ratings: RATINGS });
  };
}
