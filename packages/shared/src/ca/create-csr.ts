// Creates a workload's key and PKCS#10 certificate signing request (RFC 2986), as Istio's agent does:
// an ECDSA P-256 key (node:crypto), an empty subject and, when an identity is given, its SPIFFE ID as a
// URI SAN in an extensionRequest attribute. The DER is written with node-forge's ASN.1 layer (forge's
// own CSR code only knows RSA keys) and signed with node:crypto.

import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { formatSpiffeId, parseSpiffeId, type WorkloadIdentity } from './spiffe-id.js';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

const OID_EC_PUBLIC_KEY_SIGNATURE_SHA256 = '1.2.840.10045.4.3.2'; // ecdsa-with-SHA256
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14'; // PKCS#9 extensionRequest
const OID_SUBJECT_ALT_NAME = '2.5.29.17';

const seq = (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const set = (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, items);
const oid = (dotted: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
const binary = (bytes: Uint8Array): string => Buffer.from(bytes).toString('binary');
const toBuffer = (node: Asn1): Buffer => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
const parseDer = (der: Uint8Array): Asn1 => (asn1.fromDer as unknown as (b: string, o: object) => Asn1)(binary(der), { decodeBitStrings: false });

/** A new key and the CSR for it. */
export interface WorkloadCsr {
  /** PEM `CERTIFICATE REQUEST`. */
  readonly csrPem: string;
  /** The private key, PEM PKCS#8 (`PRIVATE KEY`); it never leaves the workload. */
  readonly privateKeyPem: string;
  readonly privateKey: KeyObject;
}

/**
 * Generates an ECDSA P-256 key and a CSR signed with it (ecdsa-with-SHA256). With an identity (or a
 * SPIFFE ID string), the CSR asks for it as its only URI SAN; the CA ignores what a CSR asks for and
 * issues the identity it authenticated, so the SAN is informative only. Throws only for a malformed
 * SPIFFE ID string (a bug in the caller).
 */
export function createCsr(identity?: WorkloadIdentity | string): WorkloadCsr {
  let spiffeId: string | undefined;
  if (typeof identity === 'string') {
    if (!parseSpiffeId(identity)) throw new TypeError(`not a SPIFFE ID of the form spiffe://<trust-domain>/ns/<ns>/sa/<sa>: ${identity}`);
    spiffeId = identity;
  } else if (identity) spiffeId = formatSpiffeId(identity);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = parseDer(publicKey.export({ type: 'spki', format: 'der' }));
  const attributes: Asn1[] = [];
  if (spiffeId !== undefined) {
    // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String.
    const sanValue = seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 6, false, spiffeId)]);
    const extension = seq([oid(OID_SUBJECT_ALT_NAME), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, asn1.toDer(sanValue).getBytes())]);
    attributes.push(seq([oid(OID_EXTENSION_REQUEST), set([seq([extension])])]));
  }
  const info = seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(0)), // version v1 (0)
    seq([]), // empty subject: the identity lives in the SAN, as Istio's CSRs
    spki,
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, attributes),
  ]);
  const infoDer = toBuffer(info);
  const signature = sign('sha256', infoDer, privateKey);
  const csrDer = toBuffer(
    seq([info, seq([oid(OID_EC_PUBLIC_KEY_SIGNATURE_SHA256)]), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + binary(signature))]),
  );
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { csrPem: toPem('CERTIFICATE REQUEST', csrDer), privateKeyPem, privateKey };
}

/** PEM armour, 64 columns. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
