// Resolves the destination hosts written in a VirtualService (`reviews`) to FQDNs relative to the
// VirtualService's namespace, as Istio does when it indexes VirtualServices
// (resolveVirtualServiceShortnames), so cluster names always carry FQDNs.

import type { Destination, VirtualServiceSpec } from '@weft/shared';
import { resolveHost } from '../snapshot/lookup-host-names.js';

/** The spec with every destination host (HTTP, TCP, TLS routes and mirrors) resolved. */
export function resolveDestinationHosts(spec: VirtualServiceSpec, namespace: string, domainSuffix: string): VirtualServiceSpec {
  const dest = (d: Destination): Destination => ({ ...d, host: resolveHost(d.host, namespace, domainSuffix) });
  const out: VirtualServiceSpec = { ...spec };
  if (spec.http) {
    out.http = spec.http.map((r) => ({
      ...r,
      ...(r.route ? { route: r.route.map((d) => ({ ...d, destination: dest(d.destination) })) } : {}),
      ...(r.mirror ? { mirror: dest(r.mirror) } : {}),
      ...(r.mirrors ? { mirrors: r.mirrors.map((m) => ({ ...m, destination: dest(m.destination) })) } : {}),
    }));
  }
  if (spec.tcp) out.tcp = spec.tcp.map((r) => ({ ...r, ...(r.route ? { route: r.route.map((d) => ({ ...d, destination: dest(d.destination) })) } : {}) }));
  if (spec.tls) out.tls = spec.tls.map((r) => ({ ...r, ...(r.route ? { route: r.route.map((d) => ({ ...d, destination: dest(d.destination) })) } : {}) }));
  return out;
}
