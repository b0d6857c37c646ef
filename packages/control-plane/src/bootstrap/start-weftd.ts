// Wires weftd together, the only module that does: config sources → store → push controller →
// snapshot cache → ADS server, plus the CA, metrics and the debug server. Returns a handle to stop it all.

import { WeftError } from '@weft/shared';
import type { Logger } from 'pino';
import { startCa, type RunningCa } from '../ca/start-ca.js';
import { credentialsDirOf, isCaEnabled, type WeftdConfig } from '../config.js';
import { ConfigStore } from '../config/config-store.js';
import { FileSource } from '../config/file-source.js';
import { readMeshConfigFile, watchMeshConfigFile } from '../config/mesh-config-file.js';
import { MemorySource } from '../config/memory-source.js';
import { createDebugServer } from '../debug/debug-server.js';
import { bindAdsMetrics } from '../metrics/ads-metrics.js';
import { createPilotMetrics, type PilotMetrics } from '../metrics/pilot-metrics.js';
import { PushController, type PushControllerOptions } from '../push/push-controller.js';
import { JwksResolver } from '../security/authn/index.js';
import { DEFAULT_MESH_CONFIG, type MeshConfig } from '../snapshot/mesh-config.js';
import { AdsServer } from '../xds/ads-server.js';
import { createSnapshotCache } from '../xds/snapshot-cache.js';
import { createLogger, xdsLoggerOf } from './logger.js';

/** A running weftd. */
export interface WeftdHandle {
  /** `host:port` of the ADS server (the bound port when 0 was asked for). */
  readonly xdsAddress: string;
  readonly xdsPort: number;
  /** `host:port` of the debug + metrics server. */
  readonly debugAddress: string;
  readonly debugPort: number;
  /** The CA (IstioCertificateService over TLS), when `caDir` or `cacertsDir` is set: its `host:port`,
   *  bound port, signing authority and published trust anchor. */
  readonly ca: (RunningCa & { readonly address: string }) | undefined;
  readonly store: ConfigStore;
  /** The in-memory source (`memory`), for tests and embedders. */
  readonly memory: MemorySource;
  /** The config directory source, when `configDir` is set. */
  readonly files: FileSource | undefined;
  readonly controller: PushController;
  readonly ads: AdsServer;
  readonly metrics: PilotMetrics;
  readonly logger: Logger;
  /** Stops everything: watchers, pushes, the debug server, the CA, then the ADS server (streams end
   *  with UNAVAILABLE so proxies reconnect elsewhere). Idempotent. */
  close(): Promise<void>;
}

/** Extra wiring for tests and embedders. */
export interface StartOptions {
  /** Where log lines go (default stdout). Ignored when `logger` is given. */
  readonly logStream?: NodeJS.WritableStream;
  readonly logger?: Logger;
  /** Replace the generators (tests of failure handling). */
  readonly generate?: PushControllerOptions['generate'];
  readonly generateEndpoints?: PushControllerOptions['generateEndpoints'];
}

const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** The mesh settings of a weftd config. */
export function meshConfigOf(config: WeftdConfig): MeshConfig {
  const credentialsDir = credentialsDirOf(config);
  return Object.freeze({
    ...DEFAULT_MESH_CONFIG,
    rootNamespace: config.rootNamespace,
    trustDomain: config.trustDomain,
    domainSuffix: config.domainSuffix,
    outboundTrafficPolicy: config.outboundTrafficPolicy,
    ...(credentialsDir ? { credentialsDir } : {}),
    ...(config.accessLogFile !== '' ? { accessLogFile: config.accessLogFile } : {}),
    accessLogEncoding: config.accessLogEncoding,
    ...(config.accessLogFormat !== '' ? { accessLogFormat: config.accessLogFormat } : {}),
  });
}

/**
 * Reads the MeshConfig file (`--mesh-config`) over the flags' mesh settings and watches it: a valid
 * change replaces the mesh (pushed to every proxy), an invalid or unreadable file is logged and the last
 * good settings stay (at start: the flags' alone, as istiod falls back to its defaults). Returns the
 * function that stops watching.
 */
async function followMeshConfigFile(file: string, base: MeshConfig, settleMs: number, controller: PushController, log: Logger): Promise<() => void> {
  const first = await readMeshConfigFile(file);
  if (first.ok) controller.setMesh(Object.freeze({ ...base, ...first.settings }));
  else log.error({ file, errors: first.errors, code: 'WEFT_ERR_INPUT_READ' }, 'mesh config rejected; using the mesh settings of the flags');
  return watchMeshConfigFile(
    file,
    first.text,
    settleMs,
    (settings) => {
      log.info({ file }, 'mesh config changed; pushing every proxy');
      controller.setMesh(Object.freeze({ ...base, ...settings }));
    },
    (errors) => log.error({ file, errors, code: 'WEFT_ERR_INPUT_READ' }, 'mesh config rejected; the last good one stays in force'),
  );
}

/**
 * Starts weftd: loads the config directory (if any) before anything listens, then the CA (when
 * `caDir` or `cacertsDir` is set: its bundle, created on first start, and its TLS server), starts the
 * push controller on that config, then the ADS server, then the debug server; `/ready` turns 200 at the
 * end. Rejects with a WeftError (WEFT_ERR_INPUT_READ) when the config directory cannot be read or the
 * CA's files are unusable, or with the listen error when a port is taken; whatever had started is
 * stopped first.
 */
export async function startWeftd(config: WeftdConfig, options: StartOptions = {}): Promise<WeftdHandle> {
  const logger = options.logger ?? createLogger(config.logLevel, options.logStream ?? process.stdout);
  const metrics = createPilotMetrics();
  const store = new ConfigStore();
  const memory = new MemorySource(store);
  const cache = createSnapshotCache();
  const ads = new AdsServer({ cache, logger: xdsLoggerOf(logger) });
  const jwks = new JwksResolver({ refreshIntervalMs: config.jwtPubKeyRefreshIntervalMs, logger: logger.child({ scope: 'jwks' }) });
  const controller = new PushController({
    store,
    ads,
    cache,
    mesh: meshConfigOf(config),
    debounce: { quietMs: config.debounceAfterMs, maxMs: config.debounceMaxMs },
    logger: logger.child({ scope: 'push' }),
    metrics,
    jwks,
    ...(options.generate ? { generate: options.generate } : {}),
    ...(options.generateEndpoints ? { generateEndpoints: options.generateEndpoints } : {}),
  });
  let ready = false;
  const debug = createDebugServer({
    syncStatus: () => ads.syncStatus(),
    config: () => store.list(),
    registry: () => controller.registry,
    proxy: (id) => controller.proxy(id),
    metrics,
    isReady: () => ready,
  });
  const files = config.configDir
    ? new FileSource({
        dir: config.configDir,
        store,
        logger: logger.child({ scope: 'config' }),
        settleMs: config.watchSettleMs,
        onRejected: (r) => metrics.totalRejectedConfigs.inc({ type: r.kind, name: `${r.namespace}/${r.name}` }),
      })
    : undefined;
  const unbindMetrics = bindAdsMetrics(ads, metrics);
  let ca: RunningCa | undefined;
  let stopMeshWatch: (() => void) | undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      ready = false;
      files?.close();
      stopMeshWatch?.();
      controller.close();
      jwks.close();
      unbindMetrics();
      await debug.close();
      await ca?.close();
      await ads.close();
      logger.info('weftd stopped');
    })());

  try {
    if (files) {
      const first = await files.start();
      const dirProblem = first.problems.find((p) => p.path === files.dir);
      if (dirProblem) throw new WeftError('WEFT_ERR_INPUT_READ', `config directory: ${dirProblem.message}`);
    }
    // The CA's bundle is loaded (or the self-signed root created) before anything listens, like the config.
    if (isCaEnabled(config)) {
      ca = await startCa({
        caDir: config.caDir,
        cacertsDir: config.cacertsDir,
        trustDomain: config.trustDomain,
        namespace: config.rootNamespace,
        port: config.caPort,
        host: config.host,
        defaultTtlMs: config.workloadCertTtlMs,
        maxTtlMs: config.maxWorkloadCertTtlMs,
        registry: metrics.registry,
        logger: logger.child({ scope: 'ca' }),
      });
    }
    // The MeshConfig file's telemetry fields apply from the first snapshot on, and follow its edits.
    if (config.meshConfig !== undefined) stopMeshWatch = await followMeshConfigFile(config.meshConfig, meshConfigOf(config), config.watchSettleMs, controller, logger.child({ scope: 'mesh' }));
    // Key sets named by jwksUri are fetched before the first snapshot, as Istio fetches them for its first push.
    await controller.prepare();
    controller.start();
    const xdsPort = await ads.listen(config.xdsPort, config.host);
    await debug.listen({ port: config.debugPort, host: config.host });
    const address = debug.server.address();
    const debugPort = typeof address === 'object' && address ? address.port : config.debugPort;
    ready = true;
    const handle: WeftdHandle = {
      xdsAddress: hostPort(config.host, xdsPort),
      xdsPort,
      debugAddress: hostPort(config.host, debugPort),
      debugPort,
      ca: ca ? { ...ca, address: hostPort(config.host, ca.port) } : undefined,
      store,
      memory,
      files,
      controller,
      ads,
      metrics,
      logger,
      close,
    };
    logger.info({ xds: handle.xdsAddress, debug: handle.debugAddress, ca: handle.ca?.address ?? null, configDir: config.configDir ?? null, resources: store.list().length }, 'weftd ready');
    return handle;
  } catch (e) {
    await close();
    throw e;
  }
}
