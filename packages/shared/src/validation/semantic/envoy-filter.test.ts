// Table tests for EnvoyFilter semantic rules, after Istio's envoyfilter_test.go cases.

import { describe, expect, it } from 'vitest';
import { Collector } from '../result.js';
import { ENVOY_FILTER_WARNING, validateEnvoyFilter } from './envoy-filter.js';

function run(spec: unknown) {
  const c = new Collector();
  validateEnvoyFilter({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name: 'ef', namespace: 'default' }, spec }, c);
  return c.result();
}

const patch = (cp: Record<string, unknown>) => ({ configPatches: [cp] });
const hcm = { listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } };
const insert = { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua' } } };

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly valid: boolean;
  readonly message?: string;
  readonly warning?: string;
  readonly path?: string;
}

const cases: Case[] = [
  { name: 'empty filters', spec: {}, valid: true },
  { name: 'null config patch', spec: { configPatches: [null] }, valid: false, message: 'Envoy filter: null config patch' },
  { name: 'missing applyTo', spec: patch({ patch: insert }), valid: false, message: 'Envoy filter: missing applyTo', path: 'spec.configPatches[0].applyTo' },
  { name: 'nil patch', spec: patch({ applyTo: 'LISTENER' }), valid: false, message: 'Envoy filter: missing patch' },
  { name: 'missing operation', spec: patch({ applyTo: 'LISTENER', patch: { value: {} } }), valid: false, message: 'Envoy filter: missing patch operation' },
  { name: 'nil patch value', spec: patch({ applyTo: 'LISTENER', patch: { operation: 'ADD' } }), valid: false, message: 'Envoy filter: missing patch value for non-remove operation' },
  { name: 'remove without value', spec: patch({ applyTo: 'LISTENER', patch: { operation: 'REMOVE' } }), valid: true },
  { name: 'applyTo by number', spec: patch({ applyTo: 4, match: hcm, patch: insert }), valid: true },
  { name: 'match with invalid regex', spec: patch({ applyTo: 'LISTENER', match: { proxy: { proxyVersion: '%#@~++==`24c234`' } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: invalid regex for proxy version' },
  { name: 'match with valid regex', spec: patch({ applyTo: 'LISTENER', match: { proxy: { proxyVersion: '^1\\.1[0-9].*' } }, patch: { operation: 'REMOVE' } }), valid: true },
  { name: 'listener with invalid match', spec: patch({ applyTo: 'LISTENER', match: { cluster: { service: 'foo' } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: applyTo for listener class objects cannot have non listener match' },
  { name: 'listener with invalid filter match', spec: patch({ applyTo: 'NETWORK_FILTER', match: { listener: { filterChain: { sni: 'xyz', filter: {} } } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: filter match has no name to match on' },
  { name: 'listener with sub filter match and invalid applyTo', spec: patch({ applyTo: 'NETWORK_FILTER', match: { listener: { filterChain: { filter: { name: 'random', subFilter: { name: 'random' } } } } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only' },
  { name: 'listener with sub filter match and invalid filter name', spec: patch({ applyTo: 'HTTP_FILTER', match: { listener: { filterChain: { filter: { name: 'random', subFilter: { name: 'random' } } } } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: subfilter match requires filter match with envoy.filters.network.http_connection_manager' },
  { name: 'listener with sub filter match and no sub filter name', spec: patch({ applyTo: 'HTTP_FILTER', match: { listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: {} } } } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: subfilter match has no name to match on' },
  { name: 'route configuration with invalid match', spec: patch({ applyTo: 'VIRTUAL_HOST', match: { cluster: { service: 'foo' } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: applyTo for http route class objects cannot have non route configuration match' },
  { name: 'cluster with invalid match', spec: patch({ applyTo: 'CLUSTER', match: { listener: { name: 'random' } }, patch: { operation: 'REMOVE' } }), valid: false, message: 'Envoy filter: applyTo for cluster class objects cannot have non cluster match' },
  { name: 'happy config', spec: patch({ applyTo: 'HTTP_FILTER', match: hcm, patch: insert }), valid: true },
  { name: 'deprecated filter name warns', spec: patch({ applyTo: 'HTTP_FILTER', match: { listener: { filterChain: { filter: { name: 'envoy.http_connection_manager' } } } }, patch: insert }), valid: true, warning: 'using deprecated filter name "envoy.http_connection_manager"; use "envoy.filters.network.http_connection_manager" instead' },
  { name: 'filter match with FILTER_CHAIN warns', spec: patch({ applyTo: 'FILTER_CHAIN', match: hcm, patch: { operation: 'REMOVE' } }), valid: true, warning: 'Envoy filter: filter match has no effect when used with FILTER_CHAIN' },
  { name: 'v2 type url rejected', spec: patch({ applyTo: 'HTTP_FILTER', match: hcm, patch: { operation: 'ADD', value: { typed_config: { '@type': 'type.googleapis.com/envoy.config.filter.http.lua.v2.Lua' } } } }), valid: false, message: 'referenced type unknown (hint: try using the v3 XDS API)', path: 'spec.configPatches[0].patch.value.typed_config["@type"]' },
  { name: 'workload selector with wildcard', spec: { workloadSelector: { labels: { app: '*' } }, ...patch({ applyTo: 'LISTENER', patch: { operation: 'REMOVE' } }) }, valid: false, message: 'wildcard is not supported in selector' },
  { name: 'workload selector without labels warns', spec: { workloadSelector: {}, ...patch({ applyTo: 'LISTENER', patch: { operation: 'REMOVE' } }) }, valid: true, warning: 'Envoy filter: workload selector specified without labels, will be applied to all services in namespace' },
  { name: 'waypoint match with cluster', spec: patch({ applyTo: 'CLUSTER', match: { context: 'WAYPOINT', waypoint: {} }, patch: { operation: 'REMOVE' } }), valid: true },
];

describe('validateEnvoyFilter', () => {
  it.each(cases)('$name', (tc) => {
    const { errors, warnings } = run(tc.spec);
    if (tc.valid) expect(errors).toEqual([]);
    else expect(errors.length).toBeGreaterThan(0);
    if (tc.message) expect(errors.map((e) => e.message).join('\n')).toContain(tc.message);
    if (tc.warning) expect(warnings.map((e) => e.message).join('\n')).toContain(tc.warning);
    if (tc.path) expect(errors.map((e) => e.path)).toContain(tc.path);
  });

  it('always warns that EnvoyFilter exposes implementation details', () => {
    expect(run({}).warnings.map((w) => w.message)).toContain(ENVOY_FILTER_WARNING);
  });
});
