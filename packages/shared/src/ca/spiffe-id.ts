// Workload identities as Istio writes them: the SPIFFE ID `spiffe://<trust-domain>/ns/<ns>/sa/<sa>`.
// Formatting and strict parsing only; who may hold an identity is the CA's business.

/** A workload's identity: a Kubernetes-style service account in a namespace, in a trust domain. */
export interface WorkloadIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

const SPIFFE_SCHEME = 'spiffe://';
// Trust domain: lower-case letters, digits, dots, dashes, underscores (SPIFFE ID spec §2.1).
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
// Path segments: the SPIFFE "unreserved" set, non-empty, not `.` / `..` (SPIFFE ID spec §2.2).
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>` (Istio's `spiffe.Identity.String()`). */
export function formatSpiffeId(identity: WorkloadIdentity): string {
  return `${SPIFFE_SCHEME}${identity.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

/**
 * The identity in a SPIFFE ID of Istio's shape (`spiffe://td/ns/x/sa/y`, exactly those four path
 * segments, as Istio's `spiffe.ParseIdentity` requires), or undefined for anything else: another scheme,
 * a query, fragment, port or user info, an empty or dot segment, or another path.
 */
export function parseSpiffeId(uri: string): WorkloadIdentity | undefined {
  if (!uri.startsWith(SPIFFE_SCHEME)) return undefined;
  const rest = uri.slice(SPIFFE_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const trustDomain = rest.slice(0, slash);
  if (!TRUST_DOMAIN.test(trustDomain)) return undefined;
  const segments = rest.slice(slash + 1).split('/');
  if (segments.length !== 4 || segments[0] !== 'ns' || segments[2] !== 'sa') return undefined;
  const [, namespace, , serviceAccount] = segments as [string, string, string, string];
  for (const s of [namespace, serviceAccount]) {
    if (!SEGMENT.test(s) || s === '.' || s === '..') return undefined;
  }
  return { trustDomain, namespace, serviceAccount };
}

/** Whether two identities are the same principal. */
export function isSameIdentity(a: WorkloadIdentity, b: WorkloadIdentity): boolean {
  return a.trustDomain === b.trustDomain && a.namespace === b.namespace && a.serviceAccount === b.serviceAccount;
}
