// Which named resources the accepted wildcard ones call for, as Envoy derives them: an EDS cluster asks
// for its ClusterLoadAssignment, an HTTP connection manager with `rds` for its RouteConfiguration.

import { TYPE_URL } from '@weft/shared/xds';
import type { AcceptedResource } from './resource-store.js';
import type { ClusterShape, FilterChainShape, HttpConnectionManagerShape, ListenerShape, TypedConfigShape } from './envoy-shapes.js';

/** Sorted EDS names: `eds_cluster_config.service_name`, else the cluster name, of every EDS cluster. */
export function endpointNamesFor(clusters: Iterable<AcceptedResource>): string[] {
  const names = new Set<string>();
  for (const { name, message } of clusters) {
    const cluster = message as ClusterShape;
    if (cluster.type === 'EDS') names.add(cluster.eds_cluster_config?.service_name || name);
  }
  return [...names].sort();
}

function rdsName(config: TypedConfigShape | undefined): string | undefined {
  if (config?.['@type'] !== TYPE_URL.HTTP_CONNECTION_MANAGER) return undefined;
  return (config as HttpConnectionManagerShape).rds?.route_config_name || undefined;
}

/** Sorted RDS names: `rds.route_config_name` of every HTTP connection manager in every filter chain
 *  (default chain and api_listener included). */
export function routeNamesFor(listeners: Iterable<AcceptedResource>): string[] {
  const names = new Set<string>();
  const add = (n: string | undefined): void => {
    if (n) names.add(n);
  };
  for (const { message } of listeners) {
    const listener = message as ListenerShape;
    const chains: FilterChainShape[] = [...(listener.filter_chains ?? []), ...(listener.default_filter_chain ? [listener.default_filter_chain] : [])];
    for (const chain of chains) for (const filter of chain.filters ?? []) add(rdsName(filter.typed_config));
    add(rdsName(listener.api_listener?.api_listener));
  }
  return [...names].sort();
}
