// weftd's HTTP debug API on the monitoring port (Istio's 15014): /ready, /metrics and the
// /debug/{syncz,configz,registryz} pages, as JSON in Istio's shapes where one exists. Read-only:
// it asks the ADS server, the store and the push controller; it changes nothing.

import fastify, { type FastifyInstance } from 'fastify';
import { TYPE_URL } from '@weft/shared/xds';
import type { ConfigEntry } from '../config/config-store.js';
import type { PilotMetrics } from '../metrics/pilot-metrics.js';
import type { RegistryView } from '../registry/model.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import type { ProxySyncStatus } from '../xds/ads-server.js';
import type { NackRecord } from '../xds/stream-state.js';

/** What the debug server reads. Functions, so it always shows the current state. */
export interface DebugServerOptions {
  /** Per connected stream sync state (AdsServer.syncStatus). */
  readonly syncStatus: () => readonly ProxySyncStatus[];
  /** The config in force (ConfigStore.list). */
  readonly config: () => readonly ConfigEntry[];
  /** The registry of the snapshot in force. */
  readonly registry: () => RegistryView;
  /** The view of a connected proxy (type, metadata), when known. */
  readonly proxy?: (nodeId: string) => ProxyView | undefined;
  readonly metrics: PilotMetrics;
  /** True once the initial config is loaded and the xDS server listens. */
  readonly isReady: () => boolean;
}

/** Per type URL in a syncz entry, after Istio's `resources` map (ResourceStatus). */
export interface TypeSync {
  readonly sent?: string;
  readonly acked?: string;
  readonly nonce?: string;
  /** The message of the last NACK, Istio's `lastError`. */
  readonly lastError?: string;
  readonly lastNack?: NackRecord;
}

/** One `/debug/syncz` entry: Istio's SyncStatus fields (`proxy`, `cluster_sent`, `cluster_acked`, ...)
 *  plus the per-type detail. Istio's `*_sent` / `*_acked` hold nonces; here they hold versions
 *  (content hashes), which say the same thing (equal means in sync) and are what weftd tracks. */
export interface SynczEntry {
  readonly proxy: string;
  readonly connection_id: string;
  readonly connected_at: string;
  readonly proxy_type?: string;
  readonly istio_version?: string;
  readonly cluster_sent?: string;
  readonly cluster_acked?: string;
  readonly listener_sent?: string;
  readonly listener_acked?: string;
  readonly route_sent?: string;
  readonly route_acked?: string;
  readonly endpoint_sent?: string;
  readonly endpoint_acked?: string;
  readonly resources: Readonly<Record<string, TypeSync>>;
}

const SYNCZ_PREFIX: ReadonlyMap<string, string> = new Map([
  [TYPE_URL.CLUSTER, 'cluster'],
  [TYPE_URL.LISTENER, 'listener'],
  [TYPE_URL.ROUTE, 'route'],
  [TYPE_URL.ENDPOINT, 'endpoint'],
]);

/** The `/debug/syncz` body. */
export function renderSyncz(status: readonly ProxySyncStatus[], proxy: (nodeId: string) => ProxyView | undefined = () => undefined): SynczEntry[] {
  return status.map((s) => {
    const view = proxy(s.nodeId);
    const entry: Record<string, unknown> = { proxy: s.nodeId, connection_id: s.connectionId, connected_at: s.connectedAt };
    if (view) entry.proxy_type = view.type;
    if (typeof view?.metadata.ISTIO_VERSION === 'string') entry.istio_version = view.metadata.ISTIO_VERSION;
    const resources: Record<string, TypeSync> = {};
    for (const t of s.types) {
      const prefix = SYNCZ_PREFIX.get(t.typeUrl);
      if (prefix && t.versionSent !== undefined) entry[`${prefix}_sent`] = t.versionSent;
      if (prefix && t.versionAcked !== undefined) entry[`${prefix}_acked`] = t.versionAcked;
      resources[t.typeUrl] = {
        ...(t.versionSent !== undefined ? { sent: t.versionSent } : {}),
        ...(t.versionAcked !== undefined ? { acked: t.versionAcked } : {}),
        ...(t.nonce !== undefined ? { nonce: t.nonce } : {}),
        ...(t.lastNack ? { lastError: t.lastNack.message, lastNack: t.lastNack } : {}),
      };
    }
    entry.resources = resources;
    return entry as unknown as SynczEntry;
  });
}

/** Creates the server (not listening; call `listen`). Fastify's own request logging is off: weftd logs
 *  what happens to config and proxies, not every scrape. */
export function createDebugServer(options: DebugServerOptions): FastifyInstance {
  const app = fastify({ logger: false });

  app.get('/ready', async (_req, reply) => {
    if (options.isReady()) return reply.code(200).type('text/plain').send('ready\n');
    return reply.code(503).type('text/plain').send('not ready: loading config or starting the xDS server\n');
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await options.metrics.scrape();
    return reply.type(options.metrics.registry.contentType).send(body);
  });

  app.get('/debug/syncz', async () => renderSyncz(options.syncStatus(), options.proxy));

  // Istio's configz lists the config objects in force; each entry here also says where it came from.
  app.get('/debug/configz', async () =>
    options.config().map((e) => ({ kind: e.ref.kind, apiVersion: e.apiVersion, namespace: e.ref.namespace, name: e.ref.name, origin: e.origin, resource: e.resource })),
  );

  // Istio's registryz lists services; each one here carries its endpoints too.
  app.get('/debug/registryz', async () => {
    const { services, endpoints } = options.registry();
    return services.map((s) => ({ ...s, endpoints: endpoints.filter((e) => e.hostname === s.hostname && e.namespace === s.namespace) }));
  });

  return app;
}
