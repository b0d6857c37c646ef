import { describe, expect, it } from 'vitest';
import { isHttpProtocol, resolveProtocol } from './protocol.js';

describe('resolveProtocol', () => {
  it.each([
    [{ protocol: 'HTTP', name: 'tcp-x' }, 'HTTP'],
    [{ protocol: 'grpc' }, 'GRPC'],
    [{ name: 'http-web' }, 'HTTP'],
    [{ name: 'http2' }, 'HTTP2'],
    [{ name: 'grpc-web-x' }, 'GRPC'],
    [{ name: 'tcp-db' }, 'TCP'],
    [{ name: 'web' }, 'UNSUPPORTED'],
    [{ name: 'web', appProtocol: 'h2c' }, 'HTTP2'],
    [{ name: 'mongo' }, 'MONGO'],
    [{}, 'UNSUPPORTED'],
  ] as const)('%j is %s', (port, want) => {
    expect(resolveProtocol(port)).toBe(want);
  });

  it.each([
    ['HTTP', true],
    ['GRPC', true],
    ['TCP', false],
    ['TLS', false],
  ] as const)('%s is HTTP-like: %s', (p, want) => {
    expect(isHttpProtocol(p)).toBe(want);
  });
});
