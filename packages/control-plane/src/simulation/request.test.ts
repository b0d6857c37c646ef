import { describe, expect, it } from 'vitest';
import { preprocessHost, preprocessPath } from './hcm-request.js';
import { hostPort, hostWithoutPort, normalizeRequest } from './request.js';

describe('normalizeRequest', () => {
  it('fills Istio-like defaults', () => {
    const r = normalizeRequest({ port: 9080 });
    expect(r).toMatchObject({ mode: 'outbound', protocol: 'http', tls: 'plaintext', address: '192.0.2.1', host: '192.0.2.1:9080', path: '/', method: 'GET', scheme: 'http', sni: '', alpn: [], capturePort: 15001 });
    expect(normalizeRequest({ port: 9080, mode: 'inbound' }).capturePort).toBe(15006);
  });

  it.each([
    [{ port: 80 }, '192.0.2.1'],
    [{ port: 443, tls: 'tls' as const }, '192.0.2.1'],
    [{ port: 443 }, '192.0.2.1:443'],
    [{ port: 8080, address: '2001:db8::1' }, '[2001:db8::1]:8080'],
  ])('default Host for %j is %s, as curl sends it', (req, host) => {
    expect(normalizeRequest(req).host).toBe(host);
  });

  it('derives SNI and ALPN for TLS like Istio does', () => {
    expect(normalizeRequest({ port: 443, tls: 'tls', host: 'a.com:443' })).toMatchObject({ sni: 'a.com', alpn: ['http/1.1'], scheme: 'https' });
    expect(normalizeRequest({ port: 443, tls: 'tls', protocol: 'http2', host: 'a.com' }).alpn).toEqual(['h2']);
    expect(normalizeRequest({ port: 9080, tls: 'mtls', protocol: 'http' }).alpn).toEqual(['istio-http/1.1']);
    expect(normalizeRequest({ port: 9080, tls: 'mtls', protocol: 'tcp' }).alpn).toEqual(['istio']);
    // No SNI for IP literals.
    expect(normalizeRequest({ port: 443, tls: 'tls', host: '10.0.0.1' }).sni).toBe('');
  });

  it('builds the header map Envoy matches on', () => {
    const r = normalizeRequest({ port: 80, path: '/a?b=1', method: 'POST', headers: { Host: 'x.com', 'X-Multi': ['1', '2'], 'x-multi': '3' } });
    expect(Object.fromEntries(r.headers)).toEqual({ ':authority': 'x.com', ':path': '/a?b=1', ':method': 'POST', ':scheme': 'http', 'x-multi': '1,2,3' });
    expect(r.host).toBe('x.com');
  });
});

describe('host helpers', () => {
  it.each([
    ['a.com', 'a.com', undefined],
    ['a.com:80', 'a.com', 80],
    ['[::1]:8080', '[::1]', 8080],
    ['[::1]', '[::1]', undefined],
    ['::1', '::1', undefined],
  ])('%s', (host, bare, port) => {
    expect(hostWithoutPort(host)).toBe(bare);
    expect(hostPort(host)).toBe(port);
  });
});

describe('HCM request preprocessing', () => {
  it.each([
    [{ normalize_path: { value: true } }, '/a/./b/../c?x=/../', '/a/c?x=/../'],
    [{ normalize_path: true }, '/a/b/..', '/a/'],
    [{ normalize_path: true }, '/../a', '/a'],
    [{ normalize_path: true }, '/a\\b', '/a/b'],
    [{}, '/a/../b', '/a/../b'],
    [{ merge_slashes: true }, '//a///b?x=//', '/a/b?x=//'],
  ])('%j: %s → %s', (hcm, path, want) => {
    expect(preprocessPath(hcm, path)).toBe(want);
  });

  it.each([
    [{}, 'a.com:8080', 'a.com:8080'],
    [{ strip_any_host_port: true }, 'a.com:1', 'a.com'],
    [{ strip_matching_host_port: true }, 'a.com:8080', 'a.com'],
    [{ strip_matching_host_port: true }, 'a.com:9090', 'a.com:9090'],
    [{ strip_trailing_host_dot: true }, 'a.com.:8080', 'a.com:8080'],
    [{ strip_trailing_host_dot: true }, 'a.com.', 'a.com'],
  ])('%j: %s → %s', (hcm, host, want) => {
    expect(preprocessHost(hcm, host, 8080)).toBe(want);
  });
});
