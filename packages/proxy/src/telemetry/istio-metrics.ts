// Istio's standard HTTP metrics, counted per request in the proxy and rendered in Prometheus' text
// format the way Envoy's stats sink prints them: `istio_requests_total` (counter) and
// `istio_request_duration_milliseconds`, `istio_request_bytes`, `istio_response_bytes` (histograms
// with Envoy's default buckets), each with Istio's full label set. The reporter is `source` for the
// outbound side (and gateways) and `destination` for the inbound side; the other side's workload comes
// from the peer metadata exchanged in headers (workload-info.ts), else from the cluster name, else
// `unknown`.
//
// TCP connections of tcp_proxy count in `istio_tcp_connections_opened_total` / `_closed_total` and
// `istio_tcp_sent_bytes_total` / `_received_bytes_total`, with the same labels less the response code.
//
// Cost per request: one Map lookup by peer, one by a short key string, and a few additions; label
// text is built once per series.

import type { RequestOutcome } from '../outbound/request-outcome.js';
import type { TcpOpened, TcpOutcome } from '../tcp/tcp-outcome.js';
import { UNKNOWN_WORKLOAD, type WorkloadInfo } from './workload-info.js';
import type { MetricOverrides } from './stats-overrides.js';

/** Envoy's default histogram buckets, which Istio's metrics keep (milliseconds and bytes alike). */
export const ISTIO_HISTOGRAM_BUCKETS: readonly number[] = Object.freeze([0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]);

const BUCKET_COUNT = ISTIO_HISTOGRAM_BUCKETS.length;

/** Istio's label names in the order Istio's stats filter emits them. */
export const ISTIO_REQUEST_LABELS: readonly string[] = Object.freeze([
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
]);

/** Istio's TCP metric labels: the request labels less response_code and grpc_response_status
 *  (request_protocol is `tcp`). */
export const ISTIO_TCP_LABELS: readonly string[] = Object.freeze(ISTIO_REQUEST_LABELS.filter((l) => l !== 'response_code' && l !== 'grpc_response_status'));

/** One TCP label combination: connections opened and closed, bytes each way. */
class TcpSeries {
  opened = 0;
  closed = 0;
  /** Bytes sent to the downstream (istio_tcp_sent_bytes_total: the response direction). */
  sent = 0;
  /** Bytes received from the downstream (istio_tcp_received_bytes_total: the request direction). */
  received = 0;
  constructor(readonly labels: string) {}
}

class Histogram {
  /** Observations per bucket (not cumulative), the last slot for those above every bound. */
  readonly counts = new Float64Array(BUCKET_COUNT + 1);
  sum = 0;

  observe(value: number): void {
    let i = 0;
    while (i < BUCKET_COUNT && value > (ISTIO_HISTOGRAM_BUCKETS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
  }
}

/** One label combination. */
class Series {
  requests = 0;
  readonly duration = new Histogram();
  readonly requestBytes = new Histogram();
  readonly responseBytes = new Histogram();
  /** Label text per metric (HTTP_METRIC_NAMES order) of a listener with an istio.stats filter;
   *  undefined for a dropped metric. Absent: `labels` for every metric. */
  perMetric: readonly (string | undefined)[] | undefined = undefined;
  constructor(readonly labels: string) {}
}

/** The service a cluster stands for: `outbound|9080|v1|reviews.default.svc.cluster.local` → its host. */
interface ClusterService {
  /** Istio's destination_service; undefined when the cluster names none (inbound, passthrough). */
  readonly host: string | undefined;
  readonly name: string;
  readonly namespace: string | undefined;
}

/** Name and namespace of a Kubernetes-style service host (`<name>.<ns>.svc.<domain>`); otherwise the
 *  host itself and no namespace, as Istio names a ServiceEntry's service by its host. */
function serviceNameOf(host: string): { name: string; namespace: string | undefined } {
  const first = host.indexOf('.');
  if (first > 0) {
    const second = host.indexOf('.', first + 1);
    if (second > first + 1 && host.startsWith('.svc.', second)) return { name: host.slice(0, first), namespace: host.slice(first + 1, second) };
  }
  return { name: host, namespace: undefined };
}

function parseClusterService(cluster: string): ClusterService {
  if (cluster.startsWith('outbound|')) {
    const host = cluster.slice(cluster.lastIndexOf('|') + 1);
    if (host !== '') return { host, ...serviceNameOf(host) };
  }
  return { host: undefined, name: cluster, namespace: undefined };
}

/** The host part of an authority (`reviews:9080` → `reviews`, `[::1]:80` → `::1`). */
function authorityHost(authority: string): string {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close > 0 ? authority.slice(1, close) : authority;
  }
  const colon = authority.indexOf(':');
  return colon < 0 ? authority : authority.slice(0, colon);
}

const escapeLabel = (value: string): string => (/[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value);

/** Counts requests under Istio's metric names and renders them. */
export class IstioMetrics {
  /** Series by peer (object identity: peers are decoded once, see workload-info.ts), then cluster,
   *  then authority (only where it names the destination service), then the response: its status
   *  alone in the common case (no flags, not gRPC), else a string of the four response labels. */
  readonly #series = new Map<WorkloadInfo, Map<string, Map<string, Map<number | string, Series>>>>();
  readonly #all: Series[] = [];
  /** Series by label text: two keys with the same labels (one peer reached through a cluster and
   *  through a subset cluster of the same service) share one series, so no two lines repeat labels
   *  (Prometheus keeps only the first of such lines). */
  readonly #byLabels = new Map<string, Series>();
  readonly #tcpByLabels = new Map<string, TcpSeries>();
  readonly #clusters = new Map<string, ClusterService>();
  /** TCP series by direction, cluster, client principal and response flags. */
  readonly #tcp = new Map<string, TcpSeries>();
  readonly #tcpAll: TcpSeries[] = [];
  /** Series of listeners with metric overrides, by their overrides (see stats-overrides.ts). */
  readonly #overridden = new Map<MetricOverrides, Map<WorkloadInfo, Map<string, Map<string, Map<number | string, Series>>>>>();

  /** `self`: this proxy's workload. */
  constructor(private readonly self: WorkloadInfo) {}

  /** The number of label combinations seen. */
  get seriesCount(): number {
    return this.#all.length;
  }

  /** Counts one finished request; `overrides`: those of its listener's istio.stats filter. */
  recordRequest(o: RequestOutcome, overrides?: MetricOverrides): void {
    const root = overrides === undefined ? this.#series : this.#overriddenRoot(overrides);
    const peer = o.peer ?? UNKNOWN_WORKLOAD;
    let byCluster = root.get(peer);
    if (byCluster === undefined) root.set(peer, (byCluster = new Map()));
    const cluster = o.cluster ?? '';
    let byAuthority = byCluster.get(cluster);
    if (byAuthority === undefined) byCluster.set(cluster, (byAuthority = new Map()));
    // The authority names the destination service only where the cluster does not; an inbound
    // request's client principal (mutual TLS) is a label too.
    const named = this.#clusterService(cluster).host === undefined ? o.authority : '';
    const authority = o.peerPrincipal === undefined ? named : `${named}\u0000${o.peerPrincipal}`;
    let byResponse = byAuthority.get(authority);
    if (byResponse === undefined) byAuthority.set(authority, (byResponse = new Map()));
    const key = o.responseFlags === '-' && o.protocol === 'http' ? o.status : `${o.status}\u0000${o.responseFlags}\u0000${o.grpcStatus}\u0000${o.protocol}`;
    let series = byResponse.get(key);
    if (series === undefined) {
      const values = this.#labelValues(o, peer, cluster);
      const text = ISTIO_REQUEST_LABELS.map((name, i) => `${name}="${escapeLabel(values[i] as string)}"`).join(',');
      const shared = overrides === undefined ? this.#byLabels.get(text) : undefined;
      if (shared !== undefined) series = shared;
      else {
        series = new Series(text);
        if (overrides !== undefined) series.perMetric = overrides.labels(ISTIO_REQUEST_LABELS, values);
        else this.#byLabels.set(text, series);
        this.#all.push(series);
      }
      byResponse.set(key, series);
    }
    series.requests++;
    series.duration.observe(o.durationMs);
    series.requestBytes.observe(o.requestBytes);
    series.responseBytes.observe(o.responseBytes);
  }

  /** Counts a proxied TCP connection whose upstream connected (istio_tcp_connections_opened_total). */
  recordTcpOpened(c: TcpOpened): void {
    this.#tcpSeries(c.direction, c.cluster, c.peerPrincipal, '-').opened++;
  }

  /**
   * Counts a proxied TCP connection that ended (istio_tcp_connections_closed_total) and its bytes each
   * way (istio_tcp_received_bytes_total from the client, istio_tcp_sent_bytes_total to it). Bytes are
   * counted when the connection closes; Istio's proxy also reports them every 15 s while it is open.
   * A connection that never reached its upstream (UF, UH, UO, NC) is counted closed, with its flags,
   * and never opened.
   */
  recordTcpClosed(o: TcpOutcome): void {
    const series = this.#tcpSeries(o.direction ?? 'outbound', o.cluster, o.peerPrincipal, o.responseFlags);
    series.closed++;
    series.sent += o.bytesSent;
    series.received += o.bytesReceived;
  }

  #tcpSeries(direction: 'inbound' | 'outbound', cluster: string, principal: string | undefined, flags: string): TcpSeries {
    const key = `${direction}\u0000${cluster}\u0000${principal ?? ''}\u0000${flags}`;
    let series = this.#tcp.get(key);
    if (series === undefined) {
      const text = this.#tcpLabels(direction, cluster, principal, flags);
      series = this.#tcpByLabels.get(text);
      if (series === undefined) {
        series = new TcpSeries(text);
        this.#tcpByLabels.set(text, series);
        this.#tcpAll.push(series);
      }
      this.#tcp.set(key, series);
    }
    return series;
  }

  /** TCP labels: no metadata exchange, so the other side is `unknown` but for what the cluster names
   *  (the destination service of an outbound connection) and what mutual TLS proves (the client of an
   *  inbound one). */
  #tcpLabels(direction: 'inbound' | 'outbound', cluster: string, principal: string | undefined, flags: string): string {
    const outbound = direction === 'outbound';
    const service = this.#clusterService(cluster);
    const source = outbound ? this.self : UNKNOWN_WORKLOAD;
    let destination = outbound ? UNKNOWN_WORKLOAD : this.self;
    if (outbound && service.namespace !== undefined) destination = { ...UNKNOWN_WORKLOAD, namespace: service.namespace, canonicalService: service.name };
    // An inbound cluster (`inbound|3306||`) names no service (weftd's inbound clusters carry no service metadata yet).
    const serviceName = service.host !== undefined ? service.name : outbound && cluster !== '' ? cluster : 'unknown';
    const values: Record<string, string> = {
      reporter: outbound ? 'source' : 'destination',
      source_workload: source.workload,
      source_canonical_service: source.canonicalService,
      source_canonical_revision: source.canonicalRevision,
      source_workload_namespace: source.namespace,
      source_principal: outbound ? 'unknown' : (principal ?? 'unknown'),
      source_app: source.app,
      source_version: source.version,
      source_cluster: source.cluster,
      destination_workload: destination.workload,
      destination_workload_namespace: destination.namespace,
      destination_principal: 'unknown',
      destination_app: destination.app,
      destination_version: destination.version,
      destination_service: service.host ?? 'unknown',
      destination_canonical_service: destination.canonicalService,
      destination_canonical_revision: destination.canonicalRevision,
      destination_service_name: serviceName,
      destination_service_namespace: service.namespace ?? destination.namespace,
      destination_cluster: destination.cluster,
      request_protocol: 'tcp',
      response_flags: flags,
      connection_security_policy: outbound ? 'unknown' : principal !== undefined ? 'mutual_tls' : 'none',
    };
    return ISTIO_TCP_LABELS.map((name) => `${name}="${escapeLabel(values[name] ?? 'unknown')}"`).join(',');
  }

  #clusterService(cluster: string): ClusterService {
    let s = this.#clusters.get(cluster);
    if (s === undefined) this.#clusters.set(cluster, (s = parseClusterService(cluster)));
    return s;
  }

  #overriddenRoot(overrides: MetricOverrides): Map<WorkloadInfo, Map<string, Map<string, Map<number | string, Series>>>> {
    let root = this.#overridden.get(overrides);
    if (root === undefined) this.#overridden.set(overrides, (root = new Map()));
    return root;
  }

  /** The label values of a new series, in ISTIO_REQUEST_LABELS order. */
  #labelValues(o: RequestOutcome, peer: WorkloadInfo, cluster: string): string[] {
    const outbound = o.direction === 'outbound';
    const source = outbound ? this.self : peer;
    let destination = outbound ? peer : this.self;
    const service = this.#clusterService(cluster);
    // Istio's destination_service: the cluster's service, else the request's host.
    const host = service.host ?? authorityHost(o.authority);
    const named = service.host !== undefined ? service : { ...serviceNameOf(host), host };
    if (outbound && peer === UNKNOWN_WORKLOAD && named.namespace !== undefined) {
      // No peer metadata (the upstream has no proxy): what the service's name tells.
      destination = { ...UNKNOWN_WORKLOAD, namespace: named.namespace, canonicalService: named.name };
    }
    const serviceName = service.host !== undefined || !outbound ? named.name : cluster === '' ? 'unknown' : cluster;
    const values = [
      outbound ? 'source' : 'destination',
      source.workload,
      source.canonicalService,
      source.canonicalRevision,
      source.namespace,
      outbound ? 'unknown' : (o.peerPrincipal ?? 'unknown'),
      source.app,
      source.version,
      source.cluster,
      destination.workload,
      destination.namespace,
      'unknown',
      destination.app,
      destination.version,
      host === '' ? 'unknown' : host,
      destination.canonicalService,
      destination.canonicalRevision,
      serviceName,
      named.namespace ?? destination.namespace,
      destination.cluster,
      o.protocol,
      String(o.status),
      o.grpcStatus,
      o.responseFlags,
      // Istio reports the connection's security on the server side only.
      outbound ? 'unknown' : o.peerPrincipal !== undefined ? 'mutual_tls' : 'none',
    ];
    return values;
  }

  /** Prometheus text format, as Envoy's /stats/prometheus prints these metrics. */
  render(): string {
    const all = this.#all;
    let out = '';
    if (all.some((s) => s.perMetric !== undefined)) out += renderOverridden(all);
    else if (all.length > 0) {
      out += '# TYPE istio_requests_total counter\n';
      for (const s of all) out += `istio_requests_total{${s.labels}} ${s.requests}\n`;
      out += renderHistogram('istio_request_duration_milliseconds', all, (s) => s.duration);
      out += renderHistogram('istio_request_bytes', all, (s) => s.requestBytes);
      out += renderHistogram('istio_response_bytes', all, (s) => s.responseBytes);
    }
    out += renderTcp(this.#tcpAll);
    return out;
  }
}

/** The TCP counters, as Istio's stats filter creates them: a series appears once it saw its event. */
function renderTcp(all: readonly TcpSeries[]): string {
  if (all.length === 0) return '';
  const counter = (name: string, pick: (s: TcpSeries) => number, shown: (s: TcpSeries) => boolean): string => {
    const lines = all.filter(shown).map((s) => `${name}{${s.labels}} ${pick(s)}\n`);
    return lines.length === 0 ? '' : `# TYPE ${name} counter\n${lines.join('')}`;
  };
  const closed = (s: TcpSeries): boolean => s.closed > 0;
  return (
    counter('istio_tcp_connections_opened_total', (s) => s.opened, (s) => s.opened > 0) +
    counter('istio_tcp_connections_closed_total', (s) => s.closed, closed) +
    counter('istio_tcp_received_bytes_total', (s) => s.received, closed) +
    counter('istio_tcp_sent_bytes_total', (s) => s.sent, closed)
  );
}

/**
 * The HTTP metrics when some listener overrides them: per metric, each series under its own label
 * text for that metric (none when dropped), series whose text became equal (a removed tag) summed into
 * one line, as the stats plugin aggregates them.
 */
function renderOverridden(all: readonly Series[]): string {
  const textOf = (s: Series, metric: number): string | undefined => (s.perMetric === undefined ? s.labels : s.perMetric[metric]);
  const grouped = (metric: number): Map<string, Series[]> => {
    const groups = new Map<string, Series[]>();
    for (const s of all) {
      const text = textOf(s, metric);
      if (text === undefined) continue;
      const g = groups.get(text);
      if (g) g.push(s);
      else groups.set(text, [s]);
    }
    return groups;
  };
  let out = '';
  const requests = grouped(0);
  if (requests.size > 0) {
    out += '# TYPE istio_requests_total counter\n';
    for (const [text, g] of requests) out += `istio_requests_total{${text}} ${g.reduce((n, s) => n + s.requests, 0)}\n`;
  }
  const histograms: [string, (s: Series) => Histogram][] = [
    ['istio_request_duration_milliseconds', (s) => s.duration],
    ['istio_request_bytes', (s) => s.requestBytes],
    ['istio_response_bytes', (s) => s.responseBytes],
  ];
  histograms.forEach(([name, pick], i) => {
    const groups = grouped(i + 1);
    if (groups.size === 0) return;
    const merged: Series[] = [];
    for (const [text, g] of groups) {
      // One Series per line: the group's histograms summed under the metric's label text.
      const sum = new Series(text);
      const h = pick(sum);
      for (const s of g) {
        const from = pick(s);
        for (let b = 0; b <= BUCKET_COUNT; b++) h.counts[b] = (h.counts[b] as number) + (from.counts[b] as number);
        h.sum += from.sum;
      }
      merged.push(sum);
    }
    out += renderHistogram(name, merged, pick);
  });
  return out;
}

function renderHistogram(name: string, all: readonly Series[], pick: (s: Series) => Histogram): string {
  let out = `# TYPE ${name} histogram\n`;
  for (const s of all) {
    const h = pick(s);
    let cumulative = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      cumulative += h.counts[i] as number;
      out += `${name}_bucket{${s.labels},le="${ISTIO_HISTOGRAM_BUCKETS[i]}"} ${cumulative}\n`;
    }
    cumulative += h.counts[BUCKET_COUNT] as number;
    out += `${name}_bucket{${s.labels},le="+Inf"} ${cumulative}\n${name}_sum{${s.labels}} ${h.sum}\n${name}_count{${s.labels}} ${cumulative}\n`;
  }
  return out;
}
