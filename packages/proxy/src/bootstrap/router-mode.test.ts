// A router (ingress gateway) fed over xDS with the listeners weftd generates for Gateways
// (control-plane generators/lds-gateway.ts, rds-gateway.ts): wildcard listeners bound on the workload
// address, Host routing, TLS termination chosen by SNI, MUTUAL TLS, httpsRedirect, and NACKs of
// unreadable certificates.

import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { TYPE_URL } from '@weft/shared/xds';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { XdsTestServer, waitFor } from '../../test/xds-test-server.js';
import { canConnect } from '../../test/can-connect.js';
import { defaultProxyConfig } from '../config.js';
import { staticCluster } from '../listeners/sidecar-listeners.test-fixtures.js';
import { createTestPki, type CertFiles, type TestPki } from '../tls/tls-certs.test-fixtures.js';
import { startProxy, type ProxyHandle } from './start-proxy.js';
import { freePort } from '../../test/free-port.js';

const GATEWAY_IP = '127.0.0.41';
const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TYPE_URL.TLS_INSPECTOR } };

let pki: TestPki;
let certA: CertFiles;
let certB: CertFiles;
let clientCert: CertFiles;
let strangerCert: CertFiles;
beforeAll(() => {
  pki = createTestPki();
  certA = pki.issue('a', 'a.example.com', 'server');
  certB = pki.issue('b', '*.b.example.com', 'server');
  clientCert = pki.issue('client', 'client.example.com', 'client');
  strangerCert = pki.selfSigned('stranger', 'client.example.com');
});
afterAll(() => pki.remove());

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An upstream app that names itself and echoes what the gateway sent it. */
async function app(name: string): Promise<number> {
  const server: HttpServer = createHttpServer((req, res) => res.end(`${name} host=${req.headers.host} xfp=${req.headers['x-forwarded-proto']}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return (server.address() as AddressInfo).port;
}


async function startRouter(): Promise<{ proxy: ProxyHandle; xds: XdsTestServer; logs: string[] }> {
  const xds = await XdsTestServer.start();
  const logs: string[] = [];
  const logStream = new PassThrough();
  logStream.on('data', (d: Buffer) => logs.push(...d.toString().split('\n').filter(Boolean)));
  const proxy = await startProxy(
    defaultProxyConfig({ mode: 'router', adminPort: 0, healthPort: 0, statsPort: 0, outboundPort: 0, discoveryAddress: xds.address, workloadName: 'ingressgateway', namespace: 'istio-system', workloadAddresses: [GATEWAY_IP] }),
    { logStream, exit: () => undefined, backoff: { initialMs: 20, maxMs: 100 }, healthHost: '127.0.0.1' },
  );
  cleanups.push(
    () => xds.close(),
    () => proxy.close(),
  );
  return { proxy, xds, logs };
}

/** weftd's gateway HCM (filter-http-connection-manager.ts, direction gateway). */
const hcm = (port: number, routeName: string): Record<string, unknown> => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
    stat_prefix: `outbound_0.0.0.0_${port}`,
    rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
    use_remote_address: { value: true },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } }],
  },
});

/** weftd's downstreamTlsSocket (lds-gateway.ts) for SIMPLE, or MUTUAL with `ca`. */
function tlsSocket(cert: CertFiles, ca?: string): Record<string, unknown> {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT,
      common_tls_context: {
        alpn_protocols: ['h2', 'http/1.1'],
        tls_certificates: [{ certificate_chain: { filename: cert.cert }, private_key: { filename: cert.key } }],
        ...(ca ? { validation_context: { trusted_ca: { filename: ca } } } : {}),
      },
      ...(ca ? { require_client_certificate: { value: true } } : {}),
    },
  };
}

const gatewayListener = (port: number, chains: Record<string, unknown>[], tls: boolean): Record<string, unknown> => ({
  name: `0.0.0.0_${port}`,
  address: { socket_address: { address: '0.0.0.0', port_value: port } },
  traffic_direction: 'OUTBOUND',
  ...(tls ? { listener_filters: [TLS_INSPECTOR] } : {}),
  filter_chains: chains,
});

const vhost = (host: string, port: number, cluster: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: `${host}:${port}`,
  domains: host === '*' ? ['*'] : [host, `${host}:${port}`],
  routes: cluster ? [{ match: { prefix: '/' }, route: { cluster, timeout: { seconds: '0' } } }] : [],
  ...extra,
});

interface TlsAnswer {
  readonly status: number;
  readonly body: string;
  readonly peer: PeerCertificate;
  readonly alpn: string | false;
}

/** One HTTPS request to the gateway with `servername` as SNI (and a client certificate when given). */
function httpsGet(port: number, servername: string, host: string, client?: CertFiles): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    // https.request passes TLS options (ALPNProtocols among them) through to tls.connect.
    const options: import('node:https').RequestOptions & import('node:tls').ConnectionOptions = {
      host: GATEWAY_IP,
      port,
      path: '/hello',
      servername,
      headers: { host },
      ca: pki.read(pki.ca.cert),
      ALPNProtocols: ['http/1.1'],
      agent: false,
      ...(client ? { cert: pki.read(client.cert), key: pki.read(client.key) } : {}),
    };
    const req = httpsRequest(
      options,
      (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        const peer = socket.getPeerCertificate();
        const alpn = socket.alpnProtocol ?? false;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer, alpn }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Whether a TLS handshake with `servername` completes and the connection then carries a response. */
async function fails(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
  throw new Error('expected the request to fail');
}

describe('router mode (ingress gateway)', () => {
  it('binds a wildcard listener on the workload address only, routes by Host, and redirects plaintext on require_tls hosts', async () => {
    const [shop, blog] = [await app('shop'), await app('blog')];
    const port = await freePort(GATEWAY_IP);
    const { proxy, xds } = await startRouter();
    xds.set(TYPE_URL.CLUSTER, '1', [staticCluster('outbound|80||shop', [['127.0.0.1', shop]]), staticCluster('outbound|80||blog', [['127.0.0.1', blog]])]);
    xds.set(TYPE_URL.LISTENER, '1', [gatewayListener(port, [{ filters: [hcm(port, `http.${port}`)] }], false)]);
    xds.set(TYPE_URL.ROUTE, '1', [{ name: `http.${port}`, virtual_hosts: [vhost('shop.example.com', port, 'outbound|80||shop'), vhost('blog.example.com', port, 'outbound|80||blog'), vhost('secure.example.com', port, undefined, { require_tls: 'ALL' })] }]);
    await waitFor(() => proxy.listeners.bindings().some((b) => b.state === 'bound'), 'listener bound');

    expect(proxy.listeners.bindings().map((b) => `${b.listenerName} ${b.address} ${b.state}`)).toEqual([`0.0.0.0_${port} ${GATEWAY_IP}:${port} bound`]);
    expect(await canConnect('127.0.0.1', port)).toBe(false);

    const get = async (host: string, headers: Record<string, string> = {}) => {
      const res = await request(`http://${GATEWAY_IP}:${port}/hello?x=1`, { headers: { host, ...headers } });
      return { status: res.statusCode, body: await res.body.text(), location: res.headers.location };
    };
    await waitFor(async () => (await get('shop.example.com')).status === 200, 'routes applied');
    expect(await get('shop.example.com')).toMatchObject({ status: 200, body: 'shop host=shop.example.com xfp=http' });
    // use_remote_address: the client's x-forwarded-proto is replaced by the connection's scheme.
    expect(await get(`blog.example.com:${port}`, { 'x-forwarded-proto': 'https' })).toMatchObject({ status: 200, body: `blog host=blog.example.com:${port} xfp=http` });
    expect(await get('nope.example.com')).toMatchObject({ status: 404 });
    expect(await get(`secure.example.com:${port}`, { 'x-forwarded-proto': 'https' })).toEqual({ status: 301, body: '', location: `https://secure.example.com:${port}/hello?x=1` });
  });

  it('terminates TLS with the certificate of the chain the SNI selects, and 404s hosts its routes lack', async () => {
    const [shop, blog] = [await app('shop'), await app('blog')];
    const port = await freePort(GATEWAY_IP);
    const { proxy, xds } = await startRouter();
    xds.set(TYPE_URL.CLUSTER, '1', [staticCluster('outbound|80||shop', [['127.0.0.1', shop]]), staticCluster('outbound|80||blog', [['127.0.0.1', blog]])]);
    xds.set(TYPE_URL.LISTENER, '1', [
      gatewayListener(
        port,
        [
          { filter_chain_match: { server_names: ['a.example.com'] }, transport_socket: tlsSocket(certA), filters: [hcm(port, `https.${port}.https-a.gw.istio-system`)] },
          { filter_chain_match: { server_names: ['*.b.example.com'] }, transport_socket: tlsSocket(certB), filters: [hcm(port, `https.${port}.https-b.gw.istio-system`)] },
        ],
        true,
      ),
    ]);
    xds.set(TYPE_URL.ROUTE, '1', [
      { name: `https.${port}.https-a.gw.istio-system`, virtual_hosts: [vhost('a.example.com', port, 'outbound|80||shop', { require_tls: 'ALL' })] },
      { name: `https.${port}.https-b.gw.istio-system`, virtual_hosts: [vhost('*.b.example.com', port, 'outbound|80||blog')] },
    ]);
    await waitFor(() => proxy.listeners.bindings().some((b) => b.state === 'bound'), 'listener bound');
    await waitFor(async () => (await httpsGet(port, 'a.example.com', 'a.example.com').catch(() => undefined))?.status === 200, 'routes applied');

    const a = await httpsGet(port, 'a.example.com', 'a.example.com');
    // TLS marks the request https, which also satisfies require_tls.
    expect(a).toMatchObject({ status: 200, body: 'shop host=a.example.com xfp=https', alpn: 'http/1.1' });
    expect(a.peer.subject.CN).toBe('a.example.com');
    expect(a.peer.subjectaltname).toBe('DNS:a.example.com');

    const b = await httpsGet(port, 'x.b.example.com', 'x.b.example.com');
    expect(b).toMatchObject({ status: 200, body: 'blog host=x.b.example.com xfp=https' });
    expect(b.peer.subject.CN).toBe('*.b.example.com');

    // The SNI chose chain a; its route config has no virtual host for this Host.
    expect(await httpsGet(port, 'a.example.com', 'other.example.com')).toMatchObject({ status: 404, peer: expect.objectContaining({ subject: expect.objectContaining({ CN: 'a.example.com' }) }) });
    // No chain for the SNI (or none at all): the connection is closed before any certificate is sent.
    expect(await fails(httpsGet(port, 'c.example.com', 'c.example.com'))).toBe('ECONNRESET');
    expect(await fails(httpsGet(port, 'b.example.com', 'b.example.com'))).toBe('ECONNRESET');
  });

  it('negotiates h2 by ALPN on a TLS chain and serves HTTP/2 behind it', async () => {
    const shop = await app('shop');
    const port = await freePort(GATEWAY_IP);
    const { proxy, xds } = await startRouter();
    xds.set(TYPE_URL.CLUSTER, '1', [staticCluster('outbound|80||shop', [['127.0.0.1', shop]])]);
    xds.set(TYPE_URL.LISTENER, '1', [gatewayListener(port, [{ filter_chain_match: { server_names: ['a.example.com'] }, transport_socket: tlsSocket(certA), filters: [hcm(port, 'https-a')] }], true)]);
    xds.set(TYPE_URL.ROUTE, '1', [{ name: 'https-a', virtual_hosts: [vhost('a.example.com', port, 'outbound|80||shop')] }]);
    await waitFor(() => proxy.listeners.bindings().some((b) => b.state === 'bound'), 'listener bound');
    const { connect } = await import('node:http2');
    const session = connect(`https://a.example.com:${port}`, { ca: pki.read(pki.ca.cert), servername: 'a.example.com', createConnection: () => tlsConnect({ host: GATEWAY_IP, port, servername: 'a.example.com', ca: pki.read(pki.ca.cert), ALPNProtocols: ['h2'] }) });
    cleanups.push(() => session.destroy());
    const answer = await waitFor(
      () =>
        new Promise<{ status: number; body: string } | undefined>((resolve) => {
          const stream = session.request({ ':path': '/hello', ':authority': 'a.example.com' });
          let status = 0;
          let body = '';
          stream.on('response', (h) => (status = Number(h[':status'])));
          stream.setEncoding('utf8');
          stream.on('data', (d: string) => (body += d));
          stream.on('end', () => resolve(status === 200 ? { status, body } : undefined));
          stream.on('error', () => resolve(undefined));
        }),
      'h2 answer',
    );
    expect(answer).toEqual({ status: 200, body: 'shop host=a.example.com xfp=https' });
  });

  it('MUTUAL: refuses clients without a certificate or with one the CA did not sign, and serves a CA-signed one', async () => {
    const shop = await app('shop');
    const port = await freePort(GATEWAY_IP);
    const { proxy, xds } = await startRouter();
    xds.set(TYPE_URL.CLUSTER, '1', [staticCluster('outbound|80||shop', [['127.0.0.1', shop]])]);
    xds.set(TYPE_URL.LISTENER, '1', [gatewayListener(port, [{ filter_chain_match: { server_names: ['a.example.com'] }, transport_socket: tlsSocket(certA, pki.ca.cert), filters: [hcm(port, 'mtls')] }], true)]);
    xds.set(TYPE_URL.ROUTE, '1', [{ name: 'mtls', virtual_hosts: [vhost('a.example.com', port, 'outbound|80||shop')] }]);
    await waitFor(() => proxy.listeners.bindings().some((b) => b.state === 'bound'), 'listener bound');
    await waitFor(async () => (await httpsGet(port, 'a.example.com', 'a.example.com', clientCert).catch(() => undefined))?.status === 200, 'mTLS served');

    expect(await httpsGet(port, 'a.example.com', 'a.example.com', clientCert)).toMatchObject({ status: 200, body: 'shop host=a.example.com xfp=https' });
    expect(await fails(httpsGet(port, 'a.example.com', 'a.example.com'))).toMatch(/ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET|ERR_SSL/);
    expect(await fails(httpsGet(port, 'a.example.com', 'a.example.com', strangerCert))).toMatch(/ECONNRESET|ERR_SSL|socket hang up/);
  });

  it('NACKs a listener whose certificate file is missing, naming the file and field, and keeps serving the last good one', async () => {
    const shop = await app('shop');
    const port = await freePort(GATEWAY_IP);
    const { proxy, xds } = await startRouter();
    xds.set(TYPE_URL.CLUSTER, '1', [staticCluster('outbound|80||shop', [['127.0.0.1', shop]])]);
    const chain = (cert: CertFiles): Record<string, unknown> => ({ filter_chain_match: { server_names: ['a.example.com'] }, transport_socket: tlsSocket(cert), filters: [hcm(port, 'https-a')] });
    xds.set(TYPE_URL.LISTENER, '1', [gatewayListener(port, [chain(certA)], true)]);
    xds.set(TYPE_URL.ROUTE, '1', [{ name: 'https-a', virtual_hosts: [vhost('a.example.com', port, 'outbound|80||shop')] }]);
    await waitFor(async () => (await httpsGet(port, 'a.example.com', 'a.example.com').catch(() => undefined))?.status === 200, 'TLS served');

    const missing = `${pki.dir}/missing.crt`;
    xds.set(TYPE_URL.LISTENER, '2', [gatewayListener(port, [chain({ cert: missing, key: certA.key })], true)]);
    const nack = await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).find((r) => r.error_detail), 'LDS NACK');
    expect(nack.version_info).toBe('1');
    expect(nack.error_detail?.message).toBe(
      `listener '0.0.0.0_${port}': filter_chains[0].transport_socket: common_tls_context.tls_certificates[0].certificate_chain.filename: cannot read '${missing}': no such file or directory`,
    );
    expect(proxy.xds.snapshot().listener.failures.has(`0.0.0.0_${port}`)).toBe(true);
    const a = await httpsGet(port, 'a.example.com', 'a.example.com');
    expect(a).toMatchObject({ status: 200, body: 'shop host=a.example.com xfp=https' });
    expect(a.peer.subject.CN).toBe('a.example.com');
  });
});
