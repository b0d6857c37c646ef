// Which outbound cluster a VirtualService destination names (Istio GetDestinationCluster):
// `outbound|<port>|<subset>|<host>`, the port being the destination's, else the service's only
// port, else the port of the listener the route serves.

import type { Destination } from '@weft/shared';
import type { MeshService } from '../registry/model.js';
import { outboundClusterName } from './cluster-names.js';

/** The port of the cluster a destination names: its own, else the service's only port, else the
 *  listener port. */
export function destinationPort(destination: Destination, service: MeshService | undefined, listenPort: number): number {
  if (destination.port?.number) return destination.port.number;
  if (service && service.ports.length === 1 && service.ports[0]) return service.ports[0].port;
  return listenPort;
}

/**
 * The cluster for `destination`, whose `host` is already a FQDN. `service` is the registry service of
 * that host when the proxy can see it (used only to pick its single port). A destination without a
 * host (never valid Istio config) yields `UnknownService`, as Istio.
 *
 * Deviation: Istio's sidecar RDS passes a copy of the service holding only the listener's port, so
 * there a port-less destination always gets the listener port, even when the destination service
 * has a single, different port. Weft uses that single port, as Istio's API documentation promises
 * ("if a service exposes only a single port it is not required to explicitly select the port").
 */
export function destinationClusterName(destination: Destination, service: MeshService | undefined, listenPort: number): string {
  if (!destination.host) return 'UnknownService';
  return outboundClusterName(destinationPort(destination, service, listenPort), destination.subset, destination.host);
}
