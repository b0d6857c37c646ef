// The health port (:15021 in Istio): GET /healthz/ready answers 200 once the proxy is ready and 503
// with the reason until then (and again while draining), for kubelet probes and load balancers.

import { listenHttp, send, type HttpServerHandle } from './http-listen.js';

/** Starts the health server; `notReadyReason` returns undefined when ready. */
export async function startHealthServer(notReadyReason: () => string | undefined, host: string, port: number): Promise<HttpServerHandle> {
  return listenHttp(host, port, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://health').pathname;
    req.resume();
    if (path !== '/healthz/ready') {
      send(res, { status: 404, body: 'not found\n' });
      return;
    }
    const reason = notReadyReason();
    send(res, reason === undefined ? { status: 200, body: '' } : { status: 503, body: `${reason}\n` });
  });
}
