// A small stand-in generator for push tests: one EDS cluster per service port the proxy can see (its
// own namespace, or exportTo `*`), their endpoints, and one listener. Its output follows the snapshot
// so pushes can be observed; generator behaviour itself is tested in src/generators/.

import type { EnvoyResource, GeneratedConfig } from '../src/generators/types.js';
import { serviceKey, type MeshSnapshot } from '../src/snapshot/mesh-snapshot.js';
import type { ProxyView } from '../src/snapshot/proxy-view.js';

/** Cluster name of a service port, Istio style. */
export const clusterName = (host: string, port: number): string => `outbound|${port}||${host}`;

/** Config derived from the services visible to `proxy`. */
export function servicesGenerator(snapshot: MeshSnapshot, proxy: ProxyView): GeneratedConfig {
  const visible = snapshot.services.filter((s) => s.namespace === proxy.namespace || s.exportTo.includes('*'));
  const clusters: EnvoyResource[] = [];
  const endpoints: EnvoyResource[] = [];
  for (const s of visible) {
    for (const p of s.ports) {
      const name = clusterName(s.hostname, p.port);
      clusters.push({ name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } });
      const eps = (snapshot.endpointsByService.get(serviceKey(s.hostname, s.namespace)) ?? []).filter((e) => e.servicePortName === p.name);
      endpoints.push({
        cluster_name: name,
        endpoints: eps.length === 0 ? [] : [{ lb_endpoints: eps.map((e) => ({ endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } }, load_balancing_weight: { value: e.weight } })) }],
      });
    }
  }
  const listeners: EnvoyResource[] = [{ name: 'virtualOutbound', address: { socket_address: { address: '0.0.0.0', port_value: 15001 } } }];
  return { clusters, endpoints, listeners, routes: [] };
}
