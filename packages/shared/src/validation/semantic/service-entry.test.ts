// ServiceEntry semantic rules, table-driven from Istio's TestValidateServiceEntries and the CRD
// test data, with the field path each error is reported at.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'networking.istio.io', version: 'v1', kind: 'ServiceEntry' };

function run(spec: unknown, metadata: Record<string, unknown> = { name: 'se', namespace: 'ns5' }) {
  return validateSemantic(GVK, { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata, spec });
}

const http = (number: number, name: string, extra: Record<string, unknown> = {}) => ({ number, protocol: 'http', name, ...extra });

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  [
    'DNS with FQDN endpoints',
    {
      hosts: ['*.google.com'],
      ports: [http(80, 'http-valid1'), http(8080, 'http-valid2')],
      endpoints: [
        { address: 'lon.google.com', ports: { 'http-valid1': 8080 } },
        { address: 'in.google.com', ports: { 'http-valid2': 9080 } },
      ],
      resolution: 'DNS',
    },
    null,
    '',
    false,
  ],
  [
    'DNS_ROUND_ROBIN with one endpoint',
    { hosts: ['*.istio.io'], ports: [http(80, 'http-valid1')], endpoints: [{ address: 'api-v1.istio.io', ports: { 'http-valid1': 8080 } }], resolution: 'DNS_ROUND_ROBIN' },
    null,
    '',
    false,
  ],
  [
    'DNS, one host with address and https port',
    { hosts: ['httpbin.org'], addresses: ['10.10.10.10'], ports: [http(80, 'http-valid1'), { number: 443, protocol: 'https', name: 'https' }], resolution: 'DNS' },
    null,
    '',
    false,
  ],
  [
    'DNS, two hosts with address and https port warns',
    { hosts: ['httpbin.org', 'wikipedia.org'], addresses: ['10.10.10.10'], ports: [http(80, 'http-valid1'), { number: 443, protocol: 'https', name: 'https' }], resolution: 'DNS' },
    null,
    '',
    true,
  ],
  [
    'DNS with an IP endpoint',
    { hosts: ['*.google.com'], ports: [http(80, 'http-valid1')], endpoints: [{ address: '1.1.1.1', ports: { 'http-valid1': 8080 } }], resolution: 'DNS' },
    null,
    '',
    false,
  ],
  ['no hosts', { ports: [http(80, 'http-valid1')], resolution: 'DNS' }, 'spec.hosts', 'at least one host', false],
  ['bad host', { hosts: ['-'], ports: [http(80, 'http-valid1')], endpoints: [{ address: 'in.google.com' }], resolution: 'DNS' }, 'spec.hosts[0]', 'invalid', false],
  ['full wildcard host', { hosts: ['foo.com', '*'], ports: [http(80, 'p')], endpoints: [{ address: 'in.google.com' }], resolution: 'DNS' }, 'spec.hosts[1]', 'invalid host *', false],
  [
    'short name host with endpoints',
    { hosts: ['foo', 'bar.com'], ports: [http(80, 'http-valid1')], endpoints: [{ address: 'in.google.com', ports: { 'http-valid1': 9080 } }], resolution: 'DNS' },
    null,
    '',
    false,
  ],
  [
    'endpoint port not declared',
    { hosts: ['google.com'], ports: [http(80, 'http-valid1')], endpoints: [{ address: 'in.google.com', ports: { 'http-dne': 9080 } }], resolution: 'DNS' },
    'spec.endpoints[0].ports["http-dne"]',
    'not defined by the service entry',
    false,
  ],
  [
    'DNS, wildcard endpoint address',
    { hosts: ['*.google.com'], ports: [http(80, 'http-valid1')], endpoints: [{ address: '*.lon.google.com', ports: { 'http-valid1': 8080 } }], resolution: 'DNS' },
    'spec.endpoints[0].address',
    'not a valid FQDN or an IP address',
    false,
  ],
  ['DNS, wildcard host without endpoints', { hosts: ['*.google.com'], ports: [http(80, 'http-valid1')], resolution: 'DNS' }, 'spec.hosts[0]', 'hosts must be FQDN', false],
  ['DNS, FQDN host without endpoints', { hosts: ['google.com'], ports: [http(80, 'http-valid1')], resolution: 'DNS' }, null, '', false],
  ['DNS, unix endpoint', { hosts: ['*.google.com'], ports: [http(80, 'p')], endpoints: [{ address: 'unix:///lon/google/com' }], resolution: 'DNS' }, 'spec.endpoints[0].address', 'FQDN', false],
  ['NONE', { hosts: ['google.com'], ports: [http(80, 'http-valid1')], resolution: 'NONE' }, null, '', false],
  ['NONE with endpoints', { hosts: ['google.com'], ports: [http(80, 'p')], endpoints: [{ address: 'lon.google.com' }], resolution: 'NONE' }, 'spec.endpoints', 'resolution type none', false],
  ['NONE with a CIDR address', { hosts: ['google.com'], addresses: ['172.1.2.16/16'], ports: [http(80, 'p')], resolution: 'NONE' }, null, '', false],
  [
    'STATIC with a CIDR address and IP endpoints',
    { hosts: ['google.com'], addresses: ['172.1.2.16/16'], ports: [http(80, 'a'), http(8080, 'b')], endpoints: [{ address: '1.1.1.1', ports: { a: 8080 } }, { address: '2.2.2.2', ports: { b: 9080 } }], resolution: 'STATIC' },
    null,
    '',
    false,
  ],
  ['DNS with a CIDR address', { hosts: ['example.com'], addresses: ['1.2.3.4/16'], resolution: 'DNS' }, 'spec.addresses', 'CIDR addresses are allowed only for NONE/STATIC', false],
  ['bad address', { hosts: ['example.com'], addresses: ['1.2.3.4/99'] }, 'spec.addresses[0]', 'not a valid CIDR block', false],
  [
    'STATIC with an FQDN endpoint',
    { hosts: ['google.com'], addresses: ['172.1.2.16'], ports: [http(80, 'a')], endpoints: [{ address: 'google.com', ports: { a: 8080 } }], resolution: 'STATIC' },
    'spec.endpoints[0].address',
    'not a valid IP address',
    false,
  ],
  ['STATIC without endpoints', { hosts: ['google.com'], addresses: ['172.1.2.16'], ports: [http(80, 'a')], resolution: 'STATIC' }, null, '', false],
  [
    'STATIC with an undeclared endpoint port',
    { hosts: ['google.com'], addresses: ['172.1.2.16'], ports: [http(80, 'a')], endpoints: [{ address: '2.2.2.2', ports: { 'http-dne': 9080 } }], resolution: 'STATIC' },
    'spec.endpoints[0].ports["http-dne"]',
    'not defined',
    false,
  ],
  ['duplicate port names', { hosts: ['google.com'], ports: [http(80, 'conflict'), http(8080, 'conflict')] }, 'spec.ports[1].name', 'already defined', false],
  ['duplicate port numbers', { hosts: ['google.com'], ports: [http(80, 'a'), http(80, 'b')] }, 'spec.ports[1].number', 'service entry port 80 already defined', false],
  ['bad port name', { hosts: ['google.com'], ports: [http(80, 'Bad_Name')] }, 'spec.ports[0].name', 'invalid port name', false],
  ['unknown protocol', { hosts: ['google.com'], ports: [{ number: 80, protocol: 'kafka', name: 'k' }] }, 'spec.ports[0].protocol', 'unsupported protocol: kafka', false],
  ['protocol names are case-insensitive', { hosts: ['google.com'], ports: [{ number: 80, protocol: 'gRPC-Web', name: 'g' }] }, null, '', false],
  ['port out of range', { hosts: ['example.com'], ports: [{ name: 'a', number: 99999 }] }, 'spec.ports[0].number', 'must be in the range 1..65535', false],
  ['targetPort out of range', { hosts: ['google.com'], resolution: 'DNS', ports: [http(80, 'a', { targetPort: 65536 })] }, 'spec.ports[0].targetPort', 'range', false],
  ['repeated targetPort is fine', { hosts: ['google.com'], resolution: 'DNS', ports: [http(80, 'a', { targetPort: 80 }), http(81, 'b', { targetPort: 80 })] }, null, '', false],
  ['unix socket endpoint', { hosts: ['uds.cluster.local'], ports: [{ number: 6553, protocol: 'grpc', name: 'grpc' }], resolution: 'STATIC', endpoints: [{ address: 'unix:///path/to/socket' }] }, null, '', false],
  [
    'unix socket, relative path',
    { hosts: ['uds.cluster.local'], ports: [{ number: 6553, protocol: 'grpc', name: 'grpc' }], resolution: 'STATIC', endpoints: [{ address: 'unix://./relative/path.sock' }] },
    'spec.endpoints[0].address',
    'not an absolute path',
    false,
  ],
  [
    'unix socket with endpoint ports',
    { hosts: ['uds.cluster.local'], ports: [{ number: 6553, protocol: 'grpc', name: 'grpc' }], resolution: 'STATIC', endpoints: [{ address: 'unix:///path/to/socket', ports: { grpc: 6553 } }] },
    'spec.endpoints[0].ports',
    'must not include ports',
    false,
  ],
  [
    'unix socket with two service ports',
    { hosts: ['uds.cluster.local'], ports: [{ number: 6553, protocol: 'grpc', name: 'grpc' }, http(80, 'http')], resolution: 'STATIC', endpoints: [{ address: 'unix:///path/to/socket' }] },
    'spec.endpoints[0].address',
    'exactly 1 service port required for unix endpoints',
    false,
  ],
  ['empty protocol (sniffing)', { hosts: ['google.com'], addresses: ['172.1.2.16/16'], ports: [http(80, 'a'), { number: 8080, name: 'b' }], resolution: 'NONE' }, null, '', false],
  ['selector with NONE warns', { hosts: ['google.com'], workloadSelector: { labels: { foo: 'bar' } }, ports: [http(80, 'a')] }, null, '', true],
  ['selector without labels warns', { hosts: ['google.com'], workloadSelector: {}, resolution: 'DNS', ports: [http(80, 'a')] }, null, '', true],
  ['selector with DNS', { hosts: ['google.com'], workloadSelector: { labels: { foo: 'bar' } }, resolution: 'DNS', ports: [http(80, 'a')] }, null, '', false],
  ['selector and endpoints', { hosts: ['google.com'], workloadSelector: { labels: { foo: 'bar' } }, resolution: 'STATIC', endpoints: [{ address: '1.1.1.1' }] }, 'spec', 'only one of WorkloadSelector or Endpoints', false],
  ['selector with an empty key', { hosts: ['google.com'], workloadSelector: { labels: { '': 'bar' } }, resolution: 'DNS' }, 'spec.workloadSelector.labels[""]', 'empty key', false],
  ['selector with a wildcard value', { hosts: ['example.com'], workloadSelector: { labels: { val: '*' } }, resolution: 'DNS' }, 'spec.workloadSelector.labels.val', 'wildcard is not supported in selector', false],
  [
    'DNS_ROUND_ROBIN with two endpoints',
    { hosts: ['google.com'], ports: [http(8081, 'a')], endpoints: [{ address: 'api-v1.istio.io', ports: { a: 8081 } }, { address: '1.1.1.2', ports: { a: 8081 } }], resolution: 'DNS_ROUND_ROBIN' },
    'spec.endpoints',
    'there must only be 0 or 1 endpoint',
    false,
  ],
  ['DNS_ROUND_ROBIN without endpoints', { hosts: ['google.com'], ports: [http(8081, 'a')], endpoints: [], resolution: 'DNS_ROUND_ROBIN' }, null, '', false],
  ['partial wildcard hosts warn', { hosts: ['*.nytimes.com', '*washingtonpost.com'], ports: [{ number: 443, protocol: 'HTTPS', name: 'https' }], resolution: 'NONE' }, null, '', true],
  ['STATIC endpoint with only a network warns', { hosts: ['www.example.com'], ports: [{ number: 443, protocol: 'HTTPS', name: 'https' }], endpoints: [{ network: 'cluster-1' }], resolution: 'STATIC' }, null, '', true],
  ['STATIC endpoint without address or network', { hosts: ['www.example.com'], ports: [http(80, 'a')], endpoints: [{ labels: { a: 'b' } }], resolution: 'STATIC' }, 'spec.endpoints[0].address', 'address is required', false],
  ['endpoint labels', { hosts: ['www.example.com'], endpoints: [{ address: '1.1.1.1', labels: { 'bad key!': 'v' } }], resolution: 'STATIC' }, 'spec.endpoints[0].labels["bad key!"]', 'invalid tag key', false],
  ['two hosts and a TCP port', { hosts: ['a.example.com', 'b.example.com'], ports: [{ number: 3306, protocol: 'TCP', name: 'tcp' }], resolution: 'DNS' }, 'spec.ports[0]', 'multiple hosts provided with non-HTTP, non-TLS ports', false],
  ['two hosts and a TCP port without resolution', { hosts: ['a.example.com', 'b.example.com'], ports: [{ number: 3306, protocol: 'TCP', name: 'tcp' }], resolution: 'NONE' }, null, '', false],
  ['exportTo . and ns', { hosts: ['example.com'], exportTo: ['.', 'ns1'] }, null, '', false],
  ['exportTo ~ alone', { hosts: ['example.com'], exportTo: ['~'] }, null, '', false],
  ['exportTo ~ with others', { hosts: ['example.com'], exportTo: ['~', 'ns1'] }, 'spec.exportTo', 'no one (~) and someone', false],
  ['exportTo own namespace and .', { hosts: ['example.com'], exportTo: ['ns5', '.'] }, 'spec.exportTo[1]', '. and current namespace ns5', false],
  ['exportTo . and own namespace', { hosts: ['example.com'], exportTo: ['.', 'ns5'] }, 'spec.exportTo[1]', 'duplicate entries in exportTo for entry ns5', false],
  ['exportTo * with others', { hosts: ['example.com'], exportTo: ['*', 'ns1'] }, 'spec.exportTo', 'public (*)', false],
  ['exportTo duplicates', { hosts: ['example.com'], exportTo: ['ns1', 'ns2', 'ns1'] }, 'spec.exportTo[2]', 'duplicate entries in exportTo for entry ns1', false],
  ['exportTo invalid namespace', { hosts: ['example.com'], exportTo: ['ns1_'] }, 'spec.exportTo[0]', 'valid DNS 1123 label', false],
];

describe('ServiceEntry semantic rules', () => {
  it.each(cases)('%s', (_name, spec, errorPath, message, warn) => {
    const { errors, warnings } = run(spec);
    if (errorPath === null) {
      expect(errors).toEqual([]);
      expect(warnings.length > 0).toBe(warn);
    } else {
      expect(errors).toContainEqual(expect.objectContaining({ code: 'WEFT_ERR_SEMANTIC', path: errorPath, message: expect.stringContaining(message) }));
    }
  });

  it('treats a missing spec as an empty one (hosts required)', () => {
    expect(validateSemantic(GVK, { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: {} }).errors.map((e) => e.path)).toEqual(['spec.hosts']);
  });

  it('warns about TCP ports without addresses only when the entry opts out of VIP auto-allocation', () => {
    const spec = { hosts: ['db.example.com'], ports: [{ number: 5432, protocol: 'TCP', name: 'tcp' }], resolution: 'DNS' };
    expect(run(spec).warnings).toEqual([]);
    const optOut = run(spec, { name: 'se', namespace: 'ns', labels: { 'networking.istio.io/enable-autoallocate-ip': 'false' } });
    expect(optOut.errors).toEqual([]);
    expect(optOut.warnings.map((w) => w.path)).toEqual(['spec.ports[0]']);
  });

  it('reads `.` in exportTo as the namespace only when the resource has one', () => {
    expect(run({ hosts: ['example.com'], exportTo: ['.', 'default'] }, { name: 'se' }).errors).toEqual([]);
  });
});
