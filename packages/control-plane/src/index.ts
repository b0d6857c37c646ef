// Public surface of the control-plane package.
export { main, USAGE } from './main.js';
export { XDS_PROTO_FILES, findMessageType, protoIncludeDirs, xdsProtoRoot } from './protos/load.js';
export { DECODE_OPTIONS, messageNameOf, packAny, unpackAny, type AnyMessage, type UnpackResult } from './protos/any.js';
export { plainToStruct, structToPlain, type StructMessage } from './protos/struct.js';
export {
  STREAM_AGGREGATED_RESOURCES_PATH,
  adsServiceDefinition,
  type DiscoveryRequest,
  type DiscoveryResponse,
  type NodeMessage,
} from './protos/ads-service.js';
export { PUSH_ORDER, TYPE_URL, isWildcardType, shortTypeName, sortByPushOrder, type KnownTypeUrl } from './xds/type-urls.js';
export { hashResources } from './xds/version-hash.js';
export { createSnapshot, type Snapshot, type SnapshotResources } from './xds/snapshot.js';
export { createSnapshotCache, type SnapshotCache, type SnapshotListener } from './xds/snapshot-cache.js';
export type { NackRecord, TypeSyncStatus } from './xds/stream-state.js';
export type { ProxyNode } from './xds/node-identity.js';
export { stderrWarnLogger, type XdsLogger } from './xds/xds-logger.js';
export type { DisconnectReason } from './xds/ads-connection.js';
export {
  AdsServer,
  DEFAULT_MAX_PENDING_RESPONSES,
  type AdsServerEvents,
  type AdsServerOptions,
  type AdsStats,
  type ConnectionInfo,
  type ProxySyncStatus,
} from './xds/ads-server.js';
