import { X509Certificate, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type CertFiles, type TestPki } from '../tls/tls-certs.test-fixtures.js';
import { applyXfcc, DEFAULT_XFCC, xfccElementOf, xfccPolicyOf, type XfccPolicy } from './xfcc.js';

const SERVER = 'spiffe://cluster.local/ns/shop/sa/reviews';
const CLIENT = 'spiffe://cluster.local/ns/shop/sa/productpage';

let pki: TestPki;
let server: CertFiles;
let client: CertFiles;

beforeAll(() => {
  pki = createTestPki();
  server = pki.issueSpiffe('server', SERVER);
  client = pki.issueSpiffe('client', CLIENT);
});
afterAll(() => pki.remove());

/** The server side of one connection, after the handshake (client certificate optional). */
async function serverSocket(withClientCert: boolean): Promise<{ socket: TLSSocket; done: () => void }> {
  const srv = createServer({ cert: pki.read(server.cert), key: pki.read(server.key), ca: pki.read(pki.ca.cert), requestCert: true, rejectUnauthorized: false });
  const accepted = new Promise<TLSSocket>((resolve) => srv.once('secureConnection', resolve));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const c = connect({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, rejectUnauthorized: false, ...(withClientCert ? { cert: pki.read(client.cert), key: pki.read(client.key) } : {}) });
  c.on('error', () => undefined);
  const socket = await accepted;
  return {
    socket,
    done: () => {
      c.destroy();
      socket.destroy();
      srv.close();
    },
  };
}

const ISTIO_INBOUND: XfccPolicy = xfccPolicyOf({ forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { subject: { value: true }, dns: true, uri: true } });

describe('x-forwarded-client-cert', () => {
  it("reads the HCM's policy; Envoy's default is SANITIZE", () => {
    expect(xfccPolicyOf({})).toBe(DEFAULT_XFCC);
    expect(ISTIO_INBOUND).toEqual({ mode: 'APPEND_FORWARD', fields: { subject: true, cert: false, chain: false, dns: true, uri: true } });
    expect(xfccPolicyOf({ forward_client_cert_details: 'BOGUS' }).mode).toBe('SANITIZE');
  });

  it("makes this hop's element from a mutual TLS connection, as Istio's sidecars write it", async () => {
    const { socket, done } = await serverSocket(true);
    try {
      const hash = createHash('sha256').update(new X509Certificate(pki.read(client.cert)).raw).digest('hex');
      expect(xfccElementOf(socket, ISTIO_INBOUND.fields)).toBe(`By=${SERVER};Hash=${hash};Subject="O=weft";URI=${CLIENT}`);
      const withCert = xfccElementOf(socket, { ...ISTIO_INBOUND.fields, cert: true });
      expect(decodeURIComponent(/Cert="([^"]*)"/.exec(withCert ?? '')?.[1] ?? '')).toContain('-----BEGIN CERTIFICATE-----');
    } finally {
      done();
    }
  });

  it('has no element without a verified client certificate', async () => {
    const { socket, done } = await serverSocket(false);
    try {
      expect(xfccElementOf(socket, ISTIO_INBOUND.fields)).toBeUndefined();
    } finally {
      done();
    }
  });

  it("applies each mode: a header from outside the mesh never survives a hop that can't vouch for it", () => {
    const forged = 'By=spiffe://evil;URI=spiffe://cluster.local/ns/shop/sa/admin';
    const element = `By=${SERVER};URI=${CLIENT}`;
    const run = (mode: XfccPolicy['mode'], el: string | undefined, header: string | null = forged): string | string[] | undefined => {
      const headers: Record<string, string> = header === null ? {} : { 'x-forwarded-client-cert': header };
      applyXfcc({ mode, fields: DEFAULT_XFCC.fields }, headers, el);
      return headers['x-forwarded-client-cert'];
    };
    // Plaintext (no element): removed in every mode but ALWAYS_FORWARD_ONLY.
    for (const mode of ['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET'] as const) expect(run(mode, undefined)).toBeUndefined();
    expect(run('ALWAYS_FORWARD_ONLY', undefined)).toBe(forged);
    // Mutual TLS: the previous hops' elements are kept by APPEND_FORWARD (the client proxy vouches for them).
    expect(run('APPEND_FORWARD', element)).toBe(`${forged},${element}`);
    expect(run('APPEND_FORWARD', element, null)).toBe(element);
    expect(run('SANITIZE_SET', element)).toBe(element);
    expect(run('FORWARD_ONLY', element)).toBe(forged);
    expect(run('SANITIZE', element)).toBeUndefined();
  });
});
