// Records what the ADS server reports (connections, responses, NACKs, stale nonces, slow consumers)
// into the pilot_* metrics. Observes the server through its events and stats; changes nothing.

import type { AdsServer } from '../xds/ads-server.js';
import { TYPE_URL } from '@weft/shared/xds';
import type { PilotMetrics } from './pilot-metrics.js';

const METRIC_TYPES: ReadonlyMap<string, string> = new Map([
  [TYPE_URL.CLUSTER, 'cds'],
  [TYPE_URL.ENDPOINT, 'eds'],
  [TYPE_URL.LISTENER, 'lds'],
  [TYPE_URL.ROUTE, 'rds'],
  [TYPE_URL.SECRET, 'sds'],
]);

/** Istio's `type` label value for a type URL (`model.GetMetricType`): `cds`, `eds`, `lds`, `rds`, `sds`,
 *  else the type URL itself. */
export function metricType(typeUrl: string): string {
  return METRIC_TYPES.get(typeUrl) ?? typeUrl;
}

/** The ISTIO_VERSION a proxy announced, the `version` label of pilot_xds. */
export function proxyVersionOf(metadata: Readonly<Record<string, unknown>>): string {
  return typeof metadata.ISTIO_VERSION === 'string' && metadata.ISTIO_VERSION !== '' ? metadata.ISTIO_VERSION : 'unknown';
}

/** Starts recording `ads`'s activity into `metrics`; returns a function that stops it. */
export function bindAdsMetrics(ads: AdsServer, metrics: PilotMetrics): () => void {
  const connect = ({ node }: { node: { metadata: Readonly<Record<string, unknown>> } }): void => metrics.xdsClients.inc({ version: proxyVersionOf(node.metadata) });
  const disconnect = ({ node }: { node: { metadata: Readonly<Record<string, unknown>> } }): void => metrics.xdsClients.dec({ version: proxyVersionOf(node.metadata) });
  const response = ({ typeUrl }: { typeUrl: string }): void => metrics.xdsPushes.inc({ type: metricType(typeUrl) });
  const nack = ({ typeUrl }: { typeUrl: string }): void => {
    metrics.totalXdsRejects.inc({ type: metricType(typeUrl) });
    const perType = { [TYPE_URL.CLUSTER]: metrics.cdsReject, [TYPE_URL.ENDPOINT]: metrics.edsReject, [TYPE_URL.LISTENER]: metrics.ldsReject, [TYPE_URL.ROUTE]: metrics.rdsReject }[typeUrl];
    perType?.inc();
  };
  ads.on('connect', connect);
  ads.on('disconnect', disconnect);
  ads.on('response', response);
  ads.on('nack', nack);

  // Stale nonces and slow consumers are only counted by the server: copy the increase at scrape time.
  let seen = { staleNonces: 0, slowConsumers: 0 };
  const sync = (): void => {
    const { staleNonces, slowConsumers } = ads.stats();
    if (staleNonces > seen.staleNonces) metrics.xdsExpiredNonce.inc(staleNonces - seen.staleNonces);
    if (slowConsumers > seen.slowConsumers) metrics.xdsWriteTimeout.inc(slowConsumers - seen.slowConsumers);
    seen = { staleNonces, slowConsumers };
  };
  const removeHook = metrics.addScrapeHook(sync);
  return () => {
    removeHook();
    ads.off('connect', connect);
    ads.off('disconnect', disconnect);
    ads.off('response', response);
    ads.off('nack', nack);
  };
}
