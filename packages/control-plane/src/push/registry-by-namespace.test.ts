// The per-namespace registry must equal a whole rebuild after every change: additions, edits and
// removals of ServiceEntries and WorkloadEntries, in namespaces whose names sort awkwardly.

import { describe, expect, it } from 'vitest';
import { ConfigStore, createConfigEntry, type ConfigEntry } from '../config/config-store.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';
import { NamespacedRegistry } from './registry-by-namespace.js';

const res = (kind: string, name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry =>
  createConfigEntry({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec }, { source: 'test' });
const service = (app: string, ns: string, port = 8080): ConfigEntry =>
  res('ServiceEntry', app, ns, { hosts: [`${app}.${ns}.svc.cluster.local`], resolution: 'STATIC', ports: [{ number: port, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app } } });
const workload = (name: string, app: string, ns: string, address: string): ConfigEntry => res('WorkloadEntry', name, ns, { address, labels: { app } });
const inline = (app: string, ns: string): ConfigEntry =>
  res('ServiceEntry', app, ns, { hosts: [`${app}.example.com`], resolution: 'STATIC', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], endpoints: [{ address: '192.0.2.1' }] });

describe('NamespacedRegistry', () => {
  it('equals a whole rebuild after each change, rebuilding only the changed namespaces', () => {
    const store = new ConfigStore();
    const registry = new NamespacedRegistry();
    const steps: ConfigEntry[][] = [
      [service('web', 'a'), workload('web-1', 'web', 'a', '10.0.0.1'), service('db', 'a-b'), workload('db-1', 'db', 'a-b', '10.0.1.1'), inline('ext', 'z'), service('web', 'a0')],
      [service('web', 'a'), workload('web-1', 'web', 'a', '10.0.0.1'), workload('web-2', 'web', 'a', '10.0.0.2'), service('db', 'a-b'), workload('db-1', 'db', 'a-b', '10.0.1.1'), inline('ext', 'z'), service('web', 'a0')],
      [service('web', 'a', 9090), workload('web-2', 'web', 'a', '10.0.0.2'), service('db', 'a-b'), workload('db-1', 'db', 'a-b', '10.0.1.9'), inline('ext', 'z'), service('web', 'a0')],
      [workload('web-2', 'web', 'a', '10.0.0.2'), workload('db-1', 'db', 'a-b', '10.0.1.9'), inline('ext', 'z'), workload('new-1', 'new', 'b', '10.0.2.1'), service('new', 'b')],
    ];
    let first = true;
    for (const step of steps) {
      const events = store.replaceSource('test', step);
      const changed = new Set(events.map((e) => e.ref.namespace));
      const entries = store.list();
      const view = registry.update(entries, first ? new Set() : changed);
      first = false;
      expect(view).toEqual(buildServiceEntryRegistry(entries));
    }
  });
});
