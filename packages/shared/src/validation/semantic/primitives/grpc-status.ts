// gRPC status names accepted in a fault abort's `grpcStatus` (Istio's grpc.SupportedGRPCStatus).

const CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The canonical gRPC status codes by name (grpc/doc/statuscodes.md): `GRPC_STATUS_CODES.UNAVAILABLE`
 *  is the literal 14; looked up by an arbitrary name, undefined when there is no such status. */
export const GRPC_STATUS_CODES: Readonly<typeof CODES> & Readonly<Record<string, number | undefined>> = Object.freeze(CODES);

/** Istio's validateGRPCStatus. */
export function validateGRPCStatus(status: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(GRPC_STATUS_CODES, status)) return undefined;
  return `gRPC status ${JSON.stringify(status)} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`;
}
