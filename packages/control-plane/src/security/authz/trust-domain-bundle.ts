// The mesh's trust domain and its aliases, and how AuthorizationPolicy principals are rewritten for
// them (Istio pilot/pkg/security/trustdomain: bundle.go, util.go). A principal written for
// `cluster.local` or for any known trust domain is expanded to the same identity in every one of them.

/** Istio's name for "the local trust domain, whatever it is". */
const CLUSTER_LOCAL = 'cluster.local';

/** The trust domain first, then its aliases (Istio trustdomain.Bundle). */
export interface TrustDomainBundle {
  readonly trustDomains: readonly string[];
}

/** Istio NewBundle: the trust domain followed by its aliases. */
export function createTrustDomainBundle(trustDomain: string, aliases: readonly string[] = []): TrustDomainBundle {
  return { trustDomains: [trustDomain, ...aliases] };
}

const prefixMatch = (a: string, pattern: string): boolean => pattern.endsWith('*') && a.startsWith(pattern.slice(0, -1));
const suffixMatch = (a: string, pattern: string): boolean => pattern.startsWith('*') && a.endsWith(pattern.slice(1));

/** Istio trustdomain.stringMatch: exact, `*`, prefix or suffix, the pattern on either side. */
function trustDomainListMatch(a: string, list: readonly string[]): boolean {
  return list.some((s) => a === s || s === '*' || prefixMatch(a, s) || prefixMatch(s, a) || suffixMatch(a, s) || suffixMatch(s, a));
}

/** `<trust-domain>/ns/<ns>/sa/<sa>` split on `/`; a principal of another form has no trust domain. */
const spiffeParts = (principal: string): string[] | undefined => {
  const parts = principal.split('/');
  return parts.length === 5 ? parts : undefined;
};

function replaceTrustDomains(bundle: TrustDomainBundle, principal: string, fromPrincipal: string, parts: readonly string[]): string[] {
  const out: string[] = [];
  for (const td of bundle.trustDomains) {
    // A `*`-prefixed trust domain (`*-td`) that already covers this one keeps the principal as written.
    const next = suffixMatch(td, fromPrincipal) ? principal : [td, ...parts.slice(1)].join('/');
    if (!out.includes(next)) out.push(next);
  }
  return out;
}

/**
 * Istio ReplaceTrustDomainAliases: each principal whose trust domain is enforced (a SPIFFE-shaped
 * principal whose first part is not `*`) and is `cluster.local` or matches a known trust domain becomes
 * one principal per trust domain of the bundle; every other principal stays as written.
 */
export function replaceTrustDomainAliases(bundle: TrustDomainBundle, principals: readonly string[]): string[] {
  const out: string[] = [];
  for (const principal of principals) {
    const parts = spiffeParts(principal);
    if (!parts || parts[0] === '*') {
      out.push(principal);
      continue;
    }
    const td = parts[0] as string;
    if (trustDomainListMatch(td, bundle.trustDomains) || td === CLUSTER_LOCAL) out.push(...replaceTrustDomains(bundle, principal, td, parts));
    else out.push(principal);
  }
  return out;
}

/** Istio ExpandTrustDomainAliases: a value naming a known trust domain stands for all of them. */
export function expandTrustDomainAliases(bundle: TrustDomainBundle, values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const x of bundle.trustDomains.includes(v) ? bundle.trustDomains : [v]) if (!out.includes(x)) out.push(x);
  return out;
}
