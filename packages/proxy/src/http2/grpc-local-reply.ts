// gRPC's view of a local reply (the proxy answers instead of an upstream): Envoy answers a gRPC request
// with a trailers-only response (HTTP 200, `content-type: application/grpc`, `grpc-status` mapped from
// the HTTP status or given, `grpc-message` from the body). Pure functions; sending stays in local-reply.ts.

import { GRPC_STATUS_CODES } from '@weft/shared/grpc-status';
import type { HeaderBag } from '../compile/header-mutation.js';

/** gRPC status codes (grpc/doc/statuscodes.md), by name. */
export const GRPC_STATUS = GRPC_STATUS_CODES;

const GRPC_CONTENT_TYPE = 'application/grpc';

function contentTypeOf(headers: HeaderBag): string {
  const v = headers['content-type'];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/**
 * Whether `headers` (a request's) make it a gRPC request: `content-type` exactly `application/grpc`, or
 * starting with `application/grpc+` or `application/grpc;` (Envoy's Grpc::Common::hasGrpcContentType,
 * case-sensitive as there). gRPC-Web (`application/grpc-web...`) is not gRPC here, as in Envoy.
 */
export function isGrpcRequest(headers: HeaderBag): boolean {
  const ct = contentTypeOf(headers);
  if (!ct.startsWith(GRPC_CONTENT_TYPE)) return false;
  if (ct.length === GRPC_CONTENT_TYPE.length) return true;
  const next = ct.charCodeAt(GRPC_CONTENT_TYPE.length);
  return next === 0x2b /* + */ || next === 0x3b /* ; */;
}

/**
 * The gRPC status for an HTTP status, per gRPC's http-grpc-status-mapping.md as Envoy implements it
 * (Grpc::Utility::httpToGrpcStatus): 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
 * 404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE, anything else (200 included) UNKNOWN.
 */
export function httpToGrpcStatus(status: number): number {
  switch (status) {
    case 400:
      return GRPC_STATUS.INTERNAL;
    case 401:
      return GRPC_STATUS.UNAUTHENTICATED;
    case 403:
      return GRPC_STATUS.PERMISSION_DENIED;
    case 404:
      return GRPC_STATUS.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_STATUS.UNAVAILABLE;
    default:
      return GRPC_STATUS.UNKNOWN;
  }
}

const HEX = '0123456789ABCDEF';

/**
 * Percent-encodes a `grpc-message` value the way Envoy's PercentEncoding::encode does: every UTF-8 byte
 * below 0x20 or from 0x7E ('~') up, and '%', becomes `%XX` (upper-case hex); the rest is kept. gRPC
 * clients percent-decode the header (PROTOCOL-HTTP2.md "Responses").
 */
export function encodeGrpcMessage(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length && plain; i++) {
    const c = text.charCodeAt(i);
    plain = c >= 0x20 && c < 0x7e && c !== 0x25;
  }
  if (plain) return text;
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte >= 0x20 && byte < 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** Reads a `grpc-status` header: the code when it is a plain decimal number, else undefined (absent or
 *  malformed, as Envoy's Grpc::Common::getGrpcStatus treats it for retries). */
export function grpcStatusOf(headers: HeaderBag | undefined): number | undefined {
  const v = headers?.['grpc-status'];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === '' || s.length > 10) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return Number(s);
}

/**
 * Turns a local reply into its gRPC form, Envoy's sendLocalReply for a gRPC request: `headers` are the
 * reply's headers after the route's response header edits (and `location` for a redirect); the result
 * is sent as HTTP 200 with END_STREAM on the headers (a trailers-only response, no body).
 * `grpc-status` is kept when the edits already set one, else `grpcStatus` (the fault filter's
 * abort.grpc_status, DEADLINE_EXCEEDED for a stream duration timeout) or the mapping of `httpStatus`.
 * `grpc-message` is the percent-encoded `body` when it is not empty; `content-length` is dropped.
 * Returns a new header bag; `headers` is not modified.
 */
export function toGrpcLocalReply(httpStatus: number, body: string, headers: HeaderBag, grpcStatus?: number): HeaderBag {
  const out: HeaderBag = { ...headers };
  out['content-type'] = GRPC_CONTENT_TYPE;
  if (out['grpc-status'] === undefined) out['grpc-status'] = String(grpcStatus ?? httpToGrpcStatus(httpStatus));
  if (body !== '') out['grpc-message'] = encodeGrpcMessage(body);
  delete out['content-length'];
  return out;
}
