import { describe, expect, it } from 'vitest';
import { REVIEWS, edsCluster, httpListener, loadAssignment } from '../../test/mesh-fixtures.js';
import { snapshotOf } from '../../test/snapshot-of.js';
import { renderClustersJson, renderClustersText } from './clusters-view.js';
import { renderListenersJson, renderListenersText } from './listeners-view.js';

describe('/clusters and /listeners views', () => {
  it("prints a cluster and its EDS hosts in Envoy's text form", () => {
    const cluster = { ...edsCluster(REVIEWS), circuit_breakers: { thresholds: [{ max_connections: { value: 100 }, max_retries: { value: 5 } }] } };
    const snapshot = snapshotOf({ cluster: [cluster], endpoint: [loadAssignment(REVIEWS, ['10.0.0.7'])] });
    const lines = renderClustersText(snapshot).split('\n');
    expect(lines.slice(0, 11)).toEqual([
      `${REVIEWS}::observability_name::${REVIEWS}`,
      `${REVIEWS}::default_priority::max_connections::100`,
      `${REVIEWS}::default_priority::max_pending_requests::1024`,
      `${REVIEWS}::default_priority::max_requests::1024`,
      `${REVIEWS}::default_priority::max_retries::5`,
      `${REVIEWS}::high_priority::max_connections::1024`,
      `${REVIEWS}::high_priority::max_pending_requests::1024`,
      `${REVIEWS}::high_priority::max_requests::1024`,
      `${REVIEWS}::high_priority::max_retries::3`,
      `${REVIEWS}::added_via_api::true`,
      `${REVIEWS}::10.0.0.7:9080::cx_active::0`,
    ]);
    expect(lines).toContain(`${REVIEWS}::10.0.0.7:9080::health_flags::healthy`);
    expect(lines).toContain(`${REVIEWS}::10.0.0.7:9080::region::us-east1`);
    expect(lines).toContain(`${REVIEWS}::10.0.0.7:9080::zone::b`);
    expect(renderClustersJson(snapshot)).toMatchObject({
      cluster_statuses: [{ name: REVIEWS, added_via_api: true, host_statuses: [{ address: { socket_address: { address: '10.0.0.7', port_value: 9080 } }, health_status: { eds_health_status: 'UNKNOWN' }, weight: 1 }] }],
    });
  });

  it('prints no hosts for an EDS cluster whose endpoints have not arrived, and nothing for no clusters', () => {
    expect(renderClustersText(snapshotOf({ cluster: [edsCluster(REVIEWS)] }))).not.toContain('::cx_active::');
    expect(renderClustersText(snapshotOf({}))).toBe('');
  });

  it('prints listeners as name::address', () => {
    const snapshot = snapshotOf({ listener: [httpListener('0.0.0.0_9080', 9080, '9080'), httpListener('0.0.0.0_80', 80, '80')] });
    expect(renderListenersText(snapshot)).toBe('0.0.0.0_80::0.0.0.0:80\n0.0.0.0_9080::0.0.0.0:9080\n');
    expect(renderListenersJson(snapshot)).toEqual({
      listener_statuses: [
        { name: '0.0.0.0_80', local_address: { socket_address: { address: '0.0.0.0', port_value: 80 } } },
        { name: '0.0.0.0_9080', local_address: { socket_address: { address: '0.0.0.0', port_value: 9080 } } },
      ],
    });
  });
});
