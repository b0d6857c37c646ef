// Compiles the HTTP fault filter's per-route config (typed_per_filter_config
// `envoy.filters.http.fault`, an HTTPFault: fixed delay and an abort with an HTTP or gRPC status, each
// with a percentage).

import { durationMs } from './duration.js';

/** Faults of one route; a fraction is in [0, 1]. */
export interface FaultPolicy {
  readonly delayMs: number;
  readonly delayFraction: number;
  /** The HTTP status of an abort: `http_status`, or 200 when the abort has a `grpc_status` instead. */
  readonly abortStatus: number;
  /** The abort's `grpc_status` (sent as grpc-status to a gRPC client), when it has no `http_status`. */
  readonly abortGrpcStatus?: number;
  readonly abortFraction: number;
}

const DENOMINATORS: Readonly<Record<string, number>> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** A FractionalPercent as a fraction; an absent percentage is 0, as the proto default. */
function fraction(p: unknown): number {
  if (!p || typeof p !== 'object') return 0;
  const { numerator, denominator } = p as { numerator?: unknown; denominator?: unknown };
  const d = DENOMINATORS[typeof denominator === 'string' ? denominator : 'HUNDRED'] ?? 100;
  return Math.min(1, Number(numerator ?? 0) / d);
}

/** The fault policy in a `typed_per_filter_config` map, or undefined when there is none. */
export function compileFaultPolicy(perFilter: unknown): FaultPolicy | undefined {
  if (!perFilter || typeof perFilter !== 'object') return undefined;
  const fault = (perFilter as Record<string, unknown>)['envoy.filters.http.fault'] as Record<string, unknown> | undefined;
  if (!fault) return undefined;
  const delay = fault.delay as Record<string, unknown> | undefined;
  const abort = fault.abort as Record<string, unknown> | undefined;
  // Envoy's FaultFilter::abortStatus: http_status wins; a grpc_status alone aborts with HTTP 200 and that
  // grpc-status (a non-gRPC client gets the 200 and the body); header_abort (neither) is not supported.
  const httpStatus = typeof abort?.http_status === 'number' ? abort.http_status : undefined;
  const grpcStatus = httpStatus === undefined && typeof abort?.grpc_status === 'number' ? abort.grpc_status : undefined;
  const policy: FaultPolicy = {
    delayMs: durationMs(delay?.fixed_delay) ?? 0,
    delayFraction: delay ? fraction(delay.percentage) : 0,
    abortStatus: httpStatus ?? (grpcStatus === undefined ? 0 : 200),
    ...(grpcStatus === undefined ? {} : { abortGrpcStatus: grpcStatus }),
    abortFraction: abort && (httpStatus !== undefined || grpcStatus !== undefined) ? fraction(abort.percentage) : 0,
  };
  return policy.delayFraction > 0 || policy.abortFraction > 0 ? Object.freeze(policy) : undefined;
}
