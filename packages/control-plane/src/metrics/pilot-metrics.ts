// weftd's Prometheus metrics under Istio's pilot_* names, types, labels and buckets (Istio's
// pilot/pkg/xds/monitoring.go, pilot/pkg/model/push_context.go), in one prom-client Registry per weftd
// instance. Definitions only: ads-metrics.ts, the push controller and bootstrap/ record them.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Istio's buckets, so dashboards built for istiod read weftd the same way.
const PUSH_BUCKETS = [0.01, 0.1, 1, 3, 5, 10, 20, 30];
const CONVERGENCE_BUCKETS = [0.1, 0.5, 1, 3, 5, 10, 20, 30];
const INIT_BUCKETS = [0.01, 0.1, 0.5, 1, 3, 5];
const SIZE_BUCKETS = [1, 10_000, 1_000_000, 4_000_000, 10_000_000, 40_000_000];

/** Every metric weftd exports. Label values for `type` are Istio's lower-case short names (`cds`, `eds`, `lds`, `rds`). */
export interface PilotMetrics {
  readonly registry: Registry;
  /** The Prometheus text exposition of every metric, after running the scrape hooks. */
  scrape(): Promise<string>;
  /** Runs `hook` before each scrape (to copy counters kept elsewhere); returns its remover. */
  addScrapeHook(hook: () => void): () => void;
  /** Connected proxies by ISTIO_VERSION metadata (Istio: "Number of endpoints connected to this pilot using XDS"). */
  readonly xdsClients: Gauge<'version'>;
  /** Responses written, by type (Istio counts one per push of a type to a proxy). */
  readonly xdsPushes: Counter<'type'>;
  /** Time to generate and pack one proxy's config, by type pushed. */
  readonly xdsPushTime: Histogram<'type'>;
  /** Time to hand one proxy's new snapshot to its streams. */
  readonly xdsSendTime: Histogram;
  /** Config change (or connect) until the proxy ACKed every type pushed for it. */
  readonly proxyConvergenceTime: Histogram;
  /** First pending change until the debounced rebuild starts. */
  readonly debounceTime: Histogram;
  /** Building the registry + mesh snapshot (Istio's push context). */
  readonly pushContextInitSeconds: Histogram;
  /** Pushes started, by reason: `config`, `endpoint` (fast path), `proxy` (new connection). */
  readonly pushTriggers: Counter<'type'>;
  /** Config events received from sources: `config`. */
  readonly inboundUpdates: Counter<'type'>;
  /** Config events by kind and `add` / `update` / `delete` (Istio's name, although the source is not Kubernetes here). */
  readonly cfgEvents: Counter<'type' | 'event'>;
  /** Resources rejected by validation, by kind and `namespace/name`. */
  readonly totalRejectedConfigs: Counter<'type' | 'name'>;
  readonly services: Gauge;
  readonly virtualServices: Gauge;
  /** NACKs per type, Istio's legacy per-type names (gauges that only go up, as in Istio). */
  readonly cdsReject: Gauge;
  readonly edsReject: Gauge;
  readonly ldsReject: Gauge;
  readonly rdsReject: Gauge;
  /** NACKs by type. */
  readonly totalXdsRejects: Counter<'type'>;
  /** Generator or packing failures for one proxy (its last config stays in force). */
  readonly totalXdsInternalErrors: Counter;
  /** Requests ignored for carrying a stale nonce. */
  readonly xdsExpiredNonce: Counter;
  /** Streams closed for not keeping up (Istio: write timeouts). */
  readonly xdsWriteTimeout: Counter;
  /** Encoded size of one type's resources pushed to one proxy. */
  readonly xdsConfigSizeBytes: Histogram<'type'>;
}

/** Creates the metrics in a fresh registry (one per weftd instance, so tests can run several), plus
 *  Node's default process metrics (`process_*`, `nodejs_*`). */
export function createPilotMetrics(): PilotMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) => new Histogram<L>({ name, help, buckets, labelNames, registers });
  const hooks = new Set<() => void>();
  return {
    registry,
    async scrape() {
      for (const hook of hooks) hook();
      return registry.metrics();
    },
    addScrapeHook(hook) {
      hooks.add(hook);
      return () => void hooks.delete(hook);
    },
    xdsClients: gauge('pilot_xds', 'Number of endpoints connected to this pilot using XDS.', ['version']),
    xdsPushes: counter('pilot_xds_pushes', 'Pilot pushes for lds, rds, cds and eds.', ['type']),
    xdsPushTime: histogram('pilot_xds_push_time', 'Total time in seconds Pilot takes to push lds, rds, cds and eds.', PUSH_BUCKETS, ['type']),
    xdsSendTime: histogram('pilot_xds_send_time', 'Total time in seconds Pilot takes to send generated configuration.', PUSH_BUCKETS),
    proxyConvergenceTime: histogram('pilot_proxy_convergence_time', 'Delay in seconds between config change and a proxy receiving all required configuration.', CONVERGENCE_BUCKETS),
    debounceTime: histogram('pilot_debounce_time', 'Delay in seconds between the first config enters debouncing and the merged push request is pushed into the push queue.', PUSH_BUCKETS),
    pushContextInitSeconds: histogram('pilot_pushcontext_init_seconds', 'Total time in seconds Pilot takes to init pushContext.', INIT_BUCKETS),
    pushTriggers: counter('pilot_push_triggers', 'Total number of times a push was triggered, labeled by reason for the push.', ['type']),
    inboundUpdates: counter('pilot_inbound_updates', 'Total number of updates received by pilot.', ['type']),
    cfgEvents: counter('pilot_k8s_cfg_events', 'Events from config sources (files, memory).', ['type', 'event']),
    totalRejectedConfigs: counter('pilot_total_rejected_configs', 'Total number of configs that Pilot had to reject or ignore.', ['type', 'name']),
    services: gauge('pilot_services', 'Total services known to pilot.'),
    virtualServices: gauge('pilot_virt_services', 'Total virtual services known to pilot.'),
    cdsReject: gauge('pilot_xds_cds_reject', 'Pilot rejected CDS configs.'),
    edsReject: gauge('pilot_xds_eds_reject', 'Pilot rejected EDS.'),
    ldsReject: gauge('pilot_xds_lds_reject', 'Pilot rejected LDS.'),
    rdsReject: gauge('pilot_xds_rds_reject', 'Pilot rejected RDS.'),
    totalXdsRejects: counter('pilot_total_xds_rejects', 'Total number of XDS responses from pilot rejected by proxy.', ['type']),
    totalXdsInternalErrors: counter('pilot_total_xds_internal_errors', 'Total number of internal XDS errors in pilot.'),
    xdsExpiredNonce: counter('pilot_xds_expired_nonce', 'Total number of XDS requests with an expired nonce.'),
    xdsWriteTimeout: counter('pilot_xds_write_timeout', 'Pilot XDS response write timeouts.'),
    xdsConfigSizeBytes: histogram('pilot_xds_config_size_bytes', 'Distribution of configuration sizes pushed to clients', SIZE_BUCKETS, ['type']),
  };
}
