// The destination hosts a VirtualService routes or mirrors to, resolved to FQDNs: what the
// generators may look DestinationRules and services up for. Shared by the impact analysis and the
// outbound snapshot so both agree.

import { resolveHost } from '../snapshot/lookup-host-names.js';

function collect(spec: unknown, namespace: string, domainSuffix: string, out: Set<string>): void {
  if (Array.isArray(spec)) {
    for (const v of spec) collect(v, namespace, domainSuffix, out);
    return;
  }
  if (typeof spec !== 'object' || spec === null) return;
  for (const [k, v] of Object.entries(spec)) {
    if ((k === 'destination' || k === 'mirror') && typeof v === 'object' && v !== null && typeof (v as { host?: unknown }).host === 'string') {
      out.add(resolveHost((v as { host: string }).host, namespace, domainSuffix));
    }
    collect(v, namespace, domainSuffix, out);
  }
}

/** Every `destination.host` and `mirror.host` anywhere in a VirtualService spec (HTTP, TCP and TLS
 *  routes, mirrors), resolved against the VirtualService's namespace. */
export function destinationHostsOf(spec: unknown, namespace: string, domainSuffix: string): Set<string> {
  const out = new Set<string>();
  collect(spec, namespace, domainSuffix, out);
  return out;
}
