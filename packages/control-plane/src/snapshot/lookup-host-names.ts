// Host-name rules shared by the snapshot lookups: resolving short names to FQDNs and matching
// wildcard hosts, as Istio's pkg/config/host (Name.Matches, SubsetOf, MoreSpecific) does.
// No knowledge of services, rules or proxies.

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** True for `*` and `*.example.com` (a wildcard only ever stands as the left-most label). */
export function isWildcardHost(host: string): boolean {
  return host.startsWith('*');
}

/**
 * Resolves a host as written in a rule to a FQDN, Istio's `ResolveShortnameToFQDN`: a name without
 * a dot is relative to the rule's namespace (`reviews` in `default` →
 * `reviews.default.svc.cluster.local`); `*`, IP addresses and names with a dot are kept as written
 * (so `reviews.prod` is not expanded, as in Istio).
 */
export function resolveHost(host: string, namespace: string, domainSuffix: string): string {
  if (host === '' || host === '*' || host.includes('.') || host.includes(':') || IPV4.test(host)) return host;
  return `${host}.${namespace}.svc.${domainSuffix}`;
}

/**
 * Whether two hosts overlap (Istio `Name.Matches`): equal, or one wildcard covers the other, or both
 * are wildcards and one suffix contains the other. Symmetric.
 */
export function hostsOverlap(a: string, b: string): boolean {
  const aw = isWildcardHost(a);
  const bw = isWildcardHost(b);
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * Whether every name `host` stands for is also covered by `pattern` (Istio `Name.SubsetOf`):
 * `a.example.com` ⊂ `*.example.com` ⊂ `*.com` ⊂ `*`, but `*.example.com` ⊄ `a.example.com`.
 */
export function isHostSubsetOf(host: string, pattern: string): boolean {
  if (isWildcardHost(pattern)) {
    const suffix = pattern.slice(1);
    return isWildcardHost(host) ? host.slice(1).endsWith(suffix) : host.endsWith(suffix);
  }
  return !isWildcardHost(host) && host === pattern;
}

/**
 * Istio's `MostSpecificHostMatch`: among `candidates` (rule hosts), the one that best describes
 * `host`: an exact match first, else the longest wildcard covering it. Undefined when none covers it.
 */
export function mostSpecificHostMatch(host: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const c of candidates) {
    if (c === host) return c;
    if (!isWildcardHost(c) || !isHostSubsetOf(host, c)) continue;
    if (best === undefined || c.length > best.length) best = c;
  }
  return best;
}
