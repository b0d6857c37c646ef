// Host name rules shared by every kind: DNS-1123 labels, FQDNs, wildcard domains (`*` only as the
// whole first label or its prefix), and the `namespace/host` form of Gateway and Sidecar hosts.

import { isIPAddress } from './ip.js';

const DNS1123_LABEL_MAX = 63;
const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
// `*`, or a label optionally led by `*` or `*-` (Istio's labels.IsWildcardDNS1123Label).
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

/** A DNS (RFC 1123) label as Istio allows it (mixed case accepted), at most 63 characters. */
export function isDNS1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

/** A DNS label, or `*`, or a label led by `*` / `*-` (e.g. `*foo`, `*-foo`). */
export function isWildcardDNS1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && WILDCARD_LABEL.test(value);
}

/** Istio's CheckDNS1123Preconditions: length 1..255. */
export function checkDNS1123Preconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${goQuote(name)} too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

/** Istio's ValidateDNS1123Labels: every label valid, the TLD not all-numeric, a trailing dot allowed. */
export function validateDNS1123Labels(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1] ?? '';
  // Go's strconv.Atoi accepts an optional sign before the digits.
  if (/^[+-]?[0-9]+$/.test(tld)) {
    return `domain name ${goQuote(domain)} invalid (top level domain ${goQuote(tld)} cannot be all-numeric)`;
  }
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i] ?? '';
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDNS1123Label(label)) return `domain name ${goQuote(domain)} invalid (label ${goQuote(label)} invalid)`;
  }
  return undefined;
}

/** Istio's ValidateFQDN. Returns the error message, or undefined when valid. */
export function validateFQDN(fqdn: string): string | undefined {
  return checkDNS1123Preconditions(fqdn) ?? validateDNS1123Labels(fqdn);
}

/** Istio's ValidateWildcardDomain: an FQDN whose first label may be a wildcard label. */
export function validateWildcardDomain(domain: string): string | undefined {
  const pre = checkDNS1123Preconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDNS1123Label(first)) return `domain name ${goQuote(domain)} invalid (label ${goQuote(first)} invalid)`;
  if (dot >= 0) return validateDNS1123Labels(domain.slice(dot + 1));
  return undefined;
}

const OUTBOUND_SNI_FORMAT = 'outbound_.<PORT>_._.<HOSTNAME>';

/** Istio's ValidateWildcardDomainForVirtualServiceBoundToGateway: like {@link validateWildcardDomain},
 *  but an SNI host may be the auto-generated `outbound_.<PORT>_._.<HOSTNAME>` of AUTO_PASSTHROUGH. */
export function validateWildcardDomainForVirtualServiceBoundToGateway(sni: boolean, domain: string): string | undefined {
  const pre = checkDNS1123Preconditions(domain);
  if (pre) return pre;
  if (sni && domain.startsWith('outbound_')) {
    const parts = domain.split('_');
    if (parts.length < 4) return `domain name ${domain} invalid, should follow '${OUTBOUND_SNI_FORMAT}' format`;
    const direction = parts[0] ?? '';
    const port = trimDots(parts[1] ?? '');
    const hostname = trimDots(parts[3] ?? '');
    if (direction !== 'outbound') return `domain name ${goQuote(domain)} invalid (label ${goQuote(direction)} invalid)`;
    if (!/[0-9]/.test(port)) {
      return `domain name ${goQuote(domain)} invalid (label ${goQuote(port)} invalid). should follow ${OUTBOUND_SNI_FORMAT} format`;
    }
    if (!/[a-zA-Z]/.test(hostname)) {
      return `domain name ${goQuote(domain)} invalid (label ${goQuote(hostname)} invalid). should follow ${OUTBOUND_SNI_FORMAT} format`;
    }
    return undefined;
  }
  return validateWildcardDomain(domain);
}

/** Istio's ValidatePartialWildCard: `*` alone or a leading `*.`; nothing like `*foo.com` or `a.*.com`. */
export function validatePartialWildcard(host: string): string | undefined {
  if (host.includes('*') && host.length !== 1 && !host.startsWith('*.')) return `partial wildcard ${goQuote(host)} not allowed`;
  return undefined;
}

/** The host part of a Sidecar egress or Gateway server host (`ns/<host>`): FQDN or `*`, no partial
 *  wildcard; a Gateway also accepts an IP address. */
export function validateSidecarOrGatewayHostnamePart(hostname: string, isGateway: boolean): string[] {
  const errs: string[] = [];
  if (hostname !== '*' && !hostname.includes('.')) errs.push('short names (non FQDN) are not allowed');
  const err = validateWildcardDomain(hostname);
  if (err) {
    if (!isGateway) errs.push(err);
    // Istio appends the error a second time for a sidecar; it reports once per cause here.
    else if (!isIPAddress(hostname)) errs.push(err);
  }
  const partial = validatePartialWildcard(hostname);
  if (partial) errs.push(partial);
  return errs;
}

/**
 * Istio's ValidateNamespaceSlashWildcardHostname: `namespace/dnsName` where the namespace is `*`,
 * `.`, `~` (sidecars; gateways only with Gateway API semantics) or a DNS label. A Gateway also
 * accepts a bare host (the old style). Returns every problem found.
 */
export function validateNamespaceSlashWildcardHostname(hostname: string, isGateway: boolean, gatewaySemantics = false): string[] {
  const slash = hostname.indexOf('/');
  if (slash < 0) {
    if (isGateway) return validateSidecarOrGatewayHostnamePart(hostname, true);
    return ['host must be of form namespace/dnsName'];
  }
  const ns = hostname.slice(0, slash);
  const host = hostname.slice(slash + 1);
  const errs: string[] = [];
  if (ns.length === 0 || host.length === 0) errs.push('config namespace and dnsName in host entry cannot be empty');
  if (!isGateway) {
    if (ns !== '*' && ns !== '.' && ns !== '~' && !isDNS1123Label(ns)) errs.push(`invalid namespace value ${goQuote(ns)} in sidecar`);
  } else if (ns !== '*' && ns !== '.' && (ns !== '~' || !gatewaySemantics) && !isDNS1123Label(ns)) {
    errs.push(`invalid namespace value ${goQuote(ns)} in gateway`);
  }
  errs.push(...validateSidecarOrGatewayHostnamePart(host, isGateway));
  return errs;
}

/** True when `host` is a wildcard host (`*` or `*.example.com`). */
export function isWildcardHost(host: string): boolean {
  return host.startsWith('*');
}

/** Formats a string the way Go's `%q` does for printable ASCII (JSON quoting is equivalent there). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

function trimDots(s: string): string {
  return s.replace(/^\.+|\.+$/g, '');
}

/** Istio's host.Name.Matches: the two hosts overlap (either may be a wildcard). */
export function hostMatches(a: string, b: string): boolean {
  const aw = isWildcardHost(a);
  const bw = isWildcardHost(b);
  if (aw) {
    if (bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
    return b.endsWith(a.slice(1));
  }
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** Istio's host.Name.SubsetOf: every name `a` matches is also matched by `b`. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = isWildcardHost(a);
  const bw = isWildcardHost(b);
  if (aw) {
    if (!bw || a.length < b.length) return false;
    return a.slice(1).endsWith(b.slice(1));
  }
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}
