// Who is on the other end of an ADS stream: the identity taken from the first request's `node`
// (id, cluster, metadata), kept for the life of the stream. Istio reads its proxy metadata from here.

import { type NodeMessage, structToPlain } from '@weft/shared/xds';

/** The node identity of a connected proxy. */
export interface ProxyNode {
  /** Envoy's `--service-node` / bootstrap `node.id` (Istio: `sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local`). */
  readonly id: string;
  readonly cluster: string;
  /** `node.metadata` (a google.protobuf.Struct) as a plain object, e.g. `{ ISTIO_VERSION: '1.22.0' }`. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** `user_agent_name` ("envoy", "grpc-node-js", ...), '' when absent. */
  readonly userAgentName: string;
}

/** The identity in a request's `node`, or undefined when there is none or its id is empty (the stream
 *  cannot be tied to a snapshot then). */
export function toProxyNode(node: NodeMessage | undefined): ProxyNode | undefined {
  if (!node?.id) return undefined;
  return { id: node.id, cluster: node.cluster ?? '', metadata: structToPlain(node.metadata), userAgentName: node.user_agent_name ?? '' };
}
