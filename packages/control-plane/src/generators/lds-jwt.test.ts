// RequestAuthentications in LDS: which proxies get the jwt_authn filter, where it sits (first in every
// inbound and gateway HCM, before the RBAC filters; never outbound, never TCP), that the output packs as
// Envoy, that resolved JWKS are inlined, and that the RBAC filters of requestPrincipals read the
// metadata the JWT filter writes.

import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { jwksKey, PUBLIC_ONLY_JWKS } from '../security/authn/index.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { DEFAULT_MESH_CONFIG } from '../snapshot/mesh-config.js';
import { buildMeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { workloadJwtFilters } from './filter-jwt-authn.js';
import { router } from './gateway.test-fixtures.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar } from './lds-rds.test-fixtures.js';
import { generateListeners } from './lds.js';
import type { EnvoyResource } from './types.js';

type Filter = { name: string; typed_config: Record<string, unknown> & { '@type': string } };
type Chain = { name?: string; filters: Filter[] };
type Listener = EnvoyResource & { name: string; filter_chains: Chain[] };

const JWT = 'envoy.filters.http.jwt_authn';
const RBAC = 'envoy.filters.http.rbac';
const HCM = 'envoy.filters.network.http_connection_manager';
const TAIL = ['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router'];
const PRODUCTPAGE = sidecar();
const JWKS = '{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y","kid":"k"}]}';

const security = (kind: string, name: string, spec: Record<string, unknown>, namespace = 'default'): ConfigEntry => entry(kind, name, namespace, spec, 'security.istio.io/v1');
const requestAuthn = (name: string, spec: Record<string, unknown>, namespace = 'default') => security('RequestAuthentication', name, spec, namespace);
const inlineJwt = requestAuthn('jwt', { selector: { matchLabels: { app: 'productpage' } }, jwtRules: [{ issuer: 'https://issuer.example', jwks: JWKS }] });
const requirePrincipal = security('AuthorizationPolicy', 'require-jwt', { selector: { matchLabels: { app: 'productpage' } }, rules: [{ from: [{ source: { requestPrincipals: ['https://issuer.example/alice'] } }] }] });

const MESH: readonly ConfigEntry[] = [
  ...BOOKINFO.filter((e) => e.ref.name !== 'productpage'),
  serviceEntry('productpage', { ports: [{ number: 9080, name: 'http' }, { number: 3306, name: 'tcp-mysql' }], endpoints: ['10.0.0.1'] }),
];

function listeners(cfg: readonly ConfigEntry[], proxy: ProxyView = PRODUCTPAGE): Listener[] {
  const out = generateListeners(meshOf(cfg), proxy) as Listener[];
  packAll(TYPE_URL.LISTENER, out);
  return out;
}
const named = (ls: Listener[], name: string): Listener => ls.find((x) => x.name === name) ?? (undefined as never);
const chainNamed = (l: Listener, name: string): Chain => l.filter_chains.find((x) => x.name === name) ?? (undefined as never);
const httpFilters = (c: Chain): Filter[] => (c.filters.find((f) => f.name === HCM)?.typed_config.http_filters ?? []) as Filter[];
const names = (c: Chain): string[] => httpFilters(c).map((f) => f.name);

describe('jwt_authn on sidecar inbound chains', () => {
  it('puts the JWT filter first in every inbound HCM, before the RBAC filters, the HTTP passthrough included', () => {
    const inbound = named(listeners([...MESH, inlineJwt, requirePrincipal]), 'virtualInbound');
    expect(names(chainNamed(inbound, '0.0.0.0_9080'))).toEqual([JWT, RBAC, ...TAIL]);
    expect(names(chainNamed(inbound, 'virtualInbound-catchall-http'))).toEqual([JWT, RBAC, ...TAIL]);
    // TCP chains have no HTTP filters; the JWT filter adds nothing to them.
    expect(chainNamed(inbound, '0.0.0.0_3306').filters.map((f) => f.name)).toEqual(['envoy.filters.network.rbac', 'envoy.filters.network.tcp_proxy']);
  });

  it('inlines the rule and lines up with the RBAC request principal matcher (metadata envoy.filters.http.jwt_authn / payload)', () => {
    const hcm = httpFilters(chainNamed(named(listeners([...MESH, inlineJwt, requirePrincipal]), 'virtualInbound'), '0.0.0.0_9080'));
    const [jwt, rbac] = hcm;
    expect(jwt?.typed_config).toMatchObject({
      '@type': TYPE_URL.JWT_AUTHN,
      providers: { 'origins-0': { issuer: 'https://issuer.example', local_jwks: { inline_string: JWKS }, payload_in_metadata: 'payload' } },
      bypass_cors_preflight: true,
    });
    // The RBAC filter reads iss and sub from the metadata the JWT filter writes.
    const text = JSON.stringify(rbac?.typed_config);
    expect(text).toContain('"filter":"envoy.filters.http.jwt_authn"');
    expect(text).toContain('{"key":"payload"},{"key":"iss"}');
    expect(text).toContain('{"key":"payload"},{"key":"sub"}');
  });

  it('never touches outbound listeners, and leaves workloads the policies do not select alone', () => {
    const ls = listeners([...MESH, inlineJwt]);
    for (const l of ls.filter((x) => x.name !== 'virtualInbound')) for (const c of l.filter_chains) expect(names(c)).not.toContain(JWT);
    const reviews = sidecar('default', { app: 'reviews' }, '10.0.0.2', 'reviews-v1');
    const inbound = named(listeners([...MESH, inlineJwt], reviews), 'virtualInbound');
    for (const c of inbound.filter_chains) expect(names(c)).not.toContain(JWT);
  });

  it('applies root-namespace policies mesh-wide and namespace-wide policies to their namespace only', () => {
    const meshWide = requestAuthn('mesh', { jwtRules: [{ issuer: 'mesh', jwks: JWKS }] }, 'istio-system');
    const otherNs = requestAuthn('other', { jwtRules: [{ issuer: 'other', jwks: JWKS }] }, 'other');
    const filters = workloadJwtFilters(meshOf([...MESH, meshWide, otherNs, inlineJwt]), PRODUCTPAGE);
    expect(filters).toHaveLength(1);
    const providers = (filters[0]?.typed_config as { providers: Record<string, { issuer: string }> }).providers;
    expect(Object.values(providers).map((p) => p.issuer)).toEqual(['https://issuer.example', 'mesh']);
  });

  it('inlines the JWKS weftd resolved for a jwksUri, and the fail-closed key when it has none', () => {
    const uri = 'https://issuer.example/jwks';
    const cfg = [...MESH, requestAuthn('uri', { jwtRules: [{ issuer: 'https://issuer.example', jwksUri: uri }] })];
    const registry = buildServiceEntryRegistry(cfg);
    const inline = (snapshot: ReturnType<typeof buildMeshSnapshot>): unknown => ((workloadJwtFilters(snapshot, PRODUCTPAGE)[0]?.typed_config as { providers: Record<string, { local_jwks: unknown }> }).providers['origins-0'] ?? { local_jwks: undefined }).local_jwks;
    const keys = new Map([[jwksKey('https://issuer.example', uri), JWKS]]);
    expect(inline(buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, cfg, registry, undefined, keys))).toEqual({ inline_string: JWKS });
    expect(inline(buildMeshSnapshot(1, DEFAULT_MESH_CONFIG, cfg, registry))).toEqual({ inline_string: PUBLIC_ONLY_JWKS });
  });

  it('memoizes per policy list, key sets and selection: proxies selected alike share one build', () => {
    const snapshot = meshOf([...MESH, inlineJwt]);
    const a = workloadJwtFilters(snapshot, PRODUCTPAGE);
    expect(workloadJwtFilters(snapshot, sidecar('default', { app: 'productpage' }, '10.0.0.9', 'productpage-v2'))).toBe(a);
  });
});

describe('jwt_authn on gateways', () => {
  const gatewayCfg: ConfigEntry[] = [
    ...BOOKINFO,
    entry('Gateway', 'gw', 'istio-system', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
    entry('VirtualService', 'pp', 'default', { hosts: ['*'], gateways: ['istio-system/gw'], http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] }),
  ];

  it('puts the JWT filter first in the gateway HCM, with clear_route_cache', () => {
    const ra = requestAuthn('gw-jwt', { selector: { matchLabels: { istio: 'ingressgateway' } }, jwtRules: [{ issuer: 'https://issuer.example', jwks: JWKS }] }, 'istio-system');
    const ls = listeners([...gatewayCfg, ra], router());
    const hcm = httpFilters(named(ls, '0.0.0.0_8080').filter_chains[0] as Chain);
    expect(hcm.map((f) => f.name)).toEqual([JWT, ...TAIL]);
    expect(hcm[0]?.typed_config).toMatchObject({ providers: { 'origins-0': { clear_route_cache: true } } });
  });
});
