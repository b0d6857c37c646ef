// The CA's signing key as a signer: which signature algorithm its key type calls for (the choice Go's
// x509.CreateCertificate makes, so Istio's and Weft's certificates look alike) and the signing itself,
// with node:crypto. Also the signature algorithms accepted on CSRs.

import { sign, type KeyObject } from 'node:crypto';
import { der, type CertificateSigner } from './x509-der.js';

/** Signs TBS bytes with the CA key. */
export type CaSigner = CertificateSigner;

/** A signature algorithm: OID, whether its AlgorithmIdentifier carries NULL parameters (RSA), and the
 *  hash node:crypto is given (null: the key decides, Ed25519). */
interface SignatureAlgorithm {
  readonly oid: string;
  readonly nullParameters: boolean;
  readonly hash: string | null;
}

/** Signature algorithms by OID: what CSRs may be signed with, and what the CA signs with. */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = Object.freeze({
  '1.2.840.113549.1.1.11': { oid: '1.2.840.113549.1.1.11', nullParameters: true, hash: 'sha256' }, // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': { oid: '1.2.840.113549.1.1.12', nullParameters: true, hash: 'sha384' },
  '1.2.840.113549.1.1.13': { oid: '1.2.840.113549.1.1.13', nullParameters: true, hash: 'sha512' },
  '1.2.840.10045.4.3.2': { oid: '1.2.840.10045.4.3.2', nullParameters: false, hash: 'sha256' }, // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': { oid: '1.2.840.10045.4.3.3', nullParameters: false, hash: 'sha384' },
  '1.2.840.10045.4.3.4': { oid: '1.2.840.10045.4.3.4', nullParameters: false, hash: 'sha512' },
  '1.3.101.112': { oid: '1.3.101.112', nullParameters: false, hash: null }, // Ed25519
});

/** The algorithm for a CA key, or a reason it cannot sign: RSA → SHA-256 with RSA; ECDSA P-256 / P-384
 *  / P-521 → ECDSA with SHA-256 / 384 / 512; Ed25519 → Ed25519. RSA-PSS and other curves are refused. */
function algorithmFor(key: KeyObject): SignatureAlgorithm | string {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return SIGNATURE_ALGORITHMS['1.2.840.113549.1.1.11']!;
  if (type === 'ed25519') return SIGNATURE_ALGORITHMS['1.3.101.112']!;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const oid = curve === 'prime256v1' ? '1.2.840.10045.4.3.2' : curve === 'secp384r1' ? '1.2.840.10045.4.3.3' : curve === 'secp521r1' ? '1.2.840.10045.4.3.4' : undefined;
    return oid ? SIGNATURE_ALGORITHMS[oid]! : `EC curve ${curve ?? '(unknown)'} is not supported (P-256, P-384, P-521 are)`;
  }
  return `${type ?? 'unknown'} keys are not supported as CA keys (RSA, ECDSA, Ed25519 are)`;
}

/** A signer for a private key, or the reason the key cannot be a CA key. */
export function createSigner(privateKey: KeyObject): CaSigner | string {
  if (privateKey.type !== 'private') return 'not a private key';
  const algorithm = algorithmFor(privateKey);
  if (typeof algorithm === 'string') return algorithm;
  return {
    algorithmIdentifier: () => der.seq([der.oid(algorithm.oid), ...(algorithm.nullParameters ? [der.null()] : [])]),
    // ECDSA signatures come out DER-encoded (Ecdsa-Sig-Value), which is what X.509 wants.
    sign: (data) => sign(algorithm.hash, data, privateKey),
  };
}
