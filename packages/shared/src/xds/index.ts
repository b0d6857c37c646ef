// `@weft/shared/xds`: what both ends of Weft's xDS wire need. Envoy's protos loaded from
// @grpc/grpc-js-xds, Any packing, Struct conversion, type URLs and the ADS service definition.
// Node-only (node:fs, node:module): the browser-safe main entry `@weft/shared` never reaches it.

export { XDS_PROTO_FILES, findMessageType, protoIncludeDirs, xdsProtoRoot } from './load.js';
export { DECODE_OPTIONS, messageNameOf, packAny, unpackAny, type AnyMessage, type UnpackResult } from './any.js';
export { findUnknownFields } from './unknown-fields.js';
export { formatProtoDuration, toProtoJson } from './proto-json.js';
export { walkMessage, type MessageVisit } from './walk-message.js';
export { plainToStruct, plainToValue, structToPlain, valueToPlain, type StructMessage, type StructValue } from './struct.js';
export {
  STREAM_AGGREGATED_RESOURCES_PATH,
  adsServiceDefinition,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type NodeMessage,
} from './ads-service.js';
export { ISTIO_STATS_CONFIG_TYPE_URL, PUSH_ORDER, TYPE_URL, isWildcardType, shortTypeName, sortByPushOrder, type KnownTypeUrl } from './type-urls.js';
