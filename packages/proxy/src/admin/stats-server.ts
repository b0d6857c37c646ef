// The stats port (:15090 in Istio): GET /stats/prometheus, the scrape target of the proxy's metrics
// (Istio's and Envoy's, the same text as the admin API's /stats/prometheus), on an address Prometheus
// can reach, while the admin API stays on 127.0.0.1.

import { prometheusStats, type AdminContext } from './admin-server.js';
import { listenHttp, send, type HttpServerHandle } from './http-listen.js';

/** Starts the stats server. */
export async function startStatsServer(ctx: Pick<AdminContext, 'xdsStats' | 'snapshot' | 'state' | 'clusterRuntime' | 'istioMetrics'>, host: string, port: number): Promise<HttpServerHandle> {
  return listenHttp(host, port, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://stats').pathname;
    req.resume();
    if (path !== '/stats/prometheus' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      send(res, { status: 404, body: 'not found\n' });
      return;
    }
    send(res, prometheusStats(ctx));
  });
}
