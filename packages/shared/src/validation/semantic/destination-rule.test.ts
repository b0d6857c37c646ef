// Table tests for DestinationRule semantic rules, ported from Istio's TestValidateDestinationRule,
// TestValidateTrafficPolicy, TestValidateConnectionPool, TestValidateLoadBalancer and
// TestValidateOutlierDetection (names kept where they come from Istio).

import { describe, expect, it } from 'vitest';
import { Collector } from '../result.js';
import { isPrime, validateDestinationRule, validateLocalities } from './destination-rule.js';

function run(spec: unknown, metadata: Record<string, unknown> = { name: 'dr', namespace: 'default' }) {
  const c = new Collector();
  validateDestinationRule({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata, spec }, c);
  return c.result();
}

const subsets = [
  { name: 'v1', labels: { version: 'v1' } },
  { name: 'v2', labels: { version: 'v2' } },
];
const goodPolicy = {
  loadBalancer: { simple: 'ROUND_ROBIN' },
  connectionPool: { tcp: { maxConnections: 7 }, http: { http2MaxRequests: 11 } },
  outlierDetection: { minHealthPercent: 20 },
};
const dr = (trafficPolicy: unknown, extra: Record<string, unknown> = {}) => ({ host: 'reviews', trafficPolicy, ...extra });
const tls = (t: Record<string, unknown>) => dr({ tls: t });

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly valid: boolean;
  readonly warning?: boolean;
  readonly message?: string;
  readonly path?: string;
}

const cases: Case[] = [
  { name: 'simple destination rule', spec: { host: 'reviews', subsets }, valid: true, warning: false },
  { name: 'simple destination rule with empty selector labels', spec: { host: 'reviews', subsets, workloadSelector: {} }, valid: true, warning: true, message: 'workload selector specified without labels' },
  { name: 'missing destination name', spec: { host: '', subsets }, valid: false, message: 'empty domain name not allowed', path: 'spec.host' },
  { name: 'wildcard host', spec: { host: '*.example.com' }, valid: true },
  { name: 'partial wildcard host', spec: { host: 'foo*.example.com' }, valid: false, message: 'invalid (label "foo*" invalid)' },
  { name: 'missing subset name', spec: { host: 'reviews', subsets: [{ name: '', labels: { version: 'v1' } }, subsets[1]] }, valid: false, message: 'subset name cannot be empty', path: 'spec.subsets[0].name' },
  { name: 'duplicate subset names', spec: { host: 'reviews', subsets: [{ name: 'foo', labels: { version: 'v1' } }, { name: 'foo', labels: { version: 'v2' } }] }, valid: false, message: 'duplicate subset names: foo', path: 'spec.subsets[1].name' },
  { name: 'bad subset label value', spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v 1' } }] }, valid: false, message: 'invalid tag value: "v 1"', path: 'spec.subsets[0].labels.version' },
  { name: 'null subset', spec: { host: 'reviews', subsets: [null] }, valid: false, message: 'subset may not be null' },
  { name: 'valid traffic policy, top level', spec: dr(goodPolicy, { subsets }), valid: true },
  { name: 'invalid traffic policy, top level', spec: dr({ ...goodPolicy, connectionPool: {} }, { subsets }), valid: false, message: 'connection pool must have at least one field', path: 'spec.trafficPolicy.connectionPool' },
  { name: 'valid traffic policy, subset level', spec: { host: 'reviews', subsets: [{ ...subsets[0], trafficPolicy: goodPolicy }, subsets[1]] }, valid: true },
  { name: 'invalid traffic policy, subset level', spec: { host: 'reviews', subsets: [{ ...subsets[0], trafficPolicy: { ...goodPolicy, connectionPool: {} } }] }, valid: false, path: 'spec.subsets[0].trafficPolicy.connectionPool' },
  { name: 'invalid traffic policy, nil entries', spec: dr({}), valid: false, message: 'traffic policy must have at least one field' },
  { name: 'invalid traffic policy, missing port in port level settings', spec: dr({ portLevelSettings: [goodPolicy] }), valid: false, message: 'portTrafficPolicy must have valid port' },
  { name: 'port level settings without any policy', spec: dr({ portLevelSettings: [{ port: { number: 80 } }] }), valid: false, message: 'port traffic policy must have at least one field' },
  { name: 'duplicate port level settings warn', spec: dr({ portLevelSettings: [{ port: { number: 80 }, ...goodPolicy }, { port: { number: 80 }, ...goodPolicy }] }), valid: true, warning: true, message: 'port 80 already has settings in portLevelSettings[0]' },
  { name: 'invalid traffic policy, bad max connection duration', spec: dr({ connectionPool: { tcp: { maxConnectionDuration: '500ns' } } }), valid: false, message: 'duration must be greater than 1ms' },
  { name: 'invalid traffic policy, panic threshold too low', spec: dr({ ...goodPolicy, outlierDetection: { minHealthPercent: -1 } }), valid: false, message: 'percentage -1 is not in range 0..100' },
  { name: 'invalid traffic policy, both upgrade and use client protocol set', spec: dr({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE', useClientProtocol: true } } }), valid: false, message: 'use client protocol must not be true when H2UpgradePolicy is UPGRADE' },
  { name: 'tunnel and proxyProtocol together', spec: dr({ tunnel: { targetHost: 'a.b', targetPort: 80 }, proxyProtocol: { version: 'V1' } }), valid: false, message: 'tunnel and proxyProtocol must not be set together' },
  { name: 'tunnel with bad protocol and port', spec: dr({ tunnel: { protocol: 'GET', targetHost: 'a.b', targetPort: 0 } }), valid: false, message: 'tunnel protocol must be "CONNECT" or "POST"' },
  { name: 'tunnel with ip target', spec: dr({ tunnel: { protocol: 'CONNECT', targetHost: '10.0.0.1', targetPort: 8080 } }), valid: true },
  { name: 'valid connection pool, tcp and http', spec: dr({ connectionPool: { tcp: { maxConnections: 7, connectTimeout: '2s' }, http: { http1MaxPendingRequests: 2, http2MaxRequests: 11, maxRequestsPerConnection: 5, maxRetries: 4, idleTimeout: '30s', maxConcurrentStreams: 5 } } }), valid: true },
  { name: 'invalid connection pool, bad max connections', spec: dr({ connectionPool: { tcp: { maxConnections: -1 } } }), valid: false, message: 'max connections must be non-negative', path: 'spec.trafficPolicy.connectionPool.tcp.maxConnections' },
  { name: 'invalid connection pool, bad connect timeout', spec: dr({ connectionPool: { tcp: { connectTimeout: '2.000000005s' } } }), valid: false, message: 'only durations to ms precision are supported' },
  { name: 'invalid connection pool, bad max pending requests', spec: dr({ connectionPool: { http: { http1MaxPendingRequests: -1 } } }), valid: false, message: 'http1 max pending requests must be non-negative' },
  { name: 'invalid connection pool, bad max retries', spec: dr({ connectionPool: { http: { maxRetries: -1 } } }), valid: false, message: 'max retries must be non-negative' },
  { name: 'valid connection pool, tcp timeout disabled', spec: dr({ connectionPool: { tcp: { idleTimeout: '0s' } } }), valid: true },
  { name: 'invalid connection pool, bad max concurrent streams', spec: dr({ connectionPool: { http: { maxConcurrentStreams: -1 } } }), valid: false },
  { name: 'valid load balancer with consistentHash load balancing', spec: dr({ loadBalancer: { consistentHash: { minimumRingSize: 1024, httpCookie: { name: 'test', ttl: '1h' } } } }), valid: true, warning: true, message: 'MinimumRingSize is deprecated' },
  { name: 'invalid load balancer with consistentHash load balancing, missing name', spec: dr({ loadBalancer: { consistentHash: { httpCookie: { ttl: '1h' } } } }), valid: false, message: 'name required for HttpCookie' },
  { name: 'invalid load balancer with consistentHash load balancing, maglev not prime', spec: dr({ loadBalancer: { consistentHash: { maglev: { tableSize: 1000 } } } }), valid: false, message: 'tableSize must be a prime number for maglev' },
  { name: 'maglev prime table size', spec: dr({ loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } } }), valid: true },
  { name: 'maglev table size too large', spec: dr({ loadBalancer: { consistentHash: { maglev: { tableSize: 5000011 } } } }), valid: false, message: 'tableSize must be less than 5000011 for maglev' },
  { name: 'minimumRingSize with ringHash', spec: dr({ loadBalancer: { consistentHash: { minimumRingSize: 10, ringHash: { minimumRingSize: 10 } } } }), valid: false, message: 'only one of MinimumRingSize or Maglev/Ringhash can be specified' },
  { name: 'two hash keys', spec: dr({ loadBalancer: { consistentHash: { httpHeaderName: 'x-user', useSourceIp: true } } }), valid: false, message: 'only one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName' },
  { name: 'warmup without duration', spec: dr({ loadBalancer: { warmup: { minimumPercent: 5 } } }), valid: false, message: 'duration is required', path: 'spec.trafficPolicy.loadBalancer.warmup.duration' },
  { name: 'warmup aggression below 1', spec: dr({ loadBalancer: { warmup: { duration: '300s', aggression: 0.5 } } }), valid: false, message: 'aggression should be greater than or equal to 1' },
  { name: 'locality distribute weights sum to 100', spec: dr({ outlierDetection: {}, loadBalancer: { localityLbSetting: { distribute: [{ from: 'us-west/zone1/*', to: { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 } }] } } }), valid: true },
  { name: 'locality distribute weights do not sum to 100', spec: dr({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'a/b/*', to: { 'a/b/*': 50, 'a/c/*': 20 } }] } } }), valid: false, message: 'total locality weight 70 != 100' },
  { name: 'locality weight out of range', spec: dr({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'a', to: { a: 0, b: 100 } }] } } }), valid: false, message: 'locality weight must be in range [1, 100]' },
  { name: 'locality overlapping destinations', spec: dr({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'a', to: { 'a/*': 50, 'a/b': 50 } }] } } }), valid: false, message: 'overlap with previous specified ones' },
  { name: 'distribute and failover together', spec: dr({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'a', to: { b: 100 } }], failover: [{ from: 'a', to: 'b' }] } } }), valid: false, message: "can not simultaneously specify 'distribute' and 'failover'" },
  { name: 'failover to the same region', spec: dr({ outlierDetection: { consecutive5xxErrors: 1 }, loadBalancer: { localityLbSetting: { failover: [{ from: 'us-east', to: 'us-east' }] } } }), valid: false, message: 'locality lb failover settings must specify different regions' },
  { name: 'failover without outlier detection warns', spec: dr({ loadBalancer: { localityLbSetting: { failover: [{ from: 'us-east', to: 'us-west' }] } } }), valid: true, warning: true, message: 'outlier detection policy must be provided for failover' },
  { name: 'failover with topology failoverPriority', spec: dr({ outlierDetection: {}, loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'b' }], failoverPriority: ['topology.kubernetes.io/zone'] } } }), valid: false, message: "can not simultaneously set 'failover' and topology label" },
  { name: 'valid outlier detection', spec: dr({ outlierDetection: { interval: '2s', baseEjectionTime: '2s', maxEjectionPercent: 50 } }), valid: true },
  { name: 'invalid outlier detection, bad interval', spec: dr({ outlierDetection: { interval: '2.000000005s' } }), valid: false, path: 'spec.trafficPolicy.outlierDetection.interval' },
  { name: 'invalid outlier detection, bad max ejection percent', spec: dr({ outlierDetection: { maxEjectionPercent: 105 } }), valid: false, message: 'percentage 105 is not in range 0..100' },
  { name: 'invalid outlier detection, panic threshold too high', spec: dr({ outlierDetection: { minHealthPercent: 101 } }), valid: false },
  { name: 'deprecated outlier detection, ConsecutiveErrors', spec: dr({ outlierDetection: { consecutiveErrors: 101 } }), valid: true, warning: true, message: 'consecutive errors is deprecated' },
  { name: 'consecutive local origin errors is set but split local origin errors is not set', spec: dr({ outlierDetection: { consecutiveLocalOriginFailures: 10 } }), valid: false, message: 'split external local origin errors is set to false' },
  { name: 'InsecureSkipVerify is not specified with tls mode simple, and the ca cert is specified by CaCertificates', spec: tls({ mode: 'SIMPLE', caCertificates: 'test', subjectAltNames: ['reviews.default.svc'] }), valid: true },
  { name: 'InsecureSkipVerify is set true with tls mode simple, and the ca cert is specified by CredentialName', spec: tls({ mode: 'SIMPLE', credentialName: 'test', insecureSkipVerify: true }), valid: false, message: 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true' },
  { name: 'InsecureSkipVerify is set true with tls mode simple, and the san is specified', spec: tls({ mode: 'SIMPLE', subjectAltNames: ['reviews.default.svc'], insecureSkipVerify: true }), valid: false },
  { name: 'InsecureSkipVerify is set false with tls mode simple and a CA', spec: tls({ mode: 'SIMPLE', caCertificates: 'test', insecureSkipVerify: false }), valid: true },
  { name: 'InsecureSkipVerify is not specified with tls mode mutual, and the ca cert is specified by CaCertificates', spec: tls({ mode: 'MUTUAL', caCertificates: 'test', privateKey: 'key', clientCertificate: 'cert' }), valid: true },
  { name: 'InsecureSkipVerify is set true with tls mode mutual, and the ca cert is specified by CaCertificates', spec: tls({ mode: 'MUTUAL', caCertificates: 'test', privateKey: 'key', clientCertificate: 'cert', insecureSkipVerify: true }), valid: false, message: 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true' },
  { name: 'InsecureSkipVerify is set true with tls mode mutual, credentialName', spec: tls({ mode: 'MUTUAL', credentialName: 'test', insecureSkipVerify: true }), valid: true },
  { name: 'InsecureSkipVerify is set true with tls mode mutual, and the ca cert is not specified', spec: tls({ mode: 'MUTUAL', privateKey: 'key', clientCertificate: 'cert', insecureSkipVerify: true }), valid: true },
  { name: 'mutual tls without client certificate', spec: tls({ mode: 'MUTUAL', privateKey: 'key' }), valid: false, message: 'client certificate required for mutual tls' },
  { name: 'mutual tls without private key', spec: tls({ mode: 'MUTUAL', clientCertificate: 'cert' }), valid: false, message: 'private key required for mutual tls' },
  { name: 'credentialName with client certificate', spec: tls({ mode: 'SIMPLE', credentialName: 'c', clientCertificate: 'cert' }), valid: false, message: 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set' },
  { name: 'istio mutual with nothing else', spec: tls({ mode: 'ISTIO_MUTUAL' }), valid: true },
  { name: 'configmap credentialName in another namespace', spec: tls({ mode: 'SIMPLE', credentialName: 'configmap://other/ca' }), valid: false, message: 'namespace must match the configuration namespace "default"' },
  { name: 'configmap credentialName in own namespace', spec: tls({ mode: 'SIMPLE', credentialName: 'configmap://default/ca' }), valid: true },
  { name: 'workload selector with wildcard label', spec: { host: 'reviews', workloadSelector: { matchLabels: { app: 'rev*' } } }, valid: false, message: 'wildcard is not supported in selector: "app=rev*"', path: 'spec.workloadSelector.matchLabels.app' },
  { name: 'workload selector with exportTo beyond namespace', spec: { host: 'reviews', workloadSelector: { matchLabels: { app: 'r' } }, exportTo: ['other'] }, valid: false, message: 'destination rule with workload selector cannot have exportTo beyond current namespace' },
  { name: 'workload selector exported to its own namespace', spec: { host: 'reviews', workloadSelector: { matchLabels: { app: 'r' } }, exportTo: ['.'] }, valid: true },
  { name: 'exportTo invalid entry', spec: { host: 'reviews', exportTo: ['Not_Valid'] }, valid: false, message: 'only .,*, or a valid DNS 1123 label is allowed as exportTo entry', path: 'spec.exportTo[0]' },
];

describe('validateDestinationRule', () => {
  it.each(cases)('$name', (tc) => {
    const { errors, warnings } = run(tc.spec);
    if (tc.valid) expect(errors).toEqual([]);
    else expect(errors.length).toBeGreaterThan(0);
    if (tc.warning !== undefined) expect(warnings.length > 0).toBe(tc.warning);
    const pool = tc.valid ? warnings : errors;
    if (tc.message) expect(pool.map((e) => e.message).join('\n')).toContain(tc.message);
    if (tc.path) expect(pool.map((e) => e.path)).toContain(tc.path);
  });
});

describe('isPrime (Envoy maglev check)', () => {
  it.each([
    [1, true],
    [2, true],
    [3, true],
    [4, false],
    [1000, false],
    [65537, true],
    [5000011, true],
    [5000013, false],
  ])('%i → %s', (n, want) => expect(isPrime(n)).toBe(want));
});

describe('validateLocalities', () => {
  it.each([
    [['a', 'b'], undefined],
    [['a/b', 'a/c/d'], undefined],
    [['*', 'a'], 'locality a overlap with previous specified ones'],
    [['a/*/c'], "locality a/*/c wildcard '*' number can not exceed 1 and must be in the end"],
    [['a//c'], 'locality a//c must not contain empty region/zone/subzone info'],
    [['a/b/c', 'a/b/c'], 'locality a/b/c overlap with previous specified ones'],
  ] as const)('%j', (locs, want) => expect(validateLocalities(locs)).toBe(want));
});
