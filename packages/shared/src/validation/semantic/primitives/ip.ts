// IP address and CIDR parsing with Go's net/netip rules (no leading zeros in IPv4 octets), written
// by hand so validation stays runtime-neutral (the UI runs it in a browser, without node:net).

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** True for a dotted-quad IPv4 address as Go's netip.ParseAddr accepts it. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p) && Number(p) <= 255);
}

/** True for an IPv6 address (with optional embedded IPv4 tail and optional `%zone`). */
export function isIPv6(s: string, allowZone = true): boolean {
  let addr = s;
  const pct = addr.indexOf('%');
  if (pct >= 0) {
    if (!allowZone || pct === addr.length - 1) return false;
    addr = addr.slice(0, pct);
  }
  if (addr.length === 0) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | undefined => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let words = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i] ?? '';
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false;
      words += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      words += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? words < 8 : words === 8;
}

/** True for an IPv4 or IPv6 address (Istio's netutil.IsValidIPAddress). */
export function isIPAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** True for `addr/bits` in CIDR notation (Go's netip.ParsePrefix: no zone, bits within range). */
export function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const addr = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
  const n = Number(bits);
  if (isIPv4(addr)) return n <= 32;
  if (isIPv6(addr, false)) return n <= 128;
  return false;
}

/** Istio's ValidateIPAddress: undefined when valid, else its error message. */
export function validateIPAddress(addr: string): string | undefined {
  return isIPAddress(addr) ? undefined : `${addr} is not a valid IP`;
}

/** Istio's ValidateIPSubnet: a CIDR block (`a.b.c.d/xx`) or a plain address. */
export function validateIPSubnet(subnet: string): string | undefined {
  if (subnet.split('/').length - 1 === 1) {
    return isCidr(subnet) ? undefined : `${subnet} is not a valid CIDR block`;
  }
  return validateIPAddress(subnet);
}
