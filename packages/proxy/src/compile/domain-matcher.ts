// Compiles a route configuration's virtual host domains into one lookup, in Envoy's order: exact
// names, then the longest suffix wildcard (`*.example.com`), then the longest prefix wildcard
// (`example.*`), then `*`. Host names compare case-insensitively.

/** Finds the entry serving a host (lower-cased by the caller), or undefined. */
export type DomainMatcher<T> = (host: string) => T | undefined;

/**
 * Builds the matcher from `(domains, value)` pairs in config order. A domain listed twice keeps its
 * first value (the xDS client refuses duplicates anyway). A wildcard matches at least one character,
 * as in Envoy (`*.foo.com` does not match `.foo.com`).
 */
export function compileDomainMatcher<T>(entries: readonly (readonly [readonly string[], T])[]): DomainMatcher<T> {
  const exact = new Map<string, T>();
  const suffixes: [string, T][] = [];
  const prefixes: [string, T][] = [];
  let fallback: T | undefined;
  for (const [domains, value] of entries) {
    for (const raw of domains) {
      const d = raw.toLowerCase();
      if (d === '*') fallback ??= value;
      else if (d.startsWith('*')) suffixes.push([d.slice(1), value]);
      else if (d.endsWith('*')) prefixes.push([d.slice(0, -1), value]);
      else if (!exact.has(d)) exact.set(d, value);
    }
  }
  // Longest first; a stable sort keeps config order between equal lengths.
  suffixes.sort((a, b) => b[0].length - a[0].length);
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return (host) => {
    const hit = exact.get(host);
    if (hit !== undefined) return hit;
    for (const [suffix, value] of suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return value;
    for (const [prefix, value] of prefixes) if (host.length > prefix.length && host.startsWith(prefix)) return value;
    return fallback;
  };
}
