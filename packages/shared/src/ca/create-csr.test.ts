import { createPublicKey, verify } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { createCsr } from './create-csr.js';

type Asn1 = forge.asn1.Asn1;
const children = (n: Asn1 | undefined): Asn1[] => (Array.isArray(n?.value) ? n.value : []);
const bytes = (n: Asn1 | undefined): Buffer => Buffer.from(typeof n?.value === 'string' ? n.value : '', 'binary');

/** Decodes a PEM CSR into its parts (no library: forge's ASN.1 reader, node:crypto for the key). */
function readCsr(pem: string) {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const root = (forge.asn1.fromDer as unknown as (b: string, o: object) => Asn1)(der.toString('binary'), { decodeBitStrings: false });
  const [info, algorithm, signature] = children(root);
  const [version, subject, spki, attributes] = children(info);
  return {
    infoDer: Buffer.from(forge.asn1.toDer(info!).getBytes(), 'binary'),
    version: bytes(version),
    subject: children(subject),
    publicKey: createPublicKey({ key: Buffer.from(forge.asn1.toDer(spki!).getBytes(), 'binary'), format: 'der', type: 'spki' }),
    algorithm: forge.asn1.derToOid(bytes(children(algorithm)[0]).toString('binary')),
    signature: bytes(signature).subarray(1),
    attributes: children(attributes),
  };
}

describe('createCsr', () => {
  it('makes an ECDSA P-256 key and a CSR signed with it, empty subject, the identity as the only URI SAN', () => {
    const csr = createCsr({ trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' });
    expect(csr.csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----\n$/);
    expect(csr.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const parsed = readCsr(csr.csrPem);
    expect(parsed.version).toEqual(Buffer.from([0]));
    expect(parsed.subject).toEqual([]);
    expect(parsed.algorithm).toBe('1.2.840.10045.4.3.2');
    expect(parsed.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(parsed.publicKey.export({ type: 'spki', format: 'pem' })).toBe(createPublicKey(csr.privateKey).export({ type: 'spki', format: 'pem' }));
    expect(verify('sha256', parsed.infoDer, parsed.publicKey, parsed.signature)).toBe(true);
    expect(Buffer.from(forge.asn1.toDer(parsed.attributes[0]!).getBytes(), 'binary').toString('latin1')).toContain('spiffe://cluster.local/ns/default/sa/reviews');
  });

  it('takes a SPIFFE ID string, or no identity at all', () => {
    expect(readCsr(createCsr('spiffe://td/ns/a/sa/b').csrPem).attributes).toHaveLength(1);
    expect(readCsr(createCsr().csrPem).attributes).toHaveLength(0);
    expect(() => createCsr('https://example.com')).toThrow(TypeError);
  });

  it('gives each call a new key', () => {
    const a = createCsr();
    const b = createCsr();
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
  });
});
