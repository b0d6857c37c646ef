// The proxyless gRPC generator (Istio pilot/pkg/networking/grpcgen): the whole config of a client whose
// node metadata says `GENERATOR: grpc`, one file per xDS type (grpc-lds, grpc-rds, grpc-cds, grpc-eds).
// Sidecar-only resources (capture listeners, inbound clusters, BlackHole/Passthrough) are never made.

import { sidecarScopeFor } from '../snapshot/lookup-sidecar-scope.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { clusterInputsFor } from './cds-inputs.js';
import { generateGrpcClusters } from './grpc-cds.js';
import { generateGrpcEndpoints } from './grpc-eds.js';
import { generateGrpcListeners } from './grpc-lds.js';
import { generateGrpcRoutes } from './grpc-rds.js';
import type { GeneratedConfig } from './types.js';

/**
 * Generates every resource a proxyless gRPC client in `proxy`'s namespace may ask for: listeners under
 * each name it may dial, their route configurations, and the clusters and endpoints those routes use,
 * for every service its SidecarScope sees. Istio generates from the names a client subscribed to; Weft
 * generates them all up front, because its snapshot cache already answers each subscription with the
 * named resources only, so a client still receives just what it asked for. Pure.
 */
export function generateGrpcConfig(snapshot: MeshSnapshot, proxy: ProxyView): GeneratedConfig {
  const scope = sidecarScopeFor(snapshot, proxy);
  const clusterInputs = clusterInputsFor(snapshot, proxy);
  return {
    listeners: generateGrpcListeners(scope, proxy.namespace, snapshot.mesh.domainSuffix),
    routes: generateGrpcRoutes(snapshot, proxy, scope),
    clusters: generateGrpcClusters(clusterInputs),
    endpoints: generateGrpcEndpoints(clusterInputs),
  };
}
