import { describe, expect, it } from 'vitest';
import { compileFaultPolicy } from './fault-policy.js';

const HUNDRED = { numerator: 100, denominator: 'HUNDRED' };
const perFilter = (fault: Record<string, unknown>): Record<string, unknown> => ({ 'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', ...fault } });

describe('compileFaultPolicy', () => {
  it.each([
    ['an HTTP abort', { abort: { http_status: 503, percentage: HUNDRED } }, { abortStatus: 503, abortFraction: 1 }],
    // Envoy's FaultFilter::abortStatus: a grpc_status alone aborts with HTTP 200 and that grpc-status.
    ['a gRPC abort (Istio grpcStatus RESOURCE_EXHAUSTED)', { abort: { grpc_status: 8, percentage: { numerator: 1_000_000, denominator: 'MILLION' } } }, { abortStatus: 200, abortGrpcStatus: 8, abortFraction: 1 }],
    ['a gRPC abort of OK (0 is a status too)', { abort: { grpc_status: 0, percentage: HUNDRED } }, { abortStatus: 200, abortGrpcStatus: 0, abortFraction: 1 }],
    ['an abort with both: http_status wins', { abort: { http_status: 429, grpc_status: 8, percentage: { numerator: 25 } } }, { abortStatus: 429, abortFraction: 0.25 }],
    ['a delay only', { delay: { fixed_delay: '1.5s', percentage: { numerator: 10 } } }, { delayMs: 1500, delayFraction: 0.1, abortStatus: 0, abortFraction: 0 }],
  ])('compiles %s', (_, fault, expected) => {
    const policy = compileFaultPolicy(perFilter(fault));
    expect(policy).toMatchObject(expected);
    if (!('abortGrpcStatus' in expected)) expect(policy?.abortGrpcStatus).toBeUndefined();
  });

  it.each([
    ['no fault filter config', {}],
    ['an abort without a status (header_abort is not supported)', perFilter({ abort: { header_abort: {}, percentage: HUNDRED } })],
    ['a zero percentage', perFilter({ abort: { grpc_status: 8, percentage: { numerator: 0 } } })],
  ])('has no policy for %s', (_, config) => {
    expect(compileFaultPolicy(config)).toBeUndefined();
  });
});
