// The outbound data path end to end with real servers on 127.0.0.1: upstream node:http servers, the
// proxy fed with hand-built Envoy-shaped config, and an undici client sending Host-routed requests.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { compileConfig, type CompileInput } from '../compile/compile-config.js';
import { startOutboundListener, type OutboundListenerHandle } from './outbound-listener.js';
import type { RequestOutcome } from './request-outcome.js';

interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  readonly seen: { path: string; headers: IncomingMessage['headers'] }[];
  connections: number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** An upstream that answers `{ upstream, path, headers }` unless `handler` says otherwise. */
async function startUpstream(name: string, handler?: Handler): Promise<Upstream> {
  const u: Upstream = { name, port: 0, server: createServer(), seen: [], connections: 0 };
  u.server.on('connection', () => u.connections++);
  u.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    u.seen.push({ path: req.url ?? '', headers: req.headers });
    req.resume();
    if (handler) return handler(req, res, u.seen.length);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ upstream: name, path: req.url, headers: req.headers }));
  });
  await new Promise<void>((resolve) => u.server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        u.server.close(() => resolve());
        u.server.closeAllConnections();
      }),
  );
  return Object.assign(u, { port: (u.server.address() as AddressInfo).port });
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function staticCluster(name: string, ports: readonly number[], lbPolicy = 'ROUND_ROBIN'): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    lb_policy: lbPolicy,
    connect_timeout: { seconds: '1' },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }] },
  };
}

function routeConfig(name: string, virtualHosts: Record<string, unknown>[]): Record<string, unknown> {
  return { name, virtual_hosts: virtualHosts };
}

interface Proxy {
  readonly listener: OutboundListenerHandle;
  readonly outcomes: RequestOutcome[];
  get(host: string, path?: string, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; text: string }>;
}

async function startProxy(input: CompileInput): Promise<Proxy> {
  const config = compileConfig(input);
  const outcomes: RequestOutcome[] = [];
  const listener = await startOutboundListener({ port: 0, config: () => config, onOutcome: (o) => outcomes.push(o) });
  const client = new Pool(`http://127.0.0.1:${listener.port}`, { connections: 8 });
  cleanups.push(() => listener.close());
  cleanups.push(() => client.close());
  return {
    listener,
    outcomes,
    async get(host, path = '/', headers = {}) {
      const res = await client.request({ method: 'GET', path, headers: { host, ...headers } });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    },
  };
}

describe('outbound listener: routing', () => {
  it('routes by Host and by path prefix and header to the right upstream, with Envoy request headers', async () => {
    const [a, b, c] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c')]);
    const proxy = await startProxy({
      clusters: [staticCluster('A', [a.port]), staticCluster('B', [b.port]), staticCluster('C', [c.port])],
      routeConfigurations: [
        routeConfig('9080', [
          {
            name: 'reviews',
            domains: ['reviews', 'reviews.default.svc.cluster.local'],
            routes: [
              { match: { prefix: '/v2', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }, route: { cluster: 'B', prefix_rewrite: '/api', host_rewrite_literal: 'b.internal' } },
              { match: { prefix: '/' }, route: { cluster: 'A', timeout: { seconds: '0' } }, request_headers_to_add: [{ header: { key: 'x-route', value: 'default' } }], response_headers_to_add: [{ header: { key: 'x-served-by', value: 'weft' } }] },
            ],
          },
          { name: 'ratings', domains: ['ratings'], routes: [{ match: { prefix: '/' }, route: { cluster: 'C' } }] },
        ]),
      ],
    });

    const toA = await proxy.get('reviews:9080', '/v2/x');
    expect(JSON.parse(toA.text)).toMatchObject({ upstream: 'a', path: '/v2/x', headers: { host: 'reviews:9080', 'x-forwarded-proto': 'http', 'x-envoy-attempt-count': '1', 'x-route': 'default' } });
    expect(JSON.parse(toA.text).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(toA.headers['x-served-by']).toBe('weft');
    expect(toA.headers['x-envoy-upstream-service-time']).toMatch(/^\d+$/);

    const toB = await proxy.get('reviews.default.svc.cluster.local:9080', '/v2/x?q=1', { 'end-user': 'jason', 'x-request-id': 'given' });
    expect(JSON.parse(toB.text)).toMatchObject({ upstream: 'b', path: '/api/x?q=1', headers: { host: 'b.internal', 'x-request-id': 'given' } });

    const toC = await proxy.get('ratings:9080', '/');
    expect(JSON.parse(toC.text)).toMatchObject({ upstream: 'c' });
    expect(proxy.outcomes.map((o) => [o.cluster, o.responseFlags, o.status])).toEqual([
      ['A', '-', 200],
      ['B', '-', 200],
      ['C', '-', 200],
    ]);
  });

  it('takes the absolute-form URI of an explicit proxy request', async () => {
    const a = await startUpstream('a');
    const proxy = await startProxy({ clusters: [staticCluster('A', [a.port])], routeConfigurations: [routeConfig('80', [{ name: 'h', domains: ['details'], routes: [{ match: { prefix: '/' }, route: { cluster: 'A' } }] }])] });
    const res = await proxy.get('ignored', 'http://details/d?x=1');
    expect(JSON.parse(res.text)).toMatchObject({ upstream: 'a', path: '/d?x=1', headers: { host: 'details' } });
  });

  it('spreads weighted clusters by weight over 1,000 requests (±5 points)', async () => {
    const [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')]);
    const proxy = await startProxy({
      clusters: [staticCluster('A', [a.port]), staticCluster('B', [b.port])],
      routeConfigurations: [
        routeConfig('9080', [
          {
            name: 'reviews',
            domains: ['reviews'],
            routes: [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'A', weight: { value: 25 } }, { name: 'B', weight: { value: 75 } }] } } }],
          },
        ]),
      ],
    });
    for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, () => proxy.get('reviews:9080')));
    expect(a.seen.length + b.seen.length).toBe(1000);
    expect(a.seen.length / 1000).toBeGreaterThanOrEqual(0.2);
    expect(a.seen.length / 1000).toBeLessThanOrEqual(0.3);
  });

  it('reuses one upstream connection for sequential requests (keep-alive)', async () => {
    const a = await startUpstream('a');
    const proxy = await startProxy({ clusters: [staticCluster('A', [a.port])], routeConfigurations: [routeConfig('9080', [{ name: 'r', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'A' } }] }])] });
    for (let i = 0; i < 5; i++) expect((await proxy.get('reviews:9080')).status).toBe(200);
    expect(a.seen.length).toBe(5);
    expect(a.connections).toBe(1);
  });
});

describe('outbound listener: local replies (rescue table)', () => {
  it('answers 404 NR with an empty body when no virtual host, route or route configuration matches', async () => {
    const a = await startUpstream('a');
    const proxy = await startProxy({
      clusters: [staticCluster('A', [a.port])],
      routeConfigurations: [routeConfig('9080', [{ name: 'r', domains: ['reviews'], routes: [{ match: { path: '/only' }, route: { cluster: 'A' } }] }])],
    });
    for (const [host, path] of [
      ['nobody:9080', '/only'],
      ['reviews:9080', '/other'],
      ['reviews:7777', '/only'],
    ] as const) {
      const res = await proxy.get(host, path);
      expect([res.status, res.text]).toEqual([404, '']);
    }
    expect(proxy.outcomes.map((o) => o.responseFlags)).toEqual(['NR', 'NR', 'NR']);
    expect(a.seen).toHaveLength(0);
  });

  it('answers 503 UF when the endpoint refuses connections, and 503 UH when the cluster has no endpoint', async () => {
    const port = await deadPort();
    const proxy = await startProxy({
      clusters: [staticCluster('DEAD', [port]), { name: 'EMPTY', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }],
      routeConfigurations: [
        routeConfig('9080', [
          {
            name: 'r',
            domains: ['*'],
            routes: [
              { match: { prefix: '/empty' }, route: { cluster: 'EMPTY' } },
              { match: { prefix: '/missing' }, route: { cluster: 'NOT-IN-CDS' } },
              { match: { prefix: '/' }, route: { cluster: 'DEAD' } },
            ],
          },
        ]),
      ],
    });
    const uf = await proxy.get('x:9080', '/');
    expect([uf.status, uf.text]).toEqual([503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure']);
    const uh = await proxy.get('x:9080', '/empty');
    expect([uh.status, uh.text]).toEqual([503, 'no healthy upstream']);
    const nc = await proxy.get('x:9080', '/missing');
    expect(nc.status).toBe(503);
    expect(proxy.outcomes.map((o) => o.responseFlags)).toEqual(['UF', 'UH', 'NC']);
  });

  it('answers 504 UT when the upstream is slower than the route timeout', async () => {
    const slow = await startUpstream('slow', (_req, res) => {
      const t = setTimeout(() => res.end('late'), 2000);
      res.on('close', () => clearTimeout(t));
    });
    const proxy = await startProxy({
      clusters: [staticCluster('SLOW', [slow.port])],
      routeConfigurations: [routeConfig('9080', [{ name: 'r', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'SLOW', timeout: { nanos: 150_000_000 } } }] }])],
    });
    const started = performance.now();
    const res = await proxy.get('slow:9080');
    expect([res.status, res.text]).toEqual([504, 'upstream request timeout']);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(proxy.outcomes[0]?.responseFlags).toBe('UT');
  });

  it('retries a 503 and sends x-envoy-attempt-count to the upstream', async () => {
    const flaky = await startUpstream('flaky', (_req, res, n) => {
      res.writeHead(n === 1 ? 503 : 200);
      res.end(n === 1 ? 'down' : 'up');
    });
    const proxy = await startProxy({
      clusters: [staticCluster('FLAKY', [flaky.port])],
      routeConfigurations: [routeConfig('9080', [{ name: 'r', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'FLAKY', retry_policy: { retry_on: 'connect-failure,5xx', num_retries: { value: 2 } } } }] }])],
    });
    const res = await proxy.get('flaky:9080');
    expect([res.status, res.text]).toEqual([200, 'up']);
    expect(flaky.seen.map((s) => s.headers['x-envoy-attempt-count'])).toEqual(['1', '2']);
    expect(proxy.outcomes[0]).toMatchObject({ attempts: 2, responseFlags: '-' });
  });

  it('retries a try that exceeds per_try_timeout, resending a buffered request body', async () => {
    const bodies: string[] = [];
    const sometimesSlow = await startUpstream('slow-once', (req, res, n) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        const t = setTimeout(() => res.end(`got ${body}`), n === 1 ? 2000 : 0);
        res.on('close', () => clearTimeout(t));
      });
    });
    const proxy = await startProxy({
      clusters: [staticCluster('S', [sometimesSlow.port])],
      routeConfigurations: [
        routeConfig('9080', [
          { name: 'r', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'S', timeout: { seconds: '5' }, retry_policy: { retry_on: '5xx', num_retries: { value: 1 }, per_try_timeout: { nanos: 200_000_000 } } } }] },
        ]),
      ],
    });
    const client = new Pool(`http://127.0.0.1:${proxy.listener.port}`);
    cleanups.push(() => client.close());
    const res = await client.request({ method: 'POST', path: '/', headers: { host: 's:9080', 'content-type': 'text/plain' }, body: 'hello' });
    expect([res.statusCode, await res.body.text()]).toEqual([200, 'got hello']);
    expect(bodies).toEqual(['hello', 'hello']);
    expect(proxy.outcomes[0]).toMatchObject({ attempts: 2, responseFlags: '-' });
  });

  it('streams a request body upstream when the route does not retry', async () => {
    const echo = await startUpstream('echo', (req, res) => {
      res.writeHead(200);
      req.pipe(res);
    });
    const proxy = await startProxy({ clusters: [staticCluster('E', [echo.port])], routeConfigurations: [routeConfig('9080', [{ name: 'r', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'E' } }] }])] });
    const client = new Pool(`http://127.0.0.1:${proxy.listener.port}`);
    cleanups.push(() => client.close());
    const big = 'x'.repeat(3 * 1024 * 1024);
    const res = await client.request({ method: 'PUT', path: '/', headers: { host: 'e:9080' }, body: big });
    expect((await res.body.text()).length).toBe(big.length);
  });

  it('returns the last 503 with URX when retries run out, and does not retry a status retry_on does not name', async () => {
    const down = await startUpstream('down', (_req, res) => {
      res.writeHead(503);
      res.end('down');
    });
    const proxy = await startProxy({
      clusters: [staticCluster('DOWN', [down.port])],
      routeConfigurations: [
        routeConfig('9080', [
          {
            name: 'r',
            domains: ['*'],
            routes: [
              { match: { prefix: '/codes' }, route: { cluster: 'DOWN', retry_policy: { retry_on: 'retriable-status-codes', retriable_status_codes: [500], num_retries: { value: 3 } } } },
              { match: { prefix: '/' }, route: { cluster: 'DOWN', retry_policy: { retry_on: 'gateway-error', num_retries: { value: 2 } } } },
            ],
          },
        ]),
      ],
    });
    expect((await proxy.get('down:9080', '/')).status).toBe(503);
    expect(down.seen).toHaveLength(3);
    expect((await proxy.get('down:9080', '/codes')).status).toBe(503);
    expect(down.seen).toHaveLength(4);
    expect(proxy.outcomes.map((o) => o.responseFlags)).toEqual(['URX', '-']);
  });

  it('aborts with the configured status and FI, and delays with DI', async () => {
    const a = await startUpstream('a');
    const fault = (f: Record<string, unknown>) => ({ 'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', ...f } });
    const proxy = await startProxy({
      clusters: [staticCluster('A', [a.port])],
      routeConfigurations: [
        routeConfig('9080', [
          {
            name: 'r',
            domains: ['*'],
            routes: [
              { match: { prefix: '/abort' }, route: { cluster: 'A' }, typed_per_filter_config: fault({ abort: { http_status: 418, percentage: { numerator: 100, denominator: 'HUNDRED' } } }) },
              { match: { prefix: '/delay' }, route: { cluster: 'A' }, typed_per_filter_config: fault({ delay: { fixed_delay: { nanos: 200_000_000 }, percentage: { numerator: 1_000_000, denominator: 'MILLION' } } }) },
            ],
          },
        ]),
      ],
    });
    const aborted = await proxy.get('a:9080', '/abort');
    expect([aborted.status, aborted.text]).toEqual([418, 'fault filter abort']);
    expect(a.seen).toHaveLength(0);
    const started = performance.now();
    expect((await proxy.get('a:9080', '/delay')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(proxy.outcomes.map((o) => o.responseFlags)).toEqual(['FI', 'DI']);
  });

  it('serves direct responses and redirects without an upstream', async () => {
    const proxy = await startProxy({
      routeConfigurations: [
        routeConfig('80', [
          {
            name: 'r',
            domains: ['www.example.com'],
            routes: [
              { match: { path: '/health' }, direct_response: { status: 200, body: { inline_string: 'ok' } } },
              { match: { prefix: '/old/' }, redirect: { prefix_rewrite: '/new/', response_code: 'FOUND' } },
              { match: { prefix: '/' }, redirect: { https_redirect: true, host_redirect: 'secure.example.com' } },
            ],
          },
        ]),
      ],
    });
    const direct = await proxy.get('www.example.com', '/health');
    expect([direct.status, direct.text, direct.headers['content-type']]).toEqual([200, 'ok', 'text/plain']);
    const moved = await proxy.get('www.example.com', '/old/a?b=1');
    expect([moved.status, moved.headers.location]).toEqual([302, 'http://www.example.com/new/a?b=1']);
    const https = await proxy.get('www.example.com', '/x');
    expect([https.status, https.headers.location]).toEqual([301, 'https://secure.example.com/x']);
  });
});
