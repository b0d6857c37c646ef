// The CORS filter and request mirroring through createHttpConnectionHandler on real sockets.

import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compileConfig, type CompileInput } from '../compile/compile-config.js';
import { createHttpConnectionHandler } from '../outbound/http-connection.js';
import { UpstreamPools } from '../outbound/upstream-pools.js';
import { authorityAddress } from './forward-request.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An upstream recording what it receives; answers 200 `from <name>`. */
async function upstream(name: string): Promise<{ port: number; seen: { method: string; host: string; body: string }[] }> {
  const seen: { method: string; host: string; body: string }[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', host: req.headers.host ?? '', body });
      res.end(`from ${name}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { port: (server.address() as AddressInfo).port, seen };
}

const cluster = (name: string, port: number) => ({ name, type: 'STATIC', load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] } });

async function proxy(input: CompileInput): Promise<number> {
  const config = compileConfig(input);
  const pools = new UpstreamPools();
  const serve = createHttpConnectionHandler({ config: () => config, pools, direction: 'outbound', routeConfigName: 'rc' });
  const sockets = new Set<Socket>();
  const server = createServer((s) => (sockets.add(s), serve(s)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pools.close();
  });
  return (server.address() as AddressInfo).port;
}

function send(port: number, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: '/x', headers: { host: 'reviews:9080', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CORS = {
  'envoy.filters.http.cors': {
    allow_origin_string_match: [{ exact: 'https://app.example.com' }, { suffix: '.trusted.example' }],
    allow_methods: 'GET,POST',
    allow_headers: 'x-user',
    expose_headers: 'x-trace',
    max_age: '600',
    allow_credentials: { value: true },
    forward_not_matching_preflights: { value: false },
    filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
  },
};

describe('CORS filter', () => {
  async function corsProxy(): Promise<{ port: number; seen: { method: string }[] }> {
    const up = await upstream('reviews');
    const port = await proxy({ clusters: [cluster('reviews', up.port) as never], routeConfigurations: [{ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], typed_per_filter_config: CORS, routes: [{ match: { prefix: '/' }, route: { cluster: 'reviews' } }] }] }] });
    return { port, seen: up.seen };
  }

  it('answers a preflight from an allowed origin itself, with the policy in headers', async () => {
    const { port, seen } = await corsProxy();
    const res = await send(port, 'OPTIONS', { origin: 'https://a.trusted.example', 'access-control-request-method': 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'access-control-allow-origin': 'https://a.trusted.example', 'access-control-allow-methods': 'GET,POST', 'access-control-allow-headers': 'x-user', 'access-control-max-age': '600', 'access-control-allow-credentials': 'true' });
    expect(seen).toHaveLength(0);
  });

  it('answers a preflight from another origin without CORS headers when not forwarding it', async () => {
    const { port, seen } = await corsProxy();
    const res = await send(port, 'OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it('adds allow-origin and expose headers to the response of an allowed cross-origin request only', async () => {
    const { port, seen } = await corsProxy();
    const allowed = await send(port, 'GET', { origin: 'https://app.example.com' });
    expect(allowed).toMatchObject({ status: 200, body: 'from reviews', headers: { 'access-control-allow-origin': 'https://app.example.com', 'access-control-expose-headers': 'x-trace', 'access-control-allow-credentials': 'true' } });
    const other = await send(port, 'GET', { origin: 'https://evil.example' });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const plain = await send(port, 'GET', {});
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    expect(seen).toHaveLength(3);
  });
});

describe('request mirroring', () => {
  it('sends a shadow copy (Host with -shadow, body included) to the mirror cluster and answers from the primary', async () => {
    const primary = await upstream('v1');
    const shadow = await upstream('v2');
    const port = await proxy({
      clusters: [cluster('v1', primary.port) as never, cluster('v2', shadow.port) as never],
      routeConfigurations: [{ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'v1', request_mirror_policies: [{ cluster: 'v2', runtime_fraction: { default_value: { numerator: 100, denominator: 'HUNDRED' } } }], retry_policy: { retry_on: '5xx', num_retries: 1 } } }] }] }],
    });
    expect((await send(port, 'GET', {})).body).toBe('from v1');
    expect((await send(port, 'POST', { 'content-type': 'text/plain' }, 'payload')).body).toBe('from v1');
    await expect.poll(() => shadow.seen.length).toBe(2);
    expect(shadow.seen).toEqual([
      { method: 'GET', host: 'reviews-shadow:9080', body: '' },
      { method: 'POST', host: 'reviews-shadow:9080', body: 'payload' },
    ]);
    expect(primary.seen.map((s) => s.host)).toEqual(['reviews:9080', 'reviews:9080']);
  });

  it('mirrors the configured fraction of requests', async () => {
    const primary = await upstream('v1');
    const shadow = await upstream('v2');
    const port = await proxy({
      clusters: [cluster('v1', primary.port) as never, cluster('v2', shadow.port) as never],
      routeConfigurations: [{ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'v1', request_mirror_policies: [{ cluster: 'v2', runtime_fraction: { default_value: { numerator: 0, denominator: 'HUNDRED' } } }] } }] }] }],
    });
    for (let i = 0; i < 20; i++) await send(port, 'GET', {});
    expect(primary.seen).toHaveLength(20);
    expect(shadow.seen).toHaveLength(0);
  });
});

describe('PassthroughCluster (ORIGINAL_DST) in the explicit proxy', () => {
  it('connects where the request was headed: the authority', async () => {
    const up = await upstream('outside');
    const port = await proxy({
      clusters: [{ name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' } as never],
      routeConfigurations: [{ name: 'rc', virtual_hosts: [{ name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] }] }],
    });
    const res = await send(port, 'GET', { host: `127.0.0.1:${up.port}` });
    expect(res).toMatchObject({ status: 200, body: 'from outside' });
    expect(up.seen).toEqual([{ method: 'GET', host: `127.0.0.1:${up.port}`, body: '' }]);
  });
});

describe('authorityAddress', () => {
  it.each([
    ['reviews:9080', 'http', { host: 'reviews', port: 9080 }],
    ['example.com', 'http', { host: 'example.com', port: 80 }],
    ['example.com', 'https', { host: 'example.com', port: 443 }],
    ['[::1]:8080', 'http', { host: '::1', port: 8080 }],
    ['[::1]', 'http', { host: '::1', port: 80 }],
    ['', 'http', undefined],
    ['host:99999', 'http', undefined],
    ['[::1', 'http', undefined],
  ])('%s (%s) → %j', (authority, scheme, want) => {
    expect(authorityAddress(authority, scheme)).toEqual(want);
  });
});
