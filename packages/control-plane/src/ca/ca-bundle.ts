// The CA's key and certificates (Istio's KeyCertBundle): the signing key and certificate, the
// certificates between it and the root, and the root(s) workloads trust. Built from PEM and verified
// the way Istio verifies a bundle: the key matches the certificate, the certificate may sign, and it
// chains through cert-chain.pem to a root. Where the PEM comes from is ca-state.ts's business.

import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { splitPemCertificates } from '@weft/shared/ca';
import { createSigner, type CaSigner } from './ca-signer.js';
import { issuerFieldsOf, type IssuerFields } from './x509-read.js';

/** Where a bundle came from: generated and persisted by weftd, or an operator's `cacerts`. */
export type CaSource = 'self-signed' | 'cacerts';

/** A verified signing bundle. Immutable. */
export interface CaBundle {
  readonly source: CaSource;
  readonly signingCert: X509Certificate;
  readonly signingKey: KeyObject;
  readonly signer: CaSigner;
  readonly issuer: IssuerFields;
  /** Certificates a leaf's chain carries between the leaf and the root(s): the signing certificate
   *  (unless it is itself a root) and the rest of cert-chain.pem, in order, without duplicates or roots. */
  readonly intermediatePems: readonly string[];
  /** The trust anchor(s) (root-cert.pem; several during a root rotation), PEM, one per element. */
  readonly rootPems: readonly string[];
  readonly roots: readonly X509Certificate[];
}

/** The PEM a bundle is built from (Istio's cacerts keys). */
export interface CaBundlePem {
  readonly source: CaSource;
  /** ca-cert.pem: the signing certificate (its first certificate is used). */
  readonly signingCertPem: string;
  /** ca-key.pem: its private key (PKCS#1, SEC1 or PKCS#8 PEM). */
  readonly signingKeyPem: string;
  /** cert-chain.pem: the signing certificate's chain (Istio's tools write ca-cert + root here); may be empty. */
  readonly certChainPem: string;
  /** root-cert.pem: the trust anchor(s). */
  readonly rootCertPem: string;
}

/** A bundle, or every problem found in its PEM. */
export type CaBundleResult = { readonly ok: true; readonly bundle: CaBundle } | { readonly ok: false; readonly errors: readonly string[] };

const fingerprintOf = (pem: string): string => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
const isIssuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

function parseCertificates(pem: string, what: string, errors: string[]): { pem: string; cert: X509Certificate }[] {
  const out: { pem: string; cert: X509Certificate }[] = [];
  for (const [i, block] of splitPemCertificates(pem).entries()) {
    try {
      out.push({ pem: block, cert: new X509Certificate(block) });
    } catch (e) {
      errors.push(`${what}: certificate ${i + 1} does not parse: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

/**
 * Builds and verifies a bundle: the signing certificate parses, is a CA certificate, matches its key,
 * is valid now, and chains (through cert-chain.pem) to one of the roots, each link's signature checked.
 * Every problem is reported at once.
 */
export function createCaBundle(input: CaBundlePem, now: Date = new Date()): CaBundleResult {
  const errors: string[] = [];
  const [signing] = parseCertificates(input.signingCertPem, 'ca-cert.pem', errors);
  const chain = parseCertificates(input.certChainPem, 'cert-chain.pem', errors);
  const roots = parseCertificates(input.rootCertPem, 'root-cert.pem', errors);
  if (!signing && errors.length === 0) errors.push('ca-cert.pem: no certificate');
  if (roots.length === 0 && errors.every((e) => !e.startsWith('root-cert.pem'))) errors.push('root-cert.pem: no certificate');
  let signingKey: KeyObject | undefined;
  try {
    signingKey = createPrivateKey(input.signingKeyPem);
  } catch (e) {
    errors.push(`ca-key.pem: not a private key: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!signing || !signingKey || roots.length === 0) return { ok: false, errors };

  const signer = createSigner(signingKey);
  if (typeof signer === 'string') errors.push(`ca-key.pem: ${signer}`);
  if (!signing.cert.ca) errors.push('ca-cert.pem: the certificate is not a CA certificate (basicConstraints cA is not true), it may not sign others');
  if (!signing.cert.checkPrivateKey(signingKey)) errors.push('ca-key.pem does not match the certificate in ca-cert.pem');
  const expired = (c: X509Certificate, what: string) => {
    if (new Date(c.validTo).getTime() <= now.getTime()) errors.push(`${what}: expired on ${new Date(c.validTo).toISOString()}`);
    if (new Date(c.validFrom).getTime() > now.getTime()) errors.push(`${what}: not valid before ${new Date(c.validFrom).toISOString()}`);
  };
  expired(signing.cert, 'ca-cert.pem');

  // Walk from the signing certificate up through cert-chain.pem until a root issued the current one.
  const rootPrints = new Set(roots.map((r) => fingerprintOf(r.pem)));
  const intermediates: string[] = [];
  const seen = new Set<string>();
  const signingPrint = fingerprintOf(signing.pem);
  if (!rootPrints.has(signingPrint)) {
    intermediates.push(signing.pem);
    seen.add(signingPrint);
  }
  let current = signing.cert;
  let anchored = roots.some((r) => rootPrints.has(signingPrint) || isIssuedBy(current, r.cert));
  for (let depth = 0; !anchored && depth < 8; depth++) {
    const next = chain.find((c) => !seen.has(fingerprintOf(c.pem)) && isIssuedBy(current, c.cert));
    if (!next) break;
    seen.add(fingerprintOf(next.pem));
    if (!rootPrints.has(fingerprintOf(next.pem))) intermediates.push(next.pem);
    expired(next.cert, 'cert-chain.pem');
    current = next.cert;
    anchored = roots.some((r) => isIssuedBy(current, r.cert));
  }
  if (!anchored) errors.push('ca-cert.pem does not chain to a certificate in root-cert.pem through cert-chain.pem');
  // Whatever else cert-chain.pem holds (in the order given) still goes to workloads, as Istio sends it.
  for (const c of chain) {
    const print = fingerprintOf(c.pem);
    if (!seen.has(print) && !rootPrints.has(print)) {
      seen.add(print);
      intermediates.push(c.pem);
    }
  }
  for (const r of roots) expired(r.cert, 'root-cert.pem');
  if (errors.length > 0 || typeof signer === 'string') return { ok: false, errors };
  return {
    ok: true,
    bundle: Object.freeze({
      source: input.source,
      signingCert: signing.cert,
      signingKey,
      signer,
      issuer: issuerFieldsOf(signing.cert),
      intermediatePems: Object.freeze(intermediates),
      rootPems: Object.freeze(roots.map((r) => r.pem)),
      roots: Object.freeze(roots.map((r) => r.cert)),
    }),
  };
}

/** The trust bundle as one PEM text (what `root-cert.pem` holds). */
export function rootCertPemOf(bundle: CaBundle): string {
  return bundle.rootPems.join('');
}

/** When the first root expires (Istio's citadel_server_root_cert_expiry_timestamp). */
export function rootExpiryOf(bundle: CaBundle): Date {
  return new Date(bundle.roots[0]!.validTo);
}
