import { describe, expect, it } from 'vitest';
import { parseRequestUri, parseUrl, urlHostname, urlPort } from './go-url.js';

describe('parseRequestUri (Go url.ParseRequestURI)', () => {
  it.each([
    ['http://example.com', 'http', 'example.com', ''],
    ['HTTPS://Example.com:8443/a/b?x=1', 'https', 'Example.com:8443', '/a/b'],
    ['file:///opt/filters/openid.wasm', 'file', '', '/opt/filters/openid.wasm'],
    ['oci://ghcr.io/org/image:tag', 'oci', 'ghcr.io', '/org/image:tag'],
    ['/absolute/path', '', '', '/absolute/path'],
    ['http://[::1]:80/', 'http', '[::1]:80', '/'],
    ['http://user:pass@host/', 'http', 'host', '/'],
    ['mailto:someone@example.com', 'mailto', '', ''],
  ])('accepts %s', (raw, scheme, host, path) => {
    const r = parseRequestUri(raw);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.url.scheme).toBe(scheme);
      expect(r.url.host).toBe(host);
      expect(r.url.path).toBe(path);
    }
  });

  it.each([
    ['', 'empty url'],
    ['test', 'invalid URI for request'],
    ['#%blah$#@', 'invalid URI for request'],
    ['http://#%blah$#@', 'net/url: invalid userinfo'],
    [':foo', 'missing protocol scheme'],
    ['hTPp\\\blah', 'net/url: invalid control character in URL'],
    ['http://host:port/', 'invalid port ":port" after host'],
    ['http://[::1/', "missing ']' in host"],
    ['http://ho st/', 'invalid character " " in host name'],
    ['http://host/%zz', 'invalid URL escape "%zz"'],
  ])('rejects %j with %s', (raw, why) => {
    const r = parseRequestUri(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe(`parse ${JSON.stringify(raw)}: ${why}`);
  });
});

describe('parseUrl (Go url.Parse)', () => {
  it('splits the fragment off and accepts relative references', () => {
    const r = parseUrl('http://example.com/a#frag');
    expect(r.ok && r.url.fragment).toBe('frag');
    expect(parseUrl('relative/path').ok).toBe(true);
  });

  it('rejects a colon in the first segment of a relative reference', () => {
    const r = parseUrl('1a:b/c');
    expect(r.ok).toBe(false);
  });
});

describe('host and port accessors', () => {
  it.each([
    ['http://example.com:8080/', 'example.com', '8080'],
    ['http://example.com/', 'example.com', ''],
    ['http://[2001:db8::1]:443/', '2001:db8::1', '443'],
    ['http://[2001:db8::1]/', '2001:db8::1', ''],
  ])('%s -> hostname %s, port %j', (raw, hostname, port) => {
    const r = parseUrl(raw);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(urlHostname(r.url)).toBe(hostname);
      expect(urlPort(r.url)).toBe(port);
    }
  });
});
