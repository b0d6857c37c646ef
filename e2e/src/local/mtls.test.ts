// Mesh mTLS end to end (issue #6, items 2, 4 and 7), through real weft-proxies with certificates from
// weftd's real CA: auto-mTLS between the client's proxy (productpage) and reviews' sidecar, the
// PeerAuthentication modes as a plaintext client and the client's proxy meet them, attacks on the
// sidecar's inbound port (a foreign CA, an expired mesh certificate, the wrong identity, a forged
// x-forwarded-client-cert), and certificate rotation under load with 4 s certificates.
//
// The test talks to the sidecar's inbound listener directly (its WorkloadEntry address, the service's
// target port) with its own clients: raw TCP for plaintext, node:tls with certificates it asks weftd's
// CA for (a bootstrap token from issueWorkloadToken, as `weftctl up` does) or makes with openssl.
// A refused TLS client may see its handshake complete (TLS 1.3 clients finish before the server has
// read their certificate) and then the connection closed; what counts is that no HTTP byte comes back,
// the close comes at once, and the app never sees the request.

import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueWorkloadToken } from '@weft/control-plane';
import type { DestinationRuleSpec } from '@weft/shared';
import { createCsr, requestCertificate, splitPemCertificates } from '@weft/shared/ca';
import { describeReport, runLoad, startLoad, type LoadReport } from './harness/load.js';
import { authorizationPolicy, destinationRule, peerAuthentication, virtualService, type MeshResource } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh, type MeshNames } from './harness/local-mesh.js';
import { ProxyProcess, type ConfigDump } from './harness/proxy-process.js';
import { sleep, waitUntil } from './harness/wait-until.js';
import { promSamples } from './harness/prometheus-text.js';

const NAMESPACE = 'bookinfo';
const TRUST_DOMAIN = 'cluster.local';
const spiffeId = (serviceAccount: string, namespace = NAMESPACE): string => `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
const PRODUCTPAGE = spiffeId('productpage');
const REVIEWS = spiffeId('reviews');

/** reviews v1 behind its own sidecar; every request of productpage goes to it. */
const routing = (trafficPolicy?: DestinationRuleSpec['trafficPolicy']) => (m: MeshNames): MeshResource[] => [
  destinationRule('reviews', m.namespace, { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }], ...(trafficPolicy ? { trafficPolicy } : {}) }),
  virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] }),
];

// ---------------------------------------------------------------------------------------------------
// Reading the proxies


/** istio_requests_total of the series of `proxy` whose labels include `match`, summed. */
async function requestsTotal(proxy: ProxyProcess, match: Readonly<Record<string, string>>): Promise<number> {
  const list = promSamples(await proxy.admin('/stats/prometheus'), 'istio_requests_total').filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
  return list.reduce((n, s) => n + s.value, 0);
}

/** The server side's count of productpage's requests, by connection security policy. */
async function serverCounts(m: LocalMesh): Promise<{ mutualTls: number; none: number }> {
  const sidecar = reviewsSidecar(m);
  return {
    mutualTls: await requestsTotal(sidecar, { reporter: 'destination', source_workload: 'productpage-v1', connection_security_policy: 'mutual_tls', source_principal: PRODUCTPAGE }),
    none: await requestsTotal(sidecar, { reporter: 'destination', source_workload: 'productpage-v1', connection_security_policy: 'none' }),
  };
}

interface CertView {
  readonly serial_number: string;
  readonly subject_alt_names: ReadonlyArray<Record<string, string>>;
  readonly expiration_time: string;
}

/** Envoy's /certs of a proxy: its workload chain and its trust anchors. */
async function certsOf(proxy: ProxyProcess): Promise<{ certChain: CertView[]; caCert: CertView[] }> {
  const body = JSON.parse(await proxy.admin('/certs')) as { certificates: Array<{ cert_chain: CertView[]; ca_cert: CertView[] }> };
  const first = body.certificates[0];
  return { certChain: first?.cert_chain ?? [], caCert: first?.ca_cert ?? [] };
}

/** A serial number as hex without leading zeros, lower case (node and the admin API differ in case). */
const serialKey = (serial: string): string => serial.toLowerCase().replace(/^0+/, '');

/** `s` as a RegExp source, every character literal. */
const literal = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const reviewsSidecar = (m: LocalMesh): ProxyProcess => {
  const sidecar = m.sidecars.get('reviews/v1');
  if (!sidecar) throw new Error('no reviews sidecar');
  return sidecar;
};

// ---------------------------------------------------------------------------------------------------
// Clients of the sidecar's inbound port

/** What a client saw on one connection. */
interface Exchange {
  /** The TLS handshake completed on the client's side (a TLS 1.3 client finishes before the server has
   *  checked its certificate, so a refusal may come after this). Always true for plaintext. */
  readonly handshake: boolean;
  /** The server's certificate (TLS). */
  readonly serverCert?: { readonly serial: string; readonly uris: readonly string[] };
  /** Every byte the server sent after the handshake. */
  readonly response: string;
  /** The HTTP status, 0 when no HTTP response came. */
  readonly status: number;
  /** How the connection ended: `close`, the error code or message, or `timeout`. */
  readonly ended: string;
  /** From the connect call to the close. */
  readonly elapsedMs: number;
}

const describeExchange = (e: Exchange): string => `handshake ${e.handshake}, status ${e.status}, ended ${e.ended} after ${Math.round(e.elapsedMs)} ms, response ${JSON.stringify(e.response.slice(0, 200))}`;

/** An HTTP/1.1 request for `path` to reviews with `headers`, closing the connection after the answer. */
const httpRequest = (m: LocalMesh, path: string, headers: Readonly<Record<string, string>> = {}): string =>
  `GET ${path} HTTP/1.1\r\nhost: ${m.authority('reviews')}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}connection: close\r\n\r\n`;

/** Runs one exchange on `socket`: `request` once connected (`ready`), then everything until the close. */
function exchange(socket: Socket, ready: 'connect' | 'secureConnect', request: string, timeoutMs = 5_000): Promise<Exchange> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let handshake = false;
    let serverCert: Exchange['serverCert'];
    const chunks: Buffer[] = [];
    let ended = 'close';
    const timer = setTimeout(() => {
      ended = 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.once(ready, () => {
      handshake = true;
      if (ready === 'secureConnect') {
        const peer = (socket as TLSSocket).getPeerCertificate(false);
        const uris = [...(peer.subjectaltname ?? '').matchAll(/URI:([^,]+)/g)].map((x) => x[1] as string);
        serverCert = { serial: peer.serialNumber, uris };
      }
      socket.write(request);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (ended === 'close') ended = e.code ?? e.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const response = Buffer.concat(chunks).toString('utf8');
      resolve({ handshake, ...(serverCert ? { serverCert } : {}), response, status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(response)?.[1] ?? 0), ended, elapsedMs: performance.now() - t0 });
    });
  });
}

/** A plaintext HTTP request straight to reviews' sidecar inbound address and port. */
function plaintextToSidecar(m: LocalMesh, path: string): Promise<Exchange> {
  return exchange(netConnect({ host: m.sidecarAddress('reviews', 'v1'), port: m.app('reviews', 'v1').port }), 'connect', httpRequest(m, path));
}

/** A client certificate (PEM leaf and key). */
interface ClientCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly leaf: X509Certificate;
}

/** An HTTP request over TLS straight to reviews' sidecar, presenting `cert` (if any), with the ALPN of Istio's
 *  mTLS clients (which PERMISSIVE ports require to pick their mTLS chain) and http/1.1. The server is
 *  not verified: an attacker does not care. */
function tlsToSidecar(m: LocalMesh, cert: ClientCert | undefined, path: string, headers: Readonly<Record<string, string>> = {}): Promise<Exchange> {
  const socket = tlsConnect({
    host: m.sidecarAddress('reviews', 'v1'),
    port: m.app('reviews', 'v1').port,
    ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
    rejectUnauthorized: false,
    ALPNProtocols: ['istio', 'http/1.1'],
  });
  return exchange(socket, 'secureConnect', httpRequest(m, path, headers));
}

/** A certificate from the mesh's own CA for `serviceAccount`, asked for `ttlSeconds`, as a workload's
 *  agent gets it (bootstrap token, P-256 CSR). */
async function meshCertificate(m: LocalMesh, serviceAccount: string, ttlSeconds: number): Promise<ClientCert> {
  const caAddress = m.weftd.caAddress;
  if (caAddress === undefined) throw new Error('weftd runs no CA');
  const token = await issueWorkloadToken(m.caDir, { namespace: m.namespace, serviceAccount });
  const csr = createCsr({ trustDomain: TRUST_DOMAIN, namespace: m.namespace, serviceAccount });
  const result = await requestCertificate(caAddress, { token }, csr.csrPem, ttlSeconds, { rootCertPem: readFileSync(join(m.caDir, 'root-cert.pem'), 'utf8') });
  if (!result.ok) throw new Error(`the CA refused: ${result.code} ${result.message}`);
  const leafPem = result.certChain.flatMap((c) => splitPemCertificates(c))[0];
  if (leafPem === undefined) throw new Error('the CA returned an empty chain');
  return { certPem: leafPem, keyPem: csr.privateKeyPem, leaf: new X509Certificate(leafPem) };
}

/** A root CA of nobody's mesh and a leaf it signed carrying productpage's SPIFFE ID: made with the
 *  openssl CLI in `dir`. */
function foreignCertificate(dir: string, uri: string): ClientCert & { readonly rootPem: string } {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/O=evil/CN=foreign root', '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem');
  run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'leaf.key');
  run('req', '-new', '-key', 'leaf.key', '-subj', '/O=evil', '-out', 'leaf.csr');
  writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=critical,URI:${uri}\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'leaf.ext', '-out', 'leaf.pem');
  const certPem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
  return { certPem, keyPem: readFileSync(join(dir, 'leaf.key'), 'utf8'), leaf: new X509Certificate(certPem), rootPem: readFileSync(join(dir, 'ca.pem'), 'utf8') };
}

// ---------------------------------------------------------------------------------------------------
// Config changes

const PEER_AUTHN_FILE = 'peer-authentication.yaml';
const AUTHZ_FILE = 'authorization.yaml';

const send = (m: LocalMesh, path: string, count: number): Promise<LoadReport> => runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path }, count, { concurrency: 4 });

/** The tlsMode metadata of reviews' endpoints in the client proxy's EDS: per cluster load assignment of
 *  reviews, the `envoy.transport_socket_match` tlsMode of each endpoint ('' for none). */
function reviewsTlsModes(dump: ConfigDump): string[][] {
  const entries = ProxyProcess.entriesOf(dump, 'dynamic_endpoint_configs') as Array<{ endpoint_config?: { cluster_name?: string; endpoints?: Array<{ lb_endpoints?: unknown[] }> } }>;
  return entries
    .filter((e) => e.endpoint_config?.cluster_name?.includes('reviews') === true)
    .map((e) => (e.endpoint_config?.endpoints ?? []).flatMap((l) => (l.lb_endpoints ?? []).map((lb) => /"tlsMode":"(\w+)"/.exec(JSON.stringify(lb))?.[1] ?? '')));
}

/** Whether the client's proxy sends mTLS (`istio`) or plaintext (`''`) to every endpoint of reviews. */
const everyReviewsEndpoint = (mode: string) => (dump: ConfigDump): boolean => {
  const modes = reviewsTlsModes(dump);
  return modes.length > 0 && modes.every((l) => l.length > 0 && l.every((x) => x === mode));
};

/** Writes the PeerAuthentications and waits until reviews' sidecar runs them and every proxy acknowledged
 *  the push; `client` also waits for the client proxy's view of reviews' endpoints. Connections of the
 *  sidecar's replaced chains are closed after its 1 s drain. */
async function applyPeerAuthentication(m: LocalMesh, policies: readonly MeshResource[], client?: (dump: ConfigDump) => boolean): Promise<void> {
  await m.applyFile(PEER_AUTHN_FILE, policies, { proxy: reviewsSidecar(m) });
  await m.waitForSync();
  if (client) {
    let last = '';
    await waitUntil(
      'the client proxy to run the new endpoint metadata',
      async () => {
        const dump = await m.proxy.configDump(true);
        last = JSON.stringify(reviewsTlsModes(dump));
        return client(dump);
      },
      { timeoutMs: 10_000, describe: () => last },
    );
  }
  await sleep(1_200);
}

/** Writes the AuthorizationPolicies and waits until every pooled connection answers `status` (the
 *  sidecar's replaced chains drain in 1 s). */
async function applyAuthorization(m: LocalMesh, policies: readonly MeshResource[], status: number): Promise<void> {
  await m.applyFile(AUTHZ_FILE, policies, { proxy: reviewsSidecar(m) });
  await sleep(1_200);
  let last = '';
  await waitUntil(
    `every connection to answer ${status}`,
    async () => {
      const report = await send(m, '/probe', 12);
      last = describeReport(report);
      return report.byStatus[String(status)] === 12;
    },
    { timeoutMs: 15_000, intervalMs: 200, describe: () => last },
  );
  m.upstream('reviews', 'v1').seen.length = 0;
}

const expectServed = (report: LoadReport, count: number): void => {
  expect(report.byStatus, describeReport(report)).toEqual({ '200': count });
  expect(report.byVersion).toEqual({ v1: count });
};

/** A refused connection: whatever the handshake did, no HTTP byte came back and the server closed the
 *  connection at once (not after some timeout). */
const expectRefused = (e: Exchange): void => {
  expect(e.response, describeExchange(e)).toBe('');
  expect(e.status).toBe(0);
  expect(e.ended, describeExchange(e)).not.toBe('timeout');
  expect(e.elapsedMs, describeExchange(e)).toBeLessThan(1_000);
};

// ---------------------------------------------------------------------------------------------------

describe('mesh mTLS between two proxies (weftd CA certificates, 24 h)', () => {
  const mesh = useLocalMesh({
    scenario: 'mtls',
    namespace: NAMESPACE,
    services: [{ name: 'reviews', versions: ['v1'], sidecar: true, sidecarDrainDuration: '1s' }],
    routing: routing(),
  });

  it('auto-mTLS (PERMISSIVE by default): 200s, the server side sees mutual_tls and productpage\'s SPIFFE ID, /certs show SPIFFE URI SANs', async () => {
    const m = mesh();
    const before = await serverCounts(m);
    const report = await send(m, '/reviews/1', 50);
    expectServed(report, 50);
    const after = await serverCounts(m);
    expect({ mutualTls: after.mutualTls - before.mutualTls, none: after.none - before.none }).toEqual({ mutualTls: 50, none: 0 });
    // The source reporter cannot know the connection's security (Istio's says unknown too).
    const client = promSamples(await m.proxy.admin('/stats/prometheus'), 'istio_requests_total').filter((s) => s.labels.destination_workload === 'reviews-v1');
    expect(new Set(client.map((s) => `${s.labels.reporter} ${s.labels.connection_security_policy}`))).toEqual(new Set(['source unknown']));

    const root = new X509Certificate(readFileSync(join(m.caDir, 'root-cert.pem')));
    for (const [proxy, id] of [
      [m.proxy, PRODUCTPAGE],
      [reviewsSidecar(m), REVIEWS],
    ] as const) {
      const certs = await certsOf(proxy);
      expect(certs.certChain.length, `${id}: /certs cert_chain`).toBe(1);
      expect(certs.certChain[0]?.subject_alt_names).toEqual([{ uri: id }]);
      expect(Date.parse(certs.certChain[0]?.expiration_time ?? '')).toBeGreaterThan(Date.now() + 3_600_000);
      // Trust anchor: weftd's root, the one in <ca-dir>/root-cert.pem.
      expect(certs.caCert.map((c) => serialKey(c.serial_number))).toEqual([serialKey(root.serialNumber)]);
    }
    expect(serialKey((await certsOf(m.proxy)).certChain[0]?.serial_number ?? '')).not.toBe(serialKey((await certsOf(reviewsSidecar(m))).certChain[0]?.serial_number ?? ''));
  });

  it('PeerAuthentication: STRICT refuses plaintext and keeps mTLS; PERMISSIVE takes both; a workload DISABLE turns the client to plaintext', async () => {
    const m = mesh();
    // Without a policy (PERMISSIVE): a plaintext client is served.
    const open = await plaintextToSidecar(m, '/plain/default');
    expect(open.status, describeExchange(open)).toBe(200);

    await applyPeerAuthentication(m, [peerAuthentication('default', m.namespace, { mtls: { mode: 'STRICT' } })]);
    const app = m.upstream('reviews', 'v1');
    const refused = await Promise.all(Array.from({ length: 5 }, (_, i) => plaintextToSidecar(m, `/plain/strict/${i}`)));
    for (const r of refused) expectRefused(r);
    let before = await serverCounts(m);
    expectServed(await send(m, '/reviews/strict', 40), 40);
    let after = await serverCounts(m);
    expect({ mutualTls: after.mutualTls - before.mutualTls, none: after.none - before.none }).toEqual({ mutualTls: 40, none: 0 });
    expect(app.seen.filter((r) => r.path.startsWith('/plain/strict'))).toEqual([]);

    await applyPeerAuthentication(m, [peerAuthentication('default', m.namespace, { mtls: { mode: 'PERMISSIVE' } })]);
    const permissive = await plaintextToSidecar(m, '/plain/permissive');
    expect(permissive.status, describeExchange(permissive)).toBe(200);
    expect(app.seen.filter((r) => r.path === '/plain/permissive')).toHaveLength(1);

    // A workload-level DISABLE: the sidecar only has a plaintext chain and weftd drops the endpoint's
    // tlsMode metadata, so the client's auto-mTLS picks plaintext.
    await applyPeerAuthentication(
      m,
      [peerAuthentication('default', m.namespace, { mtls: { mode: 'PERMISSIVE' } }), peerAuthentication('reviews-plaintext', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'DISABLE' } })],
      everyReviewsEndpoint(''),
    );
    before = await serverCounts(m);
    expectServed(await send(m, '/reviews/disable', 40), 40);
    after = await serverCounts(m);
    expect({ mutualTls: after.mutualTls - before.mutualTls, none: after.none - before.none }).toEqual({ mutualTls: 0, none: 40 });
    const plain = await plaintextToSidecar(m, '/plain/disable');
    expect(plain.status, describeExchange(plain)).toBe(200);
  });

  describe('attacks on the sidecar under STRICT', () => {
    let dir = '';
    /** ratings' identity: the mesh's, not productpage's. */
    let valid: ClientCert;
    /** productpage's identity, valid: what the expired one would be but for its age. */
    let fresh: ClientCert;
    let expired: ClientCert;
    let expiredAskedAt = 0;

    beforeAll(async () => {
      const m = mesh();
      dir = mkdtempSync(join(tmpdir(), 'weft-e2e-mtls-foreign-'));
      // Asked for before STRICT is applied, so its second of life passes meanwhile.
      expiredAskedAt = Date.now();
      expired = await meshCertificate(m, 'productpage', 1);
      valid = await meshCertificate(m, 'ratings', 600);
      fresh = await meshCertificate(m, 'productpage', 600);
      await applyPeerAuthentication(m, [peerAuthentication('default', m.namespace, { mtls: { mode: 'STRICT' } })], everyReviewsEndpoint('istio'));
      await waitUntil('the 1 s certificate to expire', () => Date.now() > Date.parse(expired.leaf.validTo) + 1_000, { timeoutMs: 5_000 });
    }, 60_000);
    afterAll(() => {
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('control: certificates of the mesh CA are accepted on the inbound port (200), the sidecar presents reviews\' SPIFFE ID; plaintext and TLS without a certificate are refused', async () => {
      const m = mesh();
      const own = await certsOf(reviewsSidecar(m));
      for (const cert of [valid, fresh]) {
        const ok = await tlsToSidecar(m, cert, '/direct/valid');
        expect(ok.status, describeExchange(ok)).toBe(200);
        expect(ok.serverCert?.uris).toEqual([REVIEWS]);
        expect(serialKey(ok.serverCert?.serial ?? '')).toBe(serialKey(own.certChain[0]?.serial_number ?? 'x'));
      }
      expect(m.upstream('reviews', 'v1').seen.filter((r) => r.path === '/direct/valid')).toHaveLength(2);
      expectRefused(await plaintextToSidecar(m, '/plain/attack'));
      expectRefused(await tlsToSidecar(m, undefined, '/direct/anonymous'));
    });

    it('(a) a certificate from a foreign CA, carrying productpage\'s SPIFFE ID, is refused: closed before any HTTP byte', async () => {
      const m = mesh();
      const foreign = foreignCertificate(dir, PRODUCTPAGE);
      // Well formed and what the attacker wants: valid now, productpage's identity, but not the mesh's root.
      expect(foreign.leaf.subjectAltName).toBe(`URI:${PRODUCTPAGE}`);
      expect(foreign.leaf.verify(new X509Certificate(foreign.rootPem).publicKey)).toBe(true);
      expect(foreign.leaf.verify(new X509Certificate(readFileSync(join(m.caDir, 'root-cert.pem'))).publicKey)).toBe(false);
      const app = m.upstream('reviews', 'v1');
      const tries = await Promise.all(Array.from({ length: 3 }, (_, i) => tlsToSidecar(m, foreign, `/direct/foreign/${i}`)));
      for (const t of tries) expectRefused(t);
      expect(app.seen.filter((r) => r.path.startsWith('/direct/foreign'))).toEqual([]);
    });

    it('(b) an expired certificate from the mesh\'s own CA is refused', async () => {
      const m = mesh();
      expect(expired.leaf.checkIssued(new X509Certificate(readFileSync(join(m.caDir, 'root-cert.pem'))))).toBe(true);
      expect(expired.leaf.subjectAltName).toBe(`URI:${PRODUCTPAGE}`);
      // The CA gave it the 1 s asked for (notAfter has whole seconds; notBefore is backdated for clock
      // skew, as Istio's CA does), and that second is over.
      expect(Date.parse(expired.leaf.validTo) - expiredAskedAt).toBeLessThan(3_000);
      expect(Date.parse(expired.leaf.validTo)).toBeLessThan(Date.now());
      const app = m.upstream('reviews', 'v1');
      const tries = await Promise.all(Array.from({ length: 3 }, (_, i) => tlsToSidecar(m, expired, `/direct/expired/${i}`)));
      for (const t of tries) expectRefused(t);
      expect(app.seen.filter((r) => r.path.startsWith('/direct/expired'))).toEqual([]);
    });

    it('(c) AuthorizationPolicy on source principals and namespaces: the wrong identity gets 403 RBAC: access denied', async () => {
      const m = mesh();
      const app = m.upstream('reviews', 'v1');
      const allowFrom = (name: string, source: Record<string, string[]>): MeshResource =>
        authorizationPolicy(name, m.namespace, { selector: { matchLabels: { app: 'reviews' } }, action: 'ALLOW', rules: [{ from: [{ source }] }] });

      await applyAuthorization(m, [allowFrom('only-someone-else', { principals: [`${TRUST_DOMAIN}/ns/${m.namespace}/sa/someone-else`] })], 403);
      const denied = await send(m, '/reviews/principal-other', 30);
      expect(denied.byStatus, describeReport(denied)).toEqual({ '403': 30 });
      expect(new Set(denied.results.map((r) => r.detail))).toEqual(new Set(['RBAC: access denied']));
      expect(app.seen).toHaveLength(0);

      await applyAuthorization(m, [allowFrom('only-productpage', { principals: [`${TRUST_DOMAIN}/ns/${m.namespace}/sa/productpage`] })], 200);
      expectServed(await send(m, '/reviews/principal-own', 30), 30);
      // Another mesh identity, straight to the sidecar, is not productpage.
      const ratings = await tlsToSidecar(m, valid, '/direct/ratings');
      expect(ratings.status, describeExchange(ratings)).toBe(403);
      expect(ratings.response.endsWith('RBAC: access denied')).toBe(true);

      await applyAuthorization(m, [allowFrom('same-namespace', { namespaces: [m.namespace] })], 200);
      expectServed(await send(m, '/reviews/namespace-own', 30), 30);

      await applyAuthorization(m, [allowFrom('other-namespace', { namespaces: ['other'] })], 403);
      const otherNs = await send(m, '/reviews/namespace-other', 30);
      expect(otherNs.byStatus, describeReport(otherNs)).toEqual({ '403': 30 });
      expect(app.seen).toHaveLength(0);

      await applyAuthorization(m, [], 200);
    });

    it('(d) a forged x-forwarded-client-cert from the app is dropped; the app behind reviews sees only the sidecar\'s element', async () => {
      const m = mesh();
      const app = m.upstream('reviews', 'v1');
      const forged = `By=${REVIEWS};Hash=${'0'.repeat(64)};Subject="";URI=${spiffeId('admin', 'istio-system')}`;
      const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/xfcc/forged', headers: { 'x-forwarded-client-cert': forged } }, 10, { concurrency: 2 });
      expectServed(report, 10);
      const seen = app.seen.filter((r) => r.path === '/xfcc/forged').map((r) => r.headers['x-forwarded-client-cert']);
      expect(seen).toHaveLength(10);
      const element = new RegExp(`^By=${literal(REVIEWS)};Hash=[0-9a-f]{64};Subject="";URI=${literal(PRODUCTPAGE)}$`);
      for (const xfcc of seen) expect(xfcc).toMatch(element);

      // The Hash is the SHA-256 of the client's certificate: checked with a certificate whose DER the
      // test knows, sent straight to the sidecar (mTLS, no forged header).
      const direct = await tlsToSidecar(m, valid, '/xfcc/direct');
      expect(direct.status, describeExchange(direct)).toBe(200);
      const hash = createHash('sha256').update(valid.leaf.raw).digest('hex');
      expect(app.seen.filter((r) => r.path === '/xfcc/direct').map((r) => r.headers['x-forwarded-client-cert'])).toEqual([`By=${REVIEWS};Hash=${hash};Subject="";URI=${spiffeId('ratings')}`]);
    });
  });
});

describe('certificate rotation under load (4 s certificates on both proxies)', () => {
  // An idle upstream connection older than 10 ms is not reused: most requests open a new mTLS
  // connection, so handshakes keep meeting freshly rotated certificates on both sides.
  const mesh = useLocalMesh({
    scenario: 'mtls-rotation',
    namespace: NAMESPACE,
    services: [{ name: 'reviews', versions: ['v1'], sidecar: true }],
    routing: routing({ connectionPool: { http: { idleTimeout: '10ms' } } }),
    proxyArgs: ['--workload-cert-ttl', '4s'],
  });

  it('three or more rotations on each proxy, zero failed requests; new handshakes use the new certificates', async () => {
    const m = mesh();
    const sidecar = reviewsSidecar(m);
    const app = m.upstream('reviews', 'v1');
    app.seen.length = 0;
    const probeCert = await meshCertificate(m, 'ratings', 600);
    const client = new Set<string>();
    const server = new Set<string>();
    const served = new Set<string>();
    const probes: string[] = [];
    const before = await serverCounts(m);

    let loadReport: LoadReport | undefined;
    const load = startLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/reviews/rotation' }, { concurrency: 4, pauseMs: 15 });
    let sampled = '';
    try {
      await waitUntil(
        'four certificates (three rotations) on each proxy and on the sidecar\'s inbound handshakes',
        async () => {
          const [own, theirs, probe] = await Promise.all([certsOf(m.proxy), certsOf(sidecar), tlsToSidecar(m, probeCert, '/probe')]);
          for (const c of own.certChain.slice(0, 1)) client.add(serialKey(c.serial_number));
          for (const c of theirs.certChain.slice(0, 1)) server.add(serialKey(c.serial_number));
          if (probe.serverCert) served.add(serialKey(probe.serverCert.serial));
          probes.push(String(probe.status));
          sampled = `client ${client.size}, sidecar ${server.size}, served by the sidecar ${served.size}; last probe: ${describeExchange(probe)}`;
          return client.size >= 4 && server.size >= 4 && served.size >= 4;
        },
        { timeoutMs: 20_000, intervalMs: 300, describe: () => sampled },
      );
    } finally {
      // Stopped whatever the wait did; its requests are checked below.
      loadReport = await load.stop();
    }
    // Not one request failed while the certificates rotated under it.
    expect(loadReport.failures, describeReport(loadReport)).toEqual([]);
    expect(loadReport.total).toBeGreaterThan(200);

    const xfcc = xfccSummary(app.seen.filter((r) => r.path === '/reviews/rotation').map((r) => r.headers['x-forwarded-client-cert']));
    expect(xfcc.total).toBe(loadReport.total);
    // Every request arrived over mTLS from productpage, and the client's proxy presented at least four
    // distinct certificates (XFCC Hash) on its connections: its rotated ones, not only the first.
    expect(xfcc.uris).toEqual([PRODUCTPAGE]);
    expect(xfcc.hashes).toBeGreaterThanOrEqual(4);
    // Each probe's fresh handshake was served, and presented only certificates the sidecar's agent held.
    expect(new Set(probes)).toEqual(new Set(['200']));
    expect([...served].filter((s) => !server.has(s))).toEqual([]);
    const after = await serverCounts(m);
    expect({ mutualTls: after.mutualTls - before.mutualTls, none: after.none - before.none }).toEqual({ mutualTls: loadReport.total, none: 0 });
  });
});

/** The URIs and number of distinct certificate hashes in the XFCC headers an app saw. */
function xfccSummary(headers: ReadonlyArray<string | string[] | undefined>): { uris: string[]; hashes: number; total: number } {
  const uris = new Set<string>();
  const hashes = new Set<string>();
  for (const h of headers) {
    const value = Array.isArray(h) ? h.join(',') : (h ?? '');
    uris.add(/;URI=([^;,]+)/.exec(value)?.[1] ?? '(none)');
    hashes.add(/;Hash=([0-9a-f]+)/.exec(value)?.[1] ?? '(none)');
  }
  return { uris: [...uris], hashes: hashes.size, total: headers.length };
}
