// The traffic graph, a pure function of the window's series and the config: nodes by view (Kiali's
// workload / app / versionedApp / service), edges with rate, error %, p99, traffic share and mTLS.
// Requests are counted where the client's proxy reported them (reporter=source: it sees every
// outcome, failures that never reached the server included), plus what servers saw from clients
// without a proxy; mTLS comes from the server side, the only one that knows.

import type { Badge, GraphEdge, GraphNode, GraphResponse, GraphView, Health, TrafficSummary } from '../../api-types.js';
import type { ConfigzEntry } from '../mesh/weftd-client.js';
import { addLatency, isErrorCode, quantile, summarize, type TrafficLabels, type TrafficSeries } from '../metrics/traffic-series.js';
import { badgesOf } from './config-badges.js';

const known = (v: string): boolean => v !== '' && v !== 'unknown';

/** The series that count requests once: client-reported, plus server-reported from unknown clients. */
export function requestSeries(series: readonly TrafficSeries[]): TrafficSeries[] {
  return series.filter((s) => s.labels.reporter === 'source' || (s.labels.reporter === 'destination' && !known(s.labels.source_workload)));
}

/** Kiali's default health thresholds on the error percentage. */
export function healthOf(summary: Pick<TrafficSummary, 'rps' | 'errorPct'>): Health {
  if (!(summary.rps > 0)) return 'idle';
  if (summary.errorPct >= 20) return 'failure';
  if (summary.errorPct >= 0.1) return 'degraded';
  return 'healthy';
}

type NodeSpec = Omit<GraphNode, 'health' | 'inbound' | 'badges' | 'root'>;

function serviceNode(ns: string, name: string): NodeSpec {
  return { id: `svc:${ns}:${name}`, kind: 'service', namespace: ns, label: name, service: name };
}

/** The node a side of a series falls on in `view`. */
export function nodeOf(side: 'source' | 'destination', l: TrafficLabels, view: GraphView): NodeSpec {
  const src = side === 'source';
  const workload = src ? l.source_workload : l.destination_workload;
  const ns = (src ? l.source_workload_namespace : l.destination_workload_namespace) || (src ? '' : l.destination_service_namespace);
  const app = src ? l.source_app || l.source_canonical_service : l.destination_app;
  const version = src ? l.source_version : l.destination_version;
  const svcName = l.destination_service_name || l.destination_service;
  const svcNs = l.destination_service_namespace || ns;
  if (view === 'service') {
    if (!src) return serviceNode(svcNs, svcName);
    if (!known(workload)) return { id: 'unknown', kind: 'unknown', namespace: '', label: 'unknown' };
    return serviceNode(ns, known(app) ? app : workload);
  }
  if (!known(workload)) {
    // A server without a proxy is known by its service only; a client without one not at all.
    return src ? { id: 'unknown', kind: 'unknown', namespace: '', label: 'unknown' } : serviceNode(svcNs, svcName);
  }
  const appName = known(app) ? app : workload;
  const common = { namespace: ns, workload, app: appName, ...(known(version) ? { version } : {}) };
  if (view === 'workload') return { id: `wl:${ns}:${workload}`, kind: 'workload', label: workload, ...common };
  if (view === 'app') return { id: `app:${ns}:${appName}`, kind: 'app', namespace: ns, label: appName, app: appName };
  return { id: `vapp:${ns}:${appName}:${known(version) ? version : ''}`, kind: 'app', label: known(version) ? `${appName} ${version}` : appName, ...common };
}

interface EdgeAcc {
  source: string;
  target: string;
  service: string;
  rps: number;
  errors: number;
  latency: Map<number, number>;
  codes: Record<string, number>;
  /** Server-reported requests, and how many of them arrived over mutual TLS. */
  serverRps: number;
  mtlsRps: number;
}

/** Options of {@link buildGraph}. */
export interface GraphInput {
  readonly series: readonly TrafficSeries[];
  readonly view: GraphView;
  /** Only traffic from or to this namespace. */
  readonly namespace?: string;
  readonly config: readonly ConfigzEntry[];
}

/** Nodes and edges (without the response envelope). */
export function buildGraph(input: GraphInput): Pick<GraphResponse, 'nodes' | 'edges'> {
  const inNamespace = (l: TrafficLabels): boolean =>
    input.namespace === undefined || [l.source_workload_namespace, l.destination_workload_namespace, l.destination_service_namespace].includes(input.namespace);
  const specs = new Map<string, NodeSpec>();
  const edges = new Map<string, EdgeAcc>();
  const inbound = new Map<string, TrafficSeries[]>();
  const outbound = new Map<string, TrafficSeries[]>();
  const services = new Map<string, Set<string>>();
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V): void => {
    const a = m.get(k);
    if (a) a.push(v);
    else m.set(k, [v]);
  };
  const edgeOf = (s: TrafficSeries): EdgeAcc => {
    const from = nodeOf('source', s.labels, input.view);
    const to = nodeOf('destination', s.labels, input.view);
    specs.set(from.id, specs.get(from.id) ?? from);
    specs.set(to.id, specs.get(to.id) ?? to);
    const key = `${from.id}->${to.id}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { source: from.id, target: to.id, service: s.labels.destination_service_name, rps: 0, errors: 0, latency: new Map(), codes: {}, serverRps: 0, mtlsRps: 0 }));
    return e;
  };

  for (const s of requestSeries(input.series)) {
    if (!inNamespace(s.labels) || !(s.rps > 0)) continue;
    const e = edgeOf(s);
    e.rps += s.rps;
    if (isErrorCode(s.labels.response_code)) e.errors += s.rps;
    addLatency(e.latency, s.latency);
    e.codes[s.labels.response_code] = (e.codes[s.labels.response_code] ?? 0) + s.rps;
    push(outbound, e.source, s);
    push(inbound, e.target, s);
    const svcKey = `${s.labels.destination_service_namespace}/${s.labels.destination_service_name}`;
    let set = services.get(e.target);
    if (!set) services.set(e.target, (set = new Set()));
    set.add(svcKey);
  }
  for (const s of input.series) {
    if (s.labels.reporter !== 'destination' || !inNamespace(s.labels) || !(s.rps > 0)) continue;
    const e = edges.get(`${nodeOf('source', s.labels, input.view).id}->${nodeOf('destination', s.labels, input.view).id}`);
    if (!e) continue;
    e.serverRps += s.rps;
    if (s.labels.connection_security_policy === 'mutual_tls') e.mtlsRps += s.rps;
  }

  const perSourceService = new Map<string, number>();
  for (const e of edges.values()) perSourceService.set(`${e.source}\u0000${e.service}`, (perSourceService.get(`${e.source}\u0000${e.service}`) ?? 0) + e.rps);

  const nodes: GraphNode[] = [...specs.values()].map((spec) => {
    const inSummary = summarize(inbound.get(spec.id) ?? []);
    const outSummary = summarize(outbound.get(spec.id) ?? []);
    const badges = new Set<Badge>();
    for (const key of services.get(spec.id) ?? []) {
      const [ns = '', name = ''] = key.split('/');
      for (const b of badgesOf(input.config, name, ns)) badges.add(b);
    }
    const worst = inSummary.rps > 0 ? inSummary : outSummary;
    return {
      ...spec,
      health: healthOf(worst),
      inbound: inSummary,
      badges: (['virtualService', 'faultInjection', 'circuitBreaker'] as const).filter((b) => badges.has(b)),
      root: !inbound.has(spec.id),
    };
  });
  nodes.sort((a, b) => a.id.localeCompare(b.id));

  const edgeList: GraphEdge[] = [...edges.values()].map((e) => {
    const total = perSourceService.get(`${e.source}\u0000${e.service}`) ?? e.rps;
    const p99 = quantile(0.99, e.latency);
    return {
      id: `${e.source}->${e.target}`,
      source: e.source,
      target: e.target,
      rps: e.rps,
      errorPct: e.rps > 0 ? (100 * e.errors) / e.rps : 0,
      ...(p99 !== undefined ? { p99Ms: p99 } : {}),
      service: e.service,
      sharePct: total > 0 ? (100 * e.rps) / total : 0,
      mtls: e.serverRps > 0 && e.mtlsRps >= e.serverRps * 0.999,
      responseCodes: e.codes,
    };
  });
  edgeList.sort((a, b) => a.id.localeCompare(b.id));
  return { nodes, edges: edgeList };
}
