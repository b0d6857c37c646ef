// ORIGINAL_DST (lb_policy CLUSTER_PROVIDED), Envoy's original destination cluster: the endpoint is
// wherever the downstream connection was headed (PassthroughCluster, InboundPassthroughCluster, and
// DestinationRules with loadBalancer PASSTHROUGH). Hosts are made on first use and kept while busy.

import type { Endpoint, PickContext, Picker } from './picker.js';

/** How many idle original-destination hosts a picker keeps (Envoy cleans them up on a timer). */
const MAX_IDLE_HOSTS = 1024;

/** The endpoint key of `host`:`port` (`[v6]:port` for IPv6). */
export function endpointKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A picker returning `ctx.originalDestination` as an endpoint made by `makeEndpoint` (which attaches
 * the runtime stats), reused for the same address; undefined (503 UH) without an original destination.
 * `release(key)` is told when an idle host is dropped from the cache.
 */
export function createOriginalDstPicker(makeEndpoint: (host: string, port: number, key: string) => Endpoint, release: (key: string) => void = () => undefined): Picker {
  const hosts = new Map<string, Endpoint>();
  return Object.freeze({
    policy: 'CLUSTER_PROVIDED',
    pick(_random: () => number, ctx?: PickContext): Endpoint | undefined {
      const dst = ctx?.originalDestination;
      if (!dst || !dst.host || !(dst.port > 0)) return undefined;
      const key = endpointKey(dst.host, dst.port);
      let e = hosts.get(key);
      if (!e) {
        if (hosts.size >= MAX_IDLE_HOSTS) {
          for (const [k, h] of hosts) {
            if (h.active > 0) continue;
            hosts.delete(k);
            release(k);
            if (hosts.size < MAX_IDLE_HOSTS / 2) break;
          }
        }
        e = makeEndpoint(dst.host, dst.port, key);
        hosts.set(key, e);
      }
      return e;
    },
  });
}
