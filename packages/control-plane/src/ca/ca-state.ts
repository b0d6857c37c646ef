// Where the CA's bundle comes from: an operator's Istio-layout `cacerts` directory (plugged-in CA), or
// weftd's own CA directory, where a self-signed root is generated on first start and loaded on every
// start after it (Istio keeps the same pair in the istio-ca-secret Secret). Also publishes the trust
// anchor as `<ca-dir>/root-cert.pem` for workloads.

import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toPem } from '@weft/shared/ca';
import { WeftError } from '@weft/shared';
import { createCaBundle, rootCertPemOf, type CaBundle } from './ca-bundle.js';
import { createSigner } from './ca-signer.js';
import { CA_DIR_FILES, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, createFileExclusive, ensurePrivateDir, readIfExists, writeFileAtomic } from './state-files.js';
import {
  KEY_USAGE,
  OID,
  basicConstraintsExtension,
  distinguishedName,
  keyUsageExtension,
  randomSerial,
  signCertificate,
  subjectKeyIdentifierExtension,
} from './x509-der.js';
import { keyIdentifierOf } from './x509-read.js';

/** Istio's cacerts file names (the keys of the `cacerts` Secret). */
export const CACERTS_FILES = { signingCert: 'ca-cert.pem', signingKey: 'ca-key.pem', certChain: 'cert-chain.pem', rootCert: 'root-cert.pem' } as const;

/** Istio's self-signed root: RSA 2048 (caRSAKeySize), 10 years (CITADEL_SELF_SIGNED_CA_CERT_TTL, cmd.DefaultSelfSignedCACertTTL). */
export const SELF_SIGNED_ROOT_KEY_BITS = 2048;
export const SELF_SIGNED_ROOT_TTL_MS = 3650 * 24 * 3600 * 1000;

/** Istio's util.ClockSkewGracePeriod: certificates are valid from this long before they are signed. */
export const CLOCK_SKEW_GRACE_MS = 2 * 60 * 1000;

/**
 * Loads a plugged-in CA from an Istio `cacerts` directory: `ca-cert.pem` + `ca-key.pem` sign,
 * `cert-chain.pem` (optional here) links ca-cert to `root-cert.pem`, the trust anchor. Rejects with a
 * WeftError (WEFT_ERR_INPUT_READ) naming every problem when a file is missing or the bundle does not verify.
 */
export async function loadCacertsBundle(dir: string, now: Date = new Date()): Promise<CaBundle> {
  const read = async (name: string, optional = false): Promise<string> => {
    try {
      return await readFile(join(dir, name), 'utf8');
    } catch (e) {
      if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new WeftError('WEFT_ERR_INPUT_READ', `cacerts directory ${dir}: cannot read ${name}: ${(e as Error).message}`, { cause: e });
    }
  };
  const [signingCertPem, signingKeyPem, certChainPem, rootCertPem] = await Promise.all([
    read(CACERTS_FILES.signingCert),
    read(CACERTS_FILES.signingKey),
    read(CACERTS_FILES.certChain, true),
    read(CACERTS_FILES.rootCert),
  ]);
  const result = createCaBundle({ source: 'cacerts', signingCertPem, signingKeyPem, certChainPem, rootCertPem }, now);
  if (!result.ok) throw new WeftError('WEFT_ERR_INPUT_READ', `cacerts directory ${dir}: ${result.errors.join('; ')}`);
  return result.bundle;
}

/** A self-signed root certificate for `key`, as Istio's NewSelfSignedIstioCAOptions makes it: subject
 *  O=<trust domain>, CA, keyCertSign, a subject key identifier. */
export function createSelfSignedRoot(key: KeyObject, publicKey: KeyObject, trustDomain: string, now: Date = new Date(), ttlMs = SELF_SIGNED_ROOT_TTL_MS): string {
  const signer = createSigner(key);
  if (typeof signer === 'string') throw new Error(`self-signed root key: ${signer}`);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = distinguishedName([{ oid: OID.organizationName, value: trustDomain }]);
  const der = signCertificate(
    {
      serial: randomSerial(),
      issuer: name,
      subject: name,
      // Backdated like workload certificates, so a workload whose clock is a little behind still accepts it.
      notBefore: new Date(now.getTime() - CLOCK_SKEW_GRACE_MS),
      notAfter: new Date(now.getTime() + ttlMs),
      subjectPublicKeyInfo: spki,
      extensions: [keyUsageExtension([KEY_USAGE.keyCertSign]), basicConstraintsExtension(true), subjectKeyIdentifierExtension(keyIdentifierOf(spki))],
    },
    signer,
  );
  return toPem('CERTIFICATE', der);
}

/**
 * weftd's self-signed CA in `caDir`: on first start generates an RSA 2048 key (`ca-key.pem`, 0600) and a
 * 10-year self-signed root (`ca-cert.pem`), each created atomically and only if absent (two weftd
 * starting at once end up with one root); on later starts loads them, so certificates issued before a
 * restart still verify. A key without its certificate (a crash between the two writes) gets a new
 * certificate. Rejects with a WeftError (WEFT_ERR_INPUT_READ) when the files exist but do not form a
 * valid bundle: they are never replaced silently, since a new root invalidates every issued certificate.
 */
export async function loadOrCreateSelfSignedBundle(caDir: string, trustDomain: string, now: Date = new Date()): Promise<CaBundle> {
  await ensurePrivateDir(caDir);
  const keyPath = join(caDir, CA_DIR_FILES.key);
  const certPath = join(caDir, CA_DIR_FILES.cert);
  let keyPem = await readIfExists(keyPath);
  if (keyPem === undefined) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: SELF_SIGNED_ROOT_KEY_BITS });
    const generated = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    keyPem = (await createFileExclusive(keyPath, generated, PRIVATE_FILE_MODE)) ? generated : await readFile(keyPath, 'utf8');
  }
  let certPem = await readIfExists(certPath);
  if (certPem === undefined) {
    let created: string;
    try {
      const key = createPrivateKey(keyPem);
      created = createSelfSignedRoot(key, createPublicKey(key), trustDomain, now);
    } catch (e) {
      throw new WeftError('WEFT_ERR_INPUT_READ', `CA directory ${caDir}: ${CA_DIR_FILES.key} is not a usable key: ${(e as Error).message}`, { cause: e });
    }
    certPem = (await createFileExclusive(certPath, created, PUBLIC_FILE_MODE)) ? created : await readFile(certPath, 'utf8');
  }
  const result = createCaBundle({ source: 'self-signed', signingCertPem: certPem, signingKeyPem: keyPem, certChainPem: '', rootCertPem: certPem }, now);
  if (!result.ok) {
    throw new WeftError(
      'WEFT_ERR_INPUT_READ',
      `CA directory ${caDir}: ${result.errors.join('; ')} (a new root would invalidate every certificate issued; move the directory away to start over)`,
    );
  }
  return result.bundle;
}

/** Writes the bundle's trust anchor(s) to `<caDir>/root-cert.pem` (0644, atomically) when it differs,
 *  for workloads and tools to trust. */
export async function publishRootCert(caDir: string, bundle: CaBundle): Promise<string> {
  await ensurePrivateDir(caDir);
  const path = join(caDir, CA_DIR_FILES.rootCert);
  const pem = rootCertPemOf(bundle);
  if ((await readIfExists(path)) !== pem) await writeFileAtomic(path, pem, PUBLIC_FILE_MODE);
  return path;
}
