import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createCsr, toPem } from '@weft/shared/ca';
import { parseDuration } from '@weft/shared/settings';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCaBundle } from './ca-bundle.js';
import { CertificateAuthority, goDuration, ipBytes } from './certificate-authority.js';
import { createTestPki, intermediateCert } from './pki.test-fixtures.js';
import { KEY_USAGE, decodeDer, der, encodeDer, keyUsageExtension } from './x509-der.js';
import { parseCsr } from './x509-read.js';

const identity = { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'productpage' };

function authority(options: { maxTtlMs?: number; now?: () => number; caNotAfter?: Date } = {}): CertificateAuthority {
  const pki = createTestPki();
  const signingCertPem = options.caNotAfter ? intermediateCert(pki.intermediate.key, pki.root.certPem, pki.root.key.privateKey, { notAfter: options.caNotAfter }) : pki.intermediate.certPem;
  const result = createCaBundle({ source: 'cacerts', signingCertPem, signingKeyPem: pki.intermediate.key.privateKeyPem, certChainPem: '', rootCertPem: pki.root.certPem });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return new CertificateAuthority({ bundle: result.bundle, ...options });
}

describe('CertificateAuthority.sign', () => {
  it('caps a certificate at the end of the signing certificate', () => {
    const caNotAfter = new Date(Date.now() + 3600_000);
    const signed = authority({ caNotAfter }).sign(createCsr().csrPem, identity, 7200);
    if (!signed.ok) throw new Error(signed.message);
    expect(new Date(new X509Certificate(signed.certChain[0]!).validTo).getTime()).toBe(Math.floor(caNotAfter.getTime() / 1000) * 1000);
  });

  it('uses the default TTL for 0 or a negative request, refuses more than the maximum', () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const ca = authority({ maxTtlMs: 48 * 3600_000, now: () => now });
    for (const ttl of [0, -5]) {
      const signed = ca.sign(createCsr().csrPem, identity, ttl);
      expect(signed.ok && signed.notAfter.getTime()).toBe(now + 24 * 3600_000);
    }
    expect(ca.sign(createCsr().csrPem, identity, 48 * 3600)).toMatchObject({ ok: true });
    expect(ca.sign(createCsr().csrPem, identity, 48 * 3600 + 1)).toEqual({ ok: false, error: 'TTL_ERROR', message: 'requested TTL 48h0m1s is greater than the max allowed TTL 48h0m0s' });
  });

  it('reports a CSR problem as CSR_ERROR before looking at the TTL', () => {
    expect(authority().sign('nope', identity, 10 ** 9)).toMatchObject({ ok: false, error: 'CSR_ERROR' });
  });
});

describe('parseCsr', () => {
  it('reads the key and the SANs a CSR asks for', () => {
    const csr = createCsr('spiffe://cluster.local/ns/a/sa/b');
    const parsed = parseCsr(csr.csrPem);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.csr.requestedUris).toEqual(['spiffe://cluster.local/ns/a/sa/b']);
    expect(parsed.csr.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it.each([
    ['no PEM block', 'hello', /no PEM CERTIFICATE REQUEST block/],
    ['a certificate instead of a CSR', createTestPki().root.certPem.replace(/CERTIFICATE/g, 'CERTIFICATE REQUEST'), /not a PKCS#10|version/],
    ['bytes that are not DER', toPem('CERTIFICATE REQUEST', Buffer.from('not der at all')), /not valid DER/],
    ['an oversized text', `${createCsr().csrPem}${' '.repeat(20_000)}`, /longer than/],
  ])('refuses %s', (_what, pem, reason) => {
    const parsed = parseCsr(pem);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });

  it('refuses an RSA key shorter than 2048 bits', () => {
    // Build a CSR for a 1024-bit RSA key by swapping the key of a valid one (the signature then fails
    // too, but the key is checked first).
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const root = decodeDer(Buffer.from(createCsr().csrPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
    const info = (root.value as ReturnType<typeof decodeDer>[])[0]!;
    (info.value as ReturnType<typeof decodeDer>[])[2] = decodeDer(publicKey.export({ type: 'spki', format: 'der' }));
    expect(parseCsr(toPem('CERTIFICATE REQUEST', encodeDer(root)))).toEqual({ ok: false, reason: 'RSA key of 1024 bits is too short (2048 or more)' });
  });
});

describe('DER details', () => {
  it.each([
    [[KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment], '030205a0'], // 5 unused bits, 1010 0000
    [[KEY_USAGE.keyCertSign], '03020204'], // 2 unused bits, 0000 0100
    [[KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign], '03020106'],
  ])('keyUsage %j is the minimal BIT STRING %s', (bits, hex) => {
    expect(keyUsageExtension(bits).value.toString('hex')).toBe(hex);
  });

  it('writes UTCTime before 2050 and GeneralizedTime after, in whole seconds', () => {
    expect(encodeDer(der.time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59, 999)))).toString('latin1').slice(2)).toBe('491231235959Z');
    expect(encodeDer(der.time(new Date(Date.UTC(2050, 0, 1)))).toString('latin1').slice(2)).toBe('20500101000000Z');
  });

  it.each([
    ['127.0.0.1', '7f000001'],
    ['::1', '00000000000000000000000000000001'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001'],
    ['2001:db8::', '20010db8000000000000000000000000'],
  ])('ipBytes(%s)', (ip, hex) => {
    expect(Buffer.from(ipBytes(ip)).toString('hex')).toBe(hex);
  });
});

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [24 * 3600_000, '24h0m0s'],
    [90 * 24 * 3600_000 + 1000, '2160h0m1s'],
  ])('%d ms is %s, as Go prints it', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });

  it('reads back as the same duration', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 400 * 24 * 3600_000 }), (ms) => parseDuration(goDuration(ms)) === ms));
  });
});
