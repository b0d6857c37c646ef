// Starts the CA from its settings: loads the bundle (cacerts, else the self-signed root in the CA
// directory, created on first start), publishes the trust anchor, records the expiry metrics and
// listens. bootstrap/start-weftd.ts calls it with weftd's config; nothing here reads WeftdConfig.

import { isIP } from 'node:net';
import { WeftError } from '@weft/shared';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { loadCacertsBundle, loadOrCreateSelfSignedBundle, publishRootCert } from './ca-state.js';
import { createCitadelMetrics, type CitadelMetrics } from './ca-metrics.js';
import { CaServer } from './ca-server.js';
import { CertificateAuthority } from './certificate-authority.js';
import { createWorkloadTokenStore } from './workload-tokens.js';

/** What the CA is started with. */
export interface CaSettings {
  /** weftd's CA directory (self-signed root, tokens, root-cert.pem); optional with `cacertsDir`. */
  readonly caDir: string | undefined;
  /** A plugged-in CA; wins over the self-signed root. */
  readonly cacertsDir: string | undefined;
  readonly trustDomain: string;
  /** Namespace in the serving certificate's `istiod.<ns>.svc`. */
  readonly namespace: string;
  readonly port: number;
  readonly host: string;
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  /** The metrics registry the citadel_server_* metrics join. */
  readonly registry: Registry;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

/** A listening CA. */
export interface RunningCa {
  readonly port: number;
  readonly authority: CertificateAuthority;
  readonly metrics: CitadelMetrics;
  /** `<caDir>/root-cert.pem`, when there is a CA directory. */
  readonly rootCertPath: string | undefined;
  /** Replaces the serving certificate now (it also renews itself at half-life). */
  renewServingCertificate(): void;
  close(): Promise<void>;
}

// An address the serving certificate can name: a specific IP (not a wildcard).
const isSpecificIp = (host: string): boolean => isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::';

/**
 * Loads the CA bundle and starts the CA server. Rejects with a WeftError (WEFT_ERR_INPUT_READ) when
 * neither directory is set, the cacerts do not verify or the CA directory's files are unusable, and
 * with the listen error when the port is taken.
 */
export async function startCa(settings: CaSettings): Promise<RunningCa> {
  const { caDir, cacertsDir } = settings;
  if (caDir === undefined && cacertsDir === undefined) throw new WeftError('WEFT_ERR_INPUT_READ', 'the CA needs --ca-dir or --cacerts-dir');
  const bundle = cacertsDir !== undefined ? await loadCacertsBundle(cacertsDir) : await loadOrCreateSelfSignedBundle(caDir!, settings.trustDomain);
  const rootCertPath = caDir !== undefined ? await publishRootCert(caDir, bundle) : undefined;
  const authority = new CertificateAuthority({ bundle, defaultTtlMs: settings.defaultTtlMs, maxTtlMs: settings.maxTtlMs });
  const metrics = createCitadelMetrics(settings.registry);
  metrics.recordCertsExpiry(bundle);
  const tokens = caDir !== undefined ? createWorkloadTokenStore(caDir) : undefined;
  if (!tokens) settings.logger.warn({ cacertsDir }, 'CA without --ca-dir: no bootstrap tokens, only renewals with a current certificate are accepted');
  const server = new CaServer({
    ca: authority,
    trustDomain: settings.trustDomain,
    tokens,
    metrics,
    logger: settings.logger,
    servingNames: {
      dnsNames: [`istiod.${settings.namespace}.svc`, 'localhost'],
      ipAddresses: [...new Set(['127.0.0.1', '::1', ...(isSpecificIp(settings.host) ? [settings.host] : [])])],
    },
  });
  const port = await server.listen(settings.port, settings.host);
  settings.logger.info(
    { source: bundle.source, root: rootCertPath ?? null, rootExpiry: new Date(bundle.roots[0]!.validTo).toISOString(), port },
    bundle.source === 'cacerts' ? 'CA started with plugged-in cacerts' : 'CA started with the self-signed root',
  );
  return { port, authority, metrics, rootCertPath, renewServingCertificate: () => void server.renewServingCertificate(), close: () => server.close() };
}
