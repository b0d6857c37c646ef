// The debug API served by fastify (inject: no socket needed); the wiring to a live weftd is tested in
// bootstrap/start-weftd.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { TYPE_URL } from '@weft/shared/xds';
import { ConfigStore } from '../config/config-store.js';
import { MemorySource } from '../config/memory-source.js';
import { createPilotMetrics } from '../metrics/pilot-metrics.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { createProxyView } from '../snapshot/proxy-view.js';
import type { ProxySyncStatus } from '../xds/ads-server.js';
import { createDebugServer, renderSyncz } from './debug-server.js';

const NODE = 'sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local';
const STATUS: ProxySyncStatus[] = [
  {
    connectionId: `${NODE}-1`,
    nodeId: NODE,
    connectedAt: '2024-01-01T00:00:00.000Z',
    types: [
      { typeUrl: TYPE_URL.CLUSTER, versionSent: 'c2', versionAcked: 'c1', nonce: 'n-3', lastNack: { version: 'c2', nonce: 'n-3', code: 3, message: 'bad cluster', at: '2024-01-01T00:00:01.000Z' } },
      { typeUrl: TYPE_URL.LISTENER, versionSent: 'l1', versionAcked: 'l1', nonce: 'n-2', lastNack: undefined },
      { typeUrl: TYPE_URL.ROUTE, versionSent: undefined, versionAcked: undefined, nonce: undefined, lastNack: undefined },
    ],
  },
];

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

function setup(ready: boolean) {
  const store = new ConfigStore();
  const memory = new MemorySource(store);
  memory.apply(
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'reviews' }, spec: { hosts: ['reviews.default.svc.cluster.local'], ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC', endpoints: [{ address: '10.0.0.5' }] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] } },
  );
  const metrics = createPilotMetrics();
  const app = createDebugServer({
    syncStatus: () => STATUS,
    config: () => store.list(),
    registry: () => buildServiceEntryRegistry(store.list()),
    proxy: (id) => (id === NODE ? createProxyView(NODE, { ISTIO_VERSION: '1.22.0' }) : undefined),
    metrics,
    isReady: () => ready,
  });
  apps.push(app);
  return { app, metrics };
}

describe('debug server', () => {
  it.each([
    [false, 503],
    [true, 200],
  ])('/ready when ready=%s is %d', async (ready, code) => {
    const { app } = setup(ready);
    expect((await app.inject('/ready')).statusCode).toBe(code);
  });

  it('/debug/syncz uses Istio field names, holding versions, plus per-type detail', async () => {
    const { app } = setup(true);
    const body = (await app.inject('/debug/syncz')).json();
    expect(body).toEqual([
      {
        proxy: NODE,
        connection_id: `${NODE}-1`,
        connected_at: '2024-01-01T00:00:00.000Z',
        proxy_type: 'sidecar',
        istio_version: '1.22.0',
        cluster_sent: 'c2',
        cluster_acked: 'c1',
        listener_sent: 'l1',
        listener_acked: 'l1',
        resources: {
          [TYPE_URL.CLUSTER]: { sent: 'c2', acked: 'c1', nonce: 'n-3', lastError: 'bad cluster', lastNack: STATUS[0]?.types[0]?.lastNack },
          [TYPE_URL.LISTENER]: { sent: 'l1', acked: 'l1', nonce: 'n-2' },
          [TYPE_URL.ROUTE]: {},
        },
      },
    ]);
    expect(renderSyncz([])).toEqual([]);
  });

  it('/debug/configz lists the config in force with its origin', async () => {
    const { app } = setup(true);
    const body = (await app.inject('/debug/configz')).json() as { kind: string; namespace: string; name: string; origin: { source: string }; resource: { spec: unknown } }[];
    expect(body.map((e) => [e.kind, e.namespace, e.name, e.origin.source])).toEqual([
      ['ServiceEntry', 'default', 'reviews', 'memory'],
      ['VirtualService', 'default', 'reviews', 'memory'],
    ]);
    expect(body[1]?.resource.spec).toEqual({ hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] });
  });

  it('/debug/registryz lists services with their endpoints', async () => {
    const { app } = setup(true);
    const body = (await app.inject('/debug/registryz')).json() as { hostname: string; ports: unknown[]; endpoints: { address: string; port: number }[] }[];
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ hostname: 'reviews.default.svc.cluster.local', ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }], endpoints: [{ address: '10.0.0.5', port: 9080 }] });
  });

  it('/metrics serves the Prometheus text format with the pilot_* metrics', async () => {
    const { app, metrics } = setup(true);
    metrics.xdsPushes.inc({ type: 'cds' });
    const res = await app.inject('/metrics');
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('# TYPE pilot_xds_pushes counter');
    expect(res.body).toContain('pilot_xds_pushes{type="cds"} 1');
    for (const name of ['pilot_xds', 'pilot_proxy_convergence_time', 'pilot_total_rejected_configs', 'pilot_services', 'pilot_virt_services', 'pilot_xds_cds_reject', 'pilot_xds_eds_reject', 'pilot_xds_lds_reject', 'pilot_xds_rds_reject', 'pilot_xds_push_time', 'pilot_xds_send_time', 'pilot_k8s_cfg_events', 'process_cpu_seconds_total']) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
  });
});
