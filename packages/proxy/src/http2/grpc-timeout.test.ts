import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGrpcTimeoutPolicy, formatGrpcTimeout, parseGrpcTimeout, requestDeadline } from './grpc-timeout.js';

describe('parseGrpcTimeout', () => {
  it.each([
    ['1S', 1000],
    ['250m', 250],
    ['2M', 120_000],
    ['1H', 3_600_000],
    ['1500u', 2],
    ['1n', 1],
    ['0m', 0],
    ['99999999S', 99_999_999_000],
    ['123456789S', undefined],
    ['10', undefined],
    ['S', undefined],
    ['1.5S', undefined],
    ['-1S', undefined],
    ['10s', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, want) => {
    expect(parseGrpcTimeout(value)).toBe(want);
  });

  it('reads back what formatGrpcTimeout writes, to the unit it chose', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (ms) => {
        const text = formatGrpcTimeout(ms);
        expect(text.length).toBeLessThanOrEqual(9);
        const back = parseGrpcTimeout(text) as number;
        expect(back).toBeLessThanOrEqual(ms);
        expect(ms - back).toBeLessThan(3_600_000);
      }),
    );
  });
});

describe('compileGrpcTimeoutPolicy', () => {
  it('is undefined for a route with neither max_grpc_timeout nor max_stream_duration', () => {
    expect(compileGrpcTimeoutPolicy({ cluster: 'c', timeout: { seconds: '5' } })).toBeUndefined();
  });

  it('reads what weftd emits: max_grpc_timeout on outbound routes, max_stream_duration on inbound ones', () => {
    expect(compileGrpcTimeoutPolicy({ timeout: { seconds: '5' }, max_grpc_timeout: { seconds: '5' } })).toEqual({ maxGrpcTimeoutMs: 5000, grpcTimeoutOffsetMs: undefined, streamDuration: undefined });
    expect(compileGrpcTimeoutPolicy({ timeout: { seconds: '0' }, max_stream_duration: { max_stream_duration: { seconds: '0' }, grpc_timeout_header_max: { seconds: '0' } } })).toEqual({
      maxGrpcTimeoutMs: undefined,
      grpcTimeoutOffsetMs: undefined,
      streamDuration: { maxMs: 0, grpcHeaderMaxMs: 0, grpcHeaderOffsetMs: undefined },
    });
  });
});

const GRPC = { 'content-type': 'application/grpc' };
const withTimeout = (t: string): Record<string, string> => ({ ...GRPC, 'grpc-timeout': t });

describe('requestDeadline: old timeouts (max_grpc_timeout)', () => {
  const outbound = (maxSeconds: number) => compileGrpcTimeoutPolicy({ timeout: { seconds: String(maxSeconds) }, max_grpc_timeout: { seconds: String(maxSeconds) } });

  it.each([
    // [route max (= Istio timeout) s, grpc-timeout, isGrpc, route timeout ms, header sent upstream]
    [0, '2S', true, 2000, '2000m'],
    [0, undefined, true, 0, undefined],
    [5, '2S', true, 2000, '2000m'],
    [5, '10S', true, 5000, '5000m'],
    [5, undefined, true, 5000, '5000m'],
    [5, '2S', false, 5000, undefined],
  ] as [number, string | undefined, boolean, number, string | undefined][])('max %is, grpc-timeout %s, gRPC %s → %i ms, header %s', (max, header, isGrpc, want, sent) => {
    const headers = header === undefined ? { ...GRPC } : withTimeout(header);
    expect(requestDeadline(outbound(max), max * 1000, 0, headers, isGrpc)).toEqual({ routeTimeoutMs: want, streamDurationMs: 0, grpcTimeoutHeader: sent });
  });

  it('subtracts grpc_timeout_offset only when smaller than the header, and tells upstream the per-try timeout', () => {
    const policy = compileGrpcTimeoutPolicy({ max_grpc_timeout: { seconds: '0' }, grpc_timeout_offset: { nanos: 100_000_000 } });
    expect(requestDeadline(policy, 15_000, 0, withTimeout('1S'), true).routeTimeoutMs).toBe(900);
    expect(requestDeadline(policy, 15_000, 0, withTimeout('50m'), true).routeTimeoutMs).toBe(50);
    expect(requestDeadline(policy, 15_000, 300, withTimeout('1S'), true)).toEqual({ routeTimeoutMs: 900, streamDurationMs: 0, grpcTimeoutHeader: '300m' });
    // A per-try timeout not below the route timeout is ignored.
    expect(requestDeadline(policy, 15_000, 2000, withTimeout('1S'), true).grpcTimeoutHeader).toBe('900m');
  });

  it('is the route timeout alone without a policy', () => {
    expect(requestDeadline(undefined, 15_000, 0, withTimeout('1S'), true)).toEqual({ routeTimeoutMs: 15_000, streamDurationMs: 0, grpcTimeoutHeader: undefined });
  });
});

describe('requestDeadline: new timeouts (max_stream_duration)', () => {
  const inbound = compileGrpcTimeoutPolicy({ timeout: { seconds: '0' }, max_stream_duration: { max_stream_duration: { seconds: '0' }, grpc_timeout_header_max: { seconds: '0' } } });

  it('limits the stream to the grpc-timeout header (uncapped) and drops the route timeout', () => {
    expect(requestDeadline(inbound, 15_000, 0, withTimeout('1S'), true)).toEqual({ routeTimeoutMs: 0, streamDurationMs: 1000, grpcTimeoutHeader: undefined });
    expect(requestDeadline(inbound, 15_000, 0, { 'grpc-timeout': '1S' }, false).streamDurationMs).toBe(1000);
    expect(requestDeadline(inbound, 15_000, 0, { ...GRPC }, true).streamDurationMs).toBe(0);
  });

  it('caps the header at grpc_timeout_header_max and falls back to max_stream_duration without it', () => {
    const policy = compileGrpcTimeoutPolicy({ max_stream_duration: { max_stream_duration: { seconds: '30' }, grpc_timeout_header_max: { seconds: '2' } } });
    expect(requestDeadline(policy, 15_000, 0, withTimeout('10S'), true).streamDurationMs).toBe(2000);
    expect(requestDeadline(policy, 15_000, 0, withTimeout('1S'), true).streamDurationMs).toBe(1000);
    expect(requestDeadline(policy, 15_000, 0, { ...GRPC }, true).streamDurationMs).toBe(30_000);
    const noHeaderMax = compileGrpcTimeoutPolicy({ max_stream_duration: { max_stream_duration: { seconds: '30' } } });
    expect(requestDeadline(noHeaderMax, 15_000, 0, withTimeout('1S'), true).streamDurationMs).toBe(30_000);
  });
});
