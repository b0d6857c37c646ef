import { describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../outbound/request-outcome.js';
import type { TcpOutcome } from '../tcp/tcp-outcome.js';
import { ISTIO_HISTOGRAM_BUCKETS, ISTIO_REQUEST_LABELS, ISTIO_TCP_LABELS, IstioMetrics } from './istio-metrics.js';
import { decodePeerHeader, encodePeerHeaders, UNKNOWN_WORKLOAD, workloadInfoFromMetadata } from './workload-info.js';

const PRODUCTPAGE = workloadInfoFromMetadata({ NAME: 'productpage-v1-abc', WORKLOAD_NAME: 'productpage-v1', NAMESPACE: 'default', LABELS: { app: 'productpage', version: 'v1' } });
const REVIEWS_METADATA = { NAME: 'reviews-v2-xyz', WORKLOAD_NAME: 'reviews-v2', NAMESPACE: 'shop', CLUSTER_ID: 'east', LABELS: { app: 'reviews', version: 'v2', 'service.istio.io/canonical-revision': 'r2' } };

function outcome(overrides: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    status: 200,
    responseFlags: '-',
    direction: 'outbound',
    routeConfig: '9080',
    route: 'default',
    cluster: 'outbound|9080|v2|reviews.shop.svc.cluster.local',
    upstreamHost: '10.0.0.1:9080',
    attempts: 1,
    durationMs: 3,
    authority: 'reviews.shop:9080',
    protocol: 'http',
    grpcStatus: '',
    peer: undefined,
    requestBytes: 120,
    responseBytes: 2000,
    peerPrincipal: undefined,
    ...overrides,
  };
}

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

function samples(text: string, metric: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`))
    .map((l) => {
      const close = l.lastIndexOf('}');
      const labels = Object.fromEntries([...l.slice(metric.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { labels, value: Number(l.slice(close + 2)) };
    });
}

describe('workload info', () => {
  it("derives Istio's labels from node metadata, with Istio's fallbacks", () => {
    expect(workloadInfoFromMetadata(REVIEWS_METADATA)).toEqual({ workload: 'reviews-v2', namespace: 'shop', app: 'reviews', version: 'v2', canonicalService: 'reviews', canonicalRevision: 'r2', cluster: 'east' });
    // No labels: the workload name stands for the canonical service, `latest` for the revision.
    expect(workloadInfoFromMetadata({ NAME: 'pod-1', NAMESPACE: 'ns' })).toEqual({ workload: 'pod-1', namespace: 'ns', app: 'unknown', version: 'unknown', canonicalService: 'pod-1', canonicalRevision: 'latest', cluster: 'Kubernetes' });
    expect(workloadInfoFromMetadata({ LABELS: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/version': '1.2' } })).toMatchObject({ app: 'web', version: '1.2', canonicalService: 'web', canonicalRevision: '1.2' });
  });

  it('peer headers round-trip, and decoding is cached per value', () => {
    const headers = encodePeerHeaders('sidecar~10.0.0.2~reviews-v2-xyz.shop~shop.svc.cluster.local', { ...REVIEWS_METADATA, WEFT_APP_ADDRESS: '127.0.0.1' });
    expect(headers.id).toBe('sidecar~10.0.0.2~reviews-v2-xyz.shop~shop.svc.cluster.local');
    // Base64 of a protobuf Struct, as Istio's metadata exchange sends it; only the exchanged keys.
    expect(headers.value).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(headers.value, 'base64').toString('latin1')).not.toContain('WEFT_APP_ADDRESS');
    const peer = decodePeerHeader(headers.value);
    expect(peer).toEqual(workloadInfoFromMetadata(REVIEWS_METADATA));
    expect(decodePeerHeader(headers.value)).toBe(peer);
  });

  it('a value that is not a Struct decodes to nothing', () => {
    expect(decodePeerHeader('not base64 at all!')).toBeUndefined();
    expect(decodePeerHeader('')).toBeUndefined();
    expect(decodePeerHeader(Buffer.from([0xff, 0xff, 0xff]).toString('base64'))).toBeUndefined();
  });
});

describe('IstioMetrics', () => {
  it('labels an outbound request to a proxied peer with both workloads (reporter source)', () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    metrics.recordRequest(outcome({ peer: workloadInfoFromMetadata(REVIEWS_METADATA) }));
    const [sample, ...rest] = samples(metrics.render(), 'istio_requests_total');
    expect(rest).toEqual([]);
    expect(Object.keys(sample?.labels ?? {})).toEqual([...ISTIO_REQUEST_LABELS]);
    expect(sample).toEqual({
      value: 1,
      labels: {
        reporter: 'source',
        source_workload: 'productpage-v1',
        source_canonical_service: 'productpage',
        source_canonical_revision: 'v1',
        source_workload_namespace: 'default',
        source_principal: 'unknown',
        source_app: 'productpage',
        source_version: 'v1',
        source_cluster: 'Kubernetes',
        destination_workload: 'reviews-v2',
        destination_workload_namespace: 'shop',
        destination_principal: 'unknown',
        destination_app: 'reviews',
        destination_version: 'v2',
        destination_service: 'reviews.shop.svc.cluster.local',
        destination_canonical_service: 'reviews',
        destination_canonical_revision: 'r2',
        destination_service_name: 'reviews',
        destination_service_namespace: 'shop',
        destination_cluster: 'east',
        request_protocol: 'http',
        response_code: '200',
        grpc_response_status: '',
        response_flags: '-',
        connection_security_policy: 'unknown',
      },
    });
  });

  it('an outbound request without peer metadata is known by its service; a ServiceEntry host names itself', () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    metrics.recordRequest(outcome());
    metrics.recordRequest(outcome({ cluster: 'outbound|443||api.example.com', authority: 'api.example.com' }));
    const [k8s, external] = samples(metrics.render(), 'istio_requests_total');
    expect(k8s?.labels).toMatchObject({ destination_workload: 'unknown', destination_service: 'reviews.shop.svc.cluster.local', destination_service_name: 'reviews', destination_service_namespace: 'shop', destination_canonical_service: 'reviews', destination_workload_namespace: 'shop' });
    expect(external?.labels).toMatchObject({ destination_workload: 'unknown', destination_service: 'api.example.com', destination_service_name: 'api.example.com', destination_service_namespace: 'unknown' });
  });

  it('labels an inbound request with the calling peer (reporter destination) and the host it asked for', () => {
    const self = workloadInfoFromMetadata(REVIEWS_METADATA);
    const metrics = new IstioMetrics(self);
    metrics.recordRequest(outcome({ direction: 'inbound', cluster: 'inbound|9080||', authority: 'reviews.shop.svc.cluster.local:9080', peer: PRODUCTPAGE }));
    metrics.recordRequest(outcome({ direction: 'inbound', cluster: 'inbound|9080||', authority: 'reviews:9080' }));
    const [known, anonymous] = samples(metrics.render(), 'istio_requests_total');
    expect(known?.labels).toMatchObject({ reporter: 'destination', source_workload: 'productpage-v1', source_app: 'productpage', destination_workload: 'reviews-v2', destination_service: 'reviews.shop.svc.cluster.local', destination_service_name: 'reviews', destination_service_namespace: 'shop', connection_security_policy: 'none' });
    expect(anonymous?.labels).toMatchObject({ source_workload: 'unknown', source_workload_namespace: 'unknown', destination_service: 'reviews', destination_service_name: 'reviews', destination_service_namespace: 'shop' });
  });

  it('keeps one series per label set: codes, flags and gRPC statuses apart, repeats counted', () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    for (let i = 0; i < 3; i++) metrics.recordRequest(outcome());
    metrics.recordRequest(outcome({ status: 503, responseFlags: 'UF,URX' }));
    metrics.recordRequest(outcome({ protocol: 'grpc', grpcStatus: '14' }));
    metrics.recordRequest(outcome({ protocol: 'grpc', grpcStatus: '0' }));
    expect(metrics.seriesCount).toBe(4);
    const byKey = Object.fromEntries(samples(metrics.render(), 'istio_requests_total').map((s) => [`${s.labels.request_protocol} ${s.labels.response_code} ${s.labels.response_flags} ${s.labels.grpc_response_status}`, s.value]));
    expect(byKey).toEqual({ 'http 200 - ': 3, 'http 503 UF,URX ': 1, 'grpc 200 - 14': 1, 'grpc 200 - 0': 1 });
  });

  it('one peer reached through two clusters of the same service is one series (no repeated label sets)', () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    const reviews = workloadInfoFromMetadata(REVIEWS_METADATA);
    metrics.recordRequest(outcome({ peer: reviews, cluster: 'outbound|9080||reviews.shop.svc.cluster.local' }));
    metrics.recordRequest(outcome({ peer: reviews, cluster: 'outbound|9080|v2|reviews.shop.svc.cluster.local' }));
    metrics.recordRequest(outcome({ peer: reviews, cluster: 'outbound|9080|v2|reviews.shop.svc.cluster.local' }));
    const lines = samples(metrics.render(), 'istio_requests_total');
    expect(lines.map((l) => l.value)).toEqual([3]);
    expect(metrics.seriesCount).toBe(1);
  });

  it("histograms use Envoy's default buckets, cumulative, with sum and count", () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    for (const durationMs of [0.2, 0.7, 3, 3, 40_000, 7_200_000]) metrics.recordRequest(outcome({ durationMs, requestBytes: 10, responseBytes: 1_000_001 }));
    const text = metrics.render();
    expect(text).toContain('# TYPE istio_requests_total counter\n');
    expect(text).toContain('# TYPE istio_request_duration_milliseconds histogram\n');
    const buckets = samples(text, 'istio_request_duration_milliseconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual([...ISTIO_HISTOGRAM_BUCKETS.map(String), '+Inf']);
    const at = (le: string): number | undefined => buckets.find((b) => b.labels.le === le)?.value;
    expect([at('0.5'), at('1'), at('5'), at('30000'), at('60000'), at('3600000'), at('+Inf')]).toEqual([1, 2, 4, 4, 5, 5, 6]);
    expect(samples(text, 'istio_request_duration_milliseconds_count')[0]?.value).toBe(6);
    expect(samples(text, 'istio_request_duration_milliseconds_sum')[0]?.value).toBeCloseTo(7_240_006.9, 5);
    const reqBytes = samples(text, 'istio_request_bytes_bucket');
    expect(reqBytes.find((b) => b.labels.le === '5')?.value).toBe(0);
    expect(reqBytes.find((b) => b.labels.le === '10')?.value).toBe(6);
    const respBytes = samples(text, 'istio_response_bytes_bucket');
    expect(respBytes.find((b) => b.labels.le === '600000')?.value).toBe(0);
    expect(respBytes.find((b) => b.labels.le === '1800000')?.value).toBe(6);
  });

  it('escapes label values and renders nothing before the first request', () => {
    const metrics = new IstioMetrics({ ...UNKNOWN_WORKLOAD, workload: 'a"b\\c\nd' });
    expect(metrics.render()).toBe('');
    metrics.recordRequest(outcome());
    expect(metrics.render()).toContain('source_workload="a\\"b\\\\c\\nd"');
  });
});

describe('IstioMetrics over TCP', () => {
  function tcp(overrides: Partial<TcpOutcome> = {}): TcpOutcome {
    return {
      listener: '10.1.0.5_5432',
      filterChain: 'filter_chains[0]',
      statPrefix: 'outbound|5432||db.data.svc.cluster.local',
      cluster: 'outbound|5432||db.data.svc.cluster.local',
      upstreamHost: '10.0.4.1:5432',
      responseFlags: '-',
      termination: 'downstream_close',
      bytesReceived: 100,
      bytesSent: 1000,
      connectAttempts: 1,
      durationMs: 50,
      downstreamRemoteAddress: '127.0.0.1:40000',
      downstreamLocalAddress: '127.0.0.1:5432',
      direction: 'outbound',
      ...overrides,
    };
  }

  it("labels an outbound connection with Istio's TCP labels: the cluster's service, peer unknown, request_protocol tcp", () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    metrics.recordTcpOpened({ direction: 'outbound', cluster: 'outbound|5432||db.data.svc.cluster.local', upstreamHost: '10.0.4.1:5432', peerPrincipal: undefined });
    metrics.recordTcpClosed(tcp());
    metrics.recordTcpOpened({ direction: 'outbound', cluster: 'outbound|5432||db.data.svc.cluster.local', upstreamHost: '10.0.4.1:5432', peerPrincipal: undefined });
    metrics.recordTcpClosed(tcp({ bytesReceived: 5, bytesSent: 7 }));
    const text = metrics.render();
    const [opened] = samples(text, 'istio_tcp_connections_opened_total');
    expect(Object.keys(opened?.labels ?? {})).toEqual([...ISTIO_TCP_LABELS]);
    expect(ISTIO_TCP_LABELS).not.toContain('response_code');
    expect(opened).toEqual({
      value: 2,
      labels: expect.objectContaining({
        reporter: 'source',
        source_workload: 'productpage-v1',
        source_app: 'productpage',
        source_principal: 'unknown',
        destination_workload: 'unknown',
        destination_service: 'db.data.svc.cluster.local',
        destination_service_name: 'db',
        destination_service_namespace: 'data',
        destination_canonical_service: 'db',
        request_protocol: 'tcp',
        response_flags: '-',
        connection_security_policy: 'unknown',
      }),
    });
    expect(samples(text, 'istio_tcp_connections_closed_total').map((s) => s.value)).toEqual([2]);
    expect(samples(text, 'istio_tcp_received_bytes_total').map((s) => s.value)).toEqual([105]);
    expect(samples(text, 'istio_tcp_sent_bytes_total').map((s) => s.value)).toEqual([1007]);
  });

  it('labels an inbound connection with the client identity mTLS proved (reporter destination)', () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    const principal = 'spiffe://cluster.local/ns/default/sa/reviews';
    metrics.recordTcpOpened({ direction: 'inbound', cluster: 'inbound|3306||', upstreamHost: '127.0.0.1:3306', peerPrincipal: principal });
    metrics.recordTcpClosed(tcp({ direction: 'inbound', cluster: 'inbound|3306||', peerPrincipal: principal }));
    const [closed] = samples(metrics.render(), 'istio_tcp_connections_closed_total');
    expect(closed?.labels).toMatchObject({
      reporter: 'destination',
      source_workload: 'unknown',
      source_principal: principal,
      destination_workload: 'productpage-v1',
      destination_service: 'unknown',
      destination_service_namespace: 'default',
      connection_security_policy: 'mutual_tls',
    });
  });

  it('a connection that never reached its upstream is closed with its flags, never opened', () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    metrics.recordTcpClosed(tcp({ responseFlags: 'UF', upstreamHost: '10.0.4.1:5432', bytesReceived: 0, bytesSent: 0 }));
    const text = metrics.render();
    expect(samples(text, 'istio_tcp_connections_opened_total')).toEqual([]);
    expect(samples(text, 'istio_tcp_connections_closed_total').map((s) => [s.labels.response_flags, s.value])).toEqual([['UF', 1]]);
    // A passthrough cluster names no service: Istio calls the service by the cluster.
    metrics.recordTcpClosed(tcp({ cluster: 'PassthroughCluster' }));
    expect(samples(metrics.render(), 'istio_tcp_connections_closed_total').find((s) => s.labels.destination_service_name === 'PassthroughCluster')?.labels.destination_service).toBe('unknown');
  });

  it('renders TCP metrics after the HTTP ones, and each only once it has a series', () => {
    const metrics = new IstioMetrics(PRODUCTPAGE);
    metrics.recordRequest(outcome());
    metrics.recordTcpOpened({ direction: 'outbound', cluster: 'outbound|5432||db.data.svc.cluster.local', upstreamHost: '10.0.4.1:5432', peerPrincipal: undefined });
    const text = metrics.render();
    expect(text.indexOf('# TYPE istio_requests_total counter')).toBeLessThan(text.indexOf('# TYPE istio_tcp_connections_opened_total counter'));
    expect(text).not.toContain('istio_tcp_connections_closed_total');
  });
});
