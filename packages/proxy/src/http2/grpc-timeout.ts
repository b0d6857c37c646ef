// The `grpc-timeout` request header as Envoy honours it: the route's deprecated max_grpc_timeout /
// grpc_timeout_offset (the router's "old timeouts", which weftd sets on outbound routes) and
// max_stream_duration.grpc_timeout_header_max (the connection manager's stream duration, which weftd
// sets on inbound routes). Pure: compiled once per route, evaluated once per request.

import type { HeaderBag } from '../compile/header-mutation.js';
import { durationMs } from '../compile/duration.js';

/** The route fields that make `grpc-timeout` count; undefined fields are unset in the RouteAction. */
export interface GrpcTimeoutPolicy {
  /** RouteAction.max_grpc_timeout: when set, a gRPC request's `grpc-timeout` replaces the route
   *  timeout, capped at this (0: no cap). Ignored when {@link streamDuration} is set. */
  readonly maxGrpcTimeoutMs: number | undefined;
  /** RouteAction.grpc_timeout_offset, taken off the header's value when smaller than it. */
  readonly grpcTimeoutOffsetMs: number | undefined;
  /** RouteAction.max_stream_duration is present: Envoy's "new timeouts". The router then ignores the
   *  route `timeout` and max_grpc_timeout (its global timeout is none) and the connection manager
   *  limits the stream's duration instead. */
  readonly streamDuration:
    | {
        /** max_stream_duration (0 disables the limit). */
        readonly maxMs: number | undefined;
        /** grpc_timeout_header_max: when set, a `grpc-timeout` header is the limit, capped at this (0: no cap). */
        readonly grpcHeaderMaxMs: number | undefined;
        readonly grpcHeaderOffsetMs: number | undefined;
      }
    | undefined;
}

/** The timeouts of one request. 0 means none. */
export interface RequestDeadline {
  /** The router's timeout over all tries and the response (Envoy's global timeout): 504 UT. */
  readonly routeTimeoutMs: number;
  /** The connection manager's stream duration limit, counted from the request head: Envoy answers
   *  `downstream duration timeout` (408, or 504 once the request was complete) with grpc-status
   *  DEADLINE_EXCEEDED for gRPC, or resets the stream when the response has started. */
  readonly streamDurationMs: number;
  /** The `grpc-timeout` to send upstream in place of the client's (Envoy rewrites it to the time the
   *  router allows when max_grpc_timeout is set); undefined leaves the header alone. */
  readonly grpcTimeoutHeader: string | undefined;
}

/** The gRPC timeout fields of a decoded RouteAction, or undefined when it has none of them (then
 *  {@link requestDeadline} is just the route timeout). */
export function compileGrpcTimeoutPolicy(routeAction: unknown): GrpcTimeoutPolicy | undefined {
  if (!routeAction || typeof routeAction !== 'object') return undefined;
  const a = routeAction as Record<string, unknown>;
  const msd = a.max_stream_duration as Record<string, unknown> | undefined;
  const maxGrpcTimeoutMs = durationMs(a.max_grpc_timeout);
  const grpcTimeoutOffsetMs = durationMs(a.grpc_timeout_offset);
  if (!msd && maxGrpcTimeoutMs === undefined) return undefined;
  return Object.freeze({
    maxGrpcTimeoutMs,
    grpcTimeoutOffsetMs,
    streamDuration: msd
      ? Object.freeze({
          maxMs: durationMs(msd.max_stream_duration),
          grpcHeaderMaxMs: durationMs(msd.grpc_timeout_header_max),
          grpcHeaderOffsetMs: durationMs(msd.grpc_timeout_header_offset),
        })
      : undefined,
  });
}

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * Milliseconds of a `grpc-timeout` value (PROTOCOL-HTTP2.md: 1-8 digits and a unit H M S m u n),
 * rounded up for u and n as Envoy's Grpc::Common::getGrpcTimeout does; undefined when absent or
 * malformed (the header is then ignored).
 */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.length < 2 || v.length > 9) return undefined;
  const unit = UNIT_MS[v.charAt(v.length - 1)];
  if (unit === undefined) return undefined;
  for (let i = 0; i < v.length - 1; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return Math.ceil(Number(v.slice(0, -1)) * unit);
}

const GRPC_TIMEOUT_LIMIT = 100_000_000;

/** A `grpc-timeout` value for `ms` (Envoy's Grpc::Common::toGrpcTimeout): milliseconds, or a coarser
 *  unit when the number would need more than 8 digits. */
export function formatGrpcTimeout(ms: number): string {
  let time = Math.max(0, Math.floor(ms));
  if (time < GRPC_TIMEOUT_LIMIT) return `${time}m`;
  time = Math.floor(time / 1000);
  if (time < GRPC_TIMEOUT_LIMIT) return `${time}S`;
  time = Math.floor(time / 60);
  if (time < GRPC_TIMEOUT_LIMIT) return `${time}M`;
  return `${Math.min(Math.floor(time / 60), GRPC_TIMEOUT_LIMIT - 1)}H`;
}

/**
 * The timeouts of a request on a route: Envoy's FilterUtility::finalTimeout (router) and
 * ActiveStream::refreshDurationTimeout (connection manager). `routeTimeoutMs` and `perTryTimeoutMs`
 * are the compiled route's (0: none); `isGrpc` says the request has a gRPC content-type
 * (see isGrpcRequest). Without a policy this is `{ routeTimeoutMs, 0, undefined }`.
 */
export function requestDeadline(policy: GrpcTimeoutPolicy | undefined, routeTimeoutMs: number, perTryTimeoutMs: number, headers: HeaderBag, isGrpc: boolean): RequestDeadline {
  if (!policy) return { routeTimeoutMs, streamDurationMs: 0, grpcTimeoutHeader: undefined };
  const header = parseGrpcTimeout(headers['grpc-timeout']);
  const sd = policy.streamDuration;
  if (sd) {
    // The connection manager reads the header whatever the content-type.
    let limit: number;
    if (header === undefined || sd.grpcHeaderMaxMs === undefined) limit = sd.maxMs ?? 0;
    else {
      limit = sd.grpcHeaderMaxMs !== 0 && header > sd.grpcHeaderMaxMs ? sd.grpcHeaderMaxMs : header;
      const offset = sd.grpcHeaderOffsetMs;
      if (limit !== 0 && offset !== undefined) limit = offset < limit ? limit - offset : 0;
    }
    return { routeTimeoutMs: 0, streamDurationMs: limit, grpcTimeoutHeader: undefined };
  }
  if (!isGrpc || policy.maxGrpcTimeoutMs === undefined) return { routeTimeoutMs, streamDurationMs: 0, grpcTimeoutHeader: undefined };
  // A gRPC request without the header has no deadline of its own (0), which the cap may then bound.
  let timeout = header ?? 0;
  const offset = policy.grpcTimeoutOffsetMs;
  if (offset !== undefined && offset < timeout) timeout -= offset;
  const max = policy.maxGrpcTimeoutMs;
  if (max !== 0 && (timeout === 0 || timeout > max)) timeout = max;
  // The upstream learns the time it really has: the per-try timeout when shorter, else the route's.
  // (A per-try timeout not below the route timeout is ignored, as Envoy does.)
  const expected = perTryTimeoutMs > 0 && (timeout === 0 || perTryTimeoutMs < timeout) ? perTryTimeoutMs : timeout;
  return { routeTimeoutMs: timeout, streamDurationMs: 0, grpcTimeoutHeader: expected > 0 ? formatGrpcTimeout(expected) : undefined };
}
