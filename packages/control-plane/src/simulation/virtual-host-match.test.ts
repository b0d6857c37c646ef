import { describe, expect, it } from 'vitest';
import type { RouteConfiguration } from './envoy-shapes.js';
import { matchVirtualHost } from './virtual-host-match.js';

const rc: RouteConfiguration = {
  name: '80',
  virtual_hosts: [
    { name: 'exact', domains: ['www.foo.com', 'reviews:9080'] },
    { name: 'suffix-short', domains: ['*.com'] },
    { name: 'suffix-long', domains: ['*.foo.com'] },
    { name: 'suffix-dash', domains: ['*-bar.foo.com'] },
    { name: 'prefix-short', domains: ['foo.*'] },
    { name: 'prefix-long', domains: ['foo.bar.*'] },
    { name: 'any', domains: ['*'] },
  ],
};

describe('matchVirtualHost (VirtualHost.domains search order)', () => {
  it.each([
    ['www.foo.com', 'exact', 'exact'],
    ['WWW.Foo.COM', 'exact', 'exact'],
    ['api.foo.com', 'suffix-long', 'suffix-wildcard'],
    ['example.com', 'suffix-short', 'suffix-wildcard'],
    // The longest suffix wins regardless of order: `*-bar.foo.com` (13) beats `*.foo.com` (9).
    ['baz-bar.foo.com', 'suffix-dash', 'suffix-wildcard'],
    // The wildcard must match at least one character.
    ['-bar.foo.com', 'suffix-long', 'suffix-wildcard'],
    // Suffix wildcards beat prefix wildcards even when the prefix is longer.
    ['foo.bar.com', 'suffix-short', 'suffix-wildcard'],
    ['foo.bar.baz', 'prefix-long', 'prefix-wildcard'],
    ['foo.org', 'prefix-short', 'prefix-wildcard'],
    ['reviews', 'any', 'any'],
    // The host is matched with its port as sent: `reviews:9080` is a domain, `www.foo.com:80` is not.
    ['reviews:9080', 'exact', 'exact'],
    ['www.foo.com:80', 'any', 'any'],
  ])('%s → %s (%s)', (host, name, rule) => {
    const m = matchVirtualHost(rc, host);
    expect(m?.virtualHost.name).toBe(name);
    expect(m?.rule).toBe(rule);
  });

  it('finds nothing without a catch-all', () => {
    expect(matchVirtualHost({ virtual_hosts: [{ name: 'a', domains: ['a.com'] }] }, 'b.com')).toBeUndefined();
    expect(matchVirtualHost({ virtual_hosts: [{ name: 'a', domains: ['*.a.com'] }] }, '.a.com')).toBeUndefined();
  });

  it('ignores the port of the host when the route configuration says so', () => {
    const ignoring: RouteConfiguration = { ignore_port_in_host_matching: true, virtual_hosts: [{ name: 'a', domains: ['a.com'] }] };
    expect(matchVirtualHost(ignoring, 'a.com:8080')?.virtualHost.name).toBe('a');
    expect(matchVirtualHost({ ...ignoring, ignore_port_in_host_matching: false }, 'a.com:8080')).toBeUndefined();
  });
});
