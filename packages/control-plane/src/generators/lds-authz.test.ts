// AuthorizationPolicies in LDS: which proxies get RBAC filters, where they sit in inbound HTTP and TCP
// chains and gateway HCMs (never outbound), that the output packs as Envoy, and what requests the
// result lets through (simulate()).

import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { simulate } from '../simulation/simulate.js';
import type { SimulationRequest } from '../simulation/request.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { workloadRbacFilters } from './filter-rbac.js';
import { router } from './gateway.test-fixtures.js';
import { generateProxyConfig } from './index.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar } from './lds-rds.test-fixtures.js';
import { generateListeners } from './lds.js';
import type { EnvoyResource, GeneratedConfig } from './types.js';

type Filter = { name: string; typed_config: Record<string, unknown> & { '@type': string } };
type Chain = { name?: string; filters: Filter[] };
type Listener = EnvoyResource & { name: string; traffic_direction?: string; filter_chains: Chain[]; default_filter_chain?: Chain };

const HTTP_RBAC = 'envoy.filters.http.rbac';
const NETWORK_RBAC = 'envoy.filters.network.rbac';
const HCM = 'envoy.filters.network.http_connection_manager';
const PRODUCTPAGE = sidecar();

const policy = (name: string, spec: Record<string, unknown>, namespace = 'default', annotations: Record<string, string> = {}): ConfigEntry => {
  const e = entry('AuthorizationPolicy', name, namespace, spec, 'security.istio.io/v1');
  return { ...e, resource: { ...e.resource, metadata: { name, namespace, annotations } } };
};
const selectProductpage = { selector: { matchLabels: { app: 'productpage' } } };
const denyAdmin = policy('deny-admin', { ...selectProductpage, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin*'] } }] }] });
const allowGet = policy('allow-get', { ...selectProductpage, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
const allowNothing = policy('allow-nothing', {});

/** productpage on 9080 (HTTP) and 3306 (TCP), with one endpoint at the sidecar's IP. */
const MESH: readonly ConfigEntry[] = [
  ...BOOKINFO.filter((e) => e.ref.name !== 'productpage'),
  serviceEntry('productpage', { ports: [{ number: 9080, name: 'http' }, { number: 3306, name: 'tcp-mysql' }], endpoints: ['10.0.0.1'] }),
];

function listeners(cfg: readonly ConfigEntry[], proxy: ProxyView = PRODUCTPAGE): Listener[] {
  const out = generateListeners(meshOf(cfg), proxy) as Listener[];
  // The wire check: every listener (RBAC filters, URI templates included) encodes as Envoy's protos.
  packAll(TYPE_URL.LISTENER, out);
  return out;
}
const named = (ls: Listener[], name: string): Listener => {
  const l = ls.find((x) => x.name === name);
  if (!l) throw new Error(`no listener ${name} in ${ls.map((x) => x.name).join(', ')}`);
  return l;
};
const chain = (l: Listener, name: string): Chain => {
  const c = l.filter_chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name} in ${l.name}: ${l.filter_chains.map((x) => x.name).join(', ')}`);
  return c;
};
const httpFilterNames = (c: Chain): string[] => ((c.filters.find((f) => f.name === HCM)?.typed_config.http_filters ?? []) as Filter[]).map((f) => f.name);
const networkFilterNames = (c: Chain): string[] => c.filters.map((f) => f.name);
const HTTP_CHAIN = [HTTP_RBAC, 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router'];
const PLAIN_HTTP_CHAIN = HTTP_CHAIN.slice(1);

describe('RBAC filters on sidecar inbound chains', () => {
  it('puts one RBAC HTTP filter first in every inbound HCM, the catch-all HTTP passthrough included', () => {
    const inbound = named(listeners([...MESH, denyAdmin]), 'virtualInbound');
    expect(httpFilterNames(chain(inbound, '0.0.0.0_9080'))).toEqual(HTTP_CHAIN);
    expect(httpFilterNames(chain(inbound, 'virtualInbound-catchall-http'))).toEqual(HTTP_CHAIN);
    const rbac = (chain(inbound, '0.0.0.0_9080').filters[0]?.typed_config.http_filters as Filter[])[0];
    expect(rbac?.typed_config).toMatchObject({
      '@type': TYPE_URL.HTTP_RBAC,
      rules: { action: 'DENY', policies: { 'ns[default]-policy[deny-admin]-rule[0]': { principals: [{ and_ids: { ids: [{ any: true }] } }] } } },
    });
  });

  it('puts the RBAC network filters before tcp_proxy on TCP chains, the TCP passthrough included, and not on the loop guard', () => {
    const inbound = named(listeners([...MESH, denyAdmin, allowGet]), 'virtualInbound');
    expect(networkFilterNames(chain(inbound, '0.0.0.0_3306'))).toEqual([NETWORK_RBAC, NETWORK_RBAC, 'envoy.filters.network.tcp_proxy']);
    expect(networkFilterNames(chain(inbound, 'virtualInbound'))).toEqual([NETWORK_RBAC, NETWORK_RBAC, 'envoy.filters.network.tcp_proxy']);
    expect(networkFilterNames(chain(inbound, 'virtualInbound-blackhole'))).toEqual(['envoy.filters.network.tcp_proxy']);
    const [deny, allow] = chain(inbound, '0.0.0.0_3306').filters;
    expect(deny?.typed_config).toMatchObject({ '@type': TYPE_URL.NETWORK_RBAC, stat_prefix: 'tcp.', rules: { action: 'DENY' } });
    // The ALLOW rule speaks HTTP only (methods): on TCP it is dropped, so the ALLOW filter allows nothing.
    expect(allow?.typed_config).toMatchObject({ '@type': TYPE_URL.NETWORK_RBAC, stat_prefix: 'tcp.', rules: { policies: {} } });
    expect(allow?.typed_config.rules).not.toHaveProperty('action');
  });

  it('orders DENY before ALLOW and leaves outbound listeners alone', () => {
    const ls = listeners([...MESH, allowGet, denyAdmin]);
    const rbac = (chain(named(ls, 'virtualInbound'), '0.0.0.0_9080').filters[0]?.typed_config.http_filters as Filter[]).slice(0, 2);
    expect(rbac.map((f) => (f.typed_config.rules as { action?: string }).action ?? 'ALLOW')).toEqual(['DENY', 'ALLOW']);
    for (const l of ls.filter((x) => x.traffic_direction !== 'INBOUND')) {
      for (const c of [...l.filter_chains, ...(l.default_filter_chain ? [l.default_filter_chain] : [])]) {
        expect(networkFilterNames(c)).not.toContain(NETWORK_RBAC);
        expect(httpFilterNames(c)).not.toContain(HTTP_RBAC);
      }
    }
  });

  it.each([
    { name: 'a policy selecting other labels', cfg: [policy('p', { selector: { matchLabels: { app: 'reviews' } }, action: 'DENY', rules: [{}] })] },
    { name: 'a policy of another namespace', cfg: [policy('p', { action: 'DENY', rules: [{}] }, 'other')] },
    { name: 'a policy with targetRefs (sidecars ignore them)', cfg: [policy('p', { targetRefs: [{ kind: 'Service', group: '', name: 'productpage' }], action: 'DENY', rules: [{}] })] },
    { name: 'no policy', cfg: [] },
  ])('gives no RBAC filter for $name', ({ cfg }) => {
    const inbound = named(listeners([...MESH, ...cfg]), 'virtualInbound');
    expect(httpFilterNames(chain(inbound, '0.0.0.0_9080'))).toEqual(PLAIN_HTTP_CHAIN);
    expect(networkFilterNames(chain(inbound, '0.0.0.0_3306'))).toEqual(['envoy.filters.network.tcp_proxy']);
  });

  it('applies root-namespace policies to workloads of every namespace', () => {
    const inbound = named(listeners([...MESH, policy('mesh-deny', { action: 'DENY', rules: [{ to: [{ operation: { ports: ['3306'] } }] }] }, 'istio-system')]), 'virtualInbound');
    expect(httpFilterNames(chain(inbound, '0.0.0.0_9080'))).toEqual(HTTP_CHAIN);
    expect((chain(inbound, '0.0.0.0_3306').filters[0]?.typed_config.rules as { policies: object }).policies).toHaveProperty(['ns[istio-system]-policy[mesh-deny]-rule[0]']);
  });

  it('puts dry-run policies in shadow_rules', () => {
    const inbound = named(listeners([...MESH, policy('dry', { ...selectProductpage, action: 'DENY', rules: [{}] }, 'default', { 'istio.io/dry-run': 'true' })]), 'virtualInbound');
    const rbac = (chain(inbound, '0.0.0.0_9080').filters[0]?.typed_config.http_filters as Filter[])[0];
    expect(rbac?.typed_config).not.toHaveProperty('rules');
    expect(rbac?.typed_config).toMatchObject({ shadow_rules: { action: 'DENY' }, shadow_rules_stat_prefix: 'istio_dry_run_deny_' });
  });

  it('packs {*} / {**} path templates (uri_template typed_config)', () => {
    const inbound = named(listeners([...MESH, policy('tpl', { ...selectProductpage, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/api/{*}/secret', '/files/{**}'] } }] }] })]), 'virtualInbound');
    expect(JSON.stringify(chain(inbound, '0.0.0.0_9080'))).toContain('envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig');
  });

  it('puts the filters on inbound listeners bound to their own port (no capture)', () => {
    const sc = entry('Sidecar', 'ingress', 'default', { workloadSelector: { labels: { app: 'productpage' } }, ingress: [{ port: { number: 9080, name: 'http', protocol: 'HTTP' }, defaultEndpoint: '127.0.0.1:8080', captureMode: 'NONE' }] });
    const none = sidecar('default', { app: 'productpage' }, '10.0.0.1');
    const proxy = { ...none, metadata: { ...none.metadata, INTERCEPTION_MODE: 'NONE' } };
    const bound = named(listeners([...MESH, sc, denyAdmin], proxy), '10.0.0.1_9080');
    expect(httpFilterNames(bound.filter_chains[0] as Chain)).toEqual(HTTP_CHAIN);
  });

  it('reports what the builder skipped as warnings, and builds once per selection', () => {
    const snapshot = meshOf([...MESH, policy('bad', { ...selectProductpage, rules: [{ to: [{ operation: { methods: ['GET'] } }], when: [{ key: 'request.nope', values: ['x'] }] }] }), policy('ext', { ...selectProductpage, action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] })]);
    const built = workloadRbacFilters(snapshot, PRODUCTPAGE);
    expect(built.warnings.some((w) => w.includes('ns[default]-policy[bad]-rule[0]'))).toBe(true);
    expect(built.warnings.some((w) => w.includes('CUSTOM action is not supported') && w.includes('default/ext'))).toBe(true);
    expect(workloadRbacFilters(snapshot, sidecar('default', { app: 'productpage' }, '10.0.0.9', 'productpage-v2'))).toBe(built);
  });
});

describe('RBAC filters on gateways', () => {
  const gatewayCfg: ConfigEntry[] = [
    ...BOOKINFO,
    entry('Gateway', 'gw', 'istio-system', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] }),
    entry('VirtualService', 'pp', 'default', { hosts: ['*'], gateways: ['istio-system/gw'], http: [{ route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] }),
  ];

  it("puts the gateway workload's RBAC filter first in its HCM", () => {
    const ls = generateListeners(meshOf([...gatewayCfg, policy('gw-deny', { selector: { matchLabels: { istio: 'ingressgateway' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/private'] } }] }] }, 'istio-system')]), router()) as Listener[];
    packAll(TYPE_URL.LISTENER, ls);
    expect(httpFilterNames(named(ls, '0.0.0.0_8080').filter_chains[0] as Chain)).toEqual(HTTP_CHAIN);
  });

  it('leaves the gateway without RBAC when policies select other workloads', () => {
    const ls = generateListeners(meshOf([...gatewayCfg, denyAdmin]), router()) as Listener[];
    expect(httpFilterNames(named(ls, '0.0.0.0_8080').filter_chains[0] as Chain)).toEqual(PLAIN_HTTP_CHAIN);
  });
});

describe('simulate() through the generated RBAC filters', () => {
  const inbound = (port: number, extra: Partial<SimulationRequest> = {}): SimulationRequest => ({ mode: 'inbound', address: '10.0.0.1', port, host: `productpage:${port}`, ...extra });
  const config = (cfg: readonly ConfigEntry[]): GeneratedConfig => generateProxyConfig(meshOf([...MESH, ...cfg]), PRODUCTPAGE);

  it('denies a DENY-listed path with 403 (no response flag) and lets other paths reach the app', () => {
    const c = config([denyAdmin]);
    expect(simulate(inbound(9080, { path: '/admin/users' }), c)).toMatchObject({ failure: 'rbac-denied', status: 403, rbacPolicy: 'ns[default]-policy[deny-admin]-rule[0]', filterChain: '0.0.0.0_9080' });
    expect(simulate(inbound(9080, { path: '/admin/users' }), c)).not.toHaveProperty('responseFlag');
    expect(simulate(inbound(9080, { path: '/productpage' }), c)).toMatchObject({ cluster: 'inbound|9080||' });
    expect(simulate(inbound(9080, { path: '/productpage' }), c).failure).toBeUndefined();
  });

  it('allows only the ALLOWed methods, on HTTP; closes TCP connections an HTTP-only ALLOW cannot match', () => {
    const c = config([allowGet]);
    expect(simulate(inbound(9080, { method: 'GET' }), c).failure).toBeUndefined();
    expect(simulate(inbound(9080, { method: 'POST' }), c)).toMatchObject({ failure: 'rbac-denied', status: 403, rbacPolicy: 'none' });
    expect(simulate(inbound(3306, { protocol: 'tcp' }), c)).toMatchObject({ failure: 'rbac-denied', filterChain: '0.0.0.0_3306' });
  });

  it('denies everything with an allow-nothing policy (spec: {}), on declared and undeclared ports', () => {
    const c = config([allowNothing]);
    expect(simulate(inbound(9080), c)).toMatchObject({ failure: 'rbac-denied', status: 403 });
    expect(simulate(inbound(3306, { protocol: 'tcp' }), c)).toMatchObject({ failure: 'rbac-denied' });
    expect(simulate(inbound(7777), c)).toMatchObject({ failure: 'rbac-denied', filterChain: 'virtualInbound-catchall-http', status: 403 });
    expect(simulate(inbound(7777, { protocol: 'tcp' }), c)).toMatchObject({ failure: 'rbac-denied', filterChain: 'virtualInbound' });
  });

  it('matches {*} templates one segment deep; on TCP a DENY rule loses its HTTP-only paths and denies more', () => {
    const c = config([policy('tpl', { ...selectProductpage, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/api/{*}/secret'] } }] }] })]);
    expect(simulate(inbound(9080, { path: '/api/v1/secret' }), c)).toMatchObject({ failure: 'rbac-denied', rbacPolicy: 'ns[default]-policy[tpl]-rule[0]' });
    expect(simulate(inbound(9080, { path: '/api/v1/v2/secret' }), c).failure).toBeUndefined();
    expect(simulate(inbound(3306, { protocol: 'tcp' }), c)).toMatchObject({ failure: 'rbac-denied', rbacPolicy: 'ns[default]-policy[tpl]-rule[0]' });
  });

  it('matches destination ports and source IP blocks on TCP and HTTP', () => {
    const c = config([policy('ports', { ...selectProductpage, action: 'DENY', rules: [{ from: [{ source: { ipBlocks: ['10.9.0.0/16'] } }], to: [{ operation: { ports: ['3306'] } }] }] })]);
    expect(simulate(inbound(3306, { protocol: 'tcp', sourceAddress: '10.9.1.1' }), c)).toMatchObject({ failure: 'rbac-denied', rbacPolicy: 'ns[default]-policy[ports]-rule[0]' });
    expect(simulate(inbound(3306, { protocol: 'tcp', sourceAddress: '10.8.1.1' }), c)).toMatchObject({ cluster: 'inbound|3306||' });
    expect(simulate(inbound(9080, { sourceAddress: '10.9.1.1' }), c).failure).toBeUndefined();
  });

  it('never enforces dry-run policies', () => {
    const c = config([policy('dry', { ...selectProductpage, action: 'DENY', rules: [{}] }, 'default', { 'istio.io/dry-run': 'true' })]);
    expect(simulate(inbound(9080), c).failure).toBeUndefined();
  });

  it('denies plaintext peers an ALLOW by principal (principals need mTLS, which inbound chains do not have yet)', () => {
    const c = config([policy('from-reviews', { ...selectProductpage, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/reviews'] } }] }] })]);
    expect(simulate(inbound(9080), c)).toMatchObject({ failure: 'rbac-denied', rbacPolicy: 'none' });
  });
});
