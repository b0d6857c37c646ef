// The gRPC service definition of envoy.service.discovery.v3.AggregatedDiscoveryService (state of the
// world only), built from the loaded protos, plus the wire shapes of its two messages. weftd serves it
// and weft-proxy calls it; neither side's protocol logic lives here.

import type { MethodDefinition } from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import type { AnyMessage } from './any.js';
import { xdsProtoRoot } from './load.js';
import type { StructMessage } from './struct.js';

/** envoy.config.core.v3.Node as decoded (snake_case; only the fields Weft reads or sends are typed). */
export interface NodeMessage {
  id?: string;
  cluster?: string;
  metadata?: StructMessage;
  user_agent_name?: string;
  user_agent_version?: string;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

/** A DiscoveryRequest: absent strings are `''`, absent lists `[]` once decoded; a client may omit `node`
 *  after the first request, as Envoy does. */
export interface DiscoveryRequest {
  version_info: string;
  node: NodeMessage | undefined;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  /** Set on a NACK: the client's reason (google.rpc.Status). */
  error_detail: { code: number; message: string } | undefined;
}

/** A DiscoveryResponse. Decoded (client side), every field is present: missing strings are `''`. */
export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

/** Full gRPC path of the state-of-the-world ADS method. */
export const STREAM_AGGREGATED_RESOURCES_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeRequest(type: Type, bytes: Buffer): DiscoveryRequest {
  const raw = type.toObject(type.decode(bytes), { longs: String, enums: String }) as Partial<DiscoveryRequest> & {
    error_detail?: { code?: number; message?: string } | null;
  };
  return {
    version_info: raw.version_info ?? '',
    node: raw.node ?? undefined,
    resource_names: raw.resource_names ?? [],
    type_url: raw.type_url ?? '',
    response_nonce: raw.response_nonce ?? '',
    error_detail: raw.error_detail ? { code: raw.error_detail.code ?? 0, message: raw.error_detail.message ?? '' } : undefined,
  };
}

/** The grpc-js service definition for `StreamAggregatedResources`, usable by `Server.addService` and
 *  `makeGenericClientConstructor`. Responses are encoded straight from the plain object (resources are
 *  already-packed Any bytes), so encoding costs one pass. Loads the protos on first call. */
export function adsServiceDefinition(): { StreamAggregatedResources: MethodDefinition<DiscoveryRequest, DiscoveryResponse> } {
  const root = xdsProtoRoot();
  const requestType = root.lookupType('envoy.service.discovery.v3.DiscoveryRequest');
  const responseType = root.lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  return {
    StreamAggregatedResources: {
      path: STREAM_AGGREGATED_RESOURCES_PATH,
      requestStream: true,
      responseStream: true,
      originalName: 'streamAggregatedResources',
      requestSerialize: (request) => toBuffer(requestType.encode(requestType.fromObject(request)).finish()),
      requestDeserialize: (bytes) => decodeRequest(requestType, bytes),
      responseSerialize: (response) => toBuffer(responseType.encode(response).finish()),
      responseDeserialize: (bytes) => responseType.toObject(responseType.decode(bytes), { longs: String, enums: String, defaults: true }) as DiscoveryResponse,
    },
  };
}
