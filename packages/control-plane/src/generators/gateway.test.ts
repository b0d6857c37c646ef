import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocuments } from '@weft/shared';
import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { createConfigEntry, type ConfigEntry } from '../config/config-store.js';
import { gatewayWarningsFor } from '../snapshot/lookup-gateways.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { simulate } from '../simulation/simulate.js';
import { credentialsDir, router, writeCredential } from './gateway.test-fixtures.js';
import { generateProxyConfig } from './index.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar, virtualService } from './lds-rds.test-fixtures.js';
import type { EnvoyResource, GeneratedConfig } from './types.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../../../shared/corpus/istio/samples/bookinfo/networking');
const GATEWAY_FILE = path.join(CORPUS, 'bookinfo-gateway.yaml');
const corpusPresent = existsSync(GATEWAY_FILE);
if (!corpusPresent) console.warn(`gateway.test: ${GATEWAY_FILE} not found; bookinfo-gateway checks skipped`);

const PRODUCTPAGE = 'outbound|9080||productpage.default.svc.cluster.local';
const INGRESS = router();

/** Every resource packed as Envoy (packAny throws on anything Envoy's protos do not define). */
function generate(snapshot: MeshSnapshot, proxy: ProxyView = INGRESS): GeneratedConfig {
  const config = generateProxyConfig(snapshot, proxy);
  packAll(TYPE_URL.LISTENER, config.listeners);
  packAll(TYPE_URL.ROUTE, config.routes);
  packAll(TYPE_URL.CLUSTER, config.clusters);
  packAll(TYPE_URL.ENDPOINT, config.endpoints);
  return config;
}

type Chain = { filter_chain_match?: { server_names?: string[] }; transport_socket?: { typed_config: Record<string, unknown> }; filters: { typed_config: { rds?: { route_config_name: string } } }[] };
type VHost = { name: string; domains: string[]; routes: { match: Record<string, unknown>; route?: { cluster?: string } }[]; require_tls?: string };
const listener = (c: GeneratedConfig, name: string) => c.listeners.find((l) => l.name === name) as (EnvoyResource & { filter_chains: Chain[]; listener_filters?: { name: string }[]; address: unknown }) | undefined;
const routeConfig = (c: GeneratedConfig, name: string) => c.routes.find((r) => r.name === name) as (EnvoyResource & { virtual_hosts: VHost[] }) | undefined;
const rdsOf = (chain: Chain | undefined) => chain?.filters[0]?.typed_config.rds?.route_config_name;

const gateway = (name: string, servers: Record<string, unknown>[], opts: { namespace?: string; selector?: Record<string, string> } = {}): ConfigEntry =>
  entry('Gateway', name, opts.namespace ?? 'default', { selector: opts.selector ?? { istio: 'ingressgateway' }, servers });
const httpServer = (port: number, hosts: string[], extra: Record<string, unknown> = {}) => ({ port: { number: port, name: `http-${port}`, protocol: 'HTTP' }, hosts, ...extra });
const httpsServer = (port: number, name: string, hosts: string[], tls: Record<string, unknown>) => ({ port: { number: port, name, protocol: 'HTTPS' }, hosts, tls });
const toProductpage = (name: string, hosts: string[], gateways: string[], extra: Record<string, unknown> = {}) =>
  virtualService(name, { hosts, gateways, http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }], ...extra });

describe.skipIf(!corpusPresent)("Istio's bookinfo-gateway.yaml on an ingress gateway", () => {
  const entries = corpusPresent ? parseDocuments(readFileSync(GATEWAY_FILE, 'utf8'), GATEWAY_FILE).map((d) => createConfigEntry(d.value as Record<string, unknown>, { source: 'corpus' })) : [];
  const config = () => generate(meshOf([...BOOKINFO, ...entries]));

  it('listens on 0.0.0.0_8080 (bound: a gateway listener is a real socket) with an HCM reading RDS http.8080', () => {
    const l = listener(config(), '0.0.0.0_8080');
    expect(l?.address).toEqual({ socket_address: { address: '0.0.0.0', port_value: 8080 } });
    expect(l).not.toHaveProperty('bind_to_port');
    expect(l?.filter_chains).toHaveLength(1);
    expect(rdsOf(l?.filter_chains[0])).toBe('http.8080');
    expect(config().listeners.map((x) => x.name)).toEqual(['0.0.0.0_8080']);
  });

  it("routes the VirtualService's five matches for host * to productpage:9080", () => {
    const rc = routeConfig(config(), 'http.8080');
    expect(rc?.virtual_hosts.map((v) => [v.name, v.domains])).toEqual([['*:8080', ['*']]]);
    const routes = rc?.virtual_hosts[0]?.routes ?? [];
    expect(routes.map((r) => r.match)).toEqual([
      { path: '/productpage', case_sensitive: { value: true } },
      { prefix: '/static', case_sensitive: { value: true } },
      { path: '/login', case_sensitive: { value: true } },
      { path: '/logout', case_sensitive: { value: true } },
      { prefix: '/api/v1/products', case_sensitive: { value: true } },
    ]);
    expect(new Set(routes.map((r) => r.route?.cluster))).toEqual(new Set([PRODUCTPAGE]));
  });

  it('answers where a request lands (simulate, direct to the gateway)', () => {
    const c = config();
    const at = (p: string, host = 'bookinfo.example.com') => simulate({ mode: 'direct', address: '10.0.9.1', port: 8080, host, path: p }, c);
    expect(at('/productpage')).toMatchObject({ listener: '0.0.0.0_8080', routeConfig: 'http.8080', cluster: PRODUCTPAGE });
    expect(at('/static/css/x.css', 'anything:8080').cluster).toBe(PRODUCTPAGE);
    expect(at('/admin')).toMatchObject({ failure: 'no-route', status: 404 });
    expect(simulate({ mode: 'direct', port: 9999, host: 'x', path: '/' }, c).failure).toBe('no-listener');
  });
});

describe('gateway selection', () => {
  const base = [...BOOKINFO, gateway('gw', [httpServer(80, ['*'])]), toProductpage('vs', ['*'], ['gw'])];

  it('applies a Gateway from any namespace whose selector labels the proxy has', () => {
    const other = [...BOOKINFO, gateway('gw', [httpServer(80, ['*'])], { namespace: 'edge' }), toProductpage('vs', ['*'], ['edge/gw'])];
    expect(generate(meshOf(other)).listeners.map((l) => l.name)).toEqual(['0.0.0.0_80']);
    expect(routeConfig(generate(meshOf(other)), 'http.80')?.virtual_hosts[0]?.routes[0]?.route?.cluster).toBe(PRODUCTPAGE);
  });

  it('gives a proxy whose labels the selector does not match no listeners and no routes', () => {
    const c = generate(meshOf(base), router({ istio: 'egressgateway' }));
    expect(c.listeners).toEqual([]);
    expect(c.routes).toEqual([]);
  });

  it('gives sidecars no gateway listeners, even with matching labels', () => {
    const c = generate(meshOf(base), sidecar('default', { istio: 'ingressgateway' }));
    expect(c.listeners.map((l) => l.name)).not.toContain('0.0.0.0_80');
    expect(c.routes.map((r) => r.name)).not.toContain('http.80');
  });
});

describe('gateway routes', () => {
  it('leaves out VirtualServices bound to another gateway or to mesh only: Istio blackhole vhost, 404 for all', () => {
    const cfg = [...BOOKINFO, gateway('gw', [httpServer(80, ['*'])]), gateway('other', [httpServer(81, ['*'])]), toProductpage('elsewhere', ['*'], ['other']), toProductpage('meshonly', ['*'], ['mesh'])];
    const c = generate(meshOf(cfg));
    expect(routeConfig(c, 'http.80')?.virtual_hosts).toEqual([{ name: 'blackhole:80', domains: ['*'], routes: [] }]);
    expect(routeConfig(c, 'http.81')?.virtual_hosts[0]?.name).toBe('*:81');
    expect(simulate({ mode: 'direct', port: 80, host: 'a.example.com', path: '/' }, c)).toMatchObject({ failure: 'no-route', status: 404, responseFlag: 'NR' });
  });

  it('makes one virtual host per host the server and the VirtualService share, with and without :port', () => {
    const cfg = [...BOOKINFO, gateway('gw', [httpServer(80, ['*.example.com'])]), toProductpage('vs', ['a.example.com', 'b.example.com', 'c.other.com'], ['gw'])];
    const rc = routeConfig(generate(meshOf(cfg)), 'http.80');
    expect(rc?.virtual_hosts.map((v) => [v.name, v.domains])).toEqual([
      ['a.example.com:80', ['a.example.com', 'a.example.com:80']],
      ['b.example.com:80', ['b.example.com', 'b.example.com:80']],
    ]);
  });

  it('honours namespace-qualified server hosts (ns/host, ./host, */host)', () => {
    const cfg = [
      ...BOOKINFO,
      gateway('gw', [httpServer(80, ['prod/a.example.com', './b.example.com', '*/c.example.com'])]),
      toProductpage('vs', ['a.example.com', 'b.example.com', 'c.example.com'], ['gw']),
    ];
    // The VirtualService is in `default`: `prod/a` is not for it, `./b` means the Gateway's namespace (default).
    expect(routeConfig(generate(meshOf(cfg)), 'http.80')?.virtual_hosts.map((v) => v.name)).toEqual(['b.example.com:80', 'c.example.com:80']);
  });

  it('keeps only HTTP matches whose `gateways` name this Gateway (short names resolved in the VirtualService namespace)', () => {
    const vs = virtualService('vs', {
      hosts: ['*'],
      gateways: ['gw', 'mesh'],
      http: [
        { match: [{ uri: { prefix: '/mesh' }, gateways: ['mesh'] }], route: [{ destination: { host: 'reviews' } }] },
        { match: [{ uri: { prefix: '/edge' }, gateways: ['gw'] }], route: [{ destination: { host: 'details' } }] },
        { route: [{ destination: { host: 'productpage' } }] },
      ],
    });
    const routes = routeConfig(generate(meshOf([...BOOKINFO, gateway('gw', [httpServer(80, ['*'])]), vs])), 'http.80')?.virtual_hosts[0]?.routes ?? [];
    expect(routes.map((r) => [r.match.prefix, r.route?.cluster])).toEqual([
      ['/edge', 'outbound|9080||details.default.svc.cluster.local'],
      ['/', PRODUCTPAGE],
    ]);
  });

  it('merges HTTP servers of several Gateways on one port into http.<port>, catch-alls last', () => {
    const cfg = [
      ...BOOKINFO,
      gateway('one', [httpServer(80, ['shop.example.com'])]),
      gateway('two', [httpServer(80, ['shop.example.com'])]),
      toProductpage('catchall', ['shop.example.com'], ['one']),
      virtualService('api', { hosts: ['shop.example.com'], gateways: ['two'], http: [{ match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'details' } }] }] }),
    ];
    const c = generate(meshOf(cfg));
    expect(c.listeners.map((l) => l.name)).toEqual(['0.0.0.0_80']);
    const routes = routeConfig(c, 'http.80')?.virtual_hosts[0]?.routes ?? [];
    expect(routes.map((r) => r.route?.cluster)).toEqual(['outbound|9080||details.default.svc.cluster.local', PRODUCTPAGE]);
  });

  it('redirects plaintext to https on a server with tls.httpsRedirect (require_tls ALL, a vhost even without routes)', () => {
    const cfg = [...BOOKINFO, gateway('gw', [httpServer(80, ['a.example.com', 'b.example.com'], { tls: { httpsRedirect: true } })]), toProductpage('vs', ['a.example.com'], ['gw'])];
    const c = generate(meshOf(cfg));
    const vhosts = routeConfig(c, 'http.80')?.virtual_hosts ?? [];
    expect(vhosts.map((v) => [v.name, v.require_tls, v.routes.length])).toEqual([
      ['a.example.com:80', 'ALL', 1],
      ['b.example.com:80', 'ALL', 0],
    ]);
    expect(simulate({ mode: 'direct', port: 80, host: 'b.example.com', path: '/x' }, c)).toMatchObject({ status: 301 });
  });
});

describe('HTTPS servers', () => {
  function tlsMesh(servers: Record<string, unknown>[], dir: string, extra: ConfigEntry[] = []): MeshSnapshot {
    return meshOf([...BOOKINFO, gateway('gw', servers), toProductpage('vs', ['bookinfo.example.com', 'admin.example.com'], ['gw']), ...extra], { credentialsDir: dir });
  }

  it('SIMPLE: a chain matched by SNI with the credential files, ALPN h2/http1.1, route https.<port>.<portName>.<gateway>.<ns>', () => {
    const dir = credentialsDir();
    const at = writeCredential(dir, 'bookinfo-cert', 'bookinfo.example.com');
    const c = generate(tlsMesh([httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'SIMPLE', credentialName: 'bookinfo-cert' })], dir));
    const l = listener(c, '0.0.0.0_443');
    expect(l?.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.tls_inspector']);
    const chain = l?.filter_chains[0];
    expect(chain?.filter_chain_match).toEqual({ server_names: ['bookinfo.example.com'] });
    expect(chain?.transport_socket?.typed_config).toEqual({
      '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT,
      common_tls_context: {
        alpn_protocols: ['h2', 'http/1.1'],
        tls_certificates: [{ certificate_chain: { filename: path.join(at, 'tls.crt') }, private_key: { filename: path.join(at, 'tls.key') } }],
      },
    });
    expect(rdsOf(chain)).toBe('https.443.https.gw.default');
    expect(routeConfig(c, 'https.443.https.gw.default')?.virtual_hosts.map((v) => v.name)).toEqual(['bookinfo.example.com:443']);
    const r = simulate({ mode: 'direct', port: 443, tls: 'tls', host: 'bookinfo.example.com', path: '/' }, c);
    expect(r).toMatchObject({ routeConfig: 'https.443.https.gw.default', cluster: PRODUCTPAGE });
    // Plaintext carries no SNI: no chain matches and Envoy closes the connection.
    expect(simulate({ mode: 'direct', port: 443, host: 'bookinfo.example.com', path: '/' }, c).failure).toBe('no-filter-chain');
    expect(simulate({ mode: 'direct', port: 443, tls: 'tls', host: 'other.example.com', path: '/' }, c).failure).toBe('no-filter-chain');
  });

  it('SIMPLE with host *: no server_names (every SNI)', () => {
    const dir = credentialsDir();
    writeCredential(dir, 'wild', 'example.com');
    const c = generate(tlsMesh([httpsServer(443, 'https', ['*'], { mode: 'SIMPLE', credentialName: 'wild' })], dir));
    expect(listener(c, '0.0.0.0_443')?.filter_chains[0]).not.toHaveProperty('filter_chain_match');
  });

  it('MUTUAL adds the CA as validation_context and requires a client certificate', () => {
    const dir = credentialsDir();
    const at = writeCredential(dir, 'bookinfo-cert', 'bookinfo.example.com', { ca: true });
    const c = generate(tlsMesh([httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'MUTUAL', credentialName: 'bookinfo-cert', subjectAltNames: ['client.example.com'] })], dir));
    const tls = listener(c, '0.0.0.0_443')?.filter_chains[0]?.transport_socket?.typed_config as { common_tls_context: Record<string, unknown>; require_client_certificate?: unknown };
    expect(tls.require_client_certificate).toEqual({ value: true });
    expect(tls.common_tls_context.validation_context).toEqual({
      trusted_ca: { filename: path.join(at, 'ca.crt') },
      match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'client.example.com' } }],
    });
    expect(simulate({ mode: 'direct', port: 443, tls: 'tls', host: 'bookinfo.example.com', path: '/' }, c).failure).toBe('tls-error');
    expect(simulate({ mode: 'direct', port: 443, tls: 'mtls', host: 'bookinfo.example.com', path: '/' }, c).cluster).toBe(PRODUCTPAGE);
  });

  it('MUTUAL takes the CA from <name>-cacert/ca.crt too, and skips the server without any CA', () => {
    const dir = credentialsDir();
    writeCredential(dir, 'cert', 'bookinfo.example.com');
    const mutual = [httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'MUTUAL', credentialName: 'cert' })];
    expect(generate(tlsMesh(mutual, dir)).listeners).toEqual([]);
    expect(gatewayWarningsFor(tlsMesh(mutual, dir), INGRESS).join('\n')).toMatch(/MUTUAL needs a CA/);
    const caAt = writeCredential(dir, 'cert-cacert', 'ca.example.com', { ca: true });
    const tls = listener(generate(tlsMesh(mutual, dir)), '0.0.0.0_443')?.filter_chains[0]?.transport_socket?.typed_config as { common_tls_context: { validation_context?: unknown } };
    expect(tls.common_tls_context.validation_context).toEqual({ trusted_ca: { filename: path.join(caAt, 'ca.crt') } });
  });

  it('supports the file fields serverCertificate / privateKey / caCertificates', () => {
    const dir = credentialsDir();
    const at = writeCredential(dir, 'files', 'bookinfo.example.com', { ca: true });
    const files = { serverCertificate: path.join(at, 'tls.crt'), privateKey: path.join(at, 'tls.key'), caCertificates: path.join(at, 'ca.crt') };
    const c = generate(tlsMesh([httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'MUTUAL', ...files })], dir));
    const tls = listener(c, '0.0.0.0_443')?.filter_chains[0]?.transport_socket?.typed_config as { common_tls_context: { tls_certificates: unknown; validation_context: unknown } };
    expect(tls.common_tls_context.tls_certificates).toEqual([{ certificate_chain: { filename: files.serverCertificate }, private_key: { filename: files.privateKey } }]);
    expect(tls.common_tls_context.validation_context).toEqual({ trusted_ca: { filename: files.caCertificates } });
  });

  it('skips a server whose credential is unknown or invalid, with a warning, and keeps the others', () => {
    const dir = credentialsDir();
    writeCredential(dir, 'good', 'bookinfo.example.com');
    mkdirSync(path.join(dir, 'broken'));
    writeFileSync(path.join(dir, 'broken', 'tls.crt'), 'not a certificate');
    writeFileSync(path.join(dir, 'broken', 'tls.key'), 'not a key');
    const servers = [
      httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'SIMPLE', credentialName: 'good' }),
      httpsServer(443, 'https-admin', ['admin.example.com'], { mode: 'SIMPLE', credentialName: 'missing' }),
      httpsServer(8443, 'https-broken', ['admin.example.com'], { mode: 'SIMPLE', credentialName: 'broken' }),
      httpServer(80, ['*']),
    ];
    const snapshot = tlsMesh(servers, dir);
    const c = generate(snapshot);
    expect(c.listeners.map((l) => l.name)).toEqual(['0.0.0.0_80', '0.0.0.0_443']);
    expect(listener(c, '0.0.0.0_443')?.filter_chains.map(rdsOf)).toEqual(['https.443.https.gw.default']);
    expect(c.routes.map((r) => r.name)).toEqual(['http.80', 'https.443.https.gw.default']);
    const warnings = gatewayWarningsFor(snapshot, INGRESS);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^Gateway default\/gw server 443\/https-admin: .*missing\/tls\.crt is missing; server skipped$/);
    expect(warnings[1]).toMatch(/^Gateway default\/gw server 8443\/https-broken: .*broken\/tls\.crt/);
  });

  it('skips credentialName without a credentials directory, and names that would leave it', () => {
    const server = (credentialName: string) => [httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'SIMPLE', credentialName })];
    const noDir = meshOf([...BOOKINFO, gateway('gw', server('cert'))]);
    expect(generate(noDir).listeners).toEqual([]);
    expect(gatewayWarningsFor(noDir, INGRESS)[0]).toMatch(/needs a credentials directory/);
    const dir = credentialsDir();
    writeCredential(dir, 'cert', 'bookinfo.example.com');
    const escape = tlsMesh(server('../cert'), path.join(dir, 'sub'));
    expect(generate(escape).listeners).toEqual([]);
    expect(gatewayWarningsFor(escape, INGRESS)[0]).toMatch(/is not a secret name/);
  });

  it('generates nothing for PASSTHROUGH, AUTO_PASSTHROUGH, TCP servers and a plaintext server on a TLS port, and says why', () => {
    const dir = credentialsDir();
    writeCredential(dir, 'cert', 'bookinfo.example.com');
    const servers = [
      httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'SIMPLE', credentialName: 'cert' }),
      httpServer(443, ['plain.example.com']),
      httpsServer(444, 'pass', ['x.example.com'], { mode: 'PASSTHROUGH' }),
      { port: { number: 15443, name: 'tls', protocol: 'TLS' }, hosts: ['*.local'], tls: { mode: 'AUTO_PASSTHROUGH' } },
      { port: { number: 3306, name: 'mysql', protocol: 'TCP' }, hosts: ['*'] },
    ];
    const snapshot = tlsMesh(servers, dir);
    const c = generate(snapshot);
    expect(c.listeners.map((l) => l.name)).toEqual(['0.0.0.0_443']);
    expect(listener(c, '0.0.0.0_443')?.filter_chains).toHaveLength(1);
    expect(gatewayWarningsFor(snapshot, INGRESS)).toHaveLength(4);
  });

  it('drops a second HTTPS server repeating a host on the same port (Envoy would reject duplicate chains)', () => {
    const dir = credentialsDir();
    writeCredential(dir, 'cert', 'bookinfo.example.com');
    const servers = [
      httpsServer(443, 'https', ['bookinfo.example.com'], { mode: 'SIMPLE', credentialName: 'cert' }),
      httpsServer(443, 'https-2', ['bookinfo.example.com', 'admin.example.com'], { mode: 'SIMPLE', credentialName: 'cert' }),
    ];
    const snapshot = tlsMesh(servers, dir);
    expect(listener(generate(snapshot), '0.0.0.0_443')?.filter_chains).toHaveLength(1);
    expect(gatewayWarningsFor(snapshot, INGRESS)[0]).toMatch(/bookinfo\.example\.com is already served on port 443/);
  });
});

describe('gateway clusters', () => {
  it('gives a router the outbound clusters of every visible service, no inbound ones, and BlackHoleCluster', () => {
    // The router's IP is an endpoint of a service: a sidecar there would get inbound|9080||.
    const cfg = [...BOOKINFO, serviceEntry('ingress', { namespace: 'istio-system', endpoints: ['10.0.9.1'] }), gateway('gw', [httpServer(80, ['*'])])];
    const c = generate(meshOf(cfg));
    const names = c.clusters.map((x) => x.name as string);
    expect(names).toContain(PRODUCTPAGE);
    expect(names).toContain('outbound|9080||ingress.istio-system.svc.cluster.local');
    expect(names.filter((n) => n.startsWith('inbound|'))).toEqual([]);
    expect(names).toContain('BlackHoleCluster');
    expect(names).not.toContain('PassthroughCluster');
    expect(c.endpoints.map((e) => e.cluster_name)).toContain(PRODUCTPAGE);
  });
});
