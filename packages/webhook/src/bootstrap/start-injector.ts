// Wires weft-injector: reads the TLS files, starts the HTTPS webhook and the monitoring server, and
// returns a handle that stops both. The only module that knows every other one.

import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { injectOptionsOf, type InjectorConfig } from '../config.js';
import { createInjectionMetrics, type InjectionMetrics } from '../metrics/injection-metrics.js';
import { createMonitoringServer } from '../webhook/monitoring-server.js';
import { createWebhookServer } from '../webhook/webhook-server.js';
import { createLogger } from './logger.js';

/** What the caller can change besides the config (tests). */
export interface StartOptions {
  /** Where JSON log lines go. Default: stdout. */
  readonly logStream?: NodeJS.WritableStream;
}

/** A running injector. */
export interface InjectorHandle {
  /** The webhook's HTTPS port (the one bound when the config said 0). */
  readonly port: number;
  readonly monitoringPort: number;
  readonly metrics: InjectionMetrics;
  readonly logger: Logger;
  /** Stops accepting, lets requests in flight finish, and closes both servers. */
  close(): Promise<void>;
}

/**
 * Starts weft-injector with `config`. Rejects (with the file or the address in the message) when a
 * TLS file cannot be read or a port cannot be bound; nothing is left listening then.
 */
export async function startInjector(config: InjectorConfig, options: StartOptions = {}): Promise<InjectorHandle> {
  const logger = createLogger(config.logLevel, options.logStream ?? process.stdout);
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) throw new Error('--tls-cert-file and --tls-key-file are required');
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (e) {
      throw new Error(`cannot read ${what} ${file}: ${(e as Error).message}`, { cause: e });
    }
  };
  const [cert, key] = await Promise.all([read(config.tlsCertFile, '--tls-cert-file'), read(config.tlsKeyFile, '--tls-key-file')]);
  const metrics = createInjectionMetrics();
  const inject = injectOptionsOf(config);
  let listening = false;
  let webhook;
  try {
    webhook = createWebhookServer({ tls: { cert, key }, metrics, logger: logger.child({ scope: 'webhook' }), options: inject, policy: { policy: config.injectionPolicy } });
  } catch (e) {
    throw new Error(`cannot use the TLS certificate and key: ${(e as Error).message}`, { cause: e });
  }
  const monitoring = createMonitoringServer(metrics, () => listening);
  try {
    await webhook.listen({ port: config.port, host: config.host });
    listening = true;
    await monitoring.listen({ port: config.monitoringPort, host: config.host });
  } catch (e) {
    await Promise.allSettled([webhook.close(), monitoring.close()]);
    throw e;
  }
  const portOf = (server: { address(): AddressInfo | string | null }): number => {
    const a = server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  };
  const handle: InjectorHandle = {
    port: portOf(webhook.server),
    monitoringPort: portOf(monitoring.server),
    metrics,
    logger,
    async close() {
      listening = false;
      await Promise.allSettled([webhook.close(), monitoring.close()]);
    },
  };
  logger.info({ port: handle.port, monitoringPort: handle.monitoringPort, proxyImage: inject.proxyImage, policy: config.injectionPolicy, revision: inject.revision || 'default' }, 'weft-injector listening');
  return handle;
}
