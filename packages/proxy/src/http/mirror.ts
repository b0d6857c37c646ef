// Request mirroring (route request_mirror_policies, Istio's mirror / mirrors): a shadow copy of the
// request goes to the mirror cluster, fire and forget. Its answer is read and dropped, its failures are
// ignored, and the original request never waits for it, as with Envoy's shadow writer.

import type { Duplex } from 'node:stream';
import type { CompiledCluster } from '../compile/compile-cluster.js';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { UpstreamConnectors, UpstreamRequestHead, UpstreamResponseHandler } from './upstream-exchange.js';

/** Envoy's shadow authority: `-shadow` appended to the host, before any port (`reviews:9080` →
 *  `reviews-shadow:9080`). */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon > 0 && !authority.endsWith(']') && authority.indexOf(':') === colon) return `${authority.slice(0, colon)}-shadow${authority.slice(colon)}`;
  return `${authority}-shadow`;
}

/**
 * Sends a shadow copy of `head` (its body must be 'none' or 'full') to `cluster` over `protocol`. `timeoutMs` (the
 * route timeout; 0 for none) bounds it. A copy refused by the cluster's circuit breaker, or with no
 * endpoint to go to, is simply not sent.
 */
export function sendMirror(connectors: UpstreamConnectors, cluster: CompiledCluster, head: UpstreamRequestHead, random: () => number, timeoutMs: number, protocol: 'http1' | 'http2'): void {
  if (head.bodyMode === 'stream' || head.upgrade !== undefined) return;
  const breaker = cluster.breaker;
  if (!breaker.tryStartRequest()) return;
  const endpoint = cluster.picker.pick(random);
  if (!endpoint) {
    breaker.endRequest();
    return;
  }
  const headers: HeaderBag = { ...head.headers, host: shadowAuthority(String(head.headers.host ?? '')) };
  cluster.beginTry(endpoint);
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = (status: number | undefined, failure?: 'reset' | 'connect-failure' | 'timeout'): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    breaker.endRequest();
    cluster.endTry(endpoint, status !== undefined ? { kind: 'status', status } : { kind: failure ?? 'reset' });
  };
  let status: number | undefined;
  const handler: UpstreamResponseHandler = {
    onHead: (s) => void (status = s),
    onData: () => undefined,
    onEnd: () => finish(status),
    onError: (f) => finish(undefined, f === 'connect-failure' ? 'connect-failure' : 'reset'),
    onDrain: () => undefined,
    onUpgrade: (_h: HeaderBag, stream: Duplex) => {
      stream.destroy();
      finish(101);
    },
  };
  const exchange = connectors.get(endpoint, cluster, protocol).request({ ...head, headers }, handler);
  if (timeoutMs > 0)
    timer = setTimeout(() => {
      exchange.abort();
      finish(undefined, 'timeout');
    }, timeoutMs).unref();
}
