// Two proxies on the path, measured: the client's weft-proxy sends to reviews, whose own weft-proxy
// takes the traffic on its inbound listener (the WorkloadEntry address) and hands it to the app on its
// app address. Plain HTTP/1.1 and WebSocket sessions (opened through the explicit outbound port and
// through the per-service listener) work end to end; with the server-side proxy gone, the same
// requests fail at the client's proxy with 503 UF, which shows the traffic really crossed it.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh } from './harness/local-mesh.js';
import { VERSION_HEADER } from './harness/upstream-server.js';
import { openWebSocket, type WebSocketConnection } from './harness/websocket-client.js';

const mesh = useLocalMesh({
  scenario: 'two-proxies',
  services: [{ name: 'reviews', versions: ['v1'], sidecar: true }],
  routing: (m) => [subsetsByVersion('reviews', m.namespace, ['v1']), virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] })],
});

/** Opens a WebSocket to reviews through the client's explicit outbound port. */
async function openViaExplicitProxy(m: LocalMesh): Promise<WebSocketConnection> {
  const open = await openWebSocket('127.0.0.1', m.proxy.outboundPort, m.authority('reviews'), `http://${m.authority('reviews')}/chat`);
  if (!open.ok) throw new Error(`handshake refused: ${open.head}`);
  return open.socket;
}

/** Sends `count` messages one after another and returns the echoes. */
async function exchange(ws: WebSocketConnection, tag: string, count: number): Promise<string[]> {
  const echoes: string[] = [];
  for (let i = 0; i < count; i++) {
    ws.send(`${tag}-${i}`);
    echoes.push(await ws.next());
  }
  return echoes;
}

describe('two proxies: client sidecar → server sidecar inbound → app', () => {
  it('carries HTTP/1.1 requests', async () => {
    const m = mesh();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/reviews/2' }, 200, { concurrency: 10 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 200 });
    expect(report.byVersion).toEqual({ v1: 200 });
    expect(m.upstream('reviews', 'v1').seen.filter((r) => r.path === '/reviews/2').length).toBe(200);
  });

  it('upgrades to WebSocket through the explicit outbound port and relays messages both ways', async () => {
    const m = mesh();
    const ws = await openViaExplicitProxy(m);
    try {
      // The 101 came from the app, through both proxies.
      expect(ws.headers[VERSION_HEADER]).toBe('v1');
      expect(await exchange(ws, 'm', 20)).toEqual(Array.from({ length: 20 }, (_, i) => `v1: m-${i}`));
    } finally {
      ws.close();
    }
  });

  it('upgrades to WebSocket through the per-service listener (the app dials <outbound address>:9080)', async () => {
    const m = mesh();
    const open = await openWebSocket(m.proxy.outboundAddress, 9080, 'reviews:9080', '/chat');
    if (!open.ok) throw new Error(`handshake refused: ${open.head}`);
    try {
      expect(await exchange(open.socket, 'p', 5)).toEqual(['v1: p-0', 'v1: p-1', 'v1: p-2', 'v1: p-3', 'v1: p-4']);
    } finally {
      open.socket.close();
    }
  });

  it('keeps ten concurrent WebSocket sessions apart', async () => {
    const m = mesh();
    const sessions = await Promise.all(Array.from({ length: 10 }, () => openViaExplicitProxy(m)));
    try {
      const echoes = await Promise.all(sessions.map((ws, s) => exchange(ws, `s${s}`, 10)));
      echoes.forEach((got, s) => expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `v1: s${s}-${i}`)));
    } finally {
      for (const ws of sessions) ws.close();
    }
  });

  // Last: it stops the server-side proxy.
  it('fails with 503 UF at the client proxy once the server-side proxy is gone', async () => {
    const m = mesh();
    await m.sidecars.get('reviews/v1')?.stop();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews') }, 10, { concurrency: 2 });
    expect(report.byStatus, describeReport(report)).toEqual({ '503': 10 });
    expect(report.byFlag).toEqual({ UF: 10 });
    const open = await openWebSocket('127.0.0.1', m.proxy.outboundPort, m.authority('reviews'), `http://${m.authority('reviews')}/chat`);
    expect(open.ok ? 101 : open.status).toBe(503);
  });
});
