// Which endpoints are instances of a proxy's own workload. One rule for every generator, so
// inbound listener chains and inbound clusters cannot drift apart.

import type { Endpoint } from '../registry/model.js';
import type { ProxyView } from './proxy-view.js';

/** Whether `ep` is an instance of the proxy's own workload: its WorkloadEntry, or an endpoint at
 *  one of its IPs in its namespace. */
export function isOwnEndpoint(ep: Endpoint, proxy: ProxyView): boolean {
  return ep.workload === `WorkloadEntry/${proxy.namespace}/${proxy.workloadName}` || (ep.namespace === proxy.namespace && proxy.ipAddresses.includes(ep.address));
}
