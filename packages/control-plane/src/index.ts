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
  isCaEnabled,
  parseWeftdCommandLine,
  renderUsage,
  type LogLevel,
  type ParsedCommandLine,
  type SettingDeclaration,
  type WeftdConfig,
} from './config.js';
export { meshConfigOf, startWeftd, type StartOptions, type WeftdHandle } from './bootstrap/start-weftd.js';
export type { PushReport, PushTrigger } from './push/push-controller.js';
// The CA (Citadel): bootstrap tokens for workloads (`weftctl up` issues one per workload), and the
// pieces weftd's CA is made of, for embedders and tools.
export {
  checkTokenSubject,
  createWorkloadTokenStore,
  issueWorkloadToken,
  revokeWorkloadToken,
  tokensDirOf,
  type TokenSubject,
  type WorkloadTokenStore,
} from './ca/workload-tokens.js';
export { CA_DIR_FILES } from './ca/state-files.js';
export { CACERTS_FILES, loadCacertsBundle, loadOrCreateSelfSignedBundle } from './ca/ca-state.js';
export { createCaBundle, type CaBundle, type CaBundlePem, type CaBundleResult, type CaSource } from './ca/ca-bundle.js';
export {
  CertificateAuthority,
  DEFAULT_WORKLOAD_CERT_TTL_MS,
  MAX_WORKLOAD_CERT_TTL_MS,
  type CertificateAuthorityOptions,
  type ServingCertificate,
  type SignErrorType,
  type SignResult,
} from './ca/certificate-authority.js';
export type { RunningCa } from './ca/start-ca.js';
