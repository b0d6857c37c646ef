// The X.509 encoding layer of the CA: DER building blocks on node-forge's ASN.1 module, the extensions
// Istio puts in its certificates, and certificate assembly (TBSCertificate → signature → Certificate,
// RFC 5280 §4.1). Knows nothing about identities, TTL policy or files. forge's own certificate code only
// handles RSA keys, so certificates are assembled here from ASN.1 nodes and signed with node:crypto.

import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
/** A forge ASN.1 node. */
export type Asn1 = forge.asn1.Asn1;

/** Object identifiers used by the CA. */
export const OID = {
  organizationName: '2.5.4.10',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

// ---- DER building blocks ------------------------------------------------------------------------

const binary = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('binary');

/** DER bytes of a node. */
export function encodeDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

/** Parses DER; BIT STRING contents are kept as bytes (never guessed to be nested ASN.1). Throws on
 *  malformed input or trailing bytes. */
export function decodeDer(der: Uint8Array): Asn1 {
  return (asn1.fromDer as unknown as (b: string, o: object) => Asn1)(binary(der), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

export const der = {
  seq: (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items),
  set: (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, items),
  oid: (dotted: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes()),
  null: (): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  bool: (value: boolean): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, String.fromCharCode(value ? 0xff : 0)),
  /** INTEGER from big-endian two's-complement bytes (the caller keeps them minimal and positive). */
  integer: (bytes: Uint8Array): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, binary(bytes)),
  smallInteger: (n: number): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes()),
  octets: (bytes: Uint8Array): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, binary(bytes)),
  bitString: (bytes: Uint8Array, unusedBits = 0): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(unusedBits) + binary(bytes)),
  printable: (text: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.PRINTABLESTRING, false, text),
  utf8: (text: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, forge.util.encodeUtf8(text)),
  /** A context-specific tag: `[n] IMPLICIT` primitive (`constructed` false, raw bytes) or `[n] EXPLICIT` / constructed. */
  context: (tag: number, constructed: boolean, value: string | Asn1[]): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, constructed, value),
  /** UTCTime up to 2049, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5), whole seconds. */
  time: (date: Date): Asn1 => {
    const d = new Date(Math.floor(date.getTime() / 1000) * 1000);
    return d.getUTCFullYear() < 2050
      ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d))
      : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
  },
};

/** The bytes of a primitive node (forge keeps them as a binary string). */
export function bytesOf(node: Asn1 | undefined): Buffer {
  return typeof node?.value === 'string' ? Buffer.from(node.value, 'binary') : Buffer.alloc(0);
}

/** The children of a constructed node ([] for a primitive). */
export function childrenOf(node: Asn1 | undefined): Asn1[] {
  return Array.isArray(node?.value) ? node.value : [];
}

/** The dotted OID of an OBJECT IDENTIFIER node. */
export function oidOf(node: Asn1 | undefined): string | undefined {
  return node && node.tagClass === asn1.Class.UNIVERSAL && node.type === asn1.Type.OID && typeof node.value === 'string' ? asn1.derToOid(node.value) : undefined;
}

/** Whether a node has this universal type. */
export function isUniversal(node: Asn1 | undefined, type: forge.asn1.Type): node is Asn1 {
  return node !== undefined && node.tagClass === asn1.Class.UNIVERSAL && node.type === type;
}

export const ASN1_TYPE = asn1.Type;
export const ASN1_CLASS = asn1.Class;

// ---- names and extensions -----------------------------------------------------------------------

/** A distinguished name of single-valued RDNs, PrintableString where the text allows it (as Go does). */
export function distinguishedName(attributes: readonly { readonly oid: string; readonly value: string }[]): Asn1 {
  return der.seq(attributes.map((a) => der.set([der.seq([der.oid(a.oid), /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(a.value) ? der.printable(a.value) : der.utf8(a.value)])])));
}

/** One extension: its OID, criticality and the DER of its value. */
export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Buffer;
}

const extension = (oid: string, critical: boolean, value: Asn1): Extension => ({ oid, critical, value: encodeDer(value) });

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** KeyUsage, critical, as a minimal named-bit BIT STRING (trailing zero bits dropped, as DER wants). */
export function keyUsageExtension(bits: readonly number[]): Extension {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return extension(OID.keyUsage, true, der.bitString(bytes, unused));
}

/** ExtendedKeyUsage (not critical, as Go writes it). */
export function extKeyUsageExtension(oids: readonly string[]): Extension {
  return extension(OID.extKeyUsage, false, der.seq(oids.map(der.oid)));
}

/** BasicConstraints, critical; `cA` omitted when false (DER leaves out defaults). */
export function basicConstraintsExtension(isCa: boolean): Extension {
  return extension(OID.basicConstraints, true, der.seq(isCa ? [der.bool(true)] : []));
}

/** SubjectKeyIdentifier. */
export function subjectKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return extension(OID.subjectKeyIdentifier, false, der.octets(keyId));
}

/** AuthorityKeyIdentifier with only `keyIdentifier [0]`. */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): Extension {
  return extension(OID.authorityKeyIdentifier, false, der.seq([der.context(0, false, binary(keyId))]));
}

/** What a subject alternative name extension holds. */
export interface SubjectAltNames {
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  /** IPv4 or IPv6 addresses, as 4 or 16 bytes. */
  readonly ipAddresses?: readonly Uint8Array[];
}

/** SubjectAltName; critical when the subject is empty, as RFC 5280 §4.2.1.6 requires and Istio does. */
export function subjectAltNameExtension(names: SubjectAltNames, critical: boolean): Extension {
  const general: Asn1[] = [
    ...(names.dnsNames ?? []).map((n) => der.context(2, false, n)), // dNSName [2] IA5String
    ...(names.uris ?? []).map((u) => der.context(6, false, u)), // uniformResourceIdentifier [6] IA5String
    ...(names.ipAddresses ?? []).map((ip) => der.context(7, false, binary(ip))), // iPAddress [7] OCTET STRING
  ];
  return extension(OID.subjectAltName, critical, der.seq(general));
}

// ---- certificates -------------------------------------------------------------------------------

/** Signs TBS bytes with a CA key (ca-signer.ts makes one from a key). */
export interface CertificateSigner {
  /** The AlgorithmIdentifier written twice into each certificate (a fresh node each call). */
  algorithmIdentifier(): Asn1;
  sign(data: Buffer): Buffer;
}

/** Everything a certificate says except its signature. */
export interface CertificateTemplate {
  /** Positive serial number, big-endian, minimal (see {@link randomSerial}). */
  readonly serial: Uint8Array;
  /** The issuer's subject, exactly as in the issuer's certificate (chain building compares bytes). */
  readonly issuer: Asn1;
  readonly subject: Asn1;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo of the certified key. */
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** A random 128-bit positive serial (Go's `rand.Int(2^128)`, Istio's genSerialNum), with its top bit
 *  clear and second bit set so the INTEGER is exactly 16 bytes. */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial;
}

/** Signs a template with `signer` and returns the certificate's DER (X.509 v3). */
export function signCertificate(template: CertificateTemplate, signer: CertificateSigner): Buffer {
  const tbs = der.seq([
    der.context(0, true, [der.smallInteger(2)]), // version [0] EXPLICIT v3
    der.integer(template.serial),
    signer.algorithmIdentifier(),
    template.issuer,
    der.seq([der.time(template.notBefore), der.time(template.notAfter)]),
    template.subject,
    decodeDer(template.subjectPublicKeyInfo),
    der.context(3, true, [
      der.seq(template.extensions.map((e) => der.seq([der.oid(e.oid), ...(e.critical ? [der.bool(true)] : []), der.octets(e.value)]))),
    ]),
  ]);
  const tbsDer = encodeDer(tbs);
  return encodeDer(der.seq([tbs, signer.algorithmIdentifier(), der.bitString(signer.sign(tbsDer))]));
}
