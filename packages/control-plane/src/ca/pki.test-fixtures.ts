// Test PKIs made on the spot: a root and an intermediate CA written in Istio's cacerts layout (what
// istio/tools/certs' Makefile produces: cert-chain.pem = ca-cert.pem + root-cert.pem), and temp dirs.

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toPem } from '@weft/shared/ca';
import { createSigner } from './ca-signer.js';
import { createSelfSignedRoot } from './ca-state.js';
import {
  KEY_USAGE,
  OID,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  distinguishedName,
  keyUsageExtension,
  randomSerial,
  signCertificate,
  subjectKeyIdentifierExtension,
} from './x509-der.js';
import { issuerFieldsOf, keyIdentifierOf } from './x509-read.js';
import { X509Certificate } from 'node:crypto';

/** A key pair, PEM. */
export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privateKeyPem: string;
}

export function ecKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** An intermediate CA certificate for `key`, signed by `issuerCertPem` / `issuerKey`. `isCa: false`
 *  makes a certificate that may not sign (for the negative test). */
export function intermediateCert(key: TestKey, issuerCertPem: string, issuerKey: KeyObject, options: { isCa?: boolean; cn?: string; notAfter?: Date } = {}): string {
  const signer = createSigner(issuerKey);
  if (typeof signer === 'string') throw new Error(signer);
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const issuer = issuerFieldsOf(new X509Certificate(issuerCertPem));
  const now = Date.now();
  const der = signCertificate(
    {
      serial: randomSerial(),
      issuer: issuer.subject,
      subject: distinguishedName([
        { oid: OID.organizationName, value: 'Istio' },
        { oid: OID.commonName, value: options.cn ?? 'Intermediate CA' },
      ]),
      notBefore: new Date(now - 3600_000),
      notAfter: options.notAfter ?? new Date(now + 365 * 24 * 3600_000),
      subjectPublicKeyInfo: spki,
      extensions: [
        keyUsageExtension(options.isCa === false ? [KEY_USAGE.digitalSignature] : [KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
        basicConstraintsExtension(options.isCa !== false),
        subjectKeyIdentifierExtension(keyIdentifierOf(spki)),
        authorityKeyIdentifierExtension(issuer.keyIdentifier),
      ],
    },
    signer,
  );
  return toPem('CERTIFICATE', der);
}

/** A root and an intermediate, both PEM, plus the intermediate's key. */
export interface TestPki {
  readonly root: { readonly certPem: string; readonly key: TestKey };
  readonly intermediate: { readonly certPem: string; readonly key: TestKey };
}

/** A fresh root (EC P-256, O=<trustDomain>) and intermediate CA. */
export function createTestPki(trustDomain = 'cluster.local'): TestPki {
  const rootKey = ecKey();
  const rootPem = createSelfSignedRoot(rootKey.privateKey, rootKey.publicKey, trustDomain);
  const intermediateKey = ecKey();
  return { root: { certPem: rootPem, key: rootKey }, intermediate: { certPem: intermediateCert(intermediateKey, rootPem, rootKey.privateKey), key: intermediateKey } };
}

/** Writes `pki` as an Istio cacerts directory; `overrides` replace single files (undefined: left out). */
export async function writeCacerts(dir: string, pki: TestPki, overrides: Partial<Record<'ca-cert.pem' | 'ca-key.pem' | 'cert-chain.pem' | 'root-cert.pem', string | undefined>> = {}): Promise<void> {
  const files: Record<string, string | undefined> = {
    'ca-cert.pem': pki.intermediate.certPem,
    'ca-key.pem': pki.intermediate.key.privateKeyPem,
    'cert-chain.pem': pki.intermediate.certPem + pki.root.certPem,
    'root-cert.pem': pki.root.certPem,
    ...overrides,
  };
  for (const [name, text] of Object.entries(files)) if (text !== undefined) await writeFile(join(dir, name), text);
}

/** A temp directory and its remover. */
export async function tempDir(prefix = 'weft-ca-'): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
