// Sends a local reply (the proxy answers instead of an upstream) through any DownstreamRequest, with
// the status, body and response flag of the rescue table, and records it in the request's outcome.

import type { HeaderBag, HeaderMutation } from '../compile/header-mutation.js';
import { RESCUE, type LocalReplyReason } from '../errors/rescue.js';
import type { OutcomeBuilder } from '../outbound/request-outcome.js';
import { isGrpcRequest, toGrpcLocalReply } from '../http2/grpc-local-reply.js';
import type { DownstreamRequest } from './downstream-request.js';

/** What a route adds to the table's entry: its own status and body (direct response, redirect, fault
 *  abort), extra headers and the route's response header edits. */
export interface LocalReplyExtras {
  readonly status?: number;
  readonly body?: string;
  readonly headers?: HeaderBag;
  readonly mutate?: HeaderMutation;
  /** The gRPC status to send to a gRPC client instead of the one mapped from the HTTP status (a fault
   *  abort's grpc_status). */
  readonly grpcStatus?: number;
}

/**
 * Answers `req` for `reason`, returning the status sent. A body gets `content-type: text/plain`, as
 * Envoy's local replies do. When a response is already under way it can only be cut (reset).
 */
export function sendLocalReply(req: DownstreamRequest, outcome: OutcomeBuilder, reason: LocalReplyReason, extras?: LocalReplyExtras): number {
  const entry = RESCUE[reason];
  outcome.flag(entry.flag);
  if (entry.details !== undefined) outcome.noteLocalReply(entry.details);
  const status = extras?.status ?? entry.status;
  if (req.responseStarted) {
    req.reset();
    return status;
  }
  const body = extras?.body ?? entry.body;
  const headers: HeaderBag = extras?.headers ? { ...extras.headers } : {};
  // Envoy marks a request dropped by circuit breaking, so clients and other proxies do not retry it.
  if (reason === 'overflow') headers['x-envoy-overloaded'] = 'true';
  if (isGrpcRequest(req.headers)) {
    // Envoy answers a gRPC client with HTTP 200 and a trailers-only response carrying grpc-status
    // (mapped from the HTTP status) and the body as grpc-message.
    extras?.mutate?.(headers);
    const reply = toGrpcLocalReply(status, body, headers, extras?.grpcStatus);
    outcome.grpcStatus = String(reply['grpc-status'] ?? '');
    outcome.noteResponseHead(reply);
    req.respond(200, reply, true);
    return status;
  }
  if (body !== '') headers['content-type'] = 'text/plain';
  extras?.mutate?.(headers);
  headers['content-length'] = String(Buffer.byteLength(body));
  outcome.noteResponseHead(headers);
  req.respond(status, headers, body === '');
  if (body !== '') {
    req.write(body);
    req.end();
  }
  return status;
}
