// Where the local app listens, as the proxy learns it: the endpoints of the inbound clusters
// (`inbound|<port>||`, STATIC) that weftd builds from the proxy's WEFT_APP_ADDRESS node metadata. The
// proxy must never bind those sockets: it would take the app's port, or forward to itself.

import type { CompiledConfig } from '../compile/compile-config.js';

const INBOUND_CLUSTER_PREFIX = 'inbound|';

/** The app's sockets (`host:port`) with the reason they are off limits, from `config`'s inbound clusters. */
export function appSockets(config: CompiledConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, cluster] of config.clusters) {
    if (!name.startsWith(INBOUND_CLUSTER_PREFIX)) continue;
    for (const e of cluster.endpoints) if (!out.has(e.key)) out.set(e.key, `the app listens there (endpoint of cluster '${name}')`);
  }
  return out;
}
