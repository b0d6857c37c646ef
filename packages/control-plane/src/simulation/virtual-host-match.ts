// Virtual host selection by Host / :authority (config.route.v3.VirtualHost.domains), following
// Envoy's RouteMatcher::findVirtualHost. The HCM's host-port stripping happens before this, in simulate.ts.

import type { RouteConfiguration, VirtualHost } from './envoy-shapes.js';
import { hostWithoutPort } from './request.js';

/** Which domain of which virtual host matched, and by which rule. */
export interface VirtualHostMatch {
  readonly virtualHost: VirtualHost;
  readonly domain: string;
  readonly rule: 'exact' | 'suffix-wildcard' | 'prefix-wildcard' | 'any';
}

/** Picks the virtual host for `host` per VirtualHost.domains' "Domain search order":
 *  1. exact domain names (`www.foo.com`); 2. suffix wildcards (`*.foo.com`, `*-bar.foo.com`), longest first;
 *  3. prefix wildcards (`foo.*`, `foo-*`), longest first; 4. the special wildcard `*`.
 *  Matching is case-insensitive, and a wildcard never matches the empty string (`*-bar.foo.com` does
 *  not match `-bar.foo.com`). The host is compared with its port, as sent, so `reviews:9080` matches
 *  only a domain spelled `reviews:9080` (Istio emits both forms), unless the route configuration sets
 *  `ignore_port_in_host_matching`. Returns undefined when nothing matches (Envoy: 404 NR). */
export function matchVirtualHost(rc: RouteConfiguration, rawHost: string): VirtualHostMatch | undefined {
  const host = (rc.ignore_port_in_host_matching === true ? hostWithoutPort(rawHost) : rawHost).toLowerCase();
  const vhosts = rc.virtual_hosts ?? [];
  let bestSuffix: VirtualHostMatch | undefined;
  let bestPrefix: VirtualHostMatch | undefined;
  let any: VirtualHostMatch | undefined;
  for (const virtualHost of vhosts) {
    for (const raw of virtualHost.domains ?? []) {
      const domain = raw.toLowerCase();
      if (domain === '*') {
        any ??= { virtualHost, domain: raw, rule: 'any' };
      } else if (domain.startsWith('*')) {
        const suffix = domain.slice(1);
        const longer = !bestSuffix || suffix.length > bestSuffix.domain.length - 1;
        if (suffix.length < host.length && host.endsWith(suffix) && longer) bestSuffix = { virtualHost, domain: raw, rule: 'suffix-wildcard' };
      } else if (domain.endsWith('*')) {
        const prefix = domain.slice(0, -1);
        const longer = !bestPrefix || prefix.length > bestPrefix.domain.length - 1;
        if (prefix.length < host.length && host.startsWith(prefix) && longer) bestPrefix = { virtualHost, domain: raw, rule: 'prefix-wildcard' };
      } else if (domain === host) {
        // Domains are unique across a route configuration (Envoy rejects duplicates), so the first is the one.
        return { virtualHost, domain: raw, rule: 'exact' };
      }
    }
  }
  return bestSuffix ?? bestPrefix ?? any;
}
