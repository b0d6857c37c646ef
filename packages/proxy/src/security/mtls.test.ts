// The agent against a CA speaking Istio's CreateCertificate (served here over real gRPC and TLS, signing
// with the openssl CLI), and the workload secrets it keeps used by both TLS directions: an upstream
// context naming `default`/`ROOTCA` by SDS with a SPIFFE SAN matcher, and a downstream one requiring a
// client certificate, on real sockets.

import { Server, ServerCredentials, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { caServiceDefinition, type IstioCertificateRequest, type IstioCertificateResponse } from '@weft/shared/ca';
import { TYPE_URL } from '@weft/shared/xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogRegistry } from '../log/logger.js';
import { createTestPki, type TestPki } from '../tls/tls-certs.test-fixtures.js';
import { loadDownstreamTls } from '../tls/downstream-tls.js';
import { loadUpstreamTls, type UpstreamTls } from '../tls/upstream-tls.js';
import { spiffePeerOf } from '../tls/peer-identity.js';
import { startCaAgent } from './ca-agent.js';
import { SecretStore, workloadSecrets } from './secret-store.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews';
const PRODUCTPAGE = 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage';
const TOKEN = 'tok-productpage';

let pki: TestPki;
let ca: Server;
let caPort = 0;
/** What the CA saw: the token of each call. */
const calls: { token: string | undefined; ttl: number }[] = [];

beforeAll(async () => {
  pki = createTestPki();
  const serving = pki.issue('ca-serving', 'localhost', 'server');
  ca = new Server();
  ca.addService(caServiceDefinition(), {
    CreateCertificate(call: ServerUnaryCall<IstioCertificateRequest, IstioCertificateResponse>, callback: sendUnaryData<IstioCertificateResponse>) {
      const auth = call.metadata.get('authorization')[0];
      const token = typeof auth === 'string' ? auth.replace(/^Bearer /, '') : undefined;
      calls.push({ token, ttl: call.request.validity_duration });
      // A wrong token is refused, as weftd's CA does (this test CA does not check renewals by certificate).
      if (token !== TOKEN && token !== undefined) return callback({ code: status.UNAUTHENTICATED, details: 'request authenticate failure' });
      callback(null, { cert_chain: [pki.signCsr(call.request.csr, PRODUCTPAGE), pki.read(pki.ca.cert).toString()] });
    },
  });
  caPort = await new Promise<number>((resolve, reject) =>
    ca.bindAsync('127.0.0.1:0', ServerCredentials.createSsl(pki.read(pki.ca.cert), [{ cert_chain: pki.read(serving.cert), private_key: pki.read(serving.key) }], false), (e, port) => (e ? reject(e) : resolve(port))),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => ca.tryShutdown(() => resolve()));
  pki.remove();
});

function logger() {
  const out = new PassThrough();
  out.resume();
  return createLogRegistry('info', out).get('main');
}

describe('CA agent', () => {
  it('gets a certificate with its token, keeps chain and roots apart, and renews at the configured share of its lifetime', async () => {
    const tokenFile = join(pki.dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const store = new SecretStore();
    calls.length = 0;
    const agent = startCaAgent({
      address: `localhost:${caPort}`,
      rootCertPem: pki.read(pki.ca.cert).toString(),
      tokenFile,
      identity: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'bookinfo-productpage' },
      ttlMs: 3_600_000,
      store,
      logger: logger(),
      // One day's certificate renewed after 0.002 % of it: about 1.7 s.
      renewAt: 0.00002,
    });
    try {
      await agent.ready;
      const first = store.certificate();
      expect(first?.identity).toBe(PRODUCTPAGE);
      expect(first?.certChainPem.match(/BEGIN CERTIFICATE/g)?.length).toBe(1);
      expect(store.roots()).toContain('BEGIN CERTIFICATE');
      expect(calls[0]).toEqual({ token: TOKEN, ttl: 3600 });
      const deadline = Date.now() + 10_000;
      while (agent.stats().issued < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(agent.stats().issued).toBeGreaterThanOrEqual(2);
      expect(store.certificate()?.certChainPem).not.toBe(first?.certChainPem);
      expect(store.certificate()?.privateKeyPem).not.toBe(first?.privateKeyPem);
    } finally {
      agent.close();
    }
  });

  it('root rotation: anchors of the root file (old and new) join the trust bundle with the next renewal', async () => {
    const tokenFile = join(pki.dir, 'token-rotation');
    writeFileSync(tokenFile, TOKEN);
    const rootFile = join(pki.dir, 'root-cert.pem');
    const oldRoot = pki.read(pki.ca.cert).toString();
    writeFileSync(rootFile, oldRoot);
    const next = createTestPki();
    const store = new SecretStore();
    const agent = startCaAgent({
      address: `localhost:${caPort}`,
      rootCertPem: oldRoot,
      rootCertFile: rootFile,
      tokenFile,
      identity: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'bookinfo-productpage' },
      ttlMs: 3_600_000,
      store,
      logger: logger(),
    });
    try {
      await agent.ready;
      const count = (pem: string | undefined): number => pem?.match(/BEGIN CERTIFICATE/g)?.length ?? 0;
      expect(count(store.roots())).toBe(1);
      // The operator publishes old + new root (Istio's istio-ca-root-cert during a rotation).
      writeFileSync(rootFile, `${oldRoot}${next.read(next.ca.cert).toString()}`);
      expect(await agent.renew()).toBe(true);
      expect(count(store.roots())).toBe(2);
      // A peer with a certificate of the new root verifies against the bundle.
      const peer = next.issueSpiffe('peer', REVIEWS);
      const tlsServer = createTlsServer({ cert: next.read(peer.cert), key: next.read(peer.key) }, (s) => s.end('hi'));
      await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
      try {
        const authorized = await new Promise<boolean>((resolve) => {
          const c = tlsConnect({ host: '127.0.0.1', port: (tlsServer.address() as AddressInfo).port, ca: store.roots(), rejectUnauthorized: false, checkServerIdentity: () => undefined });
          c.on('secureConnect', () => {
            resolve(c.authorized);
            c.destroy();
          });
          c.on('error', () => resolve(false));
        });
        expect(authorized).toBe(true);
      } finally {
        tlsServer.close();
      }
    } finally {
      agent.close();
      next.remove();
    }
  });

  it('retries a refused request with backoff, and reports why', async () => {
    const tokenFile = join(pki.dir, 'bad-token');
    writeFileSync(tokenFile, 'not-a-token');
    const store = new SecretStore();
    const agent = startCaAgent({
      address: `localhost:${caPort}`,
      rootCertPem: pki.read(pki.ca.cert).toString(),
      tokenFile,
      identity: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'x' },
      ttlMs: 3_600_000,
      store,
      logger: logger(),
      backoff: { initialMs: 50, maxMs: 100 },
    });
    try {
      const deadline = Date.now() + 5000;
      while (agent.stats().failures < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(agent.stats().failures).toBeGreaterThanOrEqual(3);
      expect(agent.stats().lastError).toMatch(/UNAUTHENTICATED|16: request authenticate failure|request authenticate failure/);
      expect(store.certificate()).toBeUndefined();
    } finally {
      agent.close();
    }
  });
});

/** An UpstreamTlsContext as weftd writes ISTIO_MUTUAL (SDS secrets, SAN matcher, Istio's ALPN). */
function istioMutual(san: string): Record<string, unknown> {
  const sds = (name: string) => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.UPSTREAM_TLS_CONTEXT,
      sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
      common_tls_context: {
        alpn_protocols: ['istio-peer-exchange', 'istio'],
        tls_certificate_sds_secret_configs: [sds('default')],
        combined_validation_context: { default_validation_context: { match_subject_alt_names: [{ exact: san }] }, validation_context_sds_secret_config: sds('ROOTCA') },
      },
    },
  };
}

/** A DownstreamTlsContext as Istio's inbound mTLS chains: client certificate required, SDS secrets. */
function inboundMutual(): Record<string, unknown> {
  const sds = (name: string) => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT,
      require_client_certificate: true,
      common_tls_context: { alpn_protocols: ['h2', 'http/1.1'], tls_certificate_sds_secret_configs: [sds('default')], combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sds('ROOTCA') } },
    },
  };
}

/** Serves TLS with the inbound context: answers each connection with the client's SPIFFE ID. */
async function inboundServer(): Promise<{ port: number; close: () => void }> {
  const loaded = loadDownstreamTls(inboundMutual() as never);
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const server = createNetServer((socket: Socket) => {
    loaded.tls.terminate(socket, (secure: TLSSocket) => secure.end(`peer=${spiffePeerOf(secure) ?? 'none'} alpn=${String(secure.alpnProtocol)}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** Connects with `tls`, returns what the server said or the error. */
function exchange(tls: UpstreamTls, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect('127.0.0.1', port);
    let got = '';
    s.on('secureConnect', () => undefined);
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

describe('mutual TLS with the workload secrets', () => {
  it('an ISTIO_MUTUAL upstream reaches an inbound mTLS chain; the server sees the client identity; rotation applies to new connections', async () => {
    const reviews = pki.issueSpiffe('reviews', REVIEWS);
    workloadSecrets.set({ certChainPem: pki.read(reviews.cert).toString(), privateKeyPem: pki.read(reviews.key).toString(), notAfter: Date.now() + 86_400_000, identity: REVIEWS }, pki.read(pki.ca.cert).toString());
    const server = await inboundServer();
    try {
      const upstream = loadUpstreamTls(istioMutual(REVIEWS) as never);
      if (!upstream.ok || !upstream.tls) throw new Error('not loaded');
      // Istio's ALPN has no protocol in common with h2/http1.1: the handshake still succeeds.
      expect(await exchange(upstream.tls, server.port)).toBe(`peer=${REVIEWS} alpn=istio-peer-exchange`);

      // A certificate the SAN matcher does not accept: refused on the client side.
      const wrong = loadUpstreamTls(istioMutual(PRODUCTPAGE) as never);
      if (!wrong.ok || !wrong.tls) throw new Error('not loaded');
      expect(await exchange(wrong.tls, server.port)).toMatch(/^error: upstream certificate refused: no subject alternative name matched/);

      // Rotation: a new identity in the store is used by the next connection, on both sides.
      const productpage = pki.issueSpiffe('productpage', PRODUCTPAGE);
      workloadSecrets.set({ certChainPem: pki.read(productpage.cert).toString(), privateKeyPem: pki.read(productpage.key).toString(), notAfter: Date.now() + 86_400_000, identity: PRODUCTPAGE }, pki.read(pki.ca.cert).toString());
      expect(await exchange(wrong.tls, server.port)).toBe(`peer=${PRODUCTPAGE} alpn=istio-peer-exchange`);
    } finally {
      server.close();
    }
  });

  it('the inbound chain refuses a client without a certificate and one from another CA', async () => {
    const reviews = pki.issueSpiffe('reviews2', REVIEWS);
    workloadSecrets.set({ certChainPem: pki.read(reviews.cert).toString(), privateKeyPem: pki.read(reviews.key).toString(), notAfter: Date.now() + 86_400_000, identity: REVIEWS }, pki.read(pki.ca.cert).toString());
    const server = await inboundServer();
    try {
      const attempt = (options: Record<string, unknown>): Promise<string> =>
        new Promise((resolve) => {
          const s = tlsConnect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false, ...options });
          let got = '';
          s.on('data', (d: Buffer) => (got += d.toString()));
          s.on('close', () => resolve(got === '' ? 'closed' : got));
          s.on('error', () => undefined);
        });
      expect(await attempt({})).toBe('closed');
      const foreign = pki.selfSigned('foreign', 'evil');
      expect(await attempt({ cert: pki.read(foreign.cert), key: pki.read(foreign.key) })).toBe('closed');
      // And a plain TCP client sending HTTP gets nothing back either.
      const plain = await new Promise<string>((resolve) => {
        const s = netConnect(server.port, '127.0.0.1');
        let got = '';
        s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('close', () => resolve(got));
        s.on('error', () => undefined);
      });
      expect(plain).not.toContain('peer=');
    } finally {
      server.close();
    }
  });

  it('refuses SDS names other than default and ROOTCA (NACK reasons)', () => {
    const bad = istioMutual(REVIEWS) as { typed_config: { common_tls_context: { tls_certificate_sds_secret_configs: { name: string }[] } } };
    bad.typed_config.common_tls_context.tls_certificate_sds_secret_configs = [{ name: 'kubernetes://my-secret' }];
    const r = loadUpstreamTls(bad as never);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems).toEqual(["common_tls_context.tls_certificate_sds_secret_configs[0].name: 'kubernetes://my-secret' is not a secret weft-proxy holds (its agent serves 'default' and 'ROOTCA')"]);
    expect(loadUpstreamTls(undefined)).toEqual({ ok: true, tls: undefined });
    expect(loadUpstreamTls({ name: 'envoy.transport_sockets.raw_buffer' })).toEqual({ ok: true, tls: undefined });
  });
});
