// The `domains` of a sidecar outbound virtual host: every Host header a client may use for a service
// on a port (Istio httproute.go generateVirtualHostDomains / GenerateAltVirtualHosts).

/** `host:port`, with IPv6 addresses bracketed (Istio util.DomainName + IPv6Compliant). */
export function domainWithPort(host: string, port: number): string {
  return `${ipv6Compliant(host)}:${port}`;
}

function ipv6Compliant(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Short names of a Kubernetes-style host (`<name>.<ns>.svc.<suffix>`) as seen from a proxy in
 * `proxyNamespace` (Istio generateAltVirtualHostsForKubernetesService): in the same namespace
 * `name`, `name.ns.svc`, `name.ns`; from another namespace `name.ns`, `name.ns.svc`. Other hosts
 * (`api.example.com`) have no short names: expanding them could collide with other services.
 */
export function shortHostNames(hostname: string, proxyNamespace: string, domainSuffix: string): string[] {
  const svcSuffix = `.svc.${domainSuffix}`;
  if (!hostname.endsWith(svcSuffix)) return [];
  const ih = hostname.indexOf('.svc.');
  const ns = hostname.indexOf('.');
  if (ih <= 0 || ns + 1 >= hostname.length || ns + 1 > ih) return [];
  const name = hostname.slice(0, ns);
  const withNs = hostname.slice(0, ih);
  if (hostname.slice(ns + 1, ih) === proxyNamespace) return [name, `${withNs}.svc`, withNs];
  return [withNs, `${withNs}.svc`];
}

/**
 * The domains of a service port's virtual host, each name with and without `:port`, in Istio's order:
 * the FQDN, its short names (see {@link shortHostNames}), then its virtual IPs (CIDRs and 0.0.0.0
 * excluded). Istio ≥ 1.15 drops the `:port` forms and sets `ignore_port_in_host_matching`; Weft keeps
 * both forms, which matches the same requests and keeps each virtual host self-describing.
 */
export function virtualHostDomains(hostname: string, port: number, addresses: readonly string[], proxyNamespace: string, domainSuffix: string): string[] {
  const out: string[] = [];
  const add = (h: string): void => {
    out.push(ipv6Compliant(h), domainWithPort(h, port));
  };
  add(hostname);
  for (const s of shortHostNames(hostname, proxyNamespace, domainSuffix)) add(s);
  for (const a of addresses) if (a !== '' && a !== '0.0.0.0' && !a.includes('/')) add(a);
  return out;
}
