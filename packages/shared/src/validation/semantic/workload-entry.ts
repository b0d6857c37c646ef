// Istio's semantic validation of WorkloadEntry (pkg/config/validation ValidateWorkloadEntry): the
// address (IP, FQDN, unix:// socket, or none with a network), named ports and labels. The same
// endpoint rules serve ServiceEntry endpoints, which pass their declared port names.

import type { Collector } from '../result.js';
import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { UNIX_ADDRESS_PREFIX, validateUnixAddress } from './primitives/address.js';
import { goQuote, isDNS1123Label, validateFQDN } from './primitives/hosts.js';
import { isIPAddress } from './primitives/ip.js';
import { validateLabels } from './primitives/labels.js';
import { validatePort, validatePortName } from './primitives/ports.js';
import { asNumber, asRecord, asString } from './primitives/read-helpers.js';
import { describeValue } from './security/describe-value.js';

/** How an endpoint is checked: as a standalone WorkloadEntry, or inside a ServiceEntry. */
export interface EndpointContext {
  /** The ServiceEntry's port names, which endpoint ports must use; undefined for a WorkloadEntry. */
  readonly servicePorts: ReadonlySet<string> | undefined;
  /** False for a STATIC ServiceEntry, whose endpoints must be IPs (or unix sockets). */
  readonly allowFQDN: boolean;
}

/**
 * Istio's validateWorkloadEntry over `we` (a WorkloadEntry spec or a ServiceEntry endpoint) at
 * `path`. An empty address is only a warning when a network is set (the endpoint is then reached
 * through that network's gateway).
 */
export function checkWorkloadEntry(c: Collector, we: Record<string, unknown>, path: string, ctx: EndpointContext): void {
  const addr = asString(we.address) ?? '';
  const network = asString(we.network) ?? '';
  const addrPath = joinPath(path, 'address');
  if (addr === '') {
    if (network === '') {
      c.error('WEFT_ERR_SEMANTIC', addrPath, 'address is required');
      return;
    }
    c.warn('WEFT_ERR_SEMANTIC', addrPath, `address is unset with network ${goQuote(network)}`);
  }

  const ports = asRecord(we.ports) ?? {};
  const portNames = Object.keys(ports);
  const unix = addr.startsWith(UNIX_ADDRESS_PREFIX);
  if (unix) {
    const err = validateUnixAddress(addr.slice(UNIX_ADDRESS_PREFIX.length));
    if (err) c.error('WEFT_ERR_SEMANTIC', addrPath, err);
    if (portNames.length > 0) c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'ports'), `unix endpoint ${addr} must not include ports`);
  } else if (addr !== '' && !isIPAddress(addr)) {
    // Not an IP: a DNS name, which only a DNS-resolved ServiceEntry or a WorkloadEntry may use.
    if (!ctx.allowFQDN) c.error('WEFT_ERR_SEMANTIC', addrPath, `endpoint address ${goQuote(addr)} is not a valid IP address`);
    else if (validateFQDN(addr)) c.error('WEFT_ERR_SEMANTIC', addrPath, `endpoint address ${goQuote(addr)} is not a valid FQDN or an IP address`);
  }

  checkEndpointPorts(c, ports, joinPath(path, 'ports'), ctx.servicePorts);
  for (const f of validateLabels(we.labels)) c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(path, 'labels'), f.key), f.message);
  if (unix && ctx.servicePorts && ctx.servicePorts.size !== 1) {
    c.error('WEFT_ERR_SEMANTIC', addrPath, 'exactly 1 service port required for unix endpoints');
  }
}

/** Named endpoint ports: each name a DNS label (and a declared ServiceEntry port), each number 1..65535. */
export function checkEndpointPorts(c: Collector, ports: Record<string, unknown>, path: string, servicePorts: ReadonlySet<string> | undefined): void {
  for (const [name, value] of Object.entries(ports)) {
    const at = joinPath(path, name);
    const port = asNumber(value);
    if (servicePorts && !servicePorts.has(name)) {
      c.error('WEFT_ERR_SEMANTIC', at, `endpoint port ${port ?? describeValue(value)} is not defined by the service entry`);
    }
    const nameErr = validatePortName(name);
    if (nameErr) c.error('WEFT_ERR_SEMANTIC', at, nameErr);
    if (port !== undefined) {
      const portErr = validatePort(port);
      if (portErr) c.error('WEFT_ERR_SEMANTIC', at, portErr);
    }
  }
}

// A Kubernetes ServiceAccount name is a DNS-1123 subdomain.
function isDNS1123Subdomain(s: string): boolean {
  return s.length <= 253 && s.split('.').every((l) => isDNS1123Label(l) && l === l.toLowerCase());
}

/** Semantic rules for WorkloadEntry. */
export const validateWorkloadEntry: KindValidator = (res, c) => {
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;
  // Whether the port is one of a service's ports is unknowable here: no ServiceEntry is in view.
  checkWorkloadEntry(c, spec, 'spec', { servicePorts: undefined, allowFQDN: true });
  const sa = asString(spec.serviceAccount);
  if (sa !== undefined && sa !== '' && !isDNS1123Subdomain(sa)) {
    // Not an Istio rule: Weft derives the workload identity spiffe://<td>/ns/<ns>/sa/<sa> from it.
    c.warn('WEFT_ERR_SEMANTIC', 'spec.serviceAccount', `service account ${goQuote(sa)} is not a valid Kubernetes name (lower-case DNS-1123 subdomain); the workload identity built from it will not match a real service account`);
  }
};
