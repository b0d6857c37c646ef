import { describe, expect, it } from 'vitest';
import { encodeGrpcMessage, grpcStatusOf, httpToGrpcStatus, isGrpcRequest, toGrpcLocalReply } from './grpc-local-reply.js';

describe('isGrpcRequest', () => {
  it.each([
    ['application/grpc', true],
    ['application/grpc+proto', true],
    ['application/grpc;charset=utf-8', true],
    ['application/grpc-web', false],
    ['application/grpc-web+proto', false],
    ['application/grpcx', false],
    ['Application/grpc', false],
    ['application/json', false],
    [undefined, false],
  ])('content-type %s → %s', (ct, want) => {
    expect(isGrpcRequest(ct === undefined ? {} : { 'content-type': ct })).toBe(want);
  });
});

describe('httpToGrpcStatus (Envoy Grpc::Utility::httpToGrpcStatus)', () => {
  it.each([
    [400, 13],
    [401, 16],
    [403, 7],
    [404, 12],
    [429, 14],
    [502, 14],
    [503, 14],
    [504, 14],
    [500, 2],
    [408, 2],
    [200, 2],
    [301, 2],
  ])('%i → %i', (http, grpc) => {
    expect(httpToGrpcStatus(http)).toBe(grpc);
  });
});

describe('encodeGrpcMessage (Envoy PercentEncoding::encode)', () => {
  it.each([
    ['no healthy upstream', 'no healthy upstream'],
    ['100% done', '100%25 done'],
    ['line\nbreak', 'line%0Abreak'],
    ['tilde~', 'tilde%7E'],
    ['café', 'caf%C3%A9'],
    ['', ''],
  ])('%j → %j', (text, want) => {
    expect(encodeGrpcMessage(text)).toBe(want);
  });
});

describe('grpcStatusOf', () => {
  it.each([
    [{ 'grpc-status': '14' }, 14],
    [{ 'grpc-status': '0' }, 0],
    [{ 'grpc-status': ['4'] }, 4],
    [{ 'grpc-status': '' }, undefined],
    [{ 'grpc-status': '1x' }, undefined],
    [{}, undefined],
    [undefined, undefined],
  ])('%j → %s', (headers, want) => {
    expect(grpcStatusOf(headers)).toBe(want);
  });
});

describe('toGrpcLocalReply', () => {
  it('maps a 503 with a body to UNAVAILABLE with the body as grpc-message, no content-length', () => {
    const out = toGrpcLocalReply(503, 'no healthy upstream', { 'content-length': '19', 'content-type': 'text/plain', 'x-route': 'r' });
    expect(out).toEqual({ 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'no healthy upstream', 'x-route': 'r' });
  });

  it('sends no grpc-message for an empty body (no route: 404 → UNIMPLEMENTED)', () => {
    expect(toGrpcLocalReply(404, '', {})).toEqual({ 'content-type': 'application/grpc', 'grpc-status': '12' });
  });

  it('uses the given gRPC status over the mapping (fault abort grpc_status, stream duration timeout)', () => {
    expect(toGrpcLocalReply(200, 'fault filter abort', {}, 8)['grpc-status']).toBe('8');
    expect(toGrpcLocalReply(504, 'downstream duration timeout', {}, 4)['grpc-status']).toBe('4');
  });

  it('keeps a grpc-status the route response header edits set, and does not modify its input', () => {
    const input = { 'grpc-status': '5' };
    expect(toGrpcLocalReply(503, '', input, 14)['grpc-status']).toBe('5');
    expect(input).toEqual({ 'grpc-status': '5' });
  });
});
