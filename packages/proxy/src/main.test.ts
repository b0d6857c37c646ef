import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WEFT_VERSION } from '@weft/shared/version';
import { waitFor } from '../test/xds-test-server.js';
import type { ProxyHandle } from './bootstrap/start-proxy.js';
import { main, USAGE } from './main.js';
import { freePort } from '../test/free-port.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}


const quietEnv = async (): Promise<Record<string, string>> => ({
  WEFT_PROXY_ADMIN_PORT: '0',
  WEFT_PROXY_HEALTH_PORT: '0',
  WEFT_PROXY_STATS_PORT: '0',
  WEFT_PROXY_OUTBOUND_PORT: '0',
  WEFT_PROXY_DISCOVERY_ADDRESS: `127.0.0.1:${await freePort()}`,
  WEFT_PROXY_LOG_LEVEL: 'off',
});

describe('weft-proxy main', () => {
  it('prints the version', async () => {
    const out = capture();
    expect(await main(['--version'], out.stream)).toBe(0);
    expect(out.text()).toBe(`weft-proxy ${WEFT_VERSION}\n`);
  });

  it('prints the usage generated from config.ts', async () => {
    const out = capture();
    expect(await main(['--help'], out.stream)).toBe(0);
    expect(out.text()).toBe(USAGE);
    expect(USAGE).toContain('  --discovery-address <host:port>\n');
  });

  it('rejects an unknown flag with exit code 2 and the usage', async () => {
    const out = capture();
    const err = capture();
    expect(await main(['--nope'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toContain("Unknown option '--nope'");
    expect(err.text()).toContain('Usage: weft-proxy');
  });

  it('reports every bad setting at once', async () => {
    const err = capture();
    expect(await main(['--mode', 'x'], capture().stream, err.stream, { env: { POD_NAMESPACE: 'NO', WEFT_PROXY_ADMIN_PORT: 'port' } })).toBe(2);
    expect(err.text().split('\n').filter((l) => l.startsWith('weft-proxy: '))).toEqual([
      'weft-proxy: --mode: "x" is not one of sidecar, router',
      'weft-proxy: POD_NAMESPACE: "NO" is not a namespace name (DNS-1123 label)',
      'weft-proxy: WEFT_PROXY_ADMIN_PORT: "port" is not a port number (0-65535)',
    ]);
  });

  it('serves its admin API with no control plane, until told to stop', async () => {
    let stop = (): void => undefined;
    let handle: ProxyHandle | undefined;
    const running = main([], capture().stream, capture().stream, { env: await quietEnv(), stop: new Promise<void>((r) => (stop = r)), onStarted: (h) => (handle = h), start: { backoff: { initialMs: 20, maxMs: 50 } } });
    const h = await waitFor(() => handle, 'start');
    const ready = await fetch(`http://127.0.0.1:${h.adminPort}/ready`);
    expect([ready.status, await ready.text()]).toEqual([503, 'INITIALIZING\n']);
    await waitFor(() => h.xds.stats().updates.cluster.failure >= 2, 'reconnect attempts');
    stop();
    expect(await running).toBe(0);
    expect(h.lifecycle.state).toBe('DRAINING');
  });

  it('returns 0 after POST /quitquitquit', async () => {
    let handle: ProxyHandle | undefined;
    const running = main([], capture().stream, capture().stream, { env: await quietEnv(), stop: new Promise(() => undefined), onStarted: (h) => (handle = h) });
    const h = await waitFor(() => handle, 'start');
    expect((await fetch(`http://127.0.0.1:${h.adminPort}/quitquitquit`, { method: 'POST' })).status).toBe(200);
    expect(await running).toBe(0);
  });

  it('returns 1 when a port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const err = capture();
    try {
      const env = { ...(await quietEnv()), WEFT_PROXY_ADMIN_PORT: String((blocker.address() as { port: number }).port) };
      expect(await main([], capture().stream, err.stream, { env, stop: new Promise(() => undefined) })).toBe(1);
      expect(err.text()).toMatch(/^weft-proxy: cannot start: .*EADDRINUSE/m);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
