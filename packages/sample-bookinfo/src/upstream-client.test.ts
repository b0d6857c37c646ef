import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, startStub } from './bookinfo.test-fixtures.js';
import { createUpstreamClient } from './upstream-client.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('createUpstreamClient', () => {
  it('answers any status with the parsed JSON, undefined for a body that is not JSON', async () => {
    const stub = await startStub((req, res) => (req.url === '/json' ? res.writeHead(418).end('{"a":1}') : res.end('<html>')), cleanup);
    const client = createUpstreamClient({ proxy: undefined, proxyForm: 'absolute' });
    cleanup.add(async () => client.close());
    const to = { host: '127.0.0.1', port: stub.port };
    expect(await client.getJson(to, '/json', {}, 1000)).toEqual({ ok: true, status: 418, body: { a: 1 } });
    expect(await client.getJson(to, '/html', {}, 1000)).toEqual({ ok: true, status: 200, body: undefined });
  });

  it('gives up at the deadline even when the headers came and the body stalls', async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    }, cleanup);
    const client = createUpstreamClient({ proxy: undefined, proxyForm: 'absolute' });
    cleanup.add(async () => client.close());
    const started = Date.now();
    const r = await client.getJson({ host: '127.0.0.1', port: stub.port }, '/', {}, 150);
    expect(r).toEqual({ ok: false, reason: `no response from 127.0.0.1:${stub.port} within 150 ms` });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('sends the Host header of the service and exactly the given headers', async () => {
    let seen: Record<string, unknown> = {};
    const stub = await startStub((req, res) => {
      seen = { url: req.url, ...req.headers };
      res.end('{}');
    }, cleanup);
    const client = createUpstreamClient({ proxy: { host: '127.0.0.1', port: stub.port }, proxyForm: 'origin' });
    cleanup.add(async () => client.close());
    await client.getJson({ host: 'fd00::7', port: 9080 }, '/reviews/0', { 'x-request-id': 'r' }, 1000);
    expect(seen).toMatchObject({ url: '/reviews/0', host: '[fd00::7]:9080', 'x-request-id': 'r', accept: 'application/json' });
    expect(seen['user-agent']).toBeUndefined();
  });
});
