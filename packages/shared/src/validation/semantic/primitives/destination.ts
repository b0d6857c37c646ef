// A route `Destination` (host, subset, port) as Istio checks it, shared by VirtualService routes,
// mirrors and the Sidecar egress proxy; also subset names.

import { isDNS1123Label, validateWildcardDomain } from './hosts.js';
import { errorFinding, type Finding } from './finding.js';
import { validatePort } from './ports.js';
import { asNumber, asRecord, asString } from './read-helpers.js';

/** Istio's validateSubsetName: a non-empty DNS label. */
export function validateSubsetName(name: string): string | undefined {
  if (name.length === 0) return 'subset name cannot be empty';
  if (!isDNS1123Label(name)) return `subset name is invalid: ${name}`;
  return undefined;
}

/** Istio's validateDestination: a (wildcard) domain host other than `*`, a valid subset, a port in range. */
export function validateDestination(destination: unknown): Finding[] {
  const out: Finding[] = [];
  const d = asRecord(destination);
  if (!d) return out;
  const host = asString(d.host) ?? '';
  if (host === '*') out.push(errorFinding(`invalid destination host ${host}`, ['host']));
  else {
    const err = validateWildcardDomain(host);
    if (err) out.push(errorFinding(err, ['host']));
  }
  const subset = asString(d.subset) ?? '';
  if (subset !== '') {
    const err = validateSubsetName(subset);
    if (err) out.push(errorFinding(err, ['subset']));
  }
  const port = asRecord(d.port);
  if (port) {
    const err = validatePort(asNumber(port.number) ?? 0);
    if (err) out.push(errorFinding(err, ['port', 'number']));
  }
  return out;
}
