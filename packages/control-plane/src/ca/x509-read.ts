// Reading what the CA receives and holds: PKCS#10 CSRs (RFC 2986; structure, key and proof of
// possession checked) and the parts of its own certificates that issuing needs byte for byte (subject
// name, key identifier). Everything else about certificates is read with node:crypto's X509Certificate.

import { createHash, createPublicKey, verify, type KeyObject, type X509Certificate } from 'node:crypto';
import { SIGNATURE_ALGORITHMS } from './ca-signer.js';
import { ASN1_CLASS, ASN1_TYPE, OID, bytesOf, childrenOf, decodeDer, encodeDer, isUniversal, oidOf, type Asn1 } from './x509-der.js';

/** Largest CSR accepted, PEM text (a P-256 CSR is ~450 bytes, an RSA 4096 one ~1.7 KB). */
export const MAX_CSR_PEM_LENGTH = 16 * 1024;

/** A CSR that passed every check. */
export interface ParsedCsr {
  /** DER SubjectPublicKeyInfo: the key the certificate will certify. */
  readonly subjectPublicKeyInfo: Buffer;
  readonly publicKey: KeyObject;
  /** URI SANs the CSR asks for (informative: the CA issues the authenticated identity, never these). */
  readonly requestedUris: readonly string[];
}

/** A CSR, or why it was refused. */
export type CsrResult = { readonly ok: true; readonly csr: ParsedCsr } | { readonly ok: false; readonly reason: string };

const fail = (reason: string): CsrResult => ({ ok: false, reason });

/** The DER of the first PEM block with one of `labels`, or undefined. */
export function pemBody(pem: string, labels: readonly string[]): Buffer | undefined {
  for (const label of labels) {
    const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
    if (m?.[1]) return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  }
  return undefined;
}

/** The URI SANs of an extensionRequest attribute's extensions (empty when there are none or they do
 *  not parse: the SANs of a CSR are never used for anything but logging). */
function requestedUrisOf(attributes: Asn1 | undefined): string[] {
  const uris: string[] = [];
  for (const attribute of childrenOf(attributes)) {
    const [type, values] = childrenOf(attribute);
    if (oidOf(type) !== OID.extensionRequest) continue;
    for (const extensions of childrenOf(values)) {
      for (const ext of childrenOf(extensions)) {
        const parts = childrenOf(ext);
        if (oidOf(parts[0]) !== OID.subjectAltName) continue;
        try {
          for (const name of childrenOf(decodeDer(bytesOf(parts[parts.length - 1])))) {
            if (name.tagClass === ASN1_CLASS.CONTEXT_SPECIFIC && name.type === 6 && typeof name.value === 'string') uris.push(name.value);
          }
        } catch {
          // a malformed SAN in a CSR changes nothing: it is not used
        }
      }
    }
  }
  return uris;
}

/**
 * Parses and checks a PEM CSR: one `CERTIFICATE REQUEST` block of DER, version 1, a supported public
 * key (RSA of 2048 bits or more, ECDSA P-256/384/521, Ed25519) and a valid self-signature with a
 * supported algorithm (proof that the caller holds the private key). Never throws.
 */
export function parseCsr(pem: string): CsrResult {
  if (pem.length > MAX_CSR_PEM_LENGTH) return fail(`CSR is longer than ${MAX_CSR_PEM_LENGTH} bytes`);
  const body = pemBody(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  if (!body) return fail('no PEM CERTIFICATE REQUEST block');
  let root: Asn1;
  try {
    root = decodeDer(body);
  } catch (e) {
    return fail(`CSR is not valid DER: ${e instanceof Error ? e.message : String(e)}`);
  }
  const [info, algorithm, signature] = childrenOf(root);
  if (!isUniversal(root, ASN1_TYPE.SEQUENCE) || !isUniversal(info, ASN1_TYPE.SEQUENCE) || !isUniversal(algorithm, ASN1_TYPE.SEQUENCE) || !isUniversal(signature, ASN1_TYPE.BITSTRING)) {
    return fail('CSR is not a PKCS#10 CertificationRequest');
  }
  const [version, , spki, attributes] = childrenOf(info);
  if (!isUniversal(version, ASN1_TYPE.INTEGER) || bytesOf(version).length !== 1 || bytesOf(version)[0] !== 0) return fail('CSR version is not 1');
  if (!isUniversal(spki, ASN1_TYPE.SEQUENCE)) return fail('CSR has no subject public key');
  const subjectPublicKeyInfo = encodeDer(spki);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: subjectPublicKeyInfo, format: 'der', type: 'spki' });
  } catch (e) {
    return fail(`CSR public key does not parse: ${e instanceof Error ? e.message : String(e)}`);
  }
  const keyProblem = checkPublicKey(publicKey);
  if (keyProblem) return fail(keyProblem);
  const algorithmOid = oidOf(childrenOf(algorithm)[0]);
  const signatureAlgorithm = algorithmOid === undefined ? undefined : SIGNATURE_ALGORITHMS[algorithmOid];
  if (!signatureAlgorithm) return fail(`CSR signature algorithm ${algorithmOid ?? '(none)'} is not supported`);
  const signatureBits = bytesOf(signature);
  if (signatureBits.length < 2 || signatureBits[0] !== 0) return fail('CSR signature is not a whole number of bytes');
  let valid = false;
  try {
    valid = verify(signatureAlgorithm.hash, encodeDer(info), publicKey, signatureBits.subarray(1));
  } catch {
    valid = false;
  }
  if (!valid) return fail('CSR signature does not verify with its public key');
  return { ok: true, csr: { subjectPublicKeyInfo, publicKey, requestedUris: requestedUrisOf(attributes?.tagClass === ASN1_CLASS.CONTEXT_SPECIFIC ? attributes : undefined) } };
}

/** Why a workload key is refused, or undefined when it is fine. */
function checkPublicKey(key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= 2048 ? undefined : `RSA key of ${bits} bits is too short (2048 or more)`;
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'prime256v1' || curve === 'secp384r1' || curve === 'secp521r1' ? undefined : `EC curve ${curve ?? '(unknown)'} is not supported`;
  }
  if (type === 'ed25519') return undefined;
  return `${type ?? 'unknown'} keys are not supported`;
}

/** What issuing needs from a CA certificate, byte for byte. */
export interface IssuerFields {
  /** The subject Name node (becomes the issuer of every certificate signed with this one). */
  readonly subject: Asn1;
  /** Its SubjectKeyIdentifier, or the RFC 5280 §4.2.1.2 (1) key id of its key when it has none. */
  readonly keyIdentifier: Buffer;
}

/** Reads the subject and key identifier of a certificate. Throws on a certificate node:crypto parsed but
 *  this reader cannot (a bug). */
export function issuerFieldsOf(cert: X509Certificate): IssuerFields {
  const tbs = childrenOf(childrenOf(decodeDer(cert.raw))[0]);
  const offset = tbs[0]?.tagClass === ASN1_CLASS.CONTEXT_SPECIFIC && tbs[0].type === 0 ? 1 : 0;
  const subject = tbs[offset + 4];
  const spki = tbs[offset + 5];
  if (!isUniversal(subject, ASN1_TYPE.SEQUENCE) || !isUniversal(spki, ASN1_TYPE.SEQUENCE)) throw new Error('certificate has no subject or key');
  let keyIdentifier: Buffer | undefined;
  for (const extensions of tbs.slice(offset + 6)) {
    if (extensions.tagClass !== ASN1_CLASS.CONTEXT_SPECIFIC || extensions.type !== 3) continue;
    for (const ext of childrenOf(childrenOf(extensions)[0])) {
      const parts = childrenOf(ext);
      if (oidOf(parts[0]) === OID.subjectKeyIdentifier) keyIdentifier = bytesOf(decodeDer(bytesOf(parts[parts.length - 1])));
    }
  }
  return { subject, keyIdentifier: keyIdentifier ?? keyIdentifierOf(encodeDer(spki)) };
}

/** The RFC 5280 §4.2.1.2 (1) key identifier: SHA-1 of the subjectPublicKey BIT STRING's bytes. */
export function keyIdentifierOf(subjectPublicKeyInfo: Uint8Array): Buffer {
  const bits = bytesOf(childrenOf(decodeDer(subjectPublicKeyInfo))[1]);
  return createHash('sha1').update(bits.subarray(1)).digest();
}
