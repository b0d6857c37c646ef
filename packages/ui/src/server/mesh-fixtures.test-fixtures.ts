// Test data for the ui backend: Istio's request metrics as a proxy renders them, and small servers
// standing in for a proxy's stats port and for weftd's debug API (real HTTP servers on port 0).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRAFFIC_LABELS, type TrafficLabels } from './metrics/traffic-series.js';

const BOUNDS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** A full label set: defaults for a 200 from productpage-v1 to reviews-v1, overridden by `over`. */
export function labels(over: Partial<Record<(typeof TRAFFIC_LABELS)[number], string>> = {}): TrafficLabels {
  return {
    reporter: 'source',
    source_workload: 'productpage-v1',
    source_workload_namespace: 'default',
    source_app: 'productpage',
    source_version: 'v1',
    source_canonical_service: 'productpage',
    destination_workload: 'reviews-v1',
    destination_workload_namespace: 'default',
    destination_app: 'reviews',
    destination_version: 'v1',
    destination_service: 'reviews.default.svc.cluster.local',
    destination_service_name: 'reviews',
    destination_service_namespace: 'default',
    response_code: '200',
    response_flags: '-',
    connection_security_policy: 'unknown',
    ...over,
  };
}

/** One series of a stats page: its labels (over {@link labels}' defaults), request count and the latencies observed. */
export interface FixtureSeries {
  readonly labels: Partial<Record<(typeof TRAFFIC_LABELS)[number], string>>;
  readonly count: number;
  /** Latencies (ms); when shorter than `count`, the rest count as 1 ms. */
  readonly latencies?: readonly number[];
}

/** Istio's two metrics in Prometheus text, with labels the dashboard ignores added (as a proxy has them). */
export function istioText(series: readonly FixtureSeries[]): string {
  const lines: string[] = [];
  for (const s of series) {
    const l = labels(s.labels);
    const text = [...TRAFFIC_LABELS.map((k) => `${k}="${l[k].replace(/"/g, '\\"')}"`), 'request_protocol="http"', 'source_cluster="Kubernetes"'].join(',');
    lines.push(`istio_requests_total{${text}} ${s.count}`);
    const lat = [...(s.latencies ?? []), ...Array.from({ length: Math.max(0, s.count - (s.latencies?.length ?? 0)) }, () => 1)];
    for (const b of BOUNDS) lines.push(`istio_request_duration_milliseconds_bucket{${text},le="${b}"} ${lat.filter((x) => x <= b).length}`);
    lines.push(`istio_request_duration_milliseconds_bucket{${text},le="+Inf"} ${lat.length}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A server answering each path with what `routes` returns at the time of the request. */
export interface FakeServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startFakeServer(routes: Record<string, () => unknown>): Promise<FakeServer> {
  const server: Server = createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0] as string];
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = route();
    if (typeof body === 'string') res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
