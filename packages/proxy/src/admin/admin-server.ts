// The admin API on :15000 with Envoy's paths and shapes: /ready, /config_dump, /clusters, /listeners,
// /stats, /stats/prometheus, /logging, /quitquitquit, /help. It reads the current snapshot only, so it
// answers the same whether or not the control plane is reachable. Routing here; rendering in *-view.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { getHeapSpaceStatistics } from 'node:v8';
import { X509Certificate } from 'node:crypto';
import { sansOf } from '../tls/tls-material.js';
import { ROOT_CA_SECRET, WORKLOAD_CERT_SECRET, workloadSecrets } from '../security/secret-store.js';
import { re2 } from '../compile/re2.js';
import type { ServerState } from '../lifecycle/server-state.js';
import type { ListenerBinding } from '../listeners/listener-manager.js';
import type { LogRegistry } from '../log/logger.js';
import type { AdsClientStats } from '../xds-client/ads-client.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';
import type { ClusterRuntime } from '../cluster/cluster-runtime.js';
import { renderClustersJson, renderClustersText } from './clusters-view.js';
import { buildConfigDump, type BootstrapInfo } from './config-dump.js';
import { listenHttp, send, type HttpServerHandle, type PlainResponse } from './http-listen.js';
import { renderListenersJson, renderListenersText } from './listeners-view.js';
import { handleLogging } from './logging-handler.js';
import { collectStats, renderStatsPrometheus, renderStatsText } from './stats-view.js';

/** What the admin API reads and the one thing it can ask for. Every read is a plain getter call. */
export interface AdminContext {
  snapshot(): XdsSnapshot;
  xdsStats(): AdsClientStats;
  state(): ServerState;
  bootstrap(): BootstrapInfo;
  readonly logs: LogRegistry;
  /** The sockets bound for LDS listeners (absent: none are, e.g. in tests of the views alone). */
  listenerBindings?(): readonly ListenerBinding[];
  /** Live per-cluster and per-host state (request counts, outlier ejections, breakers) for /clusters. */
  clusterRuntime?(): ClusterRuntime;
  /** Istio's metrics (istio_requests_total, ...) in Prometheus text, printed before Envoy's own. */
  istioMetrics?(): string;
  /** Called by POST /quitquitquit once its response has been sent. */
  quit(): void;
}

interface Endpoint {
  readonly help: string;
  /** Envoy's mutates_server_state: only POST may call it. */
  readonly mutates: boolean;
  handle(query: URLSearchParams, ctx: AdminContext, method: string): PlainResponse;
}

/** Every stat in Prometheus text: Istio's metrics, then Envoy's (what the stats port serves too). */
export function prometheusStats(ctx: Pick<AdminContext, 'xdsStats' | 'snapshot' | 'state' | 'clusterRuntime' | 'istioMetrics'>): PlainResponse {
  const envoy = renderStatsPrometheus(collectStats(ctx.xdsStats(), ctx.snapshot(), ctx.state(), ctx.clusterRuntime?.()));
  return { status: 200, body: (ctx.istioMetrics?.() ?? '') + envoy, contentType: 'text/plain; version=0.0.4' };
}

/** Envoy's /certs: the workload certificate chain and the roots it trusts, per certificate its serial,
 *  SANs and validity (the agent's secrets; there is one context here, not one per cluster). */
function certsView(): unknown[] {
  const describe = (pem: string | undefined, path: string): unknown[] =>
    (pem ?? '').split(/(?=-----BEGIN CERTIFICATE-----)/).flatMap((p) => {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(p);
      } catch {
        return [];
      }
      const expires = Date.parse(cert.validTo);
      return [
        {
          path,
          serial_number: cert.serialNumber.toLowerCase(),
          subject_alt_names: sansOf(cert.subjectAltName).map((s) => (s.type === 'URI' ? { uri: s.value } : s.type === 'DNS' ? { dns: s.value } : { ip_address: s.value })),
          days_until_expiration: String(Math.max(0, Math.floor((expires - Date.now()) / 86_400_000))),
          valid_from: new Date(Date.parse(cert.validFrom)).toISOString(),
          expiration_time: new Date(expires).toISOString(),
        },
      ];
    });
  const own = workloadSecrets.certificate();
  if (own === undefined && workloadSecrets.roots() === undefined) return [];
  return [{ ca_cert: describe(workloadSecrets.roots(), `<sds:${ROOT_CA_SECRET}>`), cert_chain: describe(own?.certChainPem, `<sds:${WORKLOAD_CERT_SECRET}>`) }];
}

/** Envoy's /memory keys (as strings of bytes, as Envoy prints its uint64s) from Node's figures: the
 *  V8 heap stands for tcmalloc's heap; RSS for total_physical_bytes. Per-space V8 figures follow. */
function memoryStats(): Record<string, unknown> {
  const m = process.memoryUsage();
  return {
    allocated: String(m.heapUsed + m.external),
    heap_size: String(m.heapTotal),
    total_physical_bytes: String(m.rss),
    node: {
      rss: m.rss,
      heap_total: m.heapTotal,
      heap_used: m.heapUsed,
      external: m.external,
      array_buffers: m.arrayBuffers,
      spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size, physical: s.physical_space_size }])),
    },
  };
}

const json = (body: unknown, status = 200): PlainResponse => ({ status, body: `${JSON.stringify(body, null, 2)}\n`, contentType: 'application/json' });

/** The `?filter=` of /stats as a name test (RE2, like Envoy), or the 400 for a bad regex. */
function statsFilter(query: URLSearchParams): { keep: (name: string) => boolean } | { error: PlainResponse } {
  const filter = query.get('filter');
  if (filter === null || filter === '') return { keep: () => true };
  try {
    const re = re2().compile(filter);
    return { keep: (name) => re.test(name) };
  } catch (e) {
    return { error: { status: 400, body: `Invalid re2 regex: ${(e as Error).message}\n` } };
  }
}

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/help': { help: 'print out list of admin commands', mutates: false, handle: () => ({ status: 200, body: helpText() }) },
  '/certs': {
    help: 'print certs on machine',
    mutates: false,
    handle: () => json({ certificates: certsView() }),
  },
  '/memory': {
    help: 'print current allocation/heap usage (bytes)',
    mutates: false,
    handle: () => json(memoryStats()),
  },
  '/ready': {
    help: 'print server state, return 200 if LIVE, otherwise return 503',
    mutates: false,
    handle: (_q, ctx) => {
      const state = ctx.state();
      return { status: state === 'LIVE' ? 200 : 503, body: `${state}\n` };
    },
  },
  '/config_dump': {
    help: 'dump current Envoy configs (include_eds, resource)',
    mutates: false,
    handle: (q, ctx) => {
      const result = buildConfigDump(ctx.snapshot(), ctx.bootstrap(), { includeEds: q.has('include_eds'), resource: q.get('resource') ?? undefined, listenerBindings: ctx.listenerBindings?.() });
      return result.ok ? json(result.body) : { status: 400, body: `${result.error}\n` };
    },
  },
  '/clusters': {
    help: 'upstream cluster status (format=json)',
    mutates: false,
    handle: (q, ctx) => (q.get('format') === 'json' ? json(renderClustersJson(ctx.snapshot(), ctx.clusterRuntime?.())) : { status: 200, body: renderClustersText(ctx.snapshot(), ctx.clusterRuntime?.()) }),
  },
  '/listeners': {
    help: 'print listener info (format=json)',
    mutates: false,
    handle: (q, ctx) => {
      const bindings = ctx.listenerBindings?.() ?? [];
      return q.get('format') === 'json' ? json(renderListenersJson(ctx.snapshot(), bindings)) : { status: 200, body: renderListenersText(ctx.snapshot(), bindings) };
    },
  },
  '/stats': {
    help: 'print server stats (filter, format=json|prometheus)',
    mutates: false,
    handle: (q, ctx) => {
      const stats = collectStats(ctx.xdsStats(), ctx.snapshot(), ctx.state(), ctx.clusterRuntime?.());
      if (q.get('format') === 'prometheus') return prometheusStats(ctx);
      const filter = statsFilter(q);
      if ('error' in filter) return filter.error;
      if (q.get('format') === 'json') return json({ stats: stats.filter((s) => filter.keep(s.name)).map((s) => ({ name: s.name, value: s.value })) });
      return { status: 200, body: renderStatsText(stats, filter.keep) };
    },
  },
  '/stats/prometheus': {
    help: 'print server stats in prometheus format',
    mutates: false,
    handle: (_q, ctx) => prometheusStats(ctx),
  },
  '/logging': {
    help: 'query/change logging levels (level, <logger>)',
    // Listing is allowed on GET; changing a level needs POST (checked in the handler).
    mutates: false,
    handle: (q, ctx, method) => handleLogging(q, ctx.logs, method === 'POST'),
  },
  '/quitquitquit': { help: 'exit the server', mutates: true, handle: () => ({ status: 200, body: 'OK\n' }) },
};

function helpText(): string {
  return `admin commands are:\n${Object.entries(ENDPOINTS)
    .map(([path, e]) => `  ${path}: ${e.help}\n`)
    .join('')}`;
}

/** Answers one admin request (exported for tests of routing without a socket). */
export function routeAdminRequest(method: string, url: URL, ctx: AdminContext): PlainResponse {
  const path = url.pathname === '/' ? '/help' : url.pathname;
  const endpoint = ENDPOINTS[path];
  if (!endpoint) return { status: 404, body: `invalid path. ${helpText()}` };
  if (endpoint.mutates && method !== 'POST') return { status: 405, body: `Method ${method} not allowed, POST required.\n` };
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return { status: 405, body: `Method ${method} not allowed.\n` };
  return endpoint.handle(url.searchParams, ctx, method);
}

/** Starts the admin server on `host:port`. Rendering errors become a 500, never a crash. */
export async function startAdminServer(ctx: AdminContext, host: string, port: number): Promise<HttpServerHandle> {
  const log = ctx.logs.get('admin');
  return listenHttp(host, port, (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://admin');
    let response: PlainResponse;
    try {
      response = routeAdminRequest(method, url, ctx);
    } catch (e) {
      log.error('admin request failed', { path: url.pathname, error: e });
      response = { status: 500, body: `internal error: ${e instanceof Error ? e.message : String(e)}\n` };
    }
    log.debug('admin request', { method, path: url.pathname, status: response.status });
    if (url.pathname === '/quitquitquit' && response.status === 200) res.once('finish', () => ctx.quit());
    // Drain the request body (curl -X POST may send one) so the connection can be reused.
    req.resume();
    send(res, response);
  });
}
