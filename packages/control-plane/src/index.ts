// Public surface of the control-plane package.
export { main, USAGE } from './main.js';
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
// weftd as a library (`weftctl up` embeds it): its settings and the function that wires it all.
export {
  LOG_LEVELS,
  WEFTD_SETTINGS,
  defaultWeftdConfig,
  parseWeftdCommandLine,
  renderUsage,
  type LogLevel,
  type ParsedCommandLine,
  type SettingDeclaration,
  type WeftdConfig,
} from './config.js';
export { meshConfigOf, startWeftd, type StartOptions, type WeftdHandle } from './bootstrap/start-weftd.js';
export type { PushReport, PushTrigger } from './push/push-controller.js';
