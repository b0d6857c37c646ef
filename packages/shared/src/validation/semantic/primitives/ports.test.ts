import { describe, expect, it } from 'vitest';
import { isHTTPProtocol, isTLSProtocol, parseProtocol, protocolFromPortName, validatePort, validatePortName, validateProtocol } from './ports.js';

describe('ports and protocols', () => {
  it.each([
    [1, undefined],
    [65535, undefined],
    [0, 'port number 0 must be in the range 1..65535'],
    [65536, 'port number 65536 must be in the range 1..65535'],
    [80.5, 'port number 80.5 must be in the range 1..65535'],
  ])('validatePort(%d)', (p, want) => expect(validatePort(p)).toBe(want));

  it('parses protocols case-insensitively', () => {
    expect(parseProtocol('grpc-web')).toBe('GRPC-Web');
    expect(parseProtocol('HTTPS')).toBe('HTTPS');
    expect(parseProtocol('ftp')).toBeUndefined();
    expect(validateProtocol('')).toBeUndefined();
    expect(validateProtocol('ftp')).toBe('unsupported protocol: ftp');
  });

  it('reads the protocol from a port name prefix', () => {
    expect(protocolFromPortName('http-web')).toBe('HTTP');
    expect(protocolFromPortName('grpc')).toBe('GRPC');
    expect(protocolFromPortName('web')).toBeUndefined();
  });

  it('classifies protocols like Istio', () => {
    expect(isHTTPProtocol('GRPC')).toBe(true);
    expect(isHTTPProtocol('HTTPS')).toBe(false);
    expect(isTLSProtocol('TLS')).toBe(true);
    expect(validatePortName('http-web')).toBeUndefined();
    expect(validatePortName('Bad_Name')).toBe('invalid port name: Bad_Name');
  });
});
