// The one entry of semantic validation: every reason a decoded resource of a kind is unusable, so
// the client can NACK it and keep its last good version. Decoding problems are decode-response.ts's.

import type { ClusterLoadAssignmentShape, ClusterShape, EnvoyMessage, ListenerShape, RouteConfigurationShape } from './envoy-shapes.js';
import type { KindInfo } from './resource-kinds.js';
import { clusterProblems } from './validate-cluster.js';
import { loadAssignmentProblems } from './validate-endpoints.js';
import { listenerProblems } from './validate-listener.js';
import { nestedMessageProblems } from './validate-nested-messages.js';
import { routeConfigurationProblems } from './validate-route-configuration.js';

function kindProblems(kind: KindInfo, message: EnvoyMessage): string[] {
  switch (kind.kind) {
    case 'listener':
      return listenerProblems(message as ListenerShape);
    case 'route':
      return routeConfigurationProblems(message as RouteConfigurationShape);
    case 'cluster':
      return clusterProblems(message as ClusterShape);
    case 'endpoint':
      return loadAssignmentProblems(message as ClusterLoadAssignmentShape, true);
  }
}

/** Every reason `message` (a decoded resource of `kind`) cannot be used; empty when it can. Never throws. */
export function resourceProblems(kind: KindInfo, message: EnvoyMessage): string[] {
  try {
    return [...nestedMessageProblems(kind.typeUrl, message), ...kindProblems(kind, message)];
  } catch (e) {
    // A validator bug must not take the stream down: the resource is refused with the reason instead.
    return [`internal error while validating: ${e instanceof Error ? e.message : String(e)}`];
  }
}
