import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCertificatePem, splitPemCertificates, subjectAltNamesOf, workloadIdentitiesOf } from './certificate-pem.js';

// Self-signed by openssl (100 years) with SANs: two SPIFFE IDs of two trust domains, a DNS name, a URI
// holding a comma (node:crypto quotes it) and an IP.
const CERT = `-----BEGIN CERTIFICATE-----
MIIB1jCCAX2gAwIBAgIUcIzGneTUgP9I2ZsrLvQOUNFe5MIwCgYIKoZIzj0EAwIw
DzENMAsGA1UECgwEdGVzdDAgFw0yNjEyMDcxNzA2NDJaGA8yMTI2MTExMzE3MDY0
MlowDzENMAsGA1UECgwEdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPuZ
gtGhj9N200rai927PU7tMXOq7aMylNg5m+5oHEMQYXytaagJkh0z55yEvG3kUbF+
7h8/JtGsC31xSFQPFFujgbQwgbEwgY8GA1UdEQSBhzCBhIYsc3BpZmZlOi8vY2x1
c3Rlci5sb2NhbC9ucy9kZWZhdWx0L3NhL3Jldmlld3OCE3Jldmlld3MuZGVmYXVs
dC5zdmOGIHNwaWZmZTovL290aGVyLmV4YW1wbGUvbnMvYS9zYS9ihhdodHRwczov
L2V4YW1wbGUuY29tL2EsYocEfwAAATAdBgNVHQ4EFgQUPezpVeVt7s7WVf/V3g/L
FXYJJt4wCgYIKoZIzj0EAwIDRwAwRAIgNYbLPglXUAys3QySKRIGQYskJG2JRpyJ
6zeA7yQJ6xsCIGW5RR+1Oq/7Y8gq77YJgiAlhvWEuqR/nQGpN2ALrhYv
-----END CERTIFICATE-----
`;

describe('splitPemCertificates', () => {
  it('returns each CERTIFICATE block, normalised, and drops everything else', () => {
    const crlf = CERT.replace(/\n/g, '\r\n');
    const text = `junk\n${crlf}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n${CERT}`;
    expect(splitPemCertificates(text)).toEqual([CERT, CERT]);
    expect(splitPemCertificates('')).toEqual([]);
  });
});

describe('subjectAltNamesOf / workloadIdentitiesOf', () => {
  const cert = new X509Certificate(CERT);

  it('lists the SANs, unquoting what node:crypto quoted', () => {
    expect(subjectAltNamesOf(cert)).toEqual([
      { type: 'URI', value: 'spiffe://cluster.local/ns/default/sa/reviews' },
      { type: 'DNS', value: 'reviews.default.svc' },
      { type: 'URI', value: 'spiffe://other.example/ns/a/sa/b' },
      { type: 'URI', value: 'https://example.com/a,b' },
      { type: 'IP Address', value: '127.0.0.1' },
    ]);
  });

  it('finds the SPIFFE identities, optionally of one trust domain', () => {
    expect(workloadIdentitiesOf(cert)).toEqual([
      { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' },
      { trustDomain: 'other.example', namespace: 'a', serviceAccount: 'b' },
    ]);
    expect(workloadIdentitiesOf(cert, 'other.example')).toEqual([{ trustDomain: 'other.example', namespace: 'a', serviceAccount: 'b' }]);
  });

  it('parses the first certificate of a PEM text, or gives undefined', () => {
    expect(parseCertificatePem(`x\n${CERT}`)?.fingerprint256).toBe(cert.fingerprint256);
    expect(parseCertificatePem('nothing')).toBeUndefined();
  });
});
