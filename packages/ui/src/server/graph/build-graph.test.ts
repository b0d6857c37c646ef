import { describe, expect, it } from 'vitest';
import type { ConfigzEntry } from '../mesh/weftd-client.js';
import { labels } from '../mesh-fixtures.test-fixtures.js';
import type { TrafficSeries } from '../metrics/traffic-series.js';
import { buildGraph, healthOf, nodeOf } from './build-graph.js';

const s = (over: Parameters<typeof labels>[0], rps: number, latencyMs = 5): TrafficSeries => ({ labels: labels(over), rps, latency: [[latencyMs, rps], [Infinity, rps]] });
const reviews = (version: string, rps: number, reporter = 'source', tls = 'unknown'): TrafficSeries =>
  s({ reporter, destination_workload: `reviews-${version}`, destination_version: version, connection_security_policy: tls }, rps);
const ratings = s({ source_workload: 'reviews-v2', source_app: 'reviews', source_version: 'v2', source_canonical_service: 'reviews', destination_workload: 'ratings-v1', destination_app: 'ratings', destination_service: 'ratings.default.svc.cluster.local', destination_service_name: 'ratings' }, 1);
const gateway = s({ source_workload: 'istio-ingressgateway', source_workload_namespace: 'istio-system', source_app: 'istio-ingressgateway', source_version: '', source_canonical_service: 'istio-ingressgateway', destination_workload: 'productpage-v1', destination_app: 'productpage', destination_service: 'productpage.default.svc.cluster.local', destination_service_name: 'productpage' }, 10);

const entry = (kind: string, name: string, spec: Record<string, unknown>): ConfigzEntry => ({ kind, apiVersion: 'networking.istio.io/v1', namespace: 'default', name, resource: { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace: 'default' }, spec } });
const CONFIG = [
  entry('VirtualService', 'reviews', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 90 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 10 }] }] }),
  entry('VirtualService', 'ratings', { hosts: ['ratings.default.svc.cluster.local'], http: [{ fault: { abort: { httpStatus: 500, percentage: { value: 10 } } }, route: [{ destination: { host: 'ratings' } }] }] }),
  entry('DestinationRule', 'ratings', { host: 'ratings', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 1 } } }),
  entry('VirtualService', 'bookinfo', { hosts: ['*'], gateways: ['bookinfo-gateway'], http: [{ route: [{ destination: { host: 'productpage' } }] }] }),
];
const SERIES = [gateway, reviews('v1', 9), reviews('v2', 0.9), s({ destination_workload: 'reviews-v2', destination_version: 'v2', response_code: '503', response_flags: 'UF' }, 0.1), ratings, reviews('v1', 9, 'destination', 'mutual_tls'), reviews('v2', 0.9, 'destination', 'none')];

describe('buildGraph', () => {
  it('draws the versioned-app graph of the 90/10 canary: shares, errors, mTLS and badges', () => {
    const g = buildGraph({ series: SERIES, view: 'versionedApp', config: CONFIG });
    expect(g.nodes.map((n) => n.label).sort()).toEqual(['istio-ingressgateway', 'productpage v1', 'ratings v1', 'reviews v1', 'reviews v2']);
    const edge = (from: string, to: string) => g.edges.find((e) => e.source.endsWith(from) && e.target.endsWith(to));
    const v1 = edge('productpage:v1', 'reviews:v1');
    const v2 = edge('productpage:v1', 'reviews:v2');
    expect(v1?.sharePct).toBeCloseTo(90);
    expect(v2?.sharePct).toBeCloseTo(10);
    expect(v2?.errorPct).toBeCloseTo(10);
    expect(v1?.mtls).toBe(true);
    expect(v2?.mtls).toBe(false);
    expect(v1?.p99Ms).toBeCloseTo(5 * 0.99);
    expect(edge('reviews:v2', 'ratings:v1')?.rps).toBe(1);
    const node = (label: string) => g.nodes.find((n) => n.label === label);
    expect(node('istio-ingressgateway')?.root).toBe(true);
    expect(node('reviews v1')?.badges).toEqual(['virtualService']);
    expect(node('ratings v1')?.badges).toEqual(['virtualService', 'faultInjection', 'circuitBreaker']);
    // The gateway's VirtualService binds to a gateway, not the mesh: no badge on productpage.
    expect(node('productpage v1')?.badges).toEqual([]);
    expect(node('reviews v2')?.health).toBe('degraded');
  });

  it.each([
    ['workload', ['istio-ingressgateway', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2']],
    ['app', ['istio-ingressgateway', 'productpage', 'ratings', 'reviews']],
    ['service', ['istio-ingressgateway', 'productpage', 'ratings', 'reviews']],
  ] as const)('names the nodes of the %s view', (view, want) => {
    expect(buildGraph({ series: SERIES, view, config: [] }).nodes.map((n) => n.label).sort()).toEqual(want);
  });

  it('keeps only traffic from or to the namespace asked for', () => {
    const g = buildGraph({ series: SERIES, view: 'app', config: [], namespace: 'istio-system' });
    expect(g.edges.map((e) => e.id)).toEqual(['app:istio-system:istio-ingressgateway->app:default:productpage']);
  });

  it('shows a server without a proxy by its service, and a client without one as unknown', () => {
    const noProxy = s({ destination_workload: 'unknown', destination_app: 'unknown', destination_version: 'unknown' }, 1);
    expect(nodeOf('destination', noProxy.labels, 'workload')).toMatchObject({ id: 'svc:default:reviews', kind: 'service' });
    const fromOutside = s({ reporter: 'destination', source_workload: 'unknown', source_workload_namespace: 'unknown' }, 2);
    const g = buildGraph({ series: [fromOutside], view: 'workload', config: [] });
    expect(g.edges.map((e) => e.id)).toEqual(['unknown->wl:default:reviews-v1']);
  });

  it.each([
    [{ rps: 0, errorPct: 0 }, 'idle'],
    [{ rps: 1, errorPct: 0 }, 'healthy'],
    [{ rps: 1, errorPct: 5 }, 'degraded'],
    [{ rps: 1, errorPct: 20 }, 'failure'],
  ] as const)('health of %j is %s', (summary, want) => {
    expect(healthOf(summary)).toBe(want);
  });
});
