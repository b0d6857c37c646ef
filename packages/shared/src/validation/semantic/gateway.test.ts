// Table tests for Gateway semantic rules, after Istio's TestValidateGateway, TestValidateServer,
// TestValidateServerPort and TestValidateTlsOptions cases.

import { describe, expect, it } from 'vitest';
import { Collector } from '../result.js';
import { validateGateway } from './gateway.js';

function run(spec: unknown, metadata: Record<string, unknown> = { name: 'gw', namespace: 'default' }) {
  const c = new Collector();
  validateGateway({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata, spec }, c);
  return c.result();
}

const http80 = { number: 80, name: 'http', protocol: 'HTTP' };
const https443 = { number: 443, name: 'https', protocol: 'HTTPS' };
const server = (s: Record<string, unknown>) => ({ servers: [{ hosts: ['foo.bar.com'], port: http80, ...s }] });
const tlsServer = (tls: Record<string, unknown>, port: Record<string, unknown> = https443) => server({ port, tls });

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly valid: boolean;
  readonly warning?: boolean;
  readonly message?: string;
  readonly path?: string;
  readonly metadata?: Record<string, unknown>;
}

const cases: Case[] = [
  { name: 'empty', spec: {}, valid: false, message: 'gateway must have at least one server', path: 'spec.servers' },
  { name: 'happy domain', spec: server({}), valid: true },
  { name: 'happy multiple servers', spec: { servers: [{ hosts: ['foo.bar.com'], port: http80 }, { hosts: ['*.bar.com'], port: https443, tls: { mode: 'SIMPLE', credentialName: 'cert' } }] }, valid: true },
  { name: 'invalid gateway name', spec: server({}), metadata: { name: 'my.gateway' }, valid: false, message: 'invalid gateway name: "my.gateway"', path: 'metadata.name' },
  { name: 'gateway api name allowed', spec: server({}), metadata: { name: 'my.gateway', annotations: { 'internal.istio.io/gateway-semantics': 'gateway' } }, valid: true },
  { name: 'null server', spec: { servers: [null] }, valid: false, message: 'cannot have nil server' },
  { name: 'server without hosts', spec: { servers: [{ port: http80 }] }, valid: false, message: 'server config must contain at least one host', path: 'spec.servers[0].hosts' },
  { name: 'namespace/host', spec: server({ hosts: ['ns1/foo.bar.com', './*.bar.com', '*/*'] }), valid: true },
  { name: 'ip address host', spec: server({ hosts: ['10.0.0.1'] }), valid: true },
  { name: 'short name host', spec: server({ hosts: ['foo'] }), valid: false, message: 'short names (non FQDN) are not allowed', path: 'spec.servers[0].hosts[0]' },
  { name: 'partial wildcard host', spec: server({ hosts: ['*foo.bar.com'] }), valid: false, message: 'partial wildcard "*foo.bar.com" not allowed' },
  { name: 'bad namespace in host', spec: server({ hosts: ['Bad_NS/foo.bar.com'] }), valid: false, message: 'invalid namespace value "Bad_NS" in gateway' },
  { name: '~ namespace only with gateway api semantics', spec: server({ hosts: ['~/foo.bar.com'] }), valid: false, message: 'invalid namespace value "~" in gateway' },
  { name: 'empty namespace in host', spec: server({ hosts: ['/foo.bar.com'] }), valid: false, message: 'config namespace and dnsName in host entry cannot be empty' },
  { name: 'missing port', spec: { servers: [{ hosts: ['foo.bar.com'] }] }, valid: false, message: 'port is required', path: 'spec.servers[0].port' },
  { name: 'invalid protocol', spec: server({ port: { number: 80, name: 'x', protocol: 'FTP' } }), valid: false, message: 'invalid protocol "FTP", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP' },
  { name: 'lower-case protocol', spec: server({ port: { number: 80, name: 'x', protocol: 'http' } }), valid: true },
  { name: 'port out of range', spec: server({ port: { number: 65536, name: 'x', protocol: 'HTTP' } }), valid: false, message: 'port number 65536 must be in the range 1..65535', path: 'spec.servers[0].port.number' },
  { name: 'missing port name', spec: server({ port: { number: 80, protocol: 'HTTP' } }), valid: false, message: 'port name must be set: number:80 protocol:"HTTP"' },
  { name: 'target port set', spec: server({ port: { ...http80, targetPort: 8080 } }), valid: false, message: 'targetPort has no impact on Gateways' },
  { name: 'duplicate port names', spec: { servers: [{ hosts: ['a.com'], port: http80 }, { hosts: ['b.com'], port: { ...http80, number: 8080 } }] }, valid: false, message: 'port names in servers must be unique: duplicate name http', path: 'spec.servers[1].port.name' },
  { name: 'bind to ip', spec: server({ bind: '10.0.0.1' }), valid: true },
  { name: 'bind not an ip', spec: server({ bind: 'localhost' }), valid: false, message: 'localhost is not a valid IP', path: 'spec.servers[0].bind' },
  { name: 'bind to unix socket with port 0', spec: server({ bind: 'unix:///var/run/gw.sock', port: { number: 0, name: 'uds', protocol: 'HTTP' } }), valid: true },
  { name: 'bind to unix socket with a port number', spec: server({ bind: 'unix:///var/run/gw.sock' }), valid: false, message: 'port number must be 0 for unix domain socket' },
  { name: 'bind to relative unix path', spec: server({ bind: 'unix://gw.sock', port: { number: 0, name: 'uds', protocol: 'HTTP' } }), valid: false, message: 'gw.sock is not an absolute path to a file' },
  { name: 'https without tls', spec: server({ port: https443 }), valid: false, message: 'server must have TLS settings for HTTPS/TLS protocols' },
  { name: 'http with httpsRedirect', spec: server({ tls: { httpsRedirect: true } }), valid: true },
  { name: 'http with simple tls', spec: server({ tls: { mode: 'SIMPLE', credentialName: 'c' } }), valid: false, message: 'server cannot have TLS settings for plain text HTTP ports' },
  { name: 'tcp with tls', spec: server({ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, tls: { mode: 'PASSTHROUGH' } }), valid: false, message: 'server cannot have TLS settings for non HTTPS/TLS ports' },
  { name: 'httpsRedirect on https server warns', spec: tlsServer({ mode: 'SIMPLE', credentialName: 'c', httpsRedirect: true }), valid: true, warning: true, message: 'tls.httpsRedirect should only be used with http servers' },
  { name: 'simple tls with credentialName', spec: tlsServer({ mode: 'SIMPLE', credentialName: 'c' }), valid: true },
  { name: 'simple tls with files', spec: tlsServer({ mode: 'SIMPLE', serverCertificate: '/etc/cert.pem', privateKey: '/etc/key.pem' }), valid: true },
  { name: 'simple tls without certificate', spec: tlsServer({ mode: 'SIMPLE', privateKey: '/etc/key.pem' }), valid: false, message: 'SIMPLE TLS requires a server certificate' },
  { name: 'simple tls without key', spec: tlsServer({ mode: 'SIMPLE', serverCertificate: '/etc/cert.pem' }), valid: false, message: 'SIMPLE TLS requires a private key' },
  { name: 'mutual tls without CA', spec: tlsServer({ mode: 'MUTUAL', serverCertificate: 'c', privateKey: 'k' }), valid: false, message: 'MUTUAL TLS requires a client CA bundle' },
  { name: 'mutual tls with CA', spec: tlsServer({ mode: 'MUTUAL', serverCertificate: 'c', privateKey: 'k', caCertificates: 'ca' }), valid: true },
  { name: 'mutual tls with credentialName needs no CA', spec: tlsServer({ mode: 'MUTUAL', credentialName: 'c' }), valid: true },
  { name: 'optional mutual tls without CA', spec: tlsServer({ mode: 'OPTIONAL_MUTUAL', serverCertificate: 'c', privateKey: 'k' }), valid: false, message: 'MUTUAL TLS requires a client CA bundle' },
  { name: 'two certificate sources', spec: tlsServer({ mode: 'SIMPLE', credentialName: 'c', serverCertificate: 'c', privateKey: 'k' }), valid: false, message: 'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified' },
  { name: 'tls certificates list', spec: tlsServer({ mode: 'SIMPLE', tlsCertificates: [{ serverCertificate: 'a', privateKey: 'b' }, { serverCertificate: 'c' }] }), valid: false, message: 'SIMPLE TLS requires a private key' },
  { name: 'more than two tls certificates warns', spec: tlsServer({ mode: 'SIMPLE', tlsCertificates: [1, 2, 3].map((i) => ({ serverCertificate: `c${i}`, privateKey: `k${i}` })) }), valid: true, warning: true, message: 'SIMPLE TLS can support up to 2 server certificates' },
  { name: 'istio mutual with certificate', spec: tlsServer({ mode: 'ISTIO_MUTUAL', serverCertificate: 'c' }), valid: false, message: 'ISTIO_MUTUAL TLS cannot have associated server certificate' },
  { name: 'istio mutual with credentialName', spec: tlsServer({ mode: 'ISTIO_MUTUAL', credentialName: 'c' }), valid: false, message: 'ISTIO_MUTUAL TLS cannot have associated credentialName' },
  { name: 'passthrough with certificates warns', spec: tlsServer({ mode: 'PASSTHROUGH', credentialName: 'c' }), valid: true, warning: true, message: 'PASSTHROUGH mode does not use certificates, they will be ignored' },
  { name: 'auto passthrough on tls port', spec: tlsServer({ mode: 'AUTO_PASSTHROUGH' }, { number: 15443, name: 'tls', protocol: 'TLS' }), valid: true },
  { name: 'CRL with SIMPLE', spec: tlsServer({ mode: 'SIMPLE', serverCertificate: 'c', privateKey: 'k', caCrl: 'crl' }), valid: false, message: 'CRL is not supported with SIMPLE TLS' },
  // Istio returns before its CRL checks once a terminating mode has a credentialName.
  { name: 'CRL with credentialName in MUTUAL (Istio accepts)', spec: tlsServer({ mode: 'MUTUAL', credentialName: 'c', caCrl: 'crl' }), valid: true },
  { name: 'CRL with credentialName in PASSTHROUGH', spec: tlsServer({ mode: 'PASSTHROUGH', credentialName: 'c', caCrl: 'crl' }), valid: false, message: 'CRL is not supported with credentialName' },
  { name: 'old TLS version without ciphers warns', spec: tlsServer({ mode: 'SIMPLE', credentialName: 'c', minProtocolVersion: 'TLSV1_1' }), valid: true, warning: true, message: 'TLS version below TLSV1_2 require setting compatible ciphers' },
  { name: 'invalid and duplicate cipher suites warn', spec: tlsServer({ mode: 'SIMPLE', credentialName: 'c', cipherSuites: ['BOGUS', 'AES128-SHA', 'AES128-SHA'] }), valid: true, warning: true, message: 'ignoring invalid cipher suites: [BOGUS]' },
];

describe('validateGateway', () => {
  it.each(cases)('$name', (tc) => {
    const { errors, warnings } = run(tc.spec, tc.metadata);
    if (tc.valid) expect(errors).toEqual([]);
    else expect(errors.length).toBeGreaterThan(0);
    if (tc.warning !== undefined) expect(warnings.length > 0).toBe(tc.warning);
    const pool = tc.valid ? warnings : errors;
    if (tc.message) expect(pool.map((e) => e.message).join('\n')).toContain(tc.message);
    if (tc.path) expect(pool.map((e) => e.path)).toContain(tc.path);
  });
});
