// Istio's standard HTTP metrics, counted per request in the proxy and rendered in Prometheus' text
// format the way Envoy's stats sink prints them: `istio_requests_total` (counter) and
// `istio_request_duration_milliseconds`, `istio_request_bytes`, `istio_response_bytes` (histograms
// with Envoy's default buckets), each with Istio's full label set. The reporter is `source` for the
// outbound side (and gateways) and `destination` for the inbound side; the other side's workload comes
// from the peer metadata exchanged in headers (workload-info.ts), else from the cluster name, else
// `unknown`.
//
// Cost per request: one Map lookup by peer, one by a short key string, and a few additions; label
// text is built once per series.

import type { RequestOutcome } from '../outbound/request-outcome.js';
import { UNKNOWN_WORKLOAD, type WorkloadInfo } from './workload-info.js';

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
  readonly #clusters = new Map<string, ClusterService>();

  /** `self`: this proxy's workload. */
  constructor(private readonly self: WorkloadInfo) {}

  /** The number of label combinations seen. */
  get seriesCount(): number {
    return this.#all.length;
  }

  /** Counts one finished request. */
  recordRequest(o: RequestOutcome): void {
    const peer = o.peer ?? UNKNOWN_WORKLOAD;
    let byCluster = this.#series.get(peer);
    if (byCluster === undefined) this.#series.set(peer, (byCluster = new Map()));
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
      series = new Series(this.#labels(o, peer, cluster));
      byResponse.set(key, series);
      this.#all.push(series);
    }
    series.requests++;
    series.duration.observe(o.durationMs);
    series.requestBytes.observe(o.requestBytes);
    series.responseBytes.observe(o.responseBytes);
  }

  #clusterService(cluster: string): ClusterService {
    let s = this.#clusters.get(cluster);
    if (s === undefined) this.#clusters.set(cluster, (s = parseClusterService(cluster)));
    return s;
  }

  /** The label text of a new series (without braces). */
  #labels(o: RequestOutcome, peer: WorkloadInfo, cluster: string): string {
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
    return ISTIO_REQUEST_LABELS.map((name, i) => `${name}="${escapeLabel(values[i] as string)}"`).join(',');
  }

  /** Prometheus text format, as Envoy's /stats/prometheus prints these metrics. */
  render(): string {
    const all = this.#all;
    if (all.length === 0) return '';
    let out = '# TYPE istio_requests_total counter\n';
    for (const s of all) out += `istio_requests_total{${s.labels}} ${s.requests}\n`;
    out += renderHistogram('istio_request_duration_milliseconds', all, (s) => s.duration);
    out += renderHistogram('istio_request_bytes', all, (s) => s.requestBytes);
    out += renderHistogram('istio_response_bytes', all, (s) => s.responseBytes);
    return out;
  }
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
