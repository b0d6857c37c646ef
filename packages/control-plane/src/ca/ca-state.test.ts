import { X509Certificate, createHash } from 'node:crypto';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCsr, workloadIdentitiesOf } from '@weft/shared/ca';
import { afterEach, describe, expect, it } from 'vitest';
import { createCaBundle } from './ca-bundle.js';
import { CACERTS_FILES, loadCacertsBundle, loadOrCreateSelfSignedBundle, publishRootCert } from './ca-state.js';
import { CertificateAuthority } from './certificate-authority.js';
import { createTestPki, ecKey, intermediateCert, tempDir, writeCacerts } from './pki.test-fixtures.js';

const identity = { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' };
const fingerprint = (pem: string): string => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

/** Whether `leafPem` verifies up `chain` (each certificate signed by the next) to `rootPem`. */
function chainVerifies(chain: readonly string[], rootPem: string): boolean {
  const certs = chain.map((p) => new X509Certificate(p));
  const root = new X509Certificate(rootPem);
  for (let i = 0; i < certs.length - 1; i++) if (!certs[i]!.checkIssued(certs[i + 1]!) || !certs[i]!.verify(certs[i + 1]!.publicKey)) return false;
  const last = certs[certs.length - 1]!;
  return fingerprint(last.toString()) === fingerprint(rootPem) || (last.checkIssued(root) && last.verify(root.publicKey));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.remove);
  return t.dir;
}

describe('self-signed root in the CA directory', () => {
  it('is created on first start (RSA 2048, 10 years, O=<trust domain>, key 0600, atomically) and loaded after', async () => {
    const caDir = join(await dir(), 'ca');
    const first = await loadOrCreateSelfSignedBundle(caDir, 'example.org');
    const root = first.roots[0]!;
    expect(first.source).toBe('self-signed');
    expect(root.ca).toBe(true);
    expect(root.subject).toBe('O=example.org');
    expect(root.publicKey.asymmetricKeyType).toBe('rsa');
    expect(root.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const years = (new Date(root.validTo).getTime() - new Date(root.validFrom).getTime()) / (365 * 24 * 3600_000);
    expect(years).toBeGreaterThan(9.99);
    expect(years).toBeLessThan(10.01);
    expect((await stat(join(caDir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(caDir)).mode & 0o777).toBe(0o700);
    // no temp files left behind
    expect((await readdir(caDir)).sort()).toEqual(['ca-cert.pem', 'ca-key.pem']);

    const again = await loadOrCreateSelfSignedBundle(caDir, 'example.org');
    expect(fingerprint(again.rootPems[0]!)).toBe(fingerprint(first.rootPems[0]!));
    expect(again.signingKey.export({ type: 'pkcs8', format: 'pem' })).toEqual(first.signingKey.export({ type: 'pkcs8', format: 'pem' }));
  });

  it('two starts racing on an empty directory end up with one root', async () => {
    const caDir = join(await dir(), 'ca');
    const [a, b] = await Promise.all([loadOrCreateSelfSignedBundle(caDir, 'cluster.local'), loadOrCreateSelfSignedBundle(caDir, 'cluster.local')]);
    expect(fingerprint(a.rootPems[0]!)).toBe(fingerprint(b.rootPems[0]!));
  });

  it('a key whose certificate was lost gets a new certificate for the same key', async () => {
    const caDir = join(await dir(), 'ca');
    const first = await loadOrCreateSelfSignedBundle(caDir, 'cluster.local');
    await rm(join(caDir, 'ca-cert.pem'));
    const second = await loadOrCreateSelfSignedBundle(caDir, 'cluster.local');
    expect(second.roots[0]!.publicKey.export({ type: 'spki', format: 'pem' })).toEqual(first.roots[0]!.publicKey.export({ type: 'spki', format: 'pem' }));
  });

  it('refuses (never replaces) a directory whose key does not match its certificate', async () => {
    const caDir = join(await dir(), 'ca');
    await loadOrCreateSelfSignedBundle(caDir, 'cluster.local');
    await writeFile(join(caDir, 'ca-key.pem'), ecKey().privateKeyPem);
    await expect(loadOrCreateSelfSignedBundle(caDir, 'cluster.local')).rejects.toThrow(/does not match.*move the directory away/);
  });

  it('publishes the trust anchor as root-cert.pem (0644)', async () => {
    const caDir = join(await dir(), 'ca');
    const bundle = await loadOrCreateSelfSignedBundle(caDir, 'cluster.local');
    const path = await publishRootCert(caDir, bundle);
    expect(await readFile(path, 'utf8')).toBe(bundle.rootPems.join(''));
    expect((await stat(path)).mode & 0o777).toBe(0o644);
  });
});

describe('plugged-in CA from an Istio cacerts directory', () => {
  it('signs with ca-key/ca-cert and returns [leaf, intermediate, root], the root once (Istio #39001)', async () => {
    const d = await dir();
    const pki = createTestPki();
    await writeCacerts(d, pki);
    const bundle = await loadCacertsBundle(d);
    expect(bundle.source).toBe('cacerts');
    expect(bundle.intermediatePems.map(fingerprint)).toEqual([fingerprint(pki.intermediate.certPem)]);
    expect(bundle.rootPems.map(fingerprint)).toEqual([fingerprint(pki.root.certPem)]);

    const ca = new CertificateAuthority({ bundle });
    const signed = ca.sign(createCsr(identity).csrPem, identity, 0);
    if (!signed.ok) throw new Error(signed.message);
    expect(signed.certChain).toHaveLength(3);
    expect(signed.certChain.slice(1).map(fingerprint)).toEqual([fingerprint(pki.intermediate.certPem), fingerprint(pki.root.certPem)]);
    const leaf = new X509Certificate(signed.certChain[0]!);
    expect(leaf.issuer).toBe(new X509Certificate(pki.intermediate.certPem).subject);
    expect(chainVerifies(signed.certChain, pki.root.certPem)).toBe(true);
    expect(workloadIdentitiesOf(leaf)).toEqual([identity]);
  });

  it('takes a two-level chain in cert-chain.pem (root first or last) and keeps the links in order', async () => {
    const d = await dir();
    const pki = createTestPki();
    const issuingKey = ecKey();
    const issuing = intermediateCert(issuingKey, pki.intermediate.certPem, pki.intermediate.key.privateKey, { cn: 'Issuing CA' });
    await writeCacerts(d, pki, {
      'ca-cert.pem': issuing,
      'ca-key.pem': issuingKey.privateKeyPem,
      'cert-chain.pem': pki.root.certPem + pki.intermediate.certPem, // unusual order, as some older Istio scripts wrote it
    });
    const bundle = await loadCacertsBundle(d);
    expect(bundle.intermediatePems.map(fingerprint)).toEqual([fingerprint(issuing), fingerprint(pki.intermediate.certPem)]);
    const signed = new CertificateAuthority({ bundle }).sign(createCsr().csrPem, identity, 0);
    expect(signed.ok && chainVerifies(signed.certChain, pki.root.certPem)).toBe(true);
  });

  it.each([
    ['a key that does not match ca-cert.pem', (pki: ReturnType<typeof createTestPki>) => ({ 'ca-key.pem': pki.root.key.privateKeyPem }), /ca-key.pem does not match/],
    ['a ca-cert.pem that is not a CA', (pki: ReturnType<typeof createTestPki>) => ({ 'ca-cert.pem': intermediateCert(pki.intermediate.key, pki.root.certPem, pki.root.key.privateKey, { isCa: false }) }), /not a CA certificate/],
    ['a root that did not issue the chain', () => ({ 'root-cert.pem': createTestPki().root.certPem }), /does not chain to a certificate in root-cert.pem/],
    ['an expired ca-cert.pem', (pki: ReturnType<typeof createTestPki>) => ({ 'ca-cert.pem': intermediateCert(pki.intermediate.key, pki.root.certPem, pki.root.key.privateKey, { notAfter: new Date(Date.now() - 60_000) }) }), /ca-cert.pem: expired/],
    ['a missing root-cert.pem', () => ({ 'root-cert.pem': undefined }), /cannot read root-cert.pem/],
    ['a garbage key', () => ({ 'ca-key.pem': 'not a key' }), /ca-key.pem: not a private key/],
  ])('refuses %s', async (_what, override, message) => {
    const d = await dir();
    const pki = createTestPki();
    await writeCacerts(d, pki, override(pki));
    await expect(loadCacertsBundle(d)).rejects.toThrow(message);
  });

  it('accepts a cacerts directory without cert-chain.pem when ca-cert.pem is issued by the root', async () => {
    const d = await dir();
    const pki = createTestPki();
    await writeCacerts(d, pki, { 'cert-chain.pem': undefined });
    const bundle = await loadCacertsBundle(d);
    expect(bundle.intermediatePems).toHaveLength(1);
  });

  it('reports every problem of a bundle at once', () => {
    const pki = createTestPki();
    const result = createCaBundle({ source: 'cacerts', signingCertPem: intermediateCert(pki.intermediate.key, pki.root.certPem, pki.root.key.privateKey, { isCa: false }), signingKeyPem: pki.root.key.privateKeyPem, certChainPem: '', rootCertPem: createTestPki().root.certPem });
    expect(result.ok ? [] : result.errors).toHaveLength(3);
  });
});

describe('CACERTS_FILES', () => {
  it("are Istio's cacerts keys", () => {
    expect(Object.values(CACERTS_FILES).sort()).toEqual(['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem', 'root-cert.pem']);
  });
});
