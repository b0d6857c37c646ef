// The networking validators never throw: every field of a rich resource is replaced in turn by
// values of the wrong type (null, numbers, strings, arrays of strings, objects) and each variant
// must validate to a result.

import { describe, expect, it } from 'vitest';
import { Collector } from '../result.js';
import type { KindValidator } from './context.js';
import { validateDestinationRule } from './destination-rule.js';
import { validateEnvoyFilter } from './envoy-filter.js';
import { validateGateway } from './gateway.js';
import { validateSidecar } from './sidecar.js';
import { validateVirtualService } from './virtual-service.js';

const GARBAGE: readonly unknown[] = [null, undefined, 0, -1, 1.5, 'x', '', true, [], ['a', 'b'], [null, 3], {}, { a: 1 }];

const SAMPLES: Record<string, { validate: KindValidator; spec: unknown }> = {
  VirtualService: {
    validate: validateVirtualService,
    spec: {
      hosts: ['reviews', '*.example.com'],
      gateways: ['mesh', 'ns/gw'],
      exportTo: ['.'],
      http: [
        {
          name: 'r',
          match: [{ uri: { prefix: '/a' }, method: { exact: 'GET' }, headers: { 'x-a': { regex: 'b.*' } }, withoutHeaders: { 'x-b': {} }, queryParams: { q: { exact: '1' } }, port: 80, sourceLabels: { app: 'a' }, gateways: ['mesh'], sourceNamespace: 'ns' }],
          route: [{ destination: { host: 'reviews', subset: 'v1', port: { number: 9080 } }, weight: 100, headers: { request: { add: { a: 'b' }, remove: ['c'] }, response: { set: { d: 'e' } } } }],
          headers: { request: { set: { ':authority': 'x' } } },
          rewrite: { uri: '/b', authority: 'y', uriRegexRewrite: { match: 'a', rewrite: 'b' } },
          timeout: '5s',
          retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx', backoff: '10ms' },
          fault: { delay: { fixedDelay: '1s', percentage: { value: 10 } }, abort: { httpStatus: 500, grpcStatus: 'OK', percentage: { value: 1 } } },
          mirror: { host: 'm' },
          mirrors: [{ destination: { host: 'm' }, percentage: { value: 5 } }],
          mirrorPercentage: { value: 5 },
          mirrorPercent: 5,
          corsPolicy: { allowOrigins: [{ exact: 'a' }], allowMethods: ['GET'], allowHeaders: ['x'], exposeHeaders: ['y'], maxAge: '1s' },
          redirect: { uri: '/c', redirectCode: 301, port: 80, scheme: 'https' },
          directResponse: { status: 200, body: { string: 'ok' } },
          delegate: { name: 'd', namespace: 'n' },
        },
      ],
      tls: [{ match: [{ sniHosts: ['a.example.com'], port: 443, destinationSubnets: ['10.0.0.0/8'], sourceLabels: { a: 'b' }, gateways: ['g'] }], route: [{ destination: { host: 'a' }, weight: 1 }] }],
      tcp: [{ match: [{ port: 3306, destinationSubnets: ['10.0.0.1'] }], route: [{ destination: { host: 'a' } }] }],
    },
  },
  DestinationRule: {
    validate: validateDestinationRule,
    spec: {
      host: 'reviews',
      exportTo: ['.'],
      workloadSelector: { matchLabels: { app: 'r' } },
      trafficPolicy: {
        loadBalancer: {
          simple: 'ROUND_ROBIN',
          consistentHash: { httpCookie: { name: 'c', ttl: '1s' }, minimumRingSize: 3, maglev: { tableSize: 7 } },
          localityLbSetting: { distribute: [{ from: 'a/b', to: { 'a/b': 100 } }], failover: [{ from: 'a', to: 'b' }], failoverPriority: ['x'] },
          warmup: { duration: '1s', minimumPercent: 10, aggression: 2 },
        },
        connectionPool: { tcp: { maxConnections: 1, connectTimeout: '1s', idleTimeout: '0s', tcpKeepalive: { time: '1s', interval: '1s' } }, http: { http1MaxPendingRequests: 1, idleTimeout: '1s', h2UpgradePolicy: 'UPGRADE' } },
        outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1s', maxEjectionPercent: 10, consecutiveLocalOriginFailures: 1 },
        tls: { mode: 'MUTUAL', credentialName: 'c', subjectAltNames: ['a'], insecureSkipVerify: true },
        portLevelSettings: [{ port: { number: 80 }, loadBalancer: { simple: 'LEAST_REQUEST' }, tls: { mode: 'SIMPLE' } }],
        tunnel: { protocol: 'CONNECT', targetHost: 'a.b', targetPort: 80 },
        proxyProtocol: { version: 'V2' },
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }],
    },
  },
  Gateway: {
    validate: validateGateway,
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { hosts: ['ns/a.example.com'], port: { number: 443, name: 'https', protocol: 'HTTPS', targetPort: 0 }, bind: '0.0.0.0', tls: { mode: 'MUTUAL', serverCertificate: 'c', privateKey: 'k', caCertificates: 'ca', cipherSuites: ['AES128-SHA'], minProtocolVersion: 'TLSV1_2', tlsCertificates: [{ serverCertificate: 'a', privateKey: 'b' }], credentialNames: ['x'], httpsRedirect: true } },
      ],
    },
  },
  Sidecar: {
    validate: validateSidecar,
    spec: {
      workloadSelector: { labels: { app: 'a' } },
      ingress: [{ port: { number: 9080, protocol: 'HTTPS', name: 'h', targetPort: 1 }, bind: '127.0.0.1', defaultEndpoint: '127.0.0.1:8080', tls: { mode: 'SIMPLE', serverCertificate: 'c', privateKey: 'k' }, connectionPool: { http: { maxRetries: 1 } } }],
      egress: [{ port: { number: 0, protocol: 'HTTP', name: 'e' }, bind: 'unix:///x.sock', captureMode: 'NONE', hosts: ['./*', '*/*'] }],
      outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: 'p.ns.svc', port: { number: 80 } } },
      inboundConnectionPool: { tcp: { maxConnections: 1 } },
    },
  },
  EnvoyFilter: {
    validate: validateEnvoyFilter,
    spec: {
      workloadSelector: { labels: { app: 'a' } },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: { context: 'SIDECAR_INBOUND', proxy: { proxyVersion: '1\\..*' }, listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.router' } } } } },
          patch: { operation: 'INSERT_BEFORE', value: { name: 'x', typed_config: { '@type': 'type.googleapis.com/a.v3.B', nested: [{ '@type': 'x.v2.Y' }] } } },
        },
      ],
    },
  },
};

/** Every path (as key lists) into a JSON-like value. */
function paths(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

function replaced(v: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? replaced(x, rest, value) : x));
  const r = v as Record<string, unknown>;
  return { ...r, [head]: replaced(r[head], rest, value) };
}

describe('networking validators never throw', () => {
  for (const [kind, { validate, spec }] of Object.entries(SAMPLES)) {
    it(`${kind}: every field replaced by garbage`, () => {
      let runs = 0;
      for (const p of paths(spec)) {
        for (const g of GARBAGE) {
          const c = new Collector();
          expect(() => validate({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name: 'x' }, spec: replaced(spec, p, g) }, c)).not.toThrow();
          runs++;
        }
      }
      expect(runs).toBeGreaterThan(GARBAGE.length * 10);
    });

    it.each(GARBAGE.map((g) => [JSON.stringify(g) ?? 'undefined', g] as const))(`${kind}: spec = %s`, (_label, g) => {
      const c = new Collector();
      expect(() => validate({ apiVersion: 'x', kind, metadata: { name: 'x', annotations: g as never, namespace: g as never }, spec: g }, c)).not.toThrow();
    });

    it(`${kind}: the rich sample itself validates`, () => {
      const c = new Collector();
      validate({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name: 'x', namespace: 'default' }, spec }, c);
      expect(c.result().errors.every((e) => e.code === 'WEFT_ERR_SEMANTIC')).toBe(true);
    });
  }
});
