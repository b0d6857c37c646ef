// PeerAuthentication on inbound listeners: the chains each mode gives a workload port and the
// passthrough (Istio filterchain_options.go), at mesh, namespace and workload level and per port, their
// DownstreamTlsContext (BuildInboundTLS), the listener filters they need, and what simulate() makes of
// mTLS and plaintext callers. Every listener goes through Envoy's protos (packAny).

import { describe, expect, it } from 'vitest';
import { TYPE_URL } from '@weft/shared/xds';
import type { ConfigEntry } from '../config/config-store.js';
import { simulate, type SimulationRequest } from '../simulation/index.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { generateProxyConfig } from './index.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar } from './lds-rds.test-fixtures.js';
import type { EnvoyResource } from './types.js';

type Chain = { name?: string; filter_chain_match?: Record<string, unknown>; transport_socket?: { typed_config: Record<string, unknown> }; filters: { name: string; typed_config: Record<string, unknown> }[] };
type Listener = EnvoyResource & { name: string; filter_chains: Chain[]; listener_filters?: { name: string; filter_disabled?: unknown }[] };

const REVIEWS = sidecar('default', { app: 'reviews', version: 'v1' }, '10.0.0.2', 'reviews-v1');
/** reviews (HTTP 9080) and reviews-admin (TCP 7070 → workload port 7071) on 10.0.0.2. */
const MESH: readonly ConfigEntry[] = [...BOOKINFO, serviceEntry('reviews-admin', { ports: [{ number: 7070, name: 'tcp-admin', targetPort: 7071 }], endpoints: ['10.0.0.2'] })];
const pa = (name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry => entry('PeerAuthentication', name, namespace, spec, 'security.istio.io/v1');
const mode = (m: string) => ({ mtls: { mode: m } });
const reviewsSelector = { selector: { matchLabels: { app: 'reviews' } } };

function configOf(policies: readonly ConfigEntry[], proxy: ProxyView = REVIEWS, extra: readonly ConfigEntry[] = []) {
  const cfg = generateProxyConfig(meshOf([...MESH, ...extra, ...policies]), proxy);
  packAll(TYPE_URL.LISTENER, cfg.listeners);
  return cfg;
}
const listener = (policies: readonly ConfigEntry[], name = 'virtualInbound', proxy?: ProxyView, extra?: readonly ConfigEntry[]): Listener => {
  const l = (configOf(policies, proxy, extra).listeners as Listener[]).find((x) => x.name === name);
  if (!l) throw new Error(`no listener ${name}`);
  return l;
};
/** `match | tls?` of the chains named `name` (the port's or the passthrough's), in order. */
const chainsOf = (l: Listener, name: string): string[] =>
  l.filter_chains
    .filter((c) => c.name === name)
    .map((c) => {
      const m = c.filter_chain_match ?? {};
      const alpn = (m.application_protocols as string[] | undefined)?.join(',');
      const port = (m.destination_port as { value: number } | undefined)?.value;
      return [port, m.transport_protocol, alpn, c.transport_socket ? 'mTLS' : 'as-is'].filter((x) => x !== undefined).join(' ');
    });

const ALL_ISTIO = 'istio,istio-peer-exchange,istio-http/1.0,istio-http/1.1,istio-h2';

describe('inbound chains per PeerAuthentication mode (Istio getFilterChainMatchOptions)', () => {
  it.each([
    ['no policy: PERMISSIVE', [], { http: ['9080 tls ' + ALL_ISTIO + ' mTLS', '9080 raw_buffer as-is'], tcp: ['7071 tls ' + ALL_ISTIO + ' mTLS', '7071 raw_buffer as-is', '7071 tls as-is'] }],
    ['mesh-level STRICT', [pa('mesh', 'istio-system', mode('STRICT'))], { http: ['9080 tls mTLS'], tcp: ['7071 tls mTLS'] }],
    ['namespace DISABLE over mesh STRICT', [pa('mesh', 'istio-system', mode('STRICT')), pa('ns', 'default', mode('DISABLE'))], { http: ['9080 raw_buffer as-is'], tcp: ['7071 raw_buffer as-is'] }],
    ['workload STRICT over namespace DISABLE', [pa('ns', 'default', mode('DISABLE')), pa('wl', 'default', { ...reviewsSelector, ...mode('STRICT') })], { http: ['9080 tls mTLS'], tcp: ['7071 tls mTLS'] }],
    ['workload UNSET inherits the namespace', [pa('ns', 'default', mode('STRICT')), pa('wl', 'default', { ...reviewsSelector, ...mode('UNSET') })], { http: ['9080 tls mTLS'], tcp: ['7071 tls mTLS'] }],
    ['portLevelMtls: STRICT workload, port 7071 DISABLE', [pa('wl', 'default', { ...reviewsSelector, ...mode('STRICT'), portLevelMtls: { 7071: { mode: 'DISABLE' } } })], { http: ['9080 tls mTLS'], tcp: ['7071 raw_buffer as-is'] }],
    ['portLevelMtls: DISABLE workload, port 9080 PERMISSIVE', [pa('wl', 'default', { ...reviewsSelector, ...mode('DISABLE'), portLevelMtls: { 9080: { mode: 'PERMISSIVE' } } })], { http: ['9080 tls ' + ALL_ISTIO + ' mTLS', '9080 raw_buffer as-is'], tcp: ['7071 raw_buffer as-is'] }],
    ['a policy for other workloads', [pa('wl', 'default', { selector: { matchLabels: { app: 'ratings' } }, ...mode('DISABLE') })], { http: ['9080 tls ' + ALL_ISTIO + ' mTLS', '9080 raw_buffer as-is'], tcp: ['7071 tls ' + ALL_ISTIO + ' mTLS', '7071 raw_buffer as-is', '7071 tls as-is'] }],
  ])('%s', (_t, policies, want) => {
    const l = listener(policies);
    expect(chainsOf(l, '0.0.0.0_9080')).toEqual(want.http);
    expect(chainsOf(l, '0.0.0.0_7071')).toEqual(want.tcp);
  });

  it('keeps the port filters on every chain of the port (HCM to inbound|9080||, tcp_proxy to inbound|7071||)', () => {
    const l = listener([]);
    for (const c of l.filter_chains.filter((x) => x.name === '0.0.0.0_9080')) expect(c.filters.at(-1)?.typed_config).toMatchObject({ route_config: { name: 'inbound|9080||' } });
    for (const c of l.filter_chains.filter((x) => x.name === '0.0.0.0_7071')) expect(c.filters.at(-1)?.typed_config).toMatchObject({ cluster: 'inbound|7071||' });
  });

  it.each([
    ['PERMISSIVE', [], ['tls istio-http/1.0,istio-http/1.1,istio-h2 mTLS', 'raw_buffer http/1.1,h2c as-is'], ['tls istio-peer-exchange,istio mTLS', 'raw_buffer as-is', 'tls as-is']],
    ['STRICT', [pa('mesh', 'istio-system', mode('STRICT'))], ['tls istio-http/1.0,istio-http/1.1,istio-h2 mTLS'], ['tls mTLS']],
    ['DISABLE', [pa('mesh', 'istio-system', mode('DISABLE'))], ['raw_buffer http/1.1,h2c as-is'], ['raw_buffer as-is']],
  ])('passthrough chains, %s (Istio inboundPermissive/Strict/PlainTextFilterChainMatchOptions)', (_t, policies, http, tcp) => {
    const l = listener(policies);
    expect(chainsOf(l, 'virtualInbound-catchall-http')).toEqual(http);
    expect(chainsOf(l, 'virtualInbound')).toEqual(tcp);
    expect(chainsOf(l, 'virtualInbound-blackhole')).toEqual(['15006 as-is']);
  });

  it('gives a port-level mode on a port no service declares passthrough chains of its own (Istio ForPassthrough)', () => {
    const l = listener([pa('wl', 'default', { ...reviewsSelector, ...mode('PERMISSIVE'), portLevelMtls: { 8000: { mode: 'STRICT' }, 9080: { mode: 'STRICT' } } })]);
    expect(chainsOf(l, 'virtualInbound-catchall-http')).toEqual(['tls istio-http/1.0,istio-http/1.1,istio-h2 mTLS', 'raw_buffer http/1.1,h2c as-is', '8000 tls istio-http/1.0,istio-http/1.1,istio-h2 mTLS']);
    expect(chainsOf(l, 'virtualInbound')).toEqual(['tls istio-peer-exchange,istio mTLS', 'raw_buffer as-is', 'tls as-is', '8000 tls mTLS']);
    expect(chainsOf(l, '0.0.0.0_9080')).toEqual(['9080 tls mTLS']);
  });
});

describe('the mTLS transport socket (Istio BuildInboundTLS)', () => {
  const SDS = (name: string) => ({
    name,
    sds_config: {
      api_config_source: { api_type: 'GRPC', set_node_on_first_message_only: true, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] },
      initial_fetch_timeout: { seconds: '0' },
      resource_api_version: 'V3',
    },
  });
  const context = (alpn: string[], prefixes = ['spiffe://cluster.local/']) => ({
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
    common_tls_context: {
      tls_params: {
        tls_minimum_protocol_version: 'TLSv1_2',
        tls_maximum_protocol_version: 'TLSv1_3',
        cipher_suites: ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256'],
      },
      alpn_protocols: alpn,
      tls_certificate_sds_secret_configs: [SDS('default')],
      combined_validation_context: { default_validation_context: { match_subject_alt_names: prefixes.map((prefix) => ({ prefix })) }, validation_context_sds_secret_config: SDS('ROOTCA') },
    },
    require_client_certificate: { value: true },
  });

  it('requires a client certificate from the trust domain, with SDS default/ROOTCA; ALPN h2 + http/1.1 (TCP adds istio-peer-exchange)', () => {
    const l = listener([pa('mesh', 'istio-system', mode('STRICT'))]);
    const socket = (name: string) => l.filter_chains.find((c) => c.name === name)?.transport_socket;
    expect(socket('0.0.0.0_9080')).toEqual({ name: 'envoy.transport_sockets.tls', typed_config: context(['h2', 'http/1.1']) });
    expect(socket('0.0.0.0_7071')?.typed_config).toEqual(context(['istio-peer-exchange', 'h2', 'http/1.1']));
  });

  it('accepts every trust domain alias', () => {
    const cfg = generateProxyConfig(meshOf([...MESH, pa('mesh', 'istio-system', mode('STRICT'))], { trustDomainAliases: ['old.td'] }), REVIEWS);
    const l = (cfg.listeners as Listener[]).find((x) => x.name === 'virtualInbound');
    expect(l?.filter_chains.find((c) => c.name === '0.0.0.0_9080')?.transport_socket?.typed_config).toEqual(context(['h2', 'http/1.1'], ['spiffe://cluster.local/', 'spiffe://old.td/']));
  });
});

describe('listener filters (Istio populateListenerFilters)', () => {
  const range = (p: number) => ({ destination_port_range: { start: p, end: p + 1 } });
  it('PERMISSIVE: the TLS inspector everywhere but the capture port, the HTTP inspector only for the passthrough', () => {
    const l = listener([]);
    expect(l.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.original_dst', 'envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector']);
    expect(l.listener_filters?.[1]?.filter_disabled).toEqual(range(15006));
    expect(l.listener_filters?.[2]?.filter_disabled).toEqual({ or_match: { rules: [7071, 9080, 15006].map(range) } });
  });

  it('STRICT: no plaintext HTTP anywhere, so no HTTP inspector', () => {
    const l = listener([pa('mesh', 'istio-system', mode('STRICT'))]);
    expect(l.listener_filters?.map((f) => f.name)).toEqual(['envoy.filters.listener.original_dst', 'envoy.filters.listener.tls_inspector']);
  });

  it('DISABLE with one STRICT port: the TLS inspector only on that port', () => {
    const l = listener([pa('wl', 'default', { ...reviewsSelector, ...mode('DISABLE'), portLevelMtls: { 7071: { mode: 'STRICT' } } })]);
    expect(l.listener_filters?.[1]).toMatchObject({ name: 'envoy.filters.listener.tls_inspector', filter_disabled: { not_match: range(7071) } });
  });

  it('a listener bound to its port gets the TLS inspector for mTLS chains and no filter when plaintext', () => {
    const ingress = entry('Sidecar', 's', 'default', { workloadSelector: { labels: { app: 'reviews' } }, ingress: [{ port: { number: 5000, name: 'tcp', protocol: 'TCP' }, defaultEndpoint: '127.0.0.1:5000', captureMode: 'NONE' }] });
    const strict = listener([pa('mesh', 'istio-system', mode('STRICT'))], '10.0.0.2_5000', REVIEWS, [ingress]);
    expect(strict.listener_filters).toEqual([expect.objectContaining({ name: 'envoy.filters.listener.tls_inspector', filter_disabled: { not_match: range(5000) } })]);
    expect(chainsOf(strict, '10.0.0.2_5000')).toEqual(['5000 tls mTLS']);
    const plain = listener([pa('mesh', 'istio-system', mode('DISABLE'))], '10.0.0.2_5000', REVIEWS, [ingress]);
    expect(plain).not.toHaveProperty('listener_filters');
    expect(chainsOf(plain, '10.0.0.2_5000')).toEqual(['5000 raw_buffer as-is']);
  });
});

describe('simulate() on the inbound side', () => {
  const call = (policies: readonly ConfigEntry[], req: Partial<SimulationRequest>) => simulate({ port: 9080, mode: 'inbound', host: 'reviews:9080', ...req }, configOf(policies));
  it.each([
    ['PERMISSIVE, mTLS', [], { tls: 'mtls' }, 'inbound|9080||'],
    ['PERMISSIVE, plaintext', [], {}, 'inbound|9080||'],
    ['STRICT, mTLS', [pa('mesh', 'istio-system', mode('STRICT'))], { tls: 'mtls' }, 'inbound|9080||'],
    ['DISABLE, plaintext', [pa('mesh', 'istio-system', mode('DISABLE'))], {}, 'inbound|9080||'],
  ] as const)('%s reaches the workload', (_t, policies, req, cluster) => {
    const r = call(policies, req);
    expect(r.failure, r.detail).toBeUndefined();
    expect(r.cluster).toBe(cluster);
  });

  it('STRICT refuses plaintext and TLS without a client certificate', () => {
    const strict = [pa('mesh', 'istio-system', mode('STRICT'))];
    expect(call(strict, {}).failure).toBe('no-filter-chain');
    expect(call(strict, { tls: 'tls' }).failure).toBe('tls-error');
  });

  it('a TCP port in PERMISSIVE takes an app’s own TLS as opaque TCP', () => {
    const r = call([], { port: 7071, protocol: 'tcp', tls: 'tls', alpn: ['h2'] });
    expect(r.failure, r.detail).toBeUndefined();
    expect(r.cluster).toBe('inbound|7071||');
  });
});
