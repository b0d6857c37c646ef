import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRbacFilter } from '../rbac/index.js';
import { createTestPki, type CertFiles, type TestPki } from '../tls/tls-certs.test-fixtures.js';
import { rbacConnectionOf, type RbacConnection } from './rbac-connection.js';

let pki: TestPki;
let server: CertFiles;
let workload: CertFiles;
beforeAll(() => {
  pki = createTestPki();
  server = pki.issue('server', 'reviews.default.svc', 'server');
  workload = pki.issueSpiffe('productpage', 'spiffe://cluster.local/ns/default/sa/productpage');
});
afterAll(() => pki.remove());

/** Accepts one connection on `listen` and returns what RBAC reads from the accepted socket. */
async function acceptOne(listen: (onSocket: (s: Socket) => void) => { port: number; close: () => void } | Promise<{ port: number; close: () => void }>, dial: (port: number) => Socket, context: Parameters<typeof rbacConnectionOf>[1] = {}): Promise<RbacConnection> {
  let resolve!: (c: RbacConnection) => void;
  const seen = new Promise<RbacConnection>((r) => (resolve = r));
  const l = await listen((s) => {
    resolve(rbacConnectionOf(s, context));
    s.destroy();
  });
  const client = dial(l.port);
  client.on('error', () => undefined);
  try {
    return await seen;
  } finally {
    client.destroy();
    l.close();
  }
}

const plainListener = (onSocket: (s: Socket) => void): Promise<{ port: number; close: () => void }> =>
  new Promise((resolve) => {
    const srv = createServer(onSocket);
    srv.listen(0, '127.0.0.1', () => resolve({ port: (srv.address() as AddressInfo).port, close: () => srv.close() }));
  });

const tlsListener = (onSocket: (s: Socket) => void): Promise<{ port: number; close: () => void }> =>
  new Promise((resolve) => {
    const srv = createTlsServer({ cert: pki.read(server.cert), key: pki.read(server.key), ca: pki.read(pki.ca.cert), requestCert: true, rejectUnauthorized: false }, (s: TLSSocket) => onSocket(s));
    srv.listen(0, '127.0.0.1', () => resolve({ port: (srv.address() as AddressInfo).port, close: () => srv.close() }));
  });

describe('rbacConnectionOf', () => {
  it('reads the peer and the local address of a plaintext connection, or the original destination', async () => {
    const local = await acceptOne(plainListener, (port) => connect({ host: '127.0.0.1', port }));
    expect(local).toEqual({ directRemoteIp: '127.0.0.1', destinationIp: '127.0.0.1', destinationPort: expect.any(Number), requestedServerName: '' });
    expect(local).not.toHaveProperty('peerCertificate');
    const captured = await acceptOne(plainListener, (port) => connect({ host: '127.0.0.1', port }), { originalDestination: { host: '10.0.0.7', port: 9080 }, serverName: 'inspected.example' });
    expect(captured).toMatchObject({ destinationIp: '10.0.0.7', destinationPort: 9080, requestedServerName: 'inspected.example' });
  });

  it('reads SNI and the SPIFFE URI SAN of a TLS client, which `authenticated` principals match', async () => {
    const dial = (cert?: CertFiles) => (port: number) =>
      tlsConnect({ host: '127.0.0.1', port, servername: 'reviews.default.svc', ca: pki.read(pki.ca.cert), ...(cert ? { cert: pki.read(cert.cert), key: pki.read(cert.key) } : {}) });
    const mtls = await acceptOne(tlsListener, dial(workload));
    expect(mtls).toMatchObject({ requestedServerName: 'reviews.default.svc', peerCertificate: { uriSans: ['spiffe://cluster.local/ns/default/sa/productpage'], dnsSans: [], subject: 'O=weft' } });
    const tlsOnly = await acceptOne(tlsListener, dial());
    expect(tlsOnly.peerCertificate).toEqual({});

    const compiled = compileRbacFilter({ rules: { policies: { p: { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/default/sa/productpage' } } }] } } } });
    if (!compiled.ok) throw new Error(compiled.problems.join('; '));
    expect(compiled.engine.evaluate(mtls).allowed).toBe(true);
    expect(compiled.engine.evaluate(tlsOnly).allowed).toBe(false);
  });
});
