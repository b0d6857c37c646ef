// Istio's request metrics on both sides of a proxied call, with the peer metadata exchange: the
// client's proxy (productpage) calls reviews, which has its own proxy, and ratings, which has none.
// Each proxy counts every request in istio_requests_total on its stats port; the client's proxy
// reports reviews' workload (learnt from the response's peer metadata), reviews' proxy reports the
// client's (learnt from the request's), and ratings, without a proxy, is known by its service only.
// The exchange headers never reach an app.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh } from './harness/local-mesh.js';
import type { ProxyProcess } from './harness/proxy-process.js';
import { promSamples, type PromSample } from './harness/prometheus-text.js';

const mesh = useLocalMesh({
  scenario: 'istio-metrics',
  services: [
    { name: 'reviews', versions: ['v2'], sidecar: true },
    { name: 'ratings', versions: ['v1'] },
  ],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v2']),
    virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] }),
    virtualService('ratings', m.namespace, { hosts: ['ratings'], http: [{ fault: { abort: { percentage: { value: 100 }, httpStatus: 418 } }, match: [{ uri: { prefix: '/teapot' } }], route: [{ destination: { host: 'ratings' } }] }, { route: [{ destination: { host: 'ratings' } }] }] }),
  ],
});


async function scrape(proxy: ProxyProcess): Promise<string> {
  return proxy.admin('/stats/prometheus');
}

const total = (list: readonly PromSample[]): number => list.reduce((n, s) => n + s.value, 0);

describe("Istio's request metrics with peer metadata exchange", () => {
  it('the client side reports reviews by workload and reviews reports the client, 100 requests each', async () => {
    const m: LocalMesh = mesh();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/reviews/1' }, 100, { concurrency: 5 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 100 });

    const client = promSamples(await scrape(m.proxy), 'istio_requests_total').filter((s) => s.labels.destination_service === `reviews.${m.namespace}.svc.cluster.local`);
    expect(total(client)).toBe(100);
    expect(client[0]?.labels).toMatchObject({
      reporter: 'source',
      source_workload: 'productpage-v1',
      source_workload_namespace: m.namespace,
      source_app: 'productpage',
      source_version: 'v1',
      source_canonical_service: 'productpage',
      source_canonical_revision: 'v1',
      destination_workload: 'reviews-v2',
      destination_workload_namespace: m.namespace,
      destination_app: 'reviews',
      destination_version: 'v2',
      destination_canonical_service: 'reviews',
      destination_service_name: 'reviews',
      destination_service_namespace: m.namespace,
      request_protocol: 'http',
      response_code: '200',
      grpc_response_status: '',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });

    const server = promSamples(await scrape(m.sidecars.get('reviews/v2') as ProxyProcess), 'istio_requests_total').filter((s) => s.labels.reporter === 'destination');
    expect(total(server)).toBe(100);
    // Every request, not only each connection's first (which carried the peer metadata), knows its client.
    expect(server.map((s) => s.labels.source_workload)).toEqual(server.map(() => 'productpage-v1'));
    expect(server[0]?.labels).toMatchObject({
      source_workload: 'productpage-v1',
      source_app: 'productpage',
      source_version: 'v1',
      destination_workload: 'reviews-v2',
      destination_app: 'reviews',
      destination_version: 'v2',
      response_code: '200',
      // The two proxies speak mTLS (auto-mTLS: reviews' WorkloadEntry carries the sidecar label), so
      // the server side knows the client's identity from its certificate.
      source_principal: `spiffe://cluster.local/ns/${m.namespace}/sa/productpage`,
      connection_security_policy: 'mutual_tls',
    });

    // The exchange stays between the proxies: the app saw none of its headers.
    const seen = m.upstream('reviews', 'v2').seen.filter((r) => r.path === '/reviews/1');
    expect(seen.length).toBe(100);
    expect(seen.every((r) => r.headers['x-envoy-peer-metadata'] === undefined && r.headers['x-envoy-peer-metadata-id'] === undefined)).toBe(true);
  });

  it('a service without a proxy is known by its service name; an injected abort is counted with flag FI', async () => {
    const m: LocalMesh = mesh();
    const ok = await runLoad(m.proxy.outboundPort, { authority: m.authority('ratings'), path: '/ratings/1' }, 20, { concurrency: 2 });
    expect(ok.byStatus, describeReport(ok)).toEqual({ '200': 20 });
    const aborted = await runLoad(m.proxy.outboundPort, { authority: m.authority('ratings'), path: '/teapot' }, 10, { concurrency: 2 });
    expect(aborted.byStatus, describeReport(aborted)).toEqual({ '418': 10 });

    const ratings = promSamples(await scrape(m.proxy), 'istio_requests_total').filter((s) => s.labels.destination_service === `ratings.${m.namespace}.svc.cluster.local`);
    const byCode = Object.fromEntries(ratings.map((s) => [`${s.labels.response_code} ${s.labels.response_flags}`, s.value]));
    expect(byCode).toEqual({ '200 -': 20, '418 FI': 10 });
    expect(ratings[0]?.labels).toMatchObject({ destination_workload: 'unknown', destination_service_name: 'ratings', destination_service_namespace: m.namespace, destination_canonical_service: 'ratings' });

    // The histograms count the same requests, in Envoy's buckets.
    const text = await scrape(m.proxy);
    const counts = promSamples(text, 'istio_request_duration_milliseconds_count').filter((s) => s.labels.destination_service === `ratings.${m.namespace}.svc.cluster.local`);
    expect(total(counts)).toBe(30);
    const inf = promSamples(text, 'istio_response_bytes_bucket').filter((s) => s.labels.destination_service === `ratings.${m.namespace}.svc.cluster.local` && s.labels.le === '+Inf');
    expect(total(inf)).toBe(30);
    // An abort's response is small: every one of them is at or under 1,000 bytes.
    const small = promSamples(text, 'istio_response_bytes_bucket').filter((s) => s.labels.response_flags === 'FI' && s.labels.le === '1000');
    expect(total(small)).toBe(10);
  });
});
