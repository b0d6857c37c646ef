// The tcp_proxy network filter (envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy): to one
// cluster or to weighted clusters (Istio networkfilter.go).

import { TYPE_URL } from '@weft/shared/xds';

/** envoy.config.listener.v3.Filter. */
export type EnvoyNetworkFilter = Readonly<Record<string, unknown>> & { readonly name: string };

/** A weighted destination of a TCP route. */
export interface TcpClusterWeight {
  readonly name: string;
  readonly weight: number;
}

/** Options common to every tcp_proxy Weft generates. */
export interface TcpProxyOptions {
  readonly statPrefix: string;
  /** Hash on the source IP (DestinationRule consistentHash.useSourceIp), as Istio maybeSetHashPolicy. */
  readonly hashOnSourceIp?: boolean;
}

/** tcp_proxy to one cluster. */
export function tcpProxyToCluster(cluster: string, opts: TcpProxyOptions): EnvoyNetworkFilter {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': TYPE_URL.TCP_PROXY,
      stat_prefix: opts.statPrefix,
      cluster,
      ...(opts.hashOnSourceIp ? { hash_policy: [{ source_ip: {} }] } : {}),
    },
  };
}

/** tcp_proxy splitting connections over weighted clusters (weights need not add up to 100). */
export function tcpProxyToWeightedClusters(clusters: readonly TcpClusterWeight[], opts: TcpProxyOptions): EnvoyNetworkFilter {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': TYPE_URL.TCP_PROXY,
      stat_prefix: opts.statPrefix,
      weighted_clusters: { clusters: clusters.map((c) => ({ name: c.name, weight: c.weight })) },
      ...(opts.hashOnSourceIp ? { hash_policy: [{ source_ip: {} }] } : {}),
    },
  };
}
