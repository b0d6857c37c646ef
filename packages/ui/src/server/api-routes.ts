// weft-ui's JSON API: /api/graph, /api/namespaces, /api/services[/:ns/:name], /api/workloads[/:ns/:name],
// /api/config, /api/proxies, /api/errors, /api/status. Each handler reads the metric source and weftd
// and shapes the answer (api-types.ts); it changes nothing. A source that fails answers 502 naming it.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { stringify } from 'yaml';
import { WEFT_VERSION } from '@weft/shared';
import type {
  ConfigItem,
  ConfigRef,
  DetailResponse,
  ErrorsResponse,
  GraphResponse,
  GraphView,
  Health,
  NamespaceHealth,
  ProxyStatus,
  SyncState,
  TrafficDirection,
} from '../api-types.js';
import { analyzeEntry } from './analysis/analyze-config.js';
import { hostNames } from './graph/config-badges.js';
import { buildGraph, healthOf, requestSeries } from './graph/build-graph.js';
import type { ConfigzEntry, SynczEntry, WeftdClient } from './mesh/weftd-client.js';
import type { MetricSource } from './metrics/metric-source.js';
import { describeFlags } from './metrics/response-flags.js';
import { isErrorCode, summarize, type TrafficLabels, type TrafficSeries } from './metrics/traffic-series.js';

const VIEWS: readonly GraphView[] = ['workload', 'app', 'versionedApp', 'service'];
const CHART_POINTS = 30;

/** `30s`, `5m`, `1h` or plain seconds → seconds within [10, 3600]; default 60. */
export function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return 60;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  return Math.min(3600, Math.max(10, seconds));
}

const HEALTH_ORDER: readonly Health[] = ['failure', 'degraded', 'healthy', 'idle'];
const worst = (list: readonly Health[]): Health => HEALTH_ORDER.find((h) => list.includes(h)) ?? 'idle';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The config in force, or none when weftd cannot be asked (the graph still draws). */
async function configOrEmpty(weftd: WeftdClient): Promise<ConfigzEntry[]> {
  try {
    return await weftd.configz();
  } catch {
    return [];
  }
}

type Match = (l: TrafficLabels) => boolean;

function direction(window: readonly TrafficSeries[], points: readonly { end: number; series: readonly TrafficSeries[] }[], match: Match, peerOf: (l: TrafficLabels) => string): TrafficDirection {
  const mine = requestSeries(window).filter((s) => match(s.labels));
  const peers = new Map<string, TrafficSeries[]>();
  for (const s of mine) {
    const p = peerOf(s.labels);
    peers.set(p, [...(peers.get(p) ?? []), s]);
  }
  return {
    summary: summarize(mine),
    points: points.map((w) => {
      const s = summarize(requestSeries(w.series).filter((x) => match(x.labels)));
      return { t: w.end, rps: s.rps, errorPct: s.errorPct, ...(s.p99Ms !== undefined ? { p99Ms: s.p99Ms } : {}) };
    }),
    peers: [...peers]
      .map(([name, list]) => {
        const s = summarize(list);
        return { name, rps: s.rps, errorPct: s.errorPct };
      })
      .sort((a, b) => b.rps - a.rps),
  };
}

const known = (v: string): boolean => v !== '' && v !== 'unknown';
const clientName = (l: TrafficLabels): string => (known(l.source_workload) ? `${l.source_workload}.${l.source_workload_namespace}` : 'unknown');
const serverName = (l: TrafficLabels): string => (known(l.destination_workload) ? `${l.destination_workload}.${l.destination_workload_namespace}` : l.destination_service_name || l.destination_service);

const TYPES: readonly (readonly [keyof ProxyStatus['sync'], string])[] = [
  ['CDS', 'type.googleapis.com/envoy.config.cluster.v3.Cluster'],
  ['LDS', 'type.googleapis.com/envoy.config.listener.v3.Listener'],
  ['EDS', 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment'],
  ['RDS', 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'],
];

/** istioctl proxy-status' view of one syncz entry. */
export function proxyStatusOf(e: SynczEntry): ProxyStatus {
  // Node ids are `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>`.
  const [type = '', , podNs = ''] = e.proxy.split('~');
  const dot = podNs.lastIndexOf('.');
  const sync = {} as Record<keyof ProxyStatus['sync'], SyncState>;
  let lastError: string | undefined;
  for (const [short, url] of TYPES) {
    const r = e.resources[url];
    if (r?.lastError) lastError = `${short}: ${r.lastError}`;
    sync[short] = !r || r.sent === undefined ? 'NOT SENT' : r.sent === r.acked ? 'SYNCED' : r.lastError ? 'NACKED' : 'STALE';
  }
  return {
    id: e.proxy,
    type: e.proxy_type ?? type,
    name: dot > 0 ? podNs.slice(0, dot) : podNs,
    namespace: dot > 0 ? podNs.slice(dot + 1) : '',
    connectedAt: e.connected_at,
    sync,
    ...(lastError ? { lastError } : {}),
  };
}

function originOf(e: ConfigzEntry): string | undefined {
  const file = e.origin?.file ?? e.origin?.source;
  if (!file) return undefined;
  return e.origin?.line !== undefined ? `${file}:${e.origin.line}` : file;
}

const refOf = (e: ConfigzEntry): ConfigRef => ({ kind: e.kind, namespace: e.namespace, name: e.name });

/** Config naming service `name` of `ns` (VirtualServices, DestinationRules, its ServiceEntry). */
function configForService(config: readonly ConfigzEntry[], ns: string, name: string): ConfigRef[] {
  return config
    .filter((e) => {
      const spec = (e.resource.spec ?? {}) as Record<string, unknown>;
      if (e.kind === 'VirtualService' || e.kind === 'ServiceEntry') return Array.isArray(spec.hosts) && spec.hosts.some((h) => typeof h === 'string' && hostNames(h, e.namespace, name, ns));
      if (e.kind === 'DestinationRule') return typeof spec.host === 'string' && hostNames(spec.host, e.namespace, name, ns);
      return false;
    })
    .map(refOf);
}

/** Registers every /api route on `app`. */
export function registerApiRoutes(app: FastifyInstance, metrics: MetricSource, weftd: WeftdClient): void {
  const fail = (reply: FastifyReply, e: unknown) => reply.code(502).send({ error: message(e) });
  const badRequest = (reply: FastifyReply, text: string) => reply.code(400).send({ error: text });

  app.get('/api/status', async () => {
    let weftdReachable = false;
    if (weftd.url) weftdReachable = await weftd.syncz().then(() => true, () => false);
    return { version: WEFT_VERSION, ...(weftd.url ? { weftd: weftd.url } : {}), weftdReachable, metrics: metrics.info() };
  });

  app.get<{ Querystring: { namespace?: string; view?: string; duration?: string } }>('/api/graph', async (req, reply) => {
    const view = (req.query.view ?? 'versionedApp') as GraphView;
    if (!VIEWS.includes(view)) return badRequest(reply, `view must be one of ${VIEWS.join(', ')}`);
    const duration = parseDuration(req.query.duration);
    if (duration === undefined) return badRequest(reply, 'duration must be like 30s, 5m or 1h');
    const namespace = req.query.namespace || undefined;
    try {
      const [window, config] = await Promise.all([metrics.window(duration), configOrEmpty(weftd)]);
      const graph = buildGraph({ series: window.series, view, config, ...(namespace ? { namespace } : {}) });
      const body: GraphResponse = { view, ...(namespace ? { namespace } : {}), durationSeconds: duration, windowSeconds: window.windowSeconds, source: metrics.info(), ...graph };
      return body;
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get<{ Querystring: { duration?: string } }>('/api/namespaces', async (req, reply) => {
    const duration = parseDuration(req.query.duration);
    if (duration === undefined) return badRequest(reply, 'duration must be like 30s, 5m or 1h');
    try {
      const [window, config] = await Promise.all([metrics.window(duration), configOrEmpty(weftd)]);
      const series = requestSeries(window.series);
      const names = new Set<string>();
      for (const e of config) if (e.namespace) names.add(e.namespace);
      for (const s of series) for (const ns of [s.labels.source_workload_namespace, s.labels.destination_workload_namespace]) if (known(ns)) names.add(ns);
      const namespaces: NamespaceHealth[] = [...names].sort().map((ns) => {
        const workloads = new Set(config.filter((e) => e.kind === 'WorkloadEntry' && e.namespace === ns).map((e) => e.name));
        for (const s of series) {
          if (s.labels.destination_workload_namespace === ns && known(s.labels.destination_workload)) workloads.add(s.labels.destination_workload);
          if (s.labels.source_workload_namespace === ns && known(s.labels.source_workload)) workloads.add(s.labels.source_workload);
        }
        const counts: Record<Health, number> = { healthy: 0, degraded: 0, failure: 0, idle: 0 };
        const healths: Health[] = [];
        for (const w of workloads) {
          const h = healthOf(summarize(series.filter((s) => s.labels.destination_workload === w && s.labels.destination_workload_namespace === ns)));
          // A workload that only sends (a gateway) is not idle.
          const sends = series.some((s) => s.labels.source_workload === w && s.labels.source_workload_namespace === ns);
          const health = h === 'idle' && sends ? 'healthy' : h;
          counts[health]++;
          healths.push(health);
        }
        return { name: ns, health: worst(healths), workloads: counts, inbound: summarize(series.filter((s) => s.labels.destination_service_namespace === ns || s.labels.destination_workload_namespace === ns)), configCount: config.filter((e) => e.namespace === ns).length };
      });
      return { durationSeconds: duration, namespaces };
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/api/services', async (_req, reply) => {
    try {
      return { services: (await weftd.registryz()).map((s) => ({ namespace: s.namespace, name: s.hostname.split('.')[0] ?? s.hostname, hostname: s.hostname, endpoints: s.endpoints.length })) };
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/api/workloads', async (_req, reply) => {
    try {
      return { workloads: (await weftd.configz()).filter((e) => e.kind === 'WorkloadEntry').map((e) => ({ namespace: e.namespace, name: e.name, labels: ((e.resource.spec as Record<string, unknown> | undefined)?.labels ?? {}) as Record<string, string> })) };
    } catch (e) {
      return fail(reply, e);
    }
  });

  const detail = async (kind: 'service' | 'workload', ns: string, name: string, durationText: string | undefined, reply: FastifyReply) => {
    const duration = parseDuration(durationText);
    if (duration === undefined) return badRequest(reply, 'duration must be like 30s, 5m or 1h');
    try {
      const [window, points, config, registry] = await Promise.all([metrics.window(duration), metrics.range(duration, CHART_POINTS), configOrEmpty(weftd), weftd.registryz().catch(() => [])]);
      const inMatch: Match = kind === 'service' ? (l) => l.destination_service_name === name && l.destination_service_namespace === ns : (l) => l.destination_workload === name && l.destination_workload_namespace === ns;
      const outMatch: Match = kind === 'service' ? (l) => (l.source_app === name || l.source_canonical_service === name) && l.source_workload_namespace === ns : (l) => l.source_workload === name && l.source_workload_namespace === ns;
      const inbound = direction(window.series, points, inMatch, clientName);
      const outbound = direction(window.series, points, outMatch, serverName);
      const facts: { label: string; value: string }[] = [];
      let refs: ConfigRef[];
      if (kind === 'service') {
        const svc = registry.find((s) => s.namespace === ns && (s.hostname.split('.')[0] === name || s.hostname === name));
        if (svc) {
          facts.push({ label: 'Host', value: svc.hostname }, { label: 'Ports', value: svc.ports.map((p) => `${p.port}/${p.protocol} (${p.name})`).join(', ') });
          facts.push({ label: 'Endpoints', value: svc.endpoints.map((ep) => `${ep.address}:${ep.port}${ep.labels.version ? ` (${ep.labels.version})` : ''}`).join(', ') || 'none' });
        }
        refs = configForService(config, ns, name);
      } else {
        const we = config.find((e) => e.kind === 'WorkloadEntry' && e.namespace === ns && e.name === name);
        const spec = (we?.resource.spec ?? {}) as { address?: string; labels?: Record<string, string>; serviceAccount?: string };
        if (spec.address) facts.push({ label: 'Address', value: spec.address });
        if (spec.labels) facts.push({ label: 'Labels', value: Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`).join(', ') });
        if (spec.serviceAccount) facts.push({ label: 'Service account', value: spec.serviceAccount });
        refs = we ? [refOf(we)] : [];
        for (const svc of registry.filter((s) => s.namespace === ns && s.endpoints.some((ep) => ep.workload === name || (spec.address !== undefined && ep.address === spec.address)))) {
          refs.push(...configForService(config, ns, svc.hostname.split('.')[0] ?? svc.hostname));
        }
      }
      const body: DetailResponse = { kind, namespace: ns, name, durationSeconds: duration, health: healthOf(inbound.summary.rps > 0 ? inbound.summary : outbound.summary), inbound, outbound, facts, config: refs };
      return body;
    } catch (e) {
      return fail(reply, e);
    }
  };
  app.get<{ Params: { ns: string; name: string }; Querystring: { duration?: string } }>('/api/services/:ns/:name', async (req, reply) => detail('service', req.params.ns, req.params.name, req.query.duration, reply));
  app.get<{ Params: { ns: string; name: string }; Querystring: { duration?: string } }>('/api/workloads/:ns/:name', async (req, reply) => detail('workload', req.params.ns, req.params.name, req.query.duration, reply));

  app.get('/api/config', async (_req, reply) => {
    try {
      const [config, registry] = await Promise.all([weftd.configz(), weftd.registryz()]);
      const ctx = { config, registry };
      const items: ConfigItem[] = config.map((e) => {
        const findings = analyzeEntry(e, ctx);
        const origin = originOf(e);
        return { ...refOf(e), apiVersion: e.apiVersion, ...(origin ? { origin } : {}), yaml: stringify(e.resource), valid: !findings.some((f) => f.severity === 'error'), findings };
      });
      return { items };
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/api/proxies', async (_req, reply) => {
    try {
      return { proxies: (await weftd.syncz()).map(proxyStatusOf).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)) };
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get<{ Querystring: { duration?: string } }>('/api/errors', async (req, reply) => {
    const duration = parseDuration(req.query.duration);
    if (duration === undefined) return badRequest(reply, 'duration must be like 30s, 5m or 1h');
    try {
      const window = await metrics.window(duration);
      const failed = requestSeries(window.series).filter((s) => isErrorCode(s.labels.response_code) || (s.labels.response_flags !== '-' && s.labels.response_flags !== ''));
      const rows = new Map<string, { flags: string; description: string; code: string; source: string; destination: string; rps: number }>();
      const byFlag = new Map<string, number>();
      for (const s of failed) {
        const flags = s.labels.response_flags || '-';
        const row = { flags, description: describeFlags(flags), code: s.labels.response_code, source: clientName(s.labels), destination: serverName(s.labels), rps: 0 };
        const key = [row.flags, row.code, row.source, row.destination].join('\u0000');
        const acc = rows.get(key) ?? row;
        acc.rps += s.rps;
        rows.set(key, acc);
        byFlag.set(flags, (byFlag.get(flags) ?? 0) + s.rps);
      }
      const body: ErrorsResponse = {
        durationSeconds: duration,
        totalRps: failed.reduce((n, s) => n + s.rps, 0),
        byFlag: [...byFlag].map(([flags, rps]) => ({ flags, description: describeFlags(flags), rps })).sort((a, b) => b.rps - a.rps),
        rows: [...rows.values()].sort((a, b) => b.rps - a.rps),
      };
      return body;
    } catch (e) {
      return fail(reply, e);
    }
  });
}
