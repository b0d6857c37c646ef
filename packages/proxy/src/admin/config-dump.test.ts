import { TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import { BLACKHOLE, REVIEWS, edsCluster, httpListener, loadAssignment, routeConfig } from '../../test/mesh-fixtures.js';
import { snapshotOf } from '../../test/snapshot-of.js';
import { buildXdsNode } from '../bootstrap/xds-node.js';
import { defaultProxyConfig } from '../config.js';
import { buildConfigDump, type BootstrapInfo } from './config-dump.js';

const info: BootstrapInfo = { node: buildXdsNode(defaultProxyConfig({ workloadName: 'reviews-v1' }), 'h'), discoveryAddress: 'weftd.local:15010', adminPort: 15000, startedAt: Date.UTC(2025, 0, 1) };
const AT = '2025-01-02T03:04:05.000Z';
const mesh = snapshotOf({ cluster: [edsCluster(REVIEWS), BLACKHOLE], endpoint: [loadAssignment(REVIEWS, ['10.0.0.7'])], listener: [httpListener('0.0.0.0_9080', 9080, '9080')], route: [routeConfig('9080', REVIEWS)] }, '7');

function dump(options = {}): { configs: Record<string, unknown>[] } {
  const result = buildConfigDump(mesh, info, options);
  if (!result.ok) throw new Error(result.error);
  return result.body as { configs: Record<string, unknown>[] };
}

describe('buildConfigDump', () => {
  it("has Envoy's ConfigDump shape: bootstrap, clusters, listeners, routes; endpoints only with include_eds", () => {
    expect(dump().configs.map((c) => c['@type'])).toEqual([
      'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
    ]);
    expect(dump({ includeEds: true }).configs.map((c) => c['@type'])).toContain('type.googleapis.com/envoy.admin.v3.EndpointsConfigDump');
  });

  it('prints each resource in proto3 JSON with its version and update time', () => {
    const [bootstrap, clusters, listeners, routes] = dump().configs;
    expect(bootstrap).toMatchObject({
      bootstrap: {
        node: { id: info.node.id, cluster: 'reviews-v1.default', metadata: { WORKLOAD_NAME: 'reviews-v1' } },
        static_resources: { clusters: [{ name: 'xds-grpc', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'weftd.local', port_value: 15010 } } } }] }] } }] },
        admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
      },
      last_updated: '2025-01-01T00:00:00.000Z',
    });
    expect(clusters).toEqual({
      '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      version_info: '7',
      dynamic_active_clusters: [
        { version_info: '7', cluster: { '@type': TYPE_URL.CLUSTER, name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s' }, last_updated: AT },
        {
          version_info: '7',
          cluster: { '@type': TYPE_URL.CLUSTER, name: REVIEWS, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, connect_timeout: '10s', lb_policy: 'LEAST_REQUEST' },
          last_updated: AT,
        },
      ],
    });
    expect(listeners).toMatchObject({
      version_info: '7',
      dynamic_listeners: [{ name: '0.0.0.0_9080', active_state: { version_info: '7', listener: { '@type': TYPE_URL.LISTENER, name: '0.0.0.0_9080', filter_chains: [{ filters: [{ typed_config: { '@type': TYPE_URL.HTTP_CONNECTION_MANAGER, rds: { route_config_name: '9080' } } }] }] }, last_updated: AT } }],
    });
    expect(routes).toMatchObject({ dynamic_route_configs: [{ version_info: '7', route_config: { '@type': TYPE_URL.ROUTE, name: '9080', virtual_hosts: [{ routes: [{ route: { cluster: REVIEWS, timeout: '0s' } }] }] }, last_updated: AT }] });
  });

  it('shows a refused update as error_state next to the version still in force', () => {
    const broken = snapshotOf({ listener: [{ ...httpListener('0.0.0.0_9080', 9080, '9080'), filter_chains: [] }] }, '8', Date.UTC(2025, 0, 3), mesh);
    const result = buildConfigDump(broken, info, { resource: 'dynamic_listeners' });
    expect(result).toMatchObject({
      ok: true,
      body: {
        configs: [
          {
            '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
            name: '0.0.0.0_9080',
            active_state: { version_info: '7' },
            error_state: { details: 'no filter chains specified', version_info: '8', last_update_attempt: '2025-01-03T00:00:00.000Z', failed_configuration: { '@type': TYPE_URL.LISTENER, name: '0.0.0.0_9080' } },
          },
        ],
      },
    });
  });

  it('selects one repeated field with ?resource= and refuses unknown ones', () => {
    const result = buildConfigDump(mesh, info, { resource: 'dynamic_endpoint_configs' });
    expect(result).toMatchObject({ ok: true, body: { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump.DynamicEndpointConfig', endpoint_config: { cluster_name: REVIEWS } }] } });
    expect(buildConfigDump(mesh, info, { resource: 'static_secrets' })).toEqual({ ok: false, error: 'static_secrets not found in config dump' });
  });
});
