// Runs every generator for one proxy. Each generator is pure and lives in its own file; this
// file only composes them.

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import type { EnvoyResource, GeneratedConfig } from './types.js';
import { clusterInputsFor } from './cds-inputs.js';
import { generateClusters } from './cds.js';
import { generateEndpoints } from './eds.js';
import { generateListeners } from './lds.js';
import { generateRoutes } from './rds.js';
import { generateGrpcConfig } from './grpc.js';
import { generateGrpcEndpoints } from './grpc-eds.js';
import { sidecarScopeFor } from '../snapshot/lookup-sidecar-scope.js';

/** The per-type sidecar generators, as one replaceable dependency: the push controller takes it,
 *  and tests wrap each function (e.g. to count calls per xDS type). */
export interface SidecarGenerators {
  readonly listeners: typeof generateListeners;
  readonly routes: typeof generateRoutes;
  readonly clusters: typeof generateClusters;
  readonly endpoints: typeof generateEndpoints;
}

/** The real generators. */
export const SIDECAR_GENERATORS: SidecarGenerators = Object.freeze({ listeners: generateListeners, routes: generateRoutes, clusters: generateClusters, endpoints: generateEndpoints });

/** Generates the whole xDS config of `proxy` from `snapshot`. Pure: same inputs, same output.
 *  Proxyless gRPC clients (node metadata `GENERATOR: grpc`) get grpc.ts's config instead; `generators`
 *  replaces only the sidecar ones. */
export function generateProxyConfig(snapshot: MeshSnapshot, proxy: ProxyView, generators: SidecarGenerators = SIDECAR_GENERATORS): GeneratedConfig {
  if (proxy.generator === 'grpc') return generateGrpcConfig(snapshot, proxy);
  const clusterInputs = clusterInputsFor(snapshot, proxy);
  const scope = sidecarScopeFor(snapshot, proxy);
  return {
    listeners: generators.listeners(snapshot, proxy, scope),
    routes: generators.routes(snapshot, proxy, scope),
    clusters: generators.clusters(clusterInputs),
    endpoints: generators.endpoints(clusterInputs),
  };
}

/** Generates only the EDS resources of `proxy` (the endpoint-only fast path): equal to
 *  `generateProxyConfig(snapshot, proxy).endpoints`, without building listeners, routes or clusters. */
export function generateProxyEndpoints(snapshot: MeshSnapshot, proxy: ProxyView, generators: SidecarGenerators = SIDECAR_GENERATORS): EnvoyResource[] {
  if (proxy.generator === 'grpc') return generateGrpcEndpoints(clusterInputsFor(snapshot, proxy));
  return generators.endpoints(clusterInputsFor(snapshot, proxy));
}
