// Istio's semantic validation of ServiceEntry (pkg/config/validation ValidateServiceEntry): hosts,
// addresses, ports, the endpoint rules of each resolution mode, workloadSelector and exportTo.

import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { validateExportTo } from './primitives/export-to.js';
import { reportFindings } from './primitives/finding.js';
import { goQuote, validateFQDN, validatePartialWildcard, validateWildcardDomain } from './primitives/hosts.js';
import { isIPAddress, validateIPSubnet } from './primitives/ip.js';
import { validateLabels, validateSelectorLabels } from './primitives/labels.js';
import { isHTTPProtocol, isTCPProtocol, isTLSProtocol, parseProtocol, validatePort, validatePortName } from './primitives/ports.js';
import { asArray, asNumber, asRecord, asString, isSet, recordItems, stringItems } from './primitives/read-helpers.js';
import { checkEndpointPorts, checkWorkloadEntry } from './workload-entry.js';

/** The label with which a ServiceEntry opts out of automatic VIP allocation. */
const AUTO_ALLOCATE_LABEL = 'networking.istio.io/enable-autoallocate-ip';

const RESOLUTIONS = new Set(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN']);

/** Semantic rules for ServiceEntry. */
export const validateServiceEntry: KindValidator = (res, c) => {
  // A missing spec reads as an empty one, as Istio's proto decoding does.
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;
  const namespace = asString(res.metadata.namespace) ?? '';
  const rawResolution = asString(spec.resolution) ?? 'NONE';
  // An unknown resolution is the schema's to report; the mode-specific rules are then skipped.
  const resolution = RESOLUTIONS.has(rawResolution) ? rawResolution : undefined;
  const hosts = stringItems(spec.hosts);
  const addresses = stringItems(spec.addresses);
  const endpoints = asArray(spec.endpoints) ?? [];
  const hasSelector = isSet(spec.workloadSelector);

  if (hasSelector) {
    const labels = asRecord(spec.workloadSelector)?.labels;
    for (const f of validateSelectorLabels(labels)) {
      if (f.severity === 'error') c.error('WEFT_ERR_SEMANTIC', joinPath('spec.workloadSelector.labels', f.key ?? ''), f.message);
      // A selector without labels selects every workload of the namespace: legal, rarely meant.
      else c.warn('WEFT_ERR_SEMANTIC', 'spec.workloadSelector', `service entry: ${f.message}, will be applied to all services in namespace`);
    }
    if (endpoints.length > 0) c.error('WEFT_ERR_SEMANTIC', 'spec', 'only one of WorkloadSelector or Endpoints is allowed in Service Entry');
  }

  if (!isSet(spec.hosts) || asArray(spec.hosts)?.length === 0) c.error('WEFT_ERR_SEMANTIC', 'spec.hosts', 'service entry must have at least one host');
  for (const [i, host] of hosts) {
    const at = joinPath('spec.hosts', i);
    if (host === '*') {
      c.error('WEFT_ERR_SEMANTIC', at, `invalid host ${host}`);
      continue;
    }
    const err = validateWildcardDomain(host);
    if (err) c.error('WEFT_ERR_SEMANTIC', at, err);
    const partial = validatePartialWildcard(host);
    if (partial) c.warn('WEFT_ERR_SEMANTIC', at, partial);
  }

  let cidrFound = false;
  for (const [i, address] of addresses) {
    cidrFound ||= address.includes('/');
    const err = validateIPSubnet(address);
    if (err) c.error('WEFT_ERR_SEMANTIC', joinPath('spec.addresses', i), err);
  }
  if (cidrFound && resolution !== undefined && resolution !== 'NONE' && resolution !== 'STATIC') {
    c.error('WEFT_ERR_SEMANTIC', 'spec.addresses', 'CIDR addresses are allowed only for NONE/STATIC resolution types');
  }

  // Hosts without addresses get a VIP allocated unless the ServiceEntry opts out (Istio's default).
  const autoAllocation = asRecord(res.metadata.labels)?.[AUTO_ALLOCATE_LABEL] !== 'false';
  const ports = recordItems(spec.ports);
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  for (const [i, port] of ports) {
    const at = joinPath('spec.ports', i);
    const name = asString(port.name) ?? '';
    const number = asNumber(port.number);
    const protocol = asString(port.protocol) ?? '';
    if (portNames.has(name)) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'name'), `service entry port name ${goQuote(name)} already defined`);
    portNames.add(name);
    if (number !== undefined) {
      if (portNumbers.has(number)) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'number'), `service entry port ${number} already defined`);
      portNumbers.add(number);
    }
    const targetPort = asNumber(port.targetPort);
    if (targetPort !== undefined && targetPort !== 0) {
      const err = validatePort(targetPort);
      if (err) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'targetPort'), err);
    }
    if (addresses.length === 0 && !autoAllocation && (protocol === '' || protocol === 'TCP')) {
      c.warn('WEFT_ERR_SEMANTIC', at, 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled');
    }
    const nameErr = validatePortName(name);
    if (nameErr) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'name'), nameErr);
    // An empty protocol asks for protocol sniffing.
    if (protocol !== '' && parseProtocol(protocol) === undefined) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'protocol'), `unsupported protocol: ${protocol}`);
    if (number !== undefined) {
      const err = validatePort(number);
      if (err) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'number'), err);
    }
  }

  switch (resolution) {
    case 'NONE':
      if (endpoints.length > 0) c.error('WEFT_ERR_SEMANTIC', 'spec.endpoints', 'no endpoints should be provided for resolution type none');
      if (hasSelector) c.warn('WEFT_ERR_SEMANTIC', 'spec.workloadSelector', 'workloadSelector should not be set when resolution mode is NONE');
      break;
    case 'STATIC':
      endpoints.forEach((ep, i) => {
        const at = joinPath('spec.endpoints', i);
        if (ep === null || ep === undefined) c.error('WEFT_ERR_SEMANTIC', at, 'endpoint cannot be nil');
        const r = asRecord(ep);
        if (r) checkWorkloadEntry(c, r, at, { servicePorts: portNames, allowFQDN: false });
      });
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (endpoints.length === 0) {
        // The hosts themselves are resolved, so each must be a resolvable name.
        for (const [i, host] of hosts) {
          if (validateFQDN(host)) {
            c.error('WEFT_ERR_SEMANTIC', joinPath('spec.hosts', i), `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}`);
          }
        }
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
        c.error('WEFT_ERR_SEMANTIC', 'spec.endpoints', `there must only be 0 or 1 endpoint for resolution mode ${resolution}`);
      }
      endpoints.forEach((ep, i) => {
        const at = joinPath('spec.endpoints', i);
        if (ep === null || ep === undefined) c.error('WEFT_ERR_SEMANTIC', at, 'endpoint cannot be nil');
        const r = asRecord(ep);
        if (!r) return;
        const address = asString(r.address) ?? '';
        if (!isIPAddress(address) && validateFQDN(address)) {
          c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'address'), `endpoint address ${goQuote(address)} is not a valid FQDN or an IP address`);
        }
        for (const f of validateLabels(r.labels)) c.error('WEFT_ERR_SEMANTIC', joinPath(joinPath(at, 'labels'), f.key), f.message);
        checkEndpointPorts(c, asRecord(r.ports) ?? {}, joinPath(at, 'ports'), portNames);
      });
      if (addresses.length > 0 && hosts.length > 1) {
        // A VIP with a TCP port cannot tell the hosts apart; Istio still accepts it.
        const tcp = ports.find(([, p]) => isTCPProtocol(parseProtocol(asString(p.protocol) ?? '')));
        if (tcp) {
          c.warn('WEFT_ERR_SEMANTIC', joinPath('spec.ports', tcp[0]), 'service entry can not have more than one host specified simultaneously with address and tcp port');
        }
      }
      break;
    default:
      break;
  }

  // Plain TCP carries no host name (no Host header, no SNI), so several hosts cannot share a port
  // unless nothing is resolved (NONE).
  if (resolution !== undefined && resolution !== 'NONE' && hosts.length > 1) {
    const opaque = ports.find(([, p]) => {
      const proto = parseProtocol(asString(p.protocol) ?? '');
      return !isHTTPProtocol(proto) && !isTLSProtocol(proto);
    });
    if (opaque) c.error('WEFT_ERR_SEMANTIC', joinPath('spec.ports', opaque[0]), 'multiple hosts provided with non-HTTP, non-TLS ports');
  }

  reportFindings(c, 'spec.exportTo', validateExportTo(spec.exportTo, { namespace, isServiceEntry: true }));
};
