// Mesh mTLS in CDS and EDS: ISTIO_MUTUAL's UpstreamTlsContext, auto-mTLS transport_socket_matches and
// the endpoint metadata they match, and how PeerAuthentication turns them off, compared with what
// Istio's cluster_tls.go / mtls_checker.go build. Every output goes through Envoy's protos (packAny).

import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot } from '../snapshot/mesh-snapshot.js';
import { clusterInputsFor, serviceMtlsOf } from './cds-inputs.js';
import { generateClusters } from './cds.js';
import { BOOKINFO, bookinfoService, byName, cfg, CORPUS_DIR, corpusDestinationRules, destinationRule, dig, packClusters, packEndpoints, sidecarOf, workload } from './cds-eds.test-fixtures.js';
import { generateEndpoints } from './eds.js';
import type { EnvoyResource } from './types.js';

const REVIEWS = 'reviews.default.svc.cluster.local';
const TLS_MODE = 'security.istio.io/tlsMode';
const SDS = (name: string) => ({
  name,
  sds_config: {
    api_config_source: { api_type: 'GRPC', set_node_on_first_message_only: true, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] },
    initial_fetch_timeout: { seconds: '0' },
    resource_api_version: 'V3',
  },
});
/** Istio's ISTIO_MUTUAL UpstreamTlsContext (buildUpstreamClusterTLSContext + ConstructSdsSecretConfig). */
const istioMutual = (sans: string[], sni: string, alpn = ['istio-peer-exchange', 'istio']) => ({
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    common_tls_context: {
      tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
      alpn_protocols: alpn,
      tls_certificate_sds_secret_configs: [SDS('default')],
      combined_validation_context: {
        default_validation_context: sans.length > 0 ? { match_subject_alt_names: sans.map((exact) => ({ exact })) } : {},
        validation_context_sds_secret_config: SDS('ROOTCA'),
      },
    },
    sni,
  },
});
const REVIEWS_SA = 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews';

/** Bookinfo with every workload labelled as injected (`security.istio.io/tlsMode: istio`). */
const labelled = (app: string, version: string, address: string, extra: Record<string, unknown> = {}): ConfigEntry =>
  workload(app, version, address, { labels: { app, version, [TLS_MODE]: 'istio' }, ...extra });
const MESH: readonly ConfigEntry[] = [
  bookinfoService('productpage'),
  bookinfoService('reviews'),
  labelled('productpage', 'v1', '127.0.0.10'),
  labelled('reviews', 'v1', '127.0.0.21'),
  labelled('reviews', 'v2', '127.0.0.22'),
  // No sidecar: no label.
  workload('reviews', 'v3', '127.0.0.23'),
];
const SUBSETS = destinationRule('reviews', { host: 'reviews', subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })) });
const pa = (name: string, spec: Record<string, unknown>, namespace = 'default'): ConfigEntry => ({ ...cfg('PeerAuthentication', name, spec, namespace), apiVersion: 'security.istio.io/v1' });

function generate(entries: readonly ConfigEntry[], mesh: MeshConfig = DEFAULT_MESH_CONFIG): { clusters: EnvoyResource[]; endpoints: EnvoyResource[] } {
  const inputs = clusterInputsFor(buildMeshSnapshot(1, mesh, entries, buildServiceEntryRegistry(entries)), sidecarOf());
  const clusters = generateClusters(inputs);
  const endpoints = generateEndpoints(inputs);
  expect(packClusters(clusters)).toBe(clusters.length);
  expect(packEndpoints(endpoints)).toBe(endpoints.length);
  return { clusters, endpoints };
}
const cluster = (entries: readonly ConfigEntry[], name = `outbound|9080||${REVIEWS}`, mesh?: MeshConfig) => byName(generate(entries, mesh).clusters, name);
/** `address → tlsMode metadata` of one load assignment (`-` for none). */
const endpointModes = (entries: readonly ConfigEntry[], name = `outbound|9080||${REVIEWS}`): Record<string, string> => modesOf(byName(generate(entries).endpoints, name));
function modesOf(cla: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of (dig(cla, 'endpoints') as { lb_endpoints: unknown[] }[] | undefined) ?? []) {
    for (const e of g.lb_endpoints) {
      const match = (dig(e, 'metadata.filter_metadata') as Record<string, unknown> | undefined)?.['envoy.transport_socket_match'];
      out[String(dig(e, 'endpoint.address.socket_address.address'))] = match === undefined ? '-' : String(dig(match, 'fields.tlsMode.stringValue'));
    }
  }
  return out;
}

describe('ISTIO_MUTUAL', () => {
  it('is an UpstreamTlsContext with SDS default/ROOTCA, the service accounts as SANs and the DNS SRV SNI (Istio buildUpstreamClusterTLSContext)', () => {
    const entries = [...MESH, destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }] })];
    const { clusters } = generate(entries);
    expect(byName(clusters, `outbound|9080||${REVIEWS}`)?.transport_socket).toEqual(istioMutual([REVIEWS_SA], `outbound_.9080_._.${REVIEWS}`));
    expect(dig(byName(clusters, `outbound|9080|v1|${REVIEWS}`), 'transport_socket.typed_config.sni')).toBe(`outbound_.9080_.v1_.${REVIEWS}`);
    expect(byName(clusters, `outbound|9080||${REVIEWS}`)?.transport_socket_matches).toBeUndefined();
  });

  it('advertises h2 on HTTP/2 clusters (ALPNInMeshH2WithMxc)', () => {
    const entries = [bookinfoService('reviews', [{ number: 9080, name: 'grpc', protocol: 'GRPC' }]), labelled('reviews', 'v1', '127.0.0.21'), destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })];
    expect(dig(cluster(entries), 'transport_socket.typed_config.common_tls_context.alpn_protocols')).toEqual(['istio-peer-exchange', 'istio', 'h2']);
  });

  it("keeps the rule's own sni and subjectAltNames", () => {
    const entries = [...MESH, destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', sni: 'reviews.gw', subjectAltNames: ['spiffe://other/ns/x/sa/y'] } } })];
    expect(cluster(entries)?.transport_socket).toEqual(istioMutual(['spiffe://other/ns/x/sa/y'], 'reviews.gw'));
  });

  it('verifies ServiceEntry subjectAltNames together with the endpoint accounts, sorted, with trust domain aliases', () => {
    const entries = [bookinfoService('reviews', undefined, { subjectAltNames: ['spiffe://cluster.local/ns/default/sa/legacy'] }), labelled('reviews', 'v1', '127.0.0.21'), destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })];
    expect(dig(cluster(entries, undefined, { ...DEFAULT_MESH_CONFIG, trustDomainAliases: ['old.td'] }), 'transport_socket.typed_config.common_tls_context.combined_validation_context.default_validation_context')).toEqual({
      match_subject_alt_names: [
        { exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' },
        { exact: 'spiffe://cluster.local/ns/default/sa/legacy' },
        { exact: 'spiffe://old.td/ns/default/sa/bookinfo-reviews' },
        { exact: 'spiffe://old.td/ns/default/sa/legacy' },
      ],
    });
  });

  const mtlsRules = corpusDestinationRules('destination-rule-all-mtls.yaml');
  if (!mtlsRules) console.warn(`SKIPPED corpus ISTIO_MUTUAL check: ${CORPUS_DIR}/destination-rule-all-mtls.yaml is absent`);
  it.skipIf(!mtlsRules)(`Istio's destination-rule-all-mtls.yaml gives every bookinfo cluster mTLS with its own SNI (corpus: ${CORPUS_DIR})`, () => {
    const { clusters } = generate([...BOOKINFO, ...(mtlsRules ?? [])]);
    const outbound = clusters.filter((c) => String(c.name).startsWith('outbound|'));
    expect(outbound.length).toBeGreaterThan(10);
    for (const c of outbound) {
      const [, port, subset, host] = String(c.name).split('|');
      expect(dig(c, 'transport_socket.typed_config.sni'), String(c.name)).toBe(`outbound_.${port}_.${subset}_.${host}`);
      expect(dig(c, 'transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs.0.name')).toBe('default');
    }
    expect(dig(byName(clusters, `outbound|9080|v2|${REVIEWS}`), 'transport_socket.typed_config.common_tls_context.combined_validation_context.default_validation_context')).toEqual({ match_subject_alt_names: [{ exact: REVIEWS_SA }] });
  });
});

describe('auto-mTLS', () => {
  const AUTO = (sni: string, sans = [REVIEWS_SA]) => [
    { name: 'tlsMode-istio', match: { fields: { tlsMode: { stringValue: 'istio' } } }, transport_socket: istioMutual(sans, sni) },
    { name: 'tlsMode-disabled', match: { fields: {} }, transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } } },
  ];

  it('a cluster without DestinationRule TLS matches endpoints on tlsMode: mTLS for istio, plaintext for the rest (Istio applyUpstreamTLSSettings)', () => {
    const { clusters } = generate([...MESH, SUBSETS]);
    const c = byName(clusters, `outbound|9080||${REVIEWS}`);
    expect(c?.transport_socket).toBeUndefined();
    expect(c?.transport_socket_matches).toEqual(AUTO(`outbound_.9080_._.${REVIEWS}`));
    expect(byName(clusters, `outbound|9080|v3|${REVIEWS}`)?.transport_socket_matches).toEqual(AUTO(`outbound_.9080_.v3_.${REVIEWS}`));
  });

  it('endpoints with a sidecar carry envoy.transport_socket_match {tlsMode: istio}; the others none', () => {
    expect(endpointModes([...MESH, SUBSETS])).toEqual({ '127.0.0.21': 'istio', '127.0.0.22': 'istio', '127.0.0.23': '-' });
    expect(endpointModes([...MESH, SUBSETS], `outbound|9080|v2|${REVIEWS}`)).toEqual({ '127.0.0.22': 'istio' });
  });

  it.each([
    ['namespace-level DISABLE', false, [pa('default', { mtls: { mode: 'DISABLE' } })]],
    ['mesh-level DISABLE (root namespace)', false, [pa('default', { mtls: { mode: 'DISABLE' } }, 'istio-system')]],
    ['mesh DISABLE, namespace STRICT', true, [pa('mesh', { mtls: { mode: 'DISABLE' } }, 'istio-system'), pa('ns', { mtls: { mode: 'STRICT' } })]],
    ['mesh DISABLE, namespace UNSET inherits', false, [pa('mesh', { mtls: { mode: 'DISABLE' } }, 'istio-system'), pa('ns', { mtls: { mode: 'UNSET' } })]],
    ['another namespace DISABLE', true, [pa('other', { mtls: { mode: 'DISABLE' } }, 'other')]],
    ['namespace STRICT', true, [pa('ns', { mtls: { mode: 'STRICT' } })]],
    // Workload-level policies do not reach the client's cluster (BestEffortInferServiceMTLSMode)...
    ['workload-level DISABLE', true, [pa('wl', { selector: { matchLabels: { app: 'reviews' } }, mtls: { mode: 'DISABLE' } })]],
  ])('%s: mTLS matches %s', (_t, mtls, policies) => {
    expect(cluster([...MESH, ...policies])?.transport_socket_matches !== undefined).toBe(mtls);
  });

  it('...but a workload-level or port-level DISABLE drops those endpoints from the match (Istio mtlsChecker)', () => {
    const v1Off = pa('v1-off', { selector: { matchLabels: { app: 'reviews', version: 'v1' } }, mtls: { mode: 'DISABLE' } });
    expect(endpointModes([...MESH, v1Off])).toEqual({ '127.0.0.21': '-', '127.0.0.22': 'istio', '127.0.0.23': '-' });
    const portOff = pa('port-off', { selector: { matchLabels: { version: 'v2' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9080: { mode: 'DISABLE' } } });
    expect(endpointModes([...MESH, portOff])).toEqual({ '127.0.0.21': 'istio', '127.0.0.22': '-', '127.0.0.23': '-' });
    const otherPort = pa('other-port', { selector: { matchLabels: { version: 'v2' } }, portLevelMtls: { 8080: { mode: 'DISABLE' } } });
    expect(endpointModes([...MESH, otherPort])).toEqual({ '127.0.0.21': 'istio', '127.0.0.22': 'istio', '127.0.0.23': '-' });
  });

  it('DestinationRule TLS decides the endpoint metadata instead: none under DISABLE, the label under ISTIO_MUTUAL', () => {
    expect(endpointModes([...MESH, destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'DISABLE' } } })])).toEqual({ '127.0.0.21': '-', '127.0.0.22': '-', '127.0.0.23': '-' });
    const v1Off = pa('v1-off', { selector: { matchLabels: { version: 'v1' } }, mtls: { mode: 'DISABLE' } });
    expect(endpointModes([...MESH, v1Off, destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })])).toEqual({ '127.0.0.21': 'istio', '127.0.0.22': 'istio', '127.0.0.23': '-' });
  });

  it('is off for MESH_EXTERNAL services and when the mesh disables it', () => {
    const external = cfg('ServiceEntry', 'ext', { hosts: ['api.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] });
    const c = byName(generate([...MESH, external]).clusters, 'outbound|443||api.example.com');
    expect([c?.transport_socket, c?.transport_socket_matches]).toEqual([undefined, undefined]);
    expect(cluster(MESH, undefined, { ...DEFAULT_MESH_CONFIG, enableAutoMtls: false })?.transport_socket_matches).toBeUndefined();
  });

  it('an ORIGINAL_DST (passthrough) cluster gets the mTLS socket itself when every endpoint has a sidecar, plaintext otherwise', () => {
    const passthrough = (eps: ConfigEntry[]) => cluster([bookinfoService('reviews'), ...eps, destinationRule('reviews', { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } } })]);
    const all = passthrough([labelled('reviews', 'v1', '127.0.0.21'), labelled('reviews', 'v2', '127.0.0.22')]);
    expect(all?.type).toBe('ORIGINAL_DST');
    expect(all?.transport_socket).toEqual(istioMutual([REVIEWS_SA], `outbound_.9080_._.${REVIEWS}`));
    expect(all?.transport_socket_matches).toBeUndefined();
    const mixed = passthrough([labelled('reviews', 'v1', '127.0.0.21'), workload('reviews', 'v2', '127.0.0.22')]);
    expect([mixed?.transport_socket, mixed?.transport_socket_matches]).toEqual([undefined, undefined]);
  });

  it("DNS clusters' inline endpoints carry the metadata too", () => {
    const dns = [bookinfoService('reviews', undefined, { resolution: 'DNS' }), labelled('reviews', 'v1', 'reviews-1.internal'), workload('reviews', 'v2', 'reviews-2.internal')];
    const c = cluster(dns);
    expect(c?.type).toBe('STRICT_DNS');
    const eps = (dig(c, 'load_assignment.endpoints.0.lb_endpoints') as EnvoyResource[]).map((e) => [dig(e, 'endpoint.address.socket_address.address'), dig(e, 'metadata.filter_metadata')]);
    expect(eps).toEqual([
      ['reviews-1.internal', { 'envoy.transport_socket_match': { fields: { tlsMode: { stringValue: 'istio' } } } }],
      ['reviews-2.internal', undefined],
    ]);
  });
});

describe('ServiceMtls memo', () => {
  it('keeps one object while endpoints and policies are the same, and EDS follows a PeerAuthentication change', () => {
    const registry = buildServiceEntryRegistry(MESH);
    const before = buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, MESH, registry);
    const again = buildMeshSnapshot(2, DEFAULT_MESH_CONFIG, MESH, registry, before);
    const service = before.services.find((s) => s.hostname === REVIEWS);
    if (!service) throw new Error('no reviews');
    const eps = before.endpointsByService.get(`${REVIEWS}|default`) ?? [];
    expect(serviceMtlsOf(again, service, [...eps])).toBe(serviceMtlsOf(before, service, eps));
    const off = [...MESH, pa('v1-off', { selector: { matchLabels: { version: 'v1' } }, mtls: { mode: 'DISABLE' } })];
    const after = buildMeshSnapshot(3, DEFAULT_MESH_CONFIG, off, registry, again);
    const modes = (snap: typeof before) => modesOf(byName(generateEndpoints(clusterInputsFor(snap, sidecarOf())), `outbound|9080||${REVIEWS}`));
    expect(modes(again)).toEqual({ '127.0.0.21': 'istio', '127.0.0.22': 'istio', '127.0.0.23': '-' });
    expect(modes(after)).toEqual({ '127.0.0.21': '-', '127.0.0.22': 'istio', '127.0.0.23': '-' });
  });
});
