// Test fixtures for the gateway generator tests: router proxies, and credential directories holding a
// self-signed certificate made with node:crypto alone (a minimal DER encoder: no certificate library
// is a dependency of this package). Test-only (the `.test-` infix keeps it out of the published package).

import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createProxyView, type ProxyView } from '../snapshot/proxy-view.js';

/** A router (ingress gateway) proxy with `labels` in `namespace`. */
export function router(labels: Record<string, string> = { istio: 'ingressgateway' }, namespace = 'istio-system', ip = '10.0.9.1'): ProxyView {
  return createProxyView(`router~${ip}~istio-ingressgateway-1.${namespace}~${namespace}.svc.cluster.local`, { NAMESPACE: namespace, LABELS: labels, INSTANCE_IPS: ip, WORKLOAD_NAME: 'istio-ingressgateway' });
}

// ---- DER ------------------------------------------------------------------------------------------

function der(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...parts: Buffer[]): Buffer => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => der(0x31, Buffer.concat(parts));
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const utcTime = (d: Date): Buffer => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));
const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const pem = (label: string, body: Buffer): string => `-----BEGIN ${label}-----\n${body.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

/** A self-signed ECDSA P-256 certificate for `cn` (also its DNS SAN), valid for a day. */
export function selfSignedCertificate(cn: string): { certPem: string; keyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const now = Date.now();
  const san = seq(oid('2.5.29.17'), der(0x04, seq(der(0x82, Buffer.from(cn, 'ascii')))));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([0x01, ...Buffer.from(String(now % 1e9))])),
    ecdsaSha256,
    name(cn),
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000))),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(san)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = seq(tbs, ecdsaSha256, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certPem = pem('CERTIFICATE', cert);
  new X509Certificate(certPem); // throws if the encoding is wrong
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A fresh temporary credentials directory. */
export function credentialsDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'weft-credentials-'));
}

/** Writes `<dir>/<credentialName>/{tls.crt,tls.key[,ca.crt]}` with a new self-signed certificate for `cn`
 *  (the CA is that certificate itself) and returns the directory of the credential. */
export function writeCredential(dir: string, credentialName: string, cn: string, opts: { ca?: boolean } = {}): string {
  const { certPem, keyPem } = selfSignedCertificate(cn);
  const at = path.join(dir, credentialName);
  mkdirSync(at, { recursive: true });
  writeFileSync(path.join(at, 'tls.crt'), certPem);
  writeFileSync(path.join(at, 'tls.key'), keyPem);
  if (opts.ca) writeFileSync(path.join(at, 'ca.crt'), certPem);
  return at;
}
