// Writing the sample services' responses: JSON and HTML bodies with their content types.

import type { ServerResponse } from 'node:http';

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends an HTML page with `status`. */
export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** 404 for a method and path the service does not serve. */
export function sendNotFound(res: ServerResponse): void {
  sendJson(res, 404, { error: 'not found' });
}

/** bookinfo's answer to a product id that is not a number (details, ratings). */
export function sendBadProductId(res: ServerResponse): void {
  sendJson(res, 400, { error: 'please provide numeric product id' });
}
