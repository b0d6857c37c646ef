// The JSON shapes of weft-ui's /api/*: what the backend answers and the web app reads. Types only, so
// the browser bundle imports them without pulling server code.

/** Kiali's health colours: idle means no traffic in the window. */
export type Health = 'healthy' | 'degraded' | 'failure' | 'idle';

/** The four graph views (Kiali's names). */
export type GraphView = 'workload' | 'app' | 'versionedApp' | 'service';

/** Config-derived marks on a node. */
export type Badge = 'virtualService' | 'faultInjection' | 'circuitBreaker';

/** Request totals over a window. Latencies are undefined when no request was timed. */
export interface TrafficSummary {
  /** Requests per second. */
  readonly rps: number;
  /** Share of requests that failed (5xx, or no response), 0–100. */
  readonly errorPct: number;
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
}

export interface GraphNode {
  readonly id: string;
  readonly kind: 'workload' | 'app' | 'service' | 'unknown';
  readonly namespace: string;
  /** What the node shows, e.g. `reviews v2` or `reviews-v2`. */
  readonly label: string;
  readonly app?: string;
  readonly version?: string;
  readonly workload?: string;
  readonly service?: string;
  readonly health: Health;
  /** Traffic this node received. */
  readonly inbound: TrafficSummary;
  readonly badges: readonly Badge[];
  /** Sends but receives nothing (an entry point, e.g. the ingress gateway). */
  readonly root: boolean;
}

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly rps: number;
  readonly errorPct: number;
  readonly p99Ms?: number;
  /** The destination service the requests were for (its short name). */
  readonly service: string;
  /** Share of the source's requests to `service` that took this edge, 0–100 (a traffic split). */
  readonly sharePct: number;
  /** Every request the destination reported arrived over mutual TLS. */
  readonly mtls: boolean;
  readonly responseCodes: Readonly<Record<string, number>>;
}

export interface GraphResponse {
  readonly view: GraphView;
  readonly namespace?: string;
  readonly durationSeconds: number;
  /** The time the rates were computed over (shorter than asked right after start). */
  readonly windowSeconds: number;
  readonly source: MetricsSourceInfo;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface MetricsSourceInfo {
  readonly kind: 'prometheus' | 'scrape';
  /** Prometheus' URL, or the scraped stats URLs. */
  readonly targets: readonly string[];
  /** The last failure per target, if any. */
  readonly errors: readonly string[];
}

export interface NamespaceHealth {
  readonly name: string;
  readonly health: Health;
  readonly workloads: Readonly<Record<Health, number>>;
  readonly inbound: TrafficSummary;
  readonly configCount: number;
}

export interface NamespacesResponse {
  readonly durationSeconds: number;
  readonly namespaces: readonly NamespaceHealth[];
}

/** One point of a chart: the window ending at `t` (ms since the epoch). */
export interface TrafficPoint {
  readonly t: number;
  readonly rps: number;
  readonly errorPct: number;
  readonly p99Ms?: number;
}

export interface TrafficDirection {
  readonly summary: TrafficSummary;
  readonly points: readonly TrafficPoint[];
  /** Who it came from (inbound) or went to (outbound), busiest first. */
  readonly peers: readonly { readonly name: string; readonly rps: number; readonly errorPct: number }[];
}

export interface DetailResponse {
  readonly kind: 'service' | 'workload';
  readonly namespace: string;
  readonly name: string;
  readonly durationSeconds: number;
  readonly health: Health;
  readonly inbound: TrafficDirection;
  readonly outbound: TrafficDirection;
  /** Registry facts: hosts, ports, endpoints (service) or labels, address (workload). */
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  /** Istio config that names it. */
  readonly config: readonly ConfigRef[];
}

export interface ConfigRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface ConfigFinding {
  readonly severity: 'error' | 'warning' | 'info';
  /** WEFT_ERR_* of a validation, IST0xxx of an analysis. */
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

export interface ConfigItem extends ConfigRef {
  readonly apiVersion: string;
  /** `file:line` it came from, when weftd knows. */
  readonly origin?: string;
  readonly yaml: string;
  readonly valid: boolean;
  readonly findings: readonly ConfigFinding[];
}

export interface ConfigResponse {
  readonly items: readonly ConfigItem[];
}

/** istioctl proxy-status' words per xDS type. */
export type SyncState = 'SYNCED' | 'NOT SENT' | 'STALE' | 'NACKED';

export interface ProxyStatus {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly namespace: string;
  readonly connectedAt: string;
  readonly sync: Readonly<Record<'CDS' | 'LDS' | 'EDS' | 'RDS', SyncState>>;
  readonly lastError?: string;
}

export interface ProxiesResponse {
  readonly proxies: readonly ProxyStatus[];
}

export interface ErrorRow {
  /** Envoy's response flags (`UH`, `NR`, ...), `-` when none. */
  readonly flags: string;
  readonly description: string;
  readonly code: string;
  readonly source: string;
  readonly destination: string;
  readonly rps: number;
}

export interface ErrorsResponse {
  readonly durationSeconds: number;
  readonly totalRps: number;
  readonly byFlag: readonly { readonly flags: string; readonly description: string; readonly rps: number }[];
  readonly rows: readonly ErrorRow[];
}

export interface StatusResponse {
  readonly version: string;
  readonly weftd?: string;
  readonly weftdReachable: boolean;
  readonly metrics: MetricsSourceInfo;
}
