// The stats port (:15090 in Istio): GET /stats/prometheus, the scrape target of the proxy's metrics
// (Istio's and Envoy's, the same text as the admin API's /stats/prometheus), on an address Prometheus
// can reach, while the admin API stays on 127.0.0.1. The same server, given the app's metrics
// endpoint, is Istio's merged metrics port (:15020): the proxy's metrics followed by the app's own.

import { prometheusStats, type AdminContext } from './admin-server.js';
import { listenHttp, send, type HttpServerHandle } from './http-listen.js';

/** Starts the stats server; `appMetrics` (merged port) fetches the app's text, undefined when it failed. */
export async function startStatsServer(
  ctx: Pick<AdminContext, 'xdsStats' | 'snapshot' | 'state' | 'clusterRuntime' | 'istioMetrics'>,
  host: string,
  port: number,
  appMetrics?: () => Promise<string | undefined>,
): Promise<HttpServerHandle> {
  return listenHttp(host, port, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://stats').pathname;
    req.resume();
    if (path !== '/stats/prometheus' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      send(res, { status: 404, body: 'not found\n' });
      return;
    }
    const own = prometheusStats(ctx);
    if (!appMetrics) return send(res, own);
    // An app that does not answer leaves the proxy's metrics scrapeable, as Istio's agent does.
    void appMetrics().then((app) => send(res, { ...own, body: app === undefined || app === '' ? own.body : `${own.body}${app.endsWith('\n') ? app : `${app}\n`}` }));
  });
}

/** The app's metrics URL from --app-metrics: a URL as given, or Istio's prometheus annotations JSON
 *  (`scrape` "true", `port`, `path` default /metrics) on `appAddress`; undefined when none or off. */
export function appMetricsUrl(setting: string, appAddress: string): string | undefined {
  const raw = setting.trim();
  if (raw === '') return undefined;
  if (!raw.startsWith('{')) return raw;
  let annotations: { scrape?: unknown; port?: unknown; path?: unknown };
  try {
    annotations = JSON.parse(raw) as typeof annotations;
  } catch {
    return undefined;
  }
  if (String(annotations.scrape) !== 'true' || annotations.port === undefined) return undefined;
  const path = typeof annotations.path === 'string' && annotations.path !== '' ? annotations.path : '/metrics';
  const host = appAddress.includes(':') ? `[${appAddress}]` : appAddress;
  return `http://${host}:${String(annotations.port)}${path.startsWith('/') ? path : `/${path}`}`;
}

/** Fetches `url` (5 s deadline): the body of a 200, else undefined. */
export async function fetchAppMetrics(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    return res.status === 200 ? text : undefined;
  } catch {
    return undefined;
  }
}
