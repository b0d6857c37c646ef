// The CA end to end: a real weftd (startWeftd) with its CA on a real TLS port 0, real files in a temp
// directory, and the real client from @weft/shared/ca.

import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { connect } from 'node:tls';
import { status } from '@grpc/grpc-js';
import { WeftError } from '@weft/shared';
import { createCaClient, createCsr, workloadIdentitiesOf, type CaClient, type CaCredentials, type CertificateResult } from '@weft/shared/ca';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWeftd, type WeftdHandle } from '../bootstrap/start-weftd.js';
import { defaultWeftdConfig, type WeftdConfig } from '../config.js';
import { loadCacertsBundle } from './ca-state.js';
import { CertificateAuthority } from './certificate-authority.js';
import { createTestPki, tempDir, writeCacerts } from './pki.test-fixtures.js';
import { issueWorkloadToken, revokeWorkloadToken } from './workload-tokens.js';

const HOUR = 3600_000;
const reviews = { trustDomain: 'cluster.local', namespace: 'bookinfo', serviceAccount: 'reviews' };

const quiet = (): PassThrough => new PassThrough().resume();
const cleanups: (() => Promise<void>)[] = [];

async function startCaWeftd(overrides: Partial<WeftdConfig>): Promise<WeftdHandle> {
  const weftd = await startWeftd(defaultWeftdConfig({ xdsPort: 0, debugPort: 0, caPort: 0, logLevel: 'warn', ...overrides }), { logStream: quiet() });
  cleanups.push(() => weftd.close());
  return weftd;
}

async function newCaDir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.remove);
  return join(t.dir, 'ca');
}

function clientOf(weftd: WeftdHandle, credentials: CaCredentials): CaClient {
  const client = createCaClient(weftd.ca!.address, credentials, { rootCertPem: weftd.ca!.authority.rootCertPem });
  cleanups.push(async () => client.close());
  return client;
}

function chainOf(result: CertificateResult): readonly string[] {
  if (!result.ok) throw new Error(`expected a certificate, got ${status[result.code]}: ${result.message}`);
  return result.certChain;
}

/** Each certificate of the chain is issued and signed by the next; the last is `rootPem`. */
function verifiesTo(chain: readonly string[], rootPem: string): boolean {
  const certs = chain.map((p) => new X509Certificate(p));
  for (let i = 0; i < certs.length - 1; i++) if (!certs[i]!.checkIssued(certs[i + 1]!) || !certs[i]!.verify(certs[i + 1]!.publicKey)) return false;
  return certs[certs.length - 1]!.raw.equals(new X509Certificate(rootPem).raw);
}

/** The value of an unlabelled (or exactly labelled) sample in a Prometheus text. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('weftd CA with its self-signed root', () => {
  let weftd: WeftdHandle;
  let caDir: string;
  let token: string;

  beforeAll(async () => {
    caDir = await newCaDir();
    token = await issueWorkloadToken(caDir, { namespace: reviews.namespace, serviceAccount: reviews.serviceAccount });
    weftd = await startCaWeftd({ caDir });
  });

  it('issues the token\'s identity, not the one the CSR asks for, with Istio\'s certificate profile', async () => {
    const csr = createCsr('spiffe://cluster.local/ns/kube-system/sa/admin');
    const before = Date.now();
    const chain = chainOf(await clientOf(weftd, { token }).requestCertificate(csr.csrPem));
    const rootPem = await readFile(join(caDir, 'root-cert.pem'), 'utf8');
    expect(chain).toHaveLength(2); // [leaf, root]
    expect(verifiesTo(chain, rootPem)).toBe(true);
    const leaf = new X509Certificate(chain[0]!);
    expect(workloadIdentitiesOf(leaf)).toEqual([reviews]);
    expect(leaf.subjectAltName).toBe('URI:spiffe://cluster.local/ns/bookinfo/sa/reviews');
    expect(leaf.subject ?? '').toBe(''); // empty subject: the identity is in the SAN
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // node:crypto lists extKeyUsage here
    expect(leaf.checkPrivateKey(csr.privateKey)).toBe(true);
    // Valid from 2 minutes before it was signed (Istio's ClockSkewGracePeriod), for the default 24 h.
    const notBefore = new Date(leaf.validFrom).getTime();
    expect(notBefore).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 2 * 60_000 - 1000);
    expect(notBefore).toBeLessThanOrEqual(Date.now() - 2 * 60_000 + 1000);
    expect(new Date(leaf.validTo).getTime() - notBefore).toBeGreaterThanOrEqual(24 * HOUR + 2 * 60_000 - 2000);
    expect(new Date(leaf.validTo).getTime() - notBefore).toBeLessThanOrEqual(24 * HOUR + 2 * 60_000 + 2000);
  });

  it('honours a requested TTL and refuses one above the maximum (INVALID_ARGUMENT, as Istio)', async () => {
    const client = clientOf(weftd, { token });
    const oneHour = new X509Certificate(chainOf(await client.requestCertificate(createCsr().csrPem, 3600))[0]!);
    expect(new Date(oneHour.validTo).getTime() - new Date(oneHour.validFrom).getTime()).toBe(HOUR + 2 * 60_000);
    const ninetyDays = new X509Certificate(chainOf(await client.requestCertificate(createCsr().csrPem, 90 * 24 * 3600))[0]!);
    expect(new Date(ninetyDays.validTo).getTime() - new Date(ninetyDays.validFrom).getTime()).toBe(90 * 24 * HOUR + 2 * 60_000);
    const tooLong = await client.requestCertificate(createCsr().csrPem, 90 * 24 * 3600 + 1);
    expect(tooLong).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    expect(tooLong.ok ? '' : tooLong.message).toContain('CSR signing error (requested TTL 2160h0m1s is greater than the max allowed TTL 2160h0m0s)');
  });

  it('renews for a caller presenting its current certificate: the identity comes from its SPIFFE SAN', async () => {
    const first = createCsr();
    const chain = chainOf(await clientOf(weftd, { token }).requestCertificate(first.csrPem));
    const renewal = clientOf(weftd, { certChainPem: chain.slice(0, -1).join(''), privateKeyPem: first.privateKeyPem });
    const renewed = chainOf(await renewal.requestCertificate(createCsr('spiffe://cluster.local/ns/default/sa/other').csrPem));
    expect(workloadIdentitiesOf(new X509Certificate(renewed[0]!))).toEqual([reviews]);
  });

  it('answers UNAUTHENTICATED without credentials, with an unknown, revoked or malformed token, or a certificate of another CA', async () => {
    const revoked = await issueWorkloadToken(caDir, { namespace: 'default', serviceAccount: 'gone' });
    expect(await revokeWorkloadToken(caDir, revoked)).toBe(true);
    const foreignPki = createTestPki();
    const foreign = await tempDir();
    cleanups.push(foreign.remove);
    await writeCacerts(foreign.dir, foreignPki);
    const foreignCsr = createCsr();
    const foreignSigned = new CertificateAuthority({ bundle: await loadCacertsBundle(foreign.dir) }).sign(foreignCsr.csrPem, reviews, 0);
    if (!foreignSigned.ok) throw new Error(foreignSigned.message);

    const attempts: CaCredentials[] = [
      { token: '' },
      { token: 'weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { token: revoked },
      { token: 'not-a-token' },
      { certChainPem: foreignSigned.certChain.slice(0, -1).join(''), privateKeyPem: foreignCsr.privateKeyPem },
    ];
    for (const credentials of attempts) {
      const result = await clientOf(weftd, credentials).requestCertificate(createCsr().csrPem);
      expect(result, JSON.stringify(credentials).slice(0, 40)).toEqual({ ok: false, code: status.UNAUTHENTICATED, message: 'request authenticate failure' });
    }
  });

  it('refuses impersonation (no trusted node accounts) and CSRs that are not proof of a key', async () => {
    const client = clientOf(weftd, { token });
    expect(await client.requestCertificate(createCsr().csrPem, 0, { ImpersonatedIdentity: 'spiffe://cluster.local/ns/default/sa/admin' })).toMatchObject({
      ok: false,
      code: status.UNAUTHENTICATED,
      message: 'request impersonation authentication failure',
    });
    expect(await client.requestCertificate('not a csr')).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
    // A CSR whose signature was made by another key than the one it carries.
    const a = createCsr().csrPem;
    const b = createCsr().csrPem;
    const derA = Buffer.from(a.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const derB = Buffer.from(b.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const spliced = Buffer.concat([derA.subarray(0, derA.length - 72), derB.subarray(derB.length - 72)]);
    const tampered = await client.requestCertificate(`-----BEGIN CERTIFICATE REQUEST-----\n${spliced.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`);
    expect(tampered).toMatchObject({ ok: false, code: status.INVALID_ARGUMENT });
  });

  it('serves TLS with a certificate it issued itself for istiod.<ns>.svc, localhost and 127.0.0.1, and renews it', async () => {
    const handshake = () =>
      new Promise<{ sans: string; serial: string }>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: weftd.ca!.port, ca: weftd.ca!.authority.rootCertPem, servername: 'istiod.istio-system.svc', ALPNProtocols: ['h2'] }, () => {
          const cert = socket.getPeerCertificate();
          resolve({ sans: cert.subjectaltname ?? '', serial: cert.serialNumber });
          socket.end();
        });
        socket.on('error', reject);
      });
    const first = await handshake();
    expect(first.sans).toContain('DNS:istiod.istio-system.svc');
    expect(first.sans).toContain('DNS:localhost');
    expect(first.sans).toContain('IP Address:127.0.0.1');
    weftd.ca!.renewServingCertificate();
    const second = await handshake();
    expect(second.serial).not.toBe(first.serial);
    chainOf(await clientOf(weftd, { token }).requestCertificate(createCsr().csrPem));
  });
});

describe('weftd CA metrics', () => {
  it('counts CSRs, issuances and failures under citadel_server_* on /metrics', async () => {
    const caDir = await newCaDir();
    const token = await issueWorkloadToken(caDir, { namespace: 'default', serviceAccount: 'a' });
    const weftd = await startCaWeftd({ caDir });
    const client = clientOf(weftd, { token });
    chainOf(await client.requestCertificate(createCsr().csrPem));
    chainOf(await client.requestCertificate(createCsr().csrPem));
    await clientOf(weftd, { token: 'weft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).requestCertificate(createCsr().csrPem);
    await client.requestCertificate('garbage');
    await client.requestCertificate(createCsr().csrPem, 365 * 24 * 3600);
    const text = await (await fetch(`http://${weftd.debugAddress}/metrics`)).text();
    expect(sample(text, 'citadel_server_csr_count')).toBe(5);
    expect(sample(text, 'citadel_server_success_cert_issuance_count')).toBe(2);
    expect(sample(text, 'citadel_server_authentication_failure_count')).toBe(1);
    expect(sample(text, 'citadel_server_csr_parsing_err_count')).toBe(1);
    expect(sample(text, 'citadel_server_csr_sign_err_count{error="TTL_ERROR"}')).toBe(1);
    expect(sample(text, 'citadel_server_csr_sign_err_count{error="CSR_ERROR"}')).toBe(1);
    const rootExpiry = new Date(new X509Certificate(weftd.ca!.authority.rootCertPem).validTo).getTime() / 1000;
    expect(sample(text, 'citadel_server_root_cert_expiry_timestamp')).toBe(rootExpiry);
    expect(sample(text, 'citadel_server_cert_chain_expiry_timestamp')).toBe(rootExpiry);
    expect(sample(text, 'citadel_server_root_cert_expiry_seconds')).toBeGreaterThan(9 * 365 * 24 * 3600);
  });
});

describe('weftd CA across a restart', () => {
  it('loads the same root: certificates and tokens from before the restart still verify and authenticate', async () => {
    const caDir = await newCaDir();
    const token = await issueWorkloadToken(caDir, { namespace: 'default', serviceAccount: 'ratings' });
    const first = await startCaWeftd({ caDir });
    const csr = createCsr();
    const before = chainOf(await clientOf(first, { token }).requestCertificate(csr.csrPem));
    const rootBefore = await readFile(join(caDir, 'root-cert.pem'), 'utf8');
    await first.close();

    const second = await startCaWeftd({ caDir });
    const rootAfter = await readFile(join(caDir, 'root-cert.pem'), 'utf8');
    expect(rootAfter).toBe(rootBefore);
    expect(verifiesTo(before, rootAfter)).toBe(true);
    // The certificate from before the restart is accepted for renewal by the restarted CA.
    const renewed = chainOf(await clientOf(second, { certChainPem: before[0]!, privateKeyPem: csr.privateKeyPem }).requestCertificate(createCsr().csrPem));
    expect(verifiesTo(renewed, rootBefore)).toBe(true);
    chainOf(await clientOf(second, { token }).requestCertificate(createCsr().csrPem));
    expect((await stat(join(caDir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
  });
});

describe('weftd CA with plugged-in cacerts', () => {
  it('signs with the intermediate and returns [leaf, intermediate, root]; root-cert.pem is the operator\'s root', async () => {
    const pki = createTestPki();
    const cacerts = await tempDir();
    cleanups.push(cacerts.remove);
    await writeCacerts(cacerts.dir, pki);
    const caDir = await newCaDir();
    const token = await issueWorkloadToken(caDir, { namespace: 'default', serviceAccount: 'details' });
    const weftd = await startCaWeftd({ caDir, cacertsDir: cacerts.dir });
    const chain = chainOf(await clientOf(weftd, { token }).requestCertificate(createCsr().csrPem));
    expect(chain).toHaveLength(3);
    expect(new X509Certificate(chain[1]!).raw.equals(new X509Certificate(pki.intermediate.certPem).raw)).toBe(true);
    expect(verifiesTo(chain, pki.root.certPem)).toBe(true);
    expect(await readFile(join(caDir, 'root-cert.pem'), 'utf8')).toBe(new X509Certificate(pki.root.certPem).toString());
    expect(await readFile(join(caDir, 'ca-key.pem'), 'utf8').catch(() => 'absent')).toBe('absent');
  });

  it('keeps weftd from starting when the cacerts do not verify', async () => {
    const pki = createTestPki();
    const cacerts = await tempDir();
    cleanups.push(cacerts.remove);
    await writeCacerts(cacerts.dir, pki, { 'root-cert.pem': createTestPki().root.certPem });
    await expect(startWeftd(defaultWeftdConfig({ xdsPort: 0, debugPort: 0, caPort: 0, cacertsDir: cacerts.dir }), { logStream: quiet() })).rejects.toThrow(WeftError);
  });
});

describe('weftd without a CA directory', () => {
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('runs no CA', async () => {
    const weftd = await startCaWeftd({});
    expect(weftd.ca).toBeUndefined();
  });
});
