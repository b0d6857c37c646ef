import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { EMPTY_COMPILED } from '../compile/compile-config.js';
import { compileFilterChain, type HttpChainOptions } from './network-filter-chain.js';

const router = [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } }];

describe('compileFilterChain', () => {
  const seen: HttpChainOptions[] = [];
  const deps = { config: () => EMPTY_COMPILED, http: (o: HttpChainOptions) => (seen.push(o), () => undefined) };

  it.each([
    [
      'an RDS HCM with a websocket upgrade',
      { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, stat_prefix: 'outbound_0.0.0.0_9080', rds: { route_config_name: '9080' }, upgrade_configs: [{ upgrade_type: 'websocket' }, { upgrade_type: 'CONNECT', enabled: { value: false } }], http_filters: router },
      'outbound',
      { routeConfigName: '9080', direction: 'outbound', statPrefix: 'outbound_0.0.0.0_9080', upgradeTypes: ['websocket'] },
    ],
    [
      'an inline route config without upgrades',
      { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, route_config: { name: 'inbound|9080||' }, http_filters: router },
      'inbound',
      { routeConfigName: 'inbound|9080||', direction: 'inbound', statPrefix: '', upgradeTypes: [] },
    ],
  ] as const)('builds the HTTP handler of %s', (_what, typedConfig, direction, expected) => {
    seen.length = 0;
    const chain = compileFilterChain({ name: 'c', filters: [{ name: 'hcm', typed_config: typedConfig }] }, 'filter_chains[0]', direction, deps);
    expect(chain).toMatchObject({ name: 'c', kind: 'http' });
    expect(seen).toEqual([expected]);
  });

  it('builds a tcp_proxy, names unnamed chains, and fingerprints by content', () => {
    const tcp = { filters: [{ name: 'tcp', typed_config: { '@type': TYPE_URL.TCP_PROXY, cluster: 'c' } }] };
    const a = compileFilterChain(tcp, 'default_filter_chain', 'outbound', deps);
    expect(a).toMatchObject({ name: 'default_filter_chain', kind: 'tcp' });
    expect(compileFilterChain(structuredClone(tcp), 'x', 'outbound', deps).fingerprint).toBe(a.fingerprint);
    expect(compileFilterChain({ filters: [{ name: 'tcp', typed_config: { '@type': TYPE_URL.TCP_PROXY, cluster: 'd' } }] }, 'x', 'outbound', deps).fingerprint).not.toBe(a.fingerprint);
  });

  it('compiles an HCM\'s RBAC filters, in order, for the HTTP handler, and gives none when it has none', () => {
    seen.length = 0;
    const rbac = (action: string) => ({ name: 'envoy.filters.http.rbac', typed_config: { '@type': TYPE_URL.HTTP_RBAC, rules: { action, policies: {} } } });
    const hcm = (filters: object[]) => ({ filters: [{ name: 'hcm', typed_config: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, route_config: { name: 'r' }, http_filters: [...filters, ...router] } }] });
    compileFilterChain(hcm([rbac('LOG'), rbac('DENY')]), 'x', 'inbound', deps);
    compileFilterChain(hcm([]), 'y', 'inbound', deps);
    expect(seen.map((o) => o.rbac?.map((e) => e.action))).toEqual([['LOG', 'DENY'], undefined]);
  });

  it('closes the connections of a chain whose RBAC filters cannot be compiled (validation refuses such listeners)', () => {
    const chain = compileFilterChain({ filters: [{ name: 'rbac', typed_config: { '@type': TYPE_URL.NETWORK_RBAC, stat_prefix: 'tcp.', rules: { action: 'NOPE' } } }, { name: 'tcp', typed_config: { '@type': TYPE_URL.TCP_PROXY, cluster: 'c' } }] }, 'x', 'inbound', deps);
    expect(chain.kind).toBe('unsupported');
  });

  it('marks HTTP chains unsupported when no HTTP handler is wired', () => {
    const hcm = { filters: [{ name: 'hcm', typed_config: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, rds: { route_config_name: '80' } } }] };
    expect(compileFilterChain(hcm, 'x', 'outbound', { config: () => EMPTY_COMPILED }).kind).toBe('unsupported');
  });
});
