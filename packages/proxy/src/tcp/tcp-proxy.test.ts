import { createHash } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compileConfig, type CompiledConfig } from '../compile/compile-config.js';
import { unacceptingPort } from '../../test/unaccepting-port.js';
import type { TcpOutcome } from './tcp-outcome.js';
import { compileTcpProxy, DEFAULT_TCP_IDLE_TIMEOUT_MS } from './tcp-proxy-config.js';
import { createTcpProxyHandler, type TcpConnectionContext } from './tcp-proxy.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An upstream that echoes everything back and ends when the client ends. */
const echoServer = (): Server => createServer({ allowHalfOpen: true }, (s) => s.pipe(s));

/** An upstream that says its name and stays open. */
const namedServer = (name: string): Server => createServer((s) => s.write(name));

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function staticCluster(name: string, ports: readonly number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    connect_timeout: { seconds: '1' },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: ports.map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } })) }] },
    ...extra,
  };
}

const context: TcpConnectionContext = { listenerName: '10.0.0.9_3306', chainName: 'mysql' };

/** A downstream-facing server running a tcp_proxy with `config`; returns its port and the outcomes. */
async function proxyFor(tcpProxy: Record<string, unknown>, config: CompiledConfig, random?: () => number): Promise<{ port: number; outcomes: TcpOutcome[] }> {
  const outcomes: TcpOutcome[] = [];
  const handle = createTcpProxyHandler(compileTcpProxy(tcpProxy), { config: () => config, onTcpOutcome: (o) => outcomes.push(o), ...(random ? { random } : {}) });
  const port = await listen(createServer({ allowHalfOpen: true }, (s) => handle(s, context)));
  return { port, outcomes };
}

function dial(port: number): Socket {
  const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  sockets.push(s);
  return s;
}

/** Everything the socket receives until it ends or closes. */
function readAll(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A deterministic [0, 1) sequence (an LCG), so distribution tests cannot flake. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('compileTcpProxy', () => {
  it('reads Envoy defaults: 1 h idle timeout, one connect attempt', () => {
    const p = compileTcpProxy({ cluster: 'c' } as never);
    expect(p).toMatchObject({ idleTimeoutMs: DEFAULT_TCP_IDLE_TIMEOUT_MS, maxConnectAttempts: 1 });
    expect(p.pickCluster(() => 0.5)).toBe('c');
  });

  it.each([
    [{ cluster: 'c', idle_timeout: { seconds: '0' } }, 0, 1],
    [{ cluster: 'c', idle_timeout: { nanos: 250_000_000 }, max_connect_attempts: { value: 3 } }, 250, 3],
  ])('reads %j', (config, idle, attempts) => {
    expect(compileTcpProxy(config as never)).toMatchObject({ idleTimeoutMs: idle, maxConnectAttempts: attempts });
  });

  it('draws weighted clusters by cumulative weight, skipping zero weights', () => {
    const p = compileTcpProxy({ weighted_clusters: { clusters: [{ name: 'a', weight: 80 }, { name: 'zero', weight: 0 }, { name: 'b', weight: 20 }] } });
    expect([0, 0.5, 0.7999, 0.8, 0.9999].map((r) => p.pickCluster(() => r))).toEqual(['a', 'a', 'a', 'b', 'b']);
  });
});

describe('tcp_proxy connections', () => {
  it('echoes through the proxy and reports bytes, cluster and upstream host', async () => {
    const upstream = await listen(echoServer());
    const { port, outcomes } = await proxyFor({ cluster: 'echo' }, compileConfig({ clusters: [staticCluster('echo', [upstream]) as never] }));
    const client = dial(port);
    const received = readAll(client);
    client.end('hello, mesh');
    expect((await received).toString()).toBe('hello, mesh');
    const outcome = await until(() => outcomes[0], 'outcome');
    expect(outcome).toMatchObject({
      listener: '10.0.0.9_3306',
      filterChain: 'mysql',
      cluster: 'echo',
      upstreamHost: `127.0.0.1:${upstream}`,
      responseFlags: '-',
      bytesReceived: 11,
      bytesSent: 11,
      connectAttempts: 1,
    });
  });

  it('carries megabytes both ways intact, with backpressure', async () => {
    const upstream = await listen(echoServer());
    const { port } = await proxyFor({ cluster: 'echo' }, compileConfig({ clusters: [staticCluster('echo', [upstream]) as never] }));
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 13)) & 255;
    const client = dial(port);
    const received = readAll(client);
    client.end(payload);
    const back = await received;
    expect(back.length).toBe(payload.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('splits connections over weighted clusters by weight', async () => {
    const a = await listen(namedServer('a'));
    const b = await listen(namedServer('b'));
    const config = compileConfig({ clusters: [staticCluster('a', [a]) as never, staticCluster('b', [b]) as never] });
    const { port } = await proxyFor({ weighted_clusters: { clusters: [{ name: 'a', weight: 75 }, { name: 'b', weight: 25 }] } }, config, seeded(7));
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 400; i++) {
      const client = dial(port);
      const name = await new Promise<string>((resolve) => client.once('data', (d: Buffer) => resolve(d.toString())));
      counts[name as 'a' | 'b']++;
      client.destroy();
    }
    expect(counts.a + counts.b).toBe(400);
    expect(Math.abs(counts.a / 400 - 0.75)).toBeLessThan(0.05);
  });

  it('closes the downstream with UF after max_connect_attempts failures', async () => {
    const dead = await deadPort();
    const { port, outcomes } = await proxyFor({ cluster: 'dead', max_connect_attempts: { value: 3 } }, compileConfig({ clusters: [staticCluster('dead', [dead]) as never] }));
    const client = dial(port);
    const received = readAll(client);
    client.write('anyone?');
    expect((await received).length).toBe(0);
    expect(await until(() => outcomes[0], 'outcome')).toMatchObject({ responseFlags: 'UF', termination: 'connect_failure', connectAttempts: 3, upstreamHost: `127.0.0.1:${dead}`, bytesSent: 0 });
  });

  it('picks another endpoint for the next connect attempt', async () => {
    const dead = await deadPort();
    const alive = await listen(echoServer());
    // Round robin over [dead, alive] from a random start: whichever comes first, the second try works.
    const { port, outcomes } = await proxyFor({ cluster: 'mixed', max_connect_attempts: { value: 2 } }, compileConfig({ clusters: [staticCluster('mixed', [dead, alive]) as never] }));
    for (let i = 0; i < 4; i++) {
      const client = dial(port);
      const received = readAll(client);
      client.end('x');
      expect((await received).toString()).toBe('x');
    }
    await until(() => (outcomes.length === 4 ? true : undefined), 'outcomes');
    expect(outcomes.every((o) => o.responseFlags === '-' && o.upstreamHost === `127.0.0.1:${alive}`)).toBe(true);
    expect(outcomes.some((o) => o.connectAttempts === 2)).toBe(true);
  });

  it.each([
    ['an unknown cluster: NC', { cluster: 'nope' }, 'NC', 'no_cluster'],
    ['a cluster without endpoints: UH', { cluster: 'empty' }, 'UH', 'no_healthy_upstream'],
    ['PassthroughCluster without an original destination: UH', { cluster: 'PassthroughCluster' }, 'UH', 'no_healthy_upstream'],
  ])('closes the downstream for %s', async (_what, tcp, flag, termination) => {
    const config = compileConfig({ clusters: [staticCluster('empty', []) as never, { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' } as never] });
    const { port, outcomes } = await proxyFor(tcp, config);
    const client = dial(port);
    expect((await readAll(client)).length).toBe(0);
    expect(await until(() => outcomes[0], 'outcome')).toMatchObject({ responseFlags: flag, termination, connectAttempts: 0 });
  });

  it('gives up after connect_timeout when the upstream never answers the handshake', async () => {
    const held = await unacceptingPort();
    try {
      const port = held.port;
      const config = compileConfig({ clusters: [{ ...staticCluster('stuck', [port]), connect_timeout: { nanos: 200_000_000 } } as never] });
      const { port: proxyPort, outcomes } = await proxyFor({ cluster: 'stuck', max_connect_attempts: { value: 2 } }, config);
      const started = Date.now();
      await readAll(dial(proxyPort));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(380);
      expect(elapsed).toBeLessThan(2000);
      expect(await until(() => outcomes[0], 'outcome')).toMatchObject({ responseFlags: 'UF', termination: 'connect_failure', connectAttempts: 2 });
    } finally {
      await held.close();
    }
  });

  it('keeps the other direction open after the client half-closes', async () => {
    // The upstream answers only after it has seen the client's FIN.
    const upstream = await listen(
      createServer({ allowHalfOpen: true }, (s) => {
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => setTimeout(() => s.end(`got:${Buffer.concat(chunks).toString()}`), 50));
      }),
    );
    const { port, outcomes } = await proxyFor({ cluster: 'u' }, compileConfig({ clusters: [staticCluster('u', [upstream]) as never] }));
    const client = dial(port);
    const received = readAll(client);
    client.end('question');
    expect((await received).toString()).toBe('got:question');
    expect(await until(() => outcomes[0], 'outcome')).toMatchObject({ bytesReceived: 8, bytesSent: 12, responseFlags: '-' });
  });

  it('keeps the client able to send after a server-first upstream half-closes', async () => {
    let upstreamGot = '';
    let ended: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const upstream = await listen(
      createServer({ allowHalfOpen: true }, (s) => {
        s.end('banner');
        s.on('data', (c: Buffer) => (upstreamGot += c.toString()));
        s.on('end', ended);
      }),
    );
    const { port } = await proxyFor({ cluster: 'u' }, compileConfig({ clusters: [staticCluster('u', [upstream]) as never] }));
    const client = dial(port);
    const banner = await readAll(client);
    expect(banner.toString()).toBe('banner');
    client.end('late words');
    await done;
    expect(upstreamGot).toBe('late words');
  });

  it('closes both sides after idle_timeout without bytes, but not while bytes flow', async () => {
    let upstreamClosed = false;
    const upstream = await listen(
      createServer({ allowHalfOpen: true }, (s) => {
        s.pipe(s);
        s.on('close', () => (upstreamClosed = true));
      }),
    );
    const { port, outcomes } = await proxyFor({ cluster: 'u', idle_timeout: { nanos: 300_000_000 } }, compileConfig({ clusters: [staticCluster('u', [upstream]) as never] }));
    const client = dial(port);
    const received = readAll(client);
    const started = Date.now();
    // Bytes every 100 ms for 700 ms keep it open past the 300 ms timeout.
    for (let i = 0; i < 7; i++) {
      client.write('.');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(client.destroyed || client.readableEnded).toBe(false);
    const echoed = await received;
    const elapsed = Date.now() - started;
    expect(echoed.toString()).toBe('.......');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
    expect(await until(() => outcomes[0], 'outcome')).toMatchObject({ termination: 'idle_timeout', bytesReceived: 7, bytesSent: 7 });
    await until(() => (upstreamClosed ? true : undefined), 'upstream closed');
  });

  it('refuses a connection over the cluster max_connections with UO, and frees the slot on close', async () => {
    const upstream = await listen(echoServer());
    const cluster = staticCluster('small', [upstream], { circuit_breakers: { thresholds: [{ max_connections: { value: 1 } }] } });
    const { port, outcomes } = await proxyFor({ cluster: 'small' }, compileConfig({ clusters: [cluster as never] }));
    const first = dial(port);
    first.write('hold');
    await new Promise((r) => first.once('data', r));
    expect((await readAll(dial(port))).length).toBe(0);
    expect(await until(() => outcomes[0], 'overflow outcome')).toMatchObject({ responseFlags: 'UO', termination: 'overflow', connectAttempts: 0 });
    first.end();
    await until(() => (outcomes.length === 2 ? true : undefined), 'first outcome');
    const third = dial(port);
    const received = readAll(third);
    third.end('again');
    expect((await received).toString()).toBe('again');
  });

  it('closes the downstream when the upstream resets', async () => {
    const upstream = await listen(createServer((s) => s.on('data', () => s.resetAndDestroy())));
    const { port, outcomes } = await proxyFor({ cluster: 'u' }, compileConfig({ clusters: [staticCluster('u', [upstream]) as never] }));
    const client = dial(port);
    client.on('error', () => undefined);
    const received = readAll(client);
    client.write('boom');
    await received;
    expect(await until(() => outcomes[0], 'outcome')).toMatchObject({ termination: 'upstream_error', responseFlags: '-' });
  });
});
