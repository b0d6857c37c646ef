// WorkloadEntry semantic rules (Istio's validateWorkloadEntry) and the CRD test data cases.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'networking.istio.io', version: 'v1', kind: 'WorkloadEntry' };

function run(spec: unknown) {
  return validateSemantic(GVK, { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'we', namespace: 'ns' }, spec });
}

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  ['full', { address: '1.2.3.4', serviceAccount: 'sa', network: 'net', labels: { app: 'app' }, ports: { http: 1 }, weight: 2, locality: 'foo/bar/baz' }, null, '', false],
  ['IPv6 address', { address: '2001:db8::1' }, null, '', false],
  ['FQDN address', { address: 'vm-1.example.com' }, null, '', false],
  ['abstract unix socket', { address: 'unix://@foo' }, null, '', false],
  ['unix socket path', { address: 'unix:///foo/bar' }, null, '', false],
  ['no address, network set warns', { network: 'net' }, null, '', true],
  ['no address', {}, 'spec.address', 'address is required', false],
  ['not an IP nor an FQDN', { address: 'bad_host!' }, 'spec.address', 'not a valid FQDN or an IP address', false],
  ['all-numeric top-level domain', { address: '1.2.3.256' }, 'spec.address', 'not a valid FQDN or an IP address', false],
  ['unix socket directory', { address: 'unix:///dir/' }, 'spec.address', 'not an absolute path to a file', false],
  ['relative unix socket', { address: 'unix://relative' }, 'spec.address', 'not an absolute path', false],
  ['empty unix socket', { address: 'unix://' }, 'spec.address', 'unix address must not be empty', false],
  ['unix socket with ports', { address: 'unix://@foo', ports: { http: 80 } }, 'spec.ports', 'must not include ports', false],
  ['port out of range', { address: '1.1.1.1', ports: { http: 99999 } }, 'spec.ports.http', 'must be in the range 1..65535', false],
  ['port 0', { address: '1.1.1.1', ports: { http: 0 } }, 'spec.ports.http', 'range', false],
  ['bad port name', { address: '1.1.1.1', ports: { '@': 80 } }, 'spec.ports["@"]', 'invalid port name', false],
  ['bad label key', { address: '1.1.1.1', labels: { '-app': 'x' } }, 'spec.labels["-app"]', 'invalid tag key', false],
  ['bad label value', { address: '1.1.1.1', labels: { app: 'a b' } }, 'spec.labels.app', 'invalid tag value', false],
  ['service account with a slash warns', { address: '1.1.1.1', serviceAccount: 'ns/sa' }, null, '', true],
];

describe('WorkloadEntry semantic rules', () => {
  it.each(cases)('%s', (_name, spec, errorPath, message, warn) => {
    const { errors, warnings } = run(spec);
    if (errorPath === null) {
      expect(errors).toEqual([]);
      expect(warnings.length > 0).toBe(warn);
    } else {
      expect(errors).toContainEqual(expect.objectContaining({ path: errorPath, message: expect.stringContaining(message) }));
    }
  });
});
