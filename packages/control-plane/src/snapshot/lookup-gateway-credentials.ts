// Where a Gateway server's TLS certificate, key and CA come from: `credentialName` in the credentials
// directory (`<dir>/<name>/tls.crt`, `tls.key`, `ca.crt`, the keys of Istio's Kubernetes TLS secret) or
// the older file fields. The one lookup that reads the filesystem; results are memoised per snapshot.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerTLSSettings } from '@weft/shared';
import type { MeshSnapshot } from './mesh-snapshot.js';

/** File names inside a credential directory: Istio's Kubernetes TLS secret keys. */
export const CREDENTIAL_FILES = Object.freeze({ cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' });

/** Istio's suffix for a separate secret holding only the CA of a MUTUAL server (`<name>-cacert`). */
export const CA_CREDENTIAL_SUFFIX = '-cacert';

/** Paths of the PEM files Envoy reads for one server (absolute or as configured). */
export interface ServerCredential {
  readonly certificateChain: string;
  readonly privateKey: string;
  /** Present when the server verifies clients (MUTUAL / OPTIONAL_MUTUAL). */
  readonly caCertificates?: string;
}

/** A credential, or why the server cannot have one. */
export type CredentialResult = { readonly ok: true; readonly credential: ServerCredential } | { readonly ok: false; readonly reason: string };

/** A Kubernetes secret name (DNS-1123 subdomain): no `/`, no `..`, so it never leaves the directory. */
const CREDENTIAL_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

type FileCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const fileMemo = new WeakMap<MeshSnapshot, Map<string, FileCheck>>();

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether `path` holds what `kind` needs (a certificate, a private key, or a certificate matching `key`). */
function checkPem(snapshot: MeshSnapshot, kind: 'cert' | 'key' | 'pair', path: string, keyPath = ''): FileCheck {
  let memo = fileMemo.get(snapshot);
  if (!memo) fileMemo.set(snapshot, (memo = new Map()));
  const memoKey = `${kind}\n${path}\n${keyPath}`;
  const known = memo.get(memoKey);
  if (known) return known;
  let result: FileCheck;
  try {
    if (kind === 'key') createPrivateKey(readFileSync(path));
    else {
      const cert = new X509Certificate(readFileSync(path));
      if (kind === 'pair' && !cert.checkPrivateKey(createPrivateKey(readFileSync(keyPath)))) throw new Error(`the private key ${keyPath} does not belong to the certificate`);
    }
    result = { ok: true };
  } catch (e) {
    result = { ok: false, reason: `${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
  memo.set(memoKey, result);
  return result;
}

function fileProblem(snapshot: MeshSnapshot, kind: 'cert' | 'key', path: string): string | undefined {
  if (!isFile(path)) return `${path} is missing`;
  const check = checkPem(snapshot, kind, path);
  return check.ok ? undefined : check.reason;
}

/** The CA file of a credential name: `<dir>/<name>/ca.crt`, else `<dir>/<name>-cacert/ca.crt`. */
function caFileOf(dir: string, name: string): string | undefined {
  return [join(dir, name, CREDENTIAL_FILES.ca), join(dir, `${name}${CA_CREDENTIAL_SUFFIX}`, CREDENTIAL_FILES.ca)].find(isFile);
}

/**
 * The credential of a Gateway server with TLS `tls` (mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL), or the
 * reason there is none. `credentialName` wins over the file fields (Istio: only one may be set). The
 * certificate and key must parse and belong together; a verifying mode needs a CA (`caCertCredentialName`,
 * the credential's `ca.crt` or `<name>-cacert/ca.crt`, or `caCertificates`). Envoy gets file paths:
 * the proxy reads the same files (local mode), and private keys stay out of xDS and config dumps.
 * Never throws; reads each file once per snapshot.
 */
export function serverCredentialFor(snapshot: MeshSnapshot, tls: ServerTLSSettings): CredentialResult {
  const verifies = tls.mode === 'MUTUAL' || tls.mode === 'OPTIONAL_MUTUAL';
  let certificateChain: string;
  let privateKey: string;
  let caCertificates: string | undefined;
  const dir = snapshot.mesh.credentialsDir;
  const name = tls.credentialName ?? tls.credentialNames?.[0];
  if (name !== undefined && name !== '') {
    if (!dir) return { ok: false, reason: `credentialName "${name}" needs a credentials directory (--credentials-dir or --config-dir)` };
    if (!CREDENTIAL_NAME.test(name)) return { ok: false, reason: `credentialName "${name}" is not a secret name (DNS-1123 subdomain)` };
    certificateChain = join(dir, name, CREDENTIAL_FILES.cert);
    privateKey = join(dir, name, CREDENTIAL_FILES.key);
    if (verifies) {
      const caName = tls.caCertCredentialName;
      if (caName && !CREDENTIAL_NAME.test(caName)) return { ok: false, reason: `caCertCredentialName "${caName}" is not a secret name (DNS-1123 subdomain)` };
      caCertificates = caName ? join(dir, caName, CREDENTIAL_FILES.ca) : caFileOf(dir, name);
      if (!caCertificates) return { ok: false, reason: `${tls.mode} needs a CA: neither ${join(dir, name, CREDENTIAL_FILES.ca)} nor ${join(dir, `${name}${CA_CREDENTIAL_SUFFIX}`, CREDENTIAL_FILES.ca)} exists` };
    }
  } else if (tls.serverCertificate && tls.privateKey) {
    certificateChain = tls.serverCertificate;
    privateKey = tls.privateKey;
    if (verifies) {
      if (!tls.caCertificates) return { ok: false, reason: `${tls.mode} needs caCertificates` };
      caCertificates = tls.caCertificates;
    }
  } else {
    return { ok: false, reason: 'no credentialName, nor serverCertificate and privateKey' };
  }
  const problem = fileProblem(snapshot, 'cert', certificateChain) ?? fileProblem(snapshot, 'key', privateKey) ?? (caCertificates ? fileProblem(snapshot, 'cert', caCertificates) : undefined);
  if (problem) return { ok: false, reason: problem };
  const pair = checkPem(snapshot, 'pair', certificateChain, privateKey);
  if (!pair.ok) return { ok: false, reason: pair.reason };
  return { ok: true, credential: { certificateChain, privateKey, ...(caCertificates ? { caCertificates } : {}) } };
}
