// Compiles an `envoy.filters.network.tcp_proxy` config (envoy.extensions.filters.network.tcp_proxy.v3.
// TcpProxy) into what a connection needs: how to choose the cluster (one, or weighted), the idle
// timeout and the connect attempts. Done once per listener update, never per connection.

import { durationMs } from '../compile/duration.js';
import type { TcpProxyShape } from '../xds-client/envoy-shapes.js';

/** The fields of TcpProxy weft-proxy reads beyond validation's view of it. */
interface TcpProxyFields extends TcpProxyShape {
  readonly stat_prefix?: string;
  readonly idle_timeout?: unknown;
  readonly max_connect_attempts?: { readonly value?: number } | number;
}

/** A tcp_proxy ready for connections. */
export interface CompiledTcpProxy {
  readonly statPrefix: string;
  /** Draws the cluster of one connection (weighted clusters: one draw per connection, as Envoy). */
  pickCluster(random: () => number): string;
  /** idle_timeout: no bytes either way for this long closes both sides; 0 disables it. */
  readonly idleTimeoutMs: number;
  /** max_connect_attempts (Envoy: 1 when unset): connection failures retried up to this many tries. */
  readonly maxConnectAttempts: number;
}

/** Envoy's default tcp_proxy idle timeout: one hour. */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 60 * 60 * 1000;

/** Compiles `config`. Validation guarantees a cluster or a non-empty weighted list. */
export function compileTcpProxy(config: TcpProxyShape): CompiledTcpProxy {
  const c = config as TcpProxyFields;
  const weighted = (c.weighted_clusters?.clusters ?? []).filter((w) => (w.weight ?? 0) > 0 && w.name);
  let pickCluster: (random: () => number) => string;
  if (weighted.length > 0) {
    const names = weighted.map((w) => w.name ?? '');
    const cumulative: number[] = [];
    let total = 0;
    for (const w of weighted) cumulative.push((total += w.weight ?? 0));
    pickCluster = (random) => {
      const r = random() * total;
      for (let i = 0; i < cumulative.length; i++) if (r < (cumulative[i] ?? 0)) return names[i] ?? '';
      return names[names.length - 1] ?? '';
    };
  } else {
    const cluster = c.cluster ?? '';
    pickCluster = () => cluster;
  }
  const idle = c.idle_timeout === undefined ? DEFAULT_TCP_IDLE_TIMEOUT_MS : (durationMs(c.idle_timeout) ?? DEFAULT_TCP_IDLE_TIMEOUT_MS);
  const attemptsRaw = typeof c.max_connect_attempts === 'number' ? c.max_connect_attempts : c.max_connect_attempts?.value;
  return Object.freeze({
    statPrefix: c.stat_prefix ?? '',
    pickCluster,
    idleTimeoutMs: idle,
    maxConnectAttempts: attemptsRaw !== undefined && attemptsRaw >= 1 ? attemptsRaw : 1,
  });
}
