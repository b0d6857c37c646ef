// The details service (bookinfo's details v1): GET /details/<id> answers the book's details as JSON.
// Calls nothing.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { bookDetails, parseProductId } from '../catalog.js';
import { sendBadProductId, sendJson, sendNotFound } from '../http-response.js';

/** Handles details' requests: `GET /details/<id>`, `GET /health`. */
export function createDetailsHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET') return sendNotFound(res);
    if (path === '/health') return sendJson(res, 200, { status: 'Details is healthy' });
    const m = /^\/details\/([^/]*)$/.exec(path);
    if (!m) return sendNotFound(res);
    const id = parseProductId(m[1] ?? '');
    if (id === undefined) return sendBadProductId(res);
    sendJson(res, 200, bookDetails(id));
  };
}
