import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import { buildServiceEntryRegistry } from './service-entry-registry.js';

function entry(kind: string, name: string, spec: Record<string, unknown>, namespace = 'default'): ConfigEntry {
  return { ref: { kind, namespace, name }, apiVersion: 'networking.istio.io/v1', resource: { kind, metadata: { name, namespace }, spec }, origin: { source: 'memory' } };
}

const reviewsSE = entry('ServiceEntry', 'reviews', {
  hosts: ['reviews.default.svc.cluster.local'],
  ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
  resolution: 'STATIC',
  workloadSelector: { labels: { app: 'reviews' } },
});
const we = (name: string, version: string, address: string, extra: Record<string, unknown> = {}) =>
  entry('WorkloadEntry', name, { address, labels: { app: 'reviews', version }, serviceAccount: 'bookinfo-reviews', ...extra });

describe('buildServiceEntryRegistry', () => {
  it('selects WorkloadEntries by label in the same namespace, one endpoint per port', () => {
    const view = buildServiceEntryRegistry([
      reviewsSE,
      we('reviews-v1', 'v1', '127.0.0.11', { locality: 'us/east/a', weight: 3 }),
      we('reviews-v2', 'v2', '127.0.0.12', { ports: { http: 19080 } }),
      entry('WorkloadEntry', 'other-ns', { address: '127.0.0.13', labels: { app: 'reviews' } }, 'prod'),
      entry('WorkloadEntry', 'ratings', { address: '127.0.0.14', labels: { app: 'ratings' } }),
    ]);
    expect(view.services).toHaveLength(1);
    expect(view.services[0]).toMatchObject({ hostname: 'reviews.default.svc.cluster.local', resolution: 'STATIC', exportTo: ['*'], ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }] });
    expect(view.endpoints.map((e) => [e.address, e.port, e.labels.version, e.weight, e.locality, e.serviceAccount])).toEqual([
      ['127.0.0.11', 9080, 'v1', 3, 'us/east/a', 'bookinfo-reviews'],
      ['127.0.0.12', 19080, 'v2', 1, '', 'bookinfo-reviews'],
    ]);
    expect(view.workloads).toHaveLength(4);
  });

  it('uses inline endpoints with targetPort, one service per host', () => {
    const view = buildServiceEntryRegistry([
      entry('ServiceEntry', 'ext', {
        hosts: ['a.example.com', 'b.example.com'],
        ports: [{ number: 443, name: 'tls', protocol: 'TLS', targetPort: 8443 }],
        resolution: 'STATIC',
        location: 'MESH_EXTERNAL',
        endpoints: [{ address: '127.0.0.20' }, { address: '127.0.0.21', ports: { tls: 9443 } }],
      }),
    ]);
    expect(view.services.map((s) => s.hostname)).toEqual(['a.example.com', 'b.example.com']);
    expect(view.services[0]?.location).toBe('MESH_EXTERNAL');
    expect(view.endpoints.filter((e) => e.hostname === 'a.example.com').map((e) => `${e.address}:${e.port}`)).toEqual(['127.0.0.20:8443', '127.0.0.21:9443']);
  });

  it.each([
    ['DNS without endpoints resolves the host itself', 'DNS', [{ address: 'api.example.com', port: 80 }]],
    ['NONE has no endpoints', 'NONE', []],
  ])('%s', (_title, resolution, want) => {
    const view = buildServiceEntryRegistry([entry('ServiceEntry', 'api', { hosts: ['api.example.com'], ports: [{ number: 80, name: 'http' }], resolution })]);
    expect(view.endpoints.map((e) => ({ address: e.address, port: e.port }))).toEqual(want);
  });

  it('reads garbage without throwing', () => {
    expect(() => buildServiceEntryRegistry([entry('ServiceEntry', 'bad', { hosts: 'x', ports: [null, 3], endpoints: {} }), entry('WorkloadEntry', 'w', { labels: [1] })])).not.toThrow();
  });
});
