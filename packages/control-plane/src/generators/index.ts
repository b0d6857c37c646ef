// Runs every generator for one proxy. Each generator is pure and lives in its own file; this
// file only composes them.

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import type { GeneratedConfig } from './types.js';
import { clusterInputsFor } from './cds-inputs.js';
import { generateClusters } from './cds.js';
import { generateEndpoints } from './eds.js';
import { generateListeners } from './lds.js';
import { generateRoutes } from './rds.js';
import { sidecarScopeFor } from '../snapshot/lookup-sidecar-scope.js';

/** Generates the whole xDS config of `proxy` from `snapshot`. Pure: same inputs, same output. */
export function generateProxyConfig(snapshot: MeshSnapshot, proxy: ProxyView): GeneratedConfig {
  const clusterInputs = clusterInputsFor(snapshot, proxy);
  const scope = sidecarScopeFor(snapshot, proxy);
  return {
    listeners: generateListeners(snapshot, proxy, scope),
    routes: generateRoutes(snapshot, proxy, scope),
    clusters: generateClusters(clusterInputs),
    endpoints: generateEndpoints(clusterInputs),
  };
}
