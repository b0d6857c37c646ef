// Table tests for Sidecar semantic rules, after Istio's TestValidateSidecar cases.

import { describe, expect, it } from 'vitest';
import { Collector } from '../result.js';
import { validateSidecar } from './sidecar.js';

function run(spec: unknown) {
  const c = new Collector();
  validateSidecar({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'sc', namespace: 'default' }, spec }, c);
  return c.result();
}

const egress = (hosts: string[], extra: Record<string, unknown> = {}) => ({ egress: [{ hosts, ...extra }] });
const ingress = (l: Record<string, unknown>) => ({ ingress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:9080', ...l }] });

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly valid: boolean;
  readonly warning?: boolean;
  readonly message?: string;
  readonly path?: string;
}

const cases: Case[] = [
  { name: 'empty ingress and egress', spec: {}, valid: false, message: 'sidecar: empty configuration provided', path: 'spec' },
  { name: 'default', spec: egress(['*/*']), valid: true },
  { name: 'import local namespace with wildcard', spec: egress(['./*']), valid: true },
  { name: 'import local namespace with fqdn', spec: egress(['./foo.com']), valid: true },
  { name: 'import nothing', spec: egress(['~/*']), valid: true },
  { name: 'bad host without namespace', spec: egress(['foo.com']), valid: false, message: 'host must be of form namespace/dnsName', path: 'spec.egress[0].hosts[0]' },
  { name: 'bad namespace', spec: egress(['Bad_NS/foo.com']), valid: false, message: 'invalid namespace value "Bad_NS" in sidecar' },
  { name: 'short name host', spec: egress(['ns1/foo']), valid: false, message: 'short names (non FQDN) are not allowed' },
  { name: 'partial wildcard host', spec: egress(['ns1/*foo.com']), valid: false, message: 'partial wildcard "*foo.com" not allowed' },
  { name: 'ip host is not a name', spec: egress(['ns1/10.0.0.1']), valid: false, message: 'top level domain "1" cannot be all-numeric' },
  { name: 'egress without hosts', spec: { egress: [{ port: { number: 80, protocol: 'HTTP', name: 'h' } }] }, valid: false, message: 'sidecar: egress listener must contain at least one host' },
  { name: 'duplicated egress host warns', spec: egress(['ns1/foo.com', 'ns1/foo.com']), valid: true, warning: true, message: 'duplicated egress host: ns1/foo.com' },
  { name: '*/* with other hosts warns', spec: egress(['*/*', 'ns1/foo.com']), valid: true, warning: true, message: '`*/*` host select all resources, no other hosts can be added' },
  { name: 'catch-all egress not last', spec: { egress: [{ hosts: ['*/*'] }, { port: { number: 80, protocol: 'HTTP', name: 'h' }, hosts: ['ns1/*'] }] }, valid: false, message: 'sidecar: the egress listener with empty port should be the last listener in the list' },
  { name: 'two catch-all egress listeners', spec: { egress: [{ hosts: ['*/*'] }, { hosts: ['ns1/*'] }] }, valid: false, message: 'the egress listener with empty port should be the last listener in the list' },
  { name: 'egress port with bad protocol', spec: egress(['*/*'], { port: { number: 80, protocol: 'FTP', name: 'h' } }), valid: false, message: 'unsupported protocol: FTP' },
  { name: 'egress port with bad name', spec: egress(['*/*'], { port: { number: 80, protocol: 'HTTP', name: 'Bad_Name' } }), valid: false, message: 'invalid port name: Bad_Name' },
  { name: 'egress duplicate ports', spec: { egress: [{ port: { number: 80, protocol: 'HTTP' }, hosts: ['*/*'] }, { port: { number: 80, protocol: 'HTTP' }, hosts: ['ns1/*'] }] }, valid: false, message: 'sidecar: ports on IP bound listeners must be unique' },
  { name: 'egress unix socket listener', spec: egress(['*/*'], { port: { number: 0, protocol: 'HTTP' }, bind: 'unix:///var/run/egress.sock' }), valid: true },
  { name: 'egress port 0 without unix bind', spec: egress(['*/*'], { port: { number: 0, protocol: 'HTTP' } }), valid: false, message: 'sidecar: ports with 0 value must have a unix domain socket bind address' },
  { name: 'egress unix listener with iptables capture', spec: egress(['*/*'], { port: { number: 0 }, bind: 'unix:///a.sock', captureMode: 'IPTABLES' }), valid: false, message: 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners' },
  { name: 'egress bad bind', spec: egress(['*/*'], { port: { number: 80, protocol: 'HTTP' }, bind: '1.2.3' }), valid: false, message: '1.2.3 is not a valid IP' },
  { name: 'ingress valid', spec: ingress({}), valid: true },
  { name: 'ingress without port', spec: { ingress: [{ defaultEndpoint: '127.0.0.1:9080' }] }, valid: false, message: 'sidecar: port is required for ingress listeners' },
  { name: 'ingress duplicate ports', spec: { ingress: [ingress({}).ingress[0], ingress({}).ingress[0]] }, valid: false, message: 'sidecar: ports on IP bound listeners must be unique' },
  { name: 'ingress defaultEndpoint on 0.0.0.0', spec: ingress({ defaultEndpoint: '0.0.0.0:9080' }), valid: true },
  { name: 'ingress defaultEndpoint [::1]', spec: ingress({ defaultEndpoint: '[::1]:9080' }), valid: true },
  { name: 'ingress defaultEndpoint :port', spec: ingress({ defaultEndpoint: ':9080' }), valid: true },
  { name: 'ingress defaultEndpoint unix', spec: ingress({ defaultEndpoint: 'unix:///var/run/app.sock' }), valid: true },
  { name: 'ingress defaultEndpoint other host', spec: ingress({ defaultEndpoint: '10.0.0.1:9080' }), valid: false, message: 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>' },
  { name: 'ingress defaultEndpoint without port', spec: ingress({ defaultEndpoint: '127.0.0.1' }), valid: false, message: 'missing port in address' },
  { name: 'ingress defaultEndpoint port not a number', spec: ingress({ defaultEndpoint: '127.0.0.1:http' }), valid: false, message: 'sidecar: defaultEndpoint port (http) is not a number' },
  { name: 'ingress tls on http port', spec: ingress({ tls: { mode: 'SIMPLE', serverCertificate: 'c', privateKey: 'k' } }), valid: false, message: 'server cannot have TLS settings for non HTTPS/TLS ports' },
  { name: 'ingress tls istio mutual', spec: ingress({ port: { number: 443, protocol: 'HTTPS', name: 'https' }, tls: { mode: 'ISTIO_MUTUAL' } }), valid: false, message: 'configuration is invalid: cannot set mode to ISTIO_MUTUAL in sidecar ingress tls' },
  { name: 'ingress tls credentialName', spec: ingress({ port: { number: 443, protocol: 'HTTPS', name: 'https' }, tls: { mode: 'SIMPLE', credentialName: 'c' } }), valid: false, message: 'sidecar: credentialName is not currently supported' },
  { name: 'ingress tls simple with files', spec: ingress({ port: { number: 443, protocol: 'HTTPS', name: 'https' }, tls: { mode: 'SIMPLE', serverCertificate: 'c', privateKey: 'k' } }), valid: true },
  { name: 'ingress http pool on tcp port warns', spec: ingress({ port: { number: 3306, protocol: 'TCP', name: 'tcp' }, connectionPool: { http: { maxRetries: 1 } } }), valid: true, warning: true, message: 'HTTP connection pool settings are configured for port 3306' },
  { name: 'inbound connection pool only', spec: { inboundConnectionPool: { tcp: { maxConnections: 10 } } }, valid: true },
  { name: 'inbound connection pool empty', spec: { inboundConnectionPool: {} }, valid: false, message: 'connection pool must have at least one field', path: 'spec.inboundConnectionPool' },
  { name: 'workload selector without labels warns', spec: { workloadSelector: {}, ...egress(['*/*']) }, valid: true, warning: true, message: 'will be applied to all services in namespace' },
  { name: 'workload selector with wildcard', spec: { workloadSelector: { labels: { app: '*' } }, ...egress(['*/*']) }, valid: false, message: 'wildcard is not supported in selector' },
  { name: 'egress proxy with REGISTRY_ONLY', spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY', egressProxy: { host: 'proxy.ns.svc.cluster.local', port: { number: 80 } } } }, valid: false, message: 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode' },
  { name: 'egress proxy with ALLOW_ANY', spec: { outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: 'proxy.ns.svc.cluster.local', subset: 'v1', port: { number: 80 } } } }, valid: true },
  { name: 'egress proxy without port', spec: { outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: 'proxy.ns.svc.cluster.local' } } }, valid: false, message: 'sidecar: egress_proxy port must be non-nil' },
  { name: 'egress proxy wildcard host', spec: { outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: '*.ns.svc', port: { number: 80 } } } }, valid: false, message: 'invalid (label "*" invalid)' },
];

describe('validateSidecar', () => {
  it.each(cases)('$name', (tc) => {
    const { errors, warnings } = run(tc.spec);
    if (tc.valid) expect(errors).toEqual([]);
    else expect(errors.length).toBeGreaterThan(0);
    if (tc.warning !== undefined) expect(warnings.length > 0).toBe(tc.warning);
    const pool = tc.valid ? warnings : errors;
    if (tc.message) expect(pool.map((e) => e.message).join('\n')).toContain(tc.message);
    if (tc.path) expect(pool.map((e) => e.path)).toContain(tc.path);
  });
});
