// Wires weft-proxy together, the only module that does: config → node identity → xDS client →
// lifecycle and readiness → admin (:15000) and health (:15021) servers → compiled config (rebuilt on
// every accepted snapshot) → explicit outbound listener (:15001, sidecar mode) → sockets for the LDS
// listeners (re-planned on every snapshot). Returns a handle to stop it.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { startAdminServer } from '../admin/admin-server.js';
import { startHealthServer } from '../admin/health-server.js';
import type { HttpServerHandle } from '../admin/http-listen.js';
import { appMetricsUrl, fetchAppMetrics, startStatsServer } from '../admin/stats-server.js';
import { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { EMPTY_COMPILED, compileSnapshot, type CompiledConfig } from '../compile/compile-config.js';
import type { ProxyConfig } from '../config.js';
import { createReadinessCheck } from '../lifecycle/readiness.js';
import { ServerLifecycle } from '../lifecycle/server-state.js';
import { appSockets } from '../listeners/app-address.js';
import { ListenerManager } from '../listeners/listener-manager.js';
import { planListenerBindings, socketKey, type ListenerPlan } from '../listeners/listener-plan.js';
import { createLogRegistry, type Logger, type LogRegistry } from '../log/logger.js';
import { createHttpConnectionHandler } from '../outbound/http-connection.js';
import { startOutboundListener } from '../outbound/outbound-listener.js';
import type { RequestOutcome } from '../outbound/request-outcome.js';
import { UpstreamPools } from '../outbound/upstream-pools.js';
import type { TcpOutcome } from '../tcp/tcp-outcome.js';
import { AdsClient } from '../xds-client/ads-client.js';
import type { BackoffOptions } from '../xds-client/backoff.js';
import type { ListenerShape } from '../xds-client/envoy-shapes.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';
import type { CaAgent } from '../security/ca-agent.js';
import { workloadSecrets } from '../security/secret-store.js';
import { IstioMetrics } from '../telemetry/istio-metrics.js';
import type { MetricOverrides } from '../telemetry/stats-overrides.js';
import { SpanExporters } from '../tracing/span-exporter.js';
import { Tracer, type HcmTracer } from '../tracing/tracer.js';
import type { CompiledTracing } from '../tracing/tracing-config.js';
import type { AccessLogger } from '../telemetry/access-log.js';
import { processAccessLogFiles } from '../telemetry/access-log-file.js';
import type { DownstreamRequest } from '../http/downstream-request.js';
import { routeConfigNameFor } from '../http/handle-request.js';
import { encodePeerHeaders, workloadInfoFromMetadata } from '../telemetry/workload-info.js';
import { buildXdsNode, type XdsNode } from './xds-node.js';

/** A running proxy. */
export interface ProxyHandle {
  readonly node: XdsNode;
  readonly adminPort: number;
  readonly healthPort: number;
  /** Bound port of the stats server (/stats/prometheus). */
  readonly statsPort: number;
  /** Bound port of the merged metrics server, when served. */
  readonly mergedMetricsPort: number | undefined;
  /** Istio's request metrics, counted for every HTTP request the proxy serves. */
  readonly metrics: IstioMetrics;
  /** The agent keeping the workload certificate (undefined without --ca-address). */
  readonly agent: CaAgent | undefined;
  /** Bound port of the outbound listener; undefined in router mode (no sidecar listener). */
  readonly outboundPort: number | undefined;
  /** Upstream connection pools of the outbound listener, one per endpoint in use. */
  readonly outboundPools: UpstreamPools | undefined;
  /** The sockets bound for LDS listeners (inbound ports, per-service outbound listeners). */
  readonly listeners: ListenerManager;
  /** Live cluster state (circuit breakers, outlier detection, host stats) across compiled configs. */
  readonly clusterRuntime: ClusterRuntime;
  readonly xds: AdsClient;
  /** The compiled config the data path reads now. */
  compiled(): CompiledConfig;
  readonly lifecycle: ServerLifecycle;
  readonly logs: LogRegistry;
  /** Drains (readiness fails, state DRAINING), stops the xDS client, then the admin and health
   *  servers. Idempotent; resolves when everything is closed. */
  close(): Promise<void>;
}

/** Extra wiring for tests and embedders. */
export interface StartOptions {
  /** Where log lines go (default stderr, as Envoy logs). */
  readonly logStream?: NodeJS.WritableStream;
  /** Called with exit code 0 once POST /quitquitquit has drained and closed everything.
   *  Default: process.exit, as Envoy exits. */
  readonly exit?: (code: number) => void;
  /** Stands in for a missing pod and workload name (default: the host name). */
  readonly hostName?: string;
  /** Reconnect backoff of the xDS client (tests shorten it). */
  readonly backoff?: BackoffOptions;
  /** Overrides the health server's address (default: the config's healthAddress). */
  readonly healthHost?: string;
  /** Called once per HTTP request served (besides the proxy's own metrics), for telemetry. */
  readonly onOutcome?: (outcome: RequestOutcome) => void;
  /** Called once per TCP connection proxied by an LDS listener, for telemetry. */
  readonly onTcpOutcome?: (outcome: TcpOutcome) => void;
}

/**
 * Starts the proxy: binds the admin and health ports first (so a port in use fails fast, before any
 * xDS traffic), then opens the ADS stream. The state is INITIALIZING until the first CDS and LDS
 * responses have been processed, then LIVE, as Envoy's init completes on accepted or rejected config.
 * Rejects when a port cannot be bound; everything started so far is closed first.
 */
export async function startProxy(config: ProxyConfig, options: StartOptions = {}): Promise<ProxyHandle> {
  const logs = createLogRegistry(config.logLevel, options.logStream ?? process.stderr);
  const log = logs.get('main');
  const node = buildXdsNode(config, options.hostName ?? hostname());
  const lifecycle = new ServerLifecycle();
  const metrics = new IstioMetrics(workloadInfoFromMetadata(node.metadata));
  const extraOutcome = options.onOutcome;
  const onOutcome = extraOutcome
    ? (o: RequestOutcome): void => {
        metrics.recordRequest(o);
        extraOutcome(o);
      }
    : (o: RequestOutcome): void => metrics.recordRequest(o);
  const peerHeaders = encodePeerHeaders(node.id, node.metadata);
  const agent = await startAgent(config, logs.get('main'));
  const xds = new AdsClient({ address: config.discoveryAddress, node, logger: logs.get('config'), backoff: options.backoff });
  const onUpdate = (): void => {
    const { cluster, listener } = xds.stats().updates;
    if (cluster.attempt > 0 && listener.attempt > 0 && lifecycle.advance('LIVE')) log.info('all dependencies initialized. starting workers', { node: node.id });
  };
  xds.on('ack', onUpdate);
  xds.on('nack', onUpdate);
  // Compiled once per accepted change and swapped in one assignment: a request reads `compiled` once
  // and keeps that config to its end.
  let compiled: CompiledConfig = EMPTY_COMPILED;
  const clusterRuntime = new ClusterRuntime();
  // Tracing: one span exporter per collector, fed by the listeners whose HCM traces (src/tracing/); a
  // collector cluster is resolved like any other, through its current picker.
  const tracing = new Tracer(
    { nodeId: node.id, zone: '' },
    new SpanExporters(
      { serviceName: node.cluster, address: config.workloadAddresses[0] },
      (name) => {
        const endpoint = compiled.clusters.get(name)?.picker.pick(Math.random);
        return endpoint ? { host: endpoint.host, port: endpoint.port } : undefined;
      },
      logs.get('upstream'),
    ),
  );
  // Listeners whose HCM has an istio.stats filter count Istio's metrics with its overrides.
  const onOutcomeWith = (overrides: MetricOverrides) => (o: RequestOutcome): void => {
    metrics.recordRequest(o, overrides);
    extraOutcome?.(o);
  };
  let pools: UpstreamPools | undefined;
  let listeners: ListenerManager | undefined;
  // Sockets an LDS listener must not take, besides the app's: the proxy's own fixed servers.
  const ownSockets = new Map<string, string>();
  const planFor = (snapshot: XdsSnapshot): ListenerPlan => {
    const reserved = new Map([...ownSockets, ...appSockets(compiled)]);
    const lds = [...snapshot.listener.resources.values()].map((r) => r.message as ListenerShape);
    return planListenerBindings(lds, { mode: config.mode, workloadAddresses: config.workloadAddresses, outboundAddress: config.outboundAddress, reserved });
  };
  xds.on('snapshot', (snapshot) => {
    compiled = compileSnapshot(snapshot, clusterRuntime);
    // Connections to endpoints that left every cluster are closed once their requests end.
    void pools?.retain(new Set([...compiled.clusters.values()].flatMap((c) => c.endpoints.map((e) => e.key))));
    // Listeners follow every snapshot: LDS changes, and CDS changes that move the app's address.
    void listeners?.update(planFor(snapshot));
  });

  const servers: HttpServerHandle[] = [];
  let closing: Promise<void> | undefined;
  let ownPools = false;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      lifecycle.advance('DRAINING');
      agent?.close();
      await xds.close();
      await Promise.all([...servers.map((s) => s.close()), listeners?.close()]);
      if (ownPools) await pools?.close();
      // Spans of the last requests are sent before the proxy is reported closed.
      await tracing.close();
      // Access log lines of the last requests reach their files before the proxy is reported closed.
      await processAccessLogFiles.flush();
    })();
    return closing;
  };
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const startedAt = Date.now();
  // The bound admin port, for the bootstrap dump (differs from the config when 0 was asked for).
  let adminPort = config.adminPort;
  let mergedPort: number | undefined;

  try {
    const admin = await startAdminServer(
      {
        snapshot: () => xds.snapshot(),
        xdsStats: () => xds.stats(),
        clusterRuntime: () => clusterRuntime,
        istioMetrics: () => metrics.render(),
        state: () => lifecycle.state,
        bootstrap: () => ({ node, discoveryAddress: config.discoveryAddress, adminPort, startedAt }),
        logs,
        listenerBindings: () => listeners?.bindings() ?? [],
        quit: () => {
          log.info('shutting down: /quitquitquit');
          void close().then(() => exit(0));
        },
      },
      '127.0.0.1',
      config.adminPort,
    );
    servers.push(admin);
    adminPort = admin.port;
    const health = await startHealthServer(
      createReadinessCheck(
        () => xds.stats(),
        () => lifecycle.state,
      ),
      options.healthHost ?? config.healthAddress,
      config.healthPort,
    );
    servers.push(health);
    const stats = await startStatsServer(
      { snapshot: () => xds.snapshot(), xdsStats: () => xds.stats(), state: () => lifecycle.state, clusterRuntime: () => clusterRuntime, istioMetrics: () => metrics.render() },
      options.healthHost ?? config.healthAddress,
      config.statsPort,
    );
    servers.push(stats);
    if (config.mergedMetricsPort !== undefined) {
      const url = appMetricsUrl(config.appMetrics, config.appAddress);
      const merged = await startStatsServer(
        { snapshot: () => xds.snapshot(), xdsStats: () => xds.stats(), state: () => lifecycle.state, clusterRuntime: () => clusterRuntime, istioMetrics: () => metrics.render() },
        options.healthHost ?? config.healthAddress,
        config.mergedMetricsPort,
        url === undefined ? async () => undefined : () => fetchAppMetrics(url),
      );
      servers.push(merged);
      mergedPort = merged.port;
    }
    // The explicit proxy logs as the outbound listener of each request's route configuration would.
    const explicitAccessLog = (req: DownstreamRequest): AccessLogger | undefined => {
      const byRoute = compiled.outboundAccessLogs;
      return byRoute === undefined ? undefined : (byRoute.get(routeConfigNameFor(req.authority, req.scheme)) ?? byRoute.get(''));
    };
    // ...and traces and counts metrics as it would (its tracer made once per compiled tracing).
    const explicitTracers = new WeakMap<CompiledTracing, HcmTracer>();
    const explicitTracing = (req: DownstreamRequest): HcmTracer | undefined => {
      const t = compiled.outboundTracing?.get(routeConfigNameFor(req.authority, req.scheme));
      if (t === undefined) return undefined;
      let tracer = explicitTracers.get(t);
      if (tracer === undefined) explicitTracers.set(t, (tracer = tracing.forHcm(t, 'outbound')));
      return tracer;
    };
    const explicitOutcome = (o: RequestOutcome): void => {
      metrics.recordRequest(o, o.routeConfig === undefined ? undefined : compiled.outboundStats?.get(o.routeConfig));
      extraOutcome?.(o);
    };
    const outbound =
      config.mode === 'sidecar'
        ? await startOutboundListener({ port: config.outboundPort, config: () => compiled, onOutcome: explicitOutcome, peerHeaders, accessLog: explicitAccessLog, tracing: explicitTracing })
        : undefined;
    if (outbound) servers.push(outbound);
    // One set of upstream pools for the explicit proxy and every LDS listener's HTTP chains.
    ownPools = outbound === undefined;
    const sharedPools = outbound?.pools ?? new UpstreamPools();
    pools = sharedPools;
    ownSockets.set(socketKey('127.0.0.1', admin.port), "weft-proxy's admin port");
    if (outbound) ownSockets.set(socketKey('127.0.0.1', outbound.port), "weft-proxy's explicit outbound proxy");
    listeners = new ListenerManager({
      logger: logs.get('config'),
      drainMs: config.drainDurationMs,
      config: () => compiled,
      onTcpOutcome: (o) => {
        metrics.recordTcpClosed(o);
        options.onTcpOutcome?.(o);
      },
      onTcpOpen: (c) => metrics.recordTcpOpened(c),
      http: (o) =>
        createHttpConnectionHandler({
          config: () => compiled,
          pools: sharedPools,
          routeConfigName: o.routeConfigName,
          direction: o.direction,
          upgradeTypes: o.upgradeTypes,
          useRemoteAddress: o.useRemoteAddress,
          rbac: o.rbac,
          jwt: o.jwt,
          xfcc: o.xfcc,
          onOutcome: o.statsOverrides ? onOutcomeWith(o.statsOverrides) : onOutcome,
          peerHeaders,
          ...(o.accessLog ? { accessLog: o.accessLog } : {}),
          ...(o.tracing ? { tracing: tracing.forHcm(o.tracing, o.direction) } : {}),
        }),
    });
    lifecycle.advance('INITIALIZING');
    xds.start();
    log.info('weft-proxy started', { node: node.id, discovery: config.discoveryAddress, admin: admin.port, health: health.port, outbound: outbound?.port, stats: stats.port, ...(mergedPort !== undefined ? { merged_metrics: mergedPort } : {}) });
    return {
      node,
      adminPort: admin.port,
      healthPort: health.port,
      statsPort: stats.port,
      mergedMetricsPort: mergedPort,
      metrics,
      agent,
      outboundPort: outbound?.port,
      outboundPools: outbound?.pools,
      listeners,
      clusterRuntime,
      xds,
      compiled: () => compiled,
      lifecycle,
      logs,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The CA agent when a CA is configured: it fills the process's secret store (`default`, `ROOTCA`).
 *  Throws for a CA address without a readable trust anchor (a deployment mistake, reported at start). */
async function startAgent(config: ProxyConfig, logger: Logger): Promise<CaAgent | undefined> {
  if (config.caAddress === '') return undefined;
  if (config.caRootCert === '') throw new Error('--ca-address needs --ca-root-cert (the CA\'s trust anchor, weftd\'s <ca-dir>/root-cert.pem)');
  let rootCertPem: string;
  try {
    rootCertPem = readFileSync(config.caRootCert, 'utf8');
  } catch (e) {
    throw new Error(`--ca-root-cert ${config.caRootCert}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Loaded only when there is a CA: the CSR code (node-forge) costs ~2 MB of heap a proxy without
  // mTLS does not need.
  const { startCaAgent } = await import('../security/ca-agent.js');
  return startCaAgent({
    address: config.caAddress,
    rootCertPem,
    rootCertFile: config.caRootCert,
    tokenFile: config.tokenFile,
    identity: { trustDomain: config.trustDomain, namespace: config.namespace, serviceAccount: config.serviceAccount },
    ttlMs: config.workloadCertTtlMs,
    store: workloadSecrets,
    logger,
  });
}
