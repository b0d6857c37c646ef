#!/usr/bin/env node
// A socket-free microbenchmark of weft-proxy's HTTP/1.1 hot path, for A/B comparisons of per-request
// JavaScript cost on a noisy machine: the built dist/ modules (downstream connection, request path,
// forwarding, upstream connection) serve wrk-shaped requests from fake sockets, with the bench's 40
// virtual hosts and an nginx-shaped response, and the CPU time per request is printed. Kernel and
// libuv costs are not in it (no real sockets); the full picture is proxy-bench.mjs.
// Usage: node bench/hot-path-micro.mjs [--requests N] [--connections N] [--rounds N] [--dist DIR] [--no-metrics]
// (--dist: another build of this package's dist/, e.g. a copy taken before a change, for an A/B;
// --no-metrics: without Istio's metrics and the peer metadata exchange, which the binary always has.)

import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TYPE_URL } from '@weft/shared/xds';
import { benchMesh } from './bench-mesh.mjs';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    dist: { type: 'string', default: new URL('../dist', import.meta.url).pathname },
    'no-metrics': { type: 'boolean', default: false },
  },
});
const dist = (path) => pathToFileURL(resolve(opts.dist, path)).href;
const { compileConfig } = await import(dist('compile/compile-config.js'));
const { createHttpConnectionHandler } = await import(dist('outbound/http-connection.js'));
const { Http1ClientConnection, Http1ClientExchange } = await import(dist('http1/http1-client-connection.js'));
const total = Number(opts.requests);
const connections = Number(opts.connections);
const rounds = Number(opts.rounds);

const mesh = benchMesh({ upstreamPort: 18080, listenerPort: 15081 });
const config = compileConfig({
  routeConfigurations: mesh.resources[TYPE_URL.ROUTE],
  clusters: mesh.resources[TYPE_URL.CLUSTER],
  clusterLoadAssignments: mesh.resources[TYPE_URL.ENDPOINT],
});

const REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${mesh.host}\r\n\r\n`, 'latin1');
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Wed, 25 Nov 2026 17:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n', 'latin1');

/** Enough of a net.Socket for the HTTP/1.1 code: writes are counted, reads are pushed by hand. */
class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  writableNeedDrain = false;
  written = 0;
  writes = 0;
  paused = false;
  constructor(onWrite) {
    super();
    this.onWrite = onWrite;
  }
  setNoDelay() {}
  cork() {}
  uncork() {}
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
    const u = this.unshifted;
    this.unshifted = undefined;
    if (u) this.emit('data', u);
  }
  unshift(buf) {
    this.unshifted = buf;
  }
  isPaused() {
    return this.paused;
  }
  write(data) {
    this.writes++;
    this.written += data.length;
    this.onWrite?.(data);
    return true;
  }
  end() {}
  destroy() {
    this.emit('close');
  }
}

/** Upstream connections answering every request head with RESPONSE (on the next macrotask). */
let toAnswer = [];
function upstreamSocket() {
  const s = new FakeSocket(() => toAnswer.push(s));
  return s;
}

/** One keep-alive connection per downstream connection's request in flight, reused LIFO. */
const idle = [];
const owner = {
  connected() {},
  released(conn, reusable) {
    if (reusable) idle.push(conn);
  },
  closed() {},
};
const connector = {
  request(head, handler) {
    const ex = new Http1ClientExchange(head, handler);
    let conn = idle.pop();
    if (!conn) {
      conn = new Http1ClientConnection(upstreamSocket(), owner, 0);
      conn.socket.emit('connect');
      idle.pop();
    }
    conn.assign(ex);
    return ex;
  },
};
const pools = { get: () => connector };

/** As the binary wires them (start-proxy.ts): metrics counted per request, peer metadata exchanged. */
async function telemetry() {
  if (opts['no-metrics']) return {};
  try {
    const { IstioMetrics } = await import(dist('telemetry/istio-metrics.js'));
    const { encodePeerHeaders, workloadInfoFromMetadata } = await import(dist('telemetry/workload-info.js'));
    const metadata = { NAME: 'bench-client', NAMESPACE: 'bench', WORKLOAD_NAME: 'bench-client', LABELS: { app: 'bench-client', version: 'v1' } };
    const metrics = new IstioMetrics(workloadInfoFromMetadata(metadata));
    return { onOutcome: (o) => metrics.recordRequest(o), peerHeaders: encodePeerHeaders('sidecar~127.0.0.1~bench-client.bench~bench.svc.cluster.local', metadata) };
  } catch {
    return {}; // a build from before the metrics
  }
}

let completed = 0;
const handler = createHttpConnectionHandler({ config: () => config, pools, direction: 'outbound', routeConfigName: '9080', ...(await telemetry()) });
const downstream = [];
for (let i = 0; i < connections; i++) {
  const s = new FakeSocket((data) => {
    if (typeof data === 'string' ? data.startsWith('HTTP/1.1 200') : data[9] === 0x32) completed++;
  });
  handler(s);
  downstream.push(s);
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function run(n) {
  const start = completed;
  while (completed - start < n) {
    for (const s of downstream) s.emit('data', REQUEST);
    await tick();
    const answer = toAnswer;
    toAnswer = [];
    for (const u of answer) u.emit('data', RESPONSE);
    await tick();
  }
}

await run(20_000); // warm-up: JIT
for (let r = 0; r < rounds; r++) {
  if (globalThis.gc) globalThis.gc();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const before = completed;
  await run(total);
  const d = process.cpuUsage(cpu);
  const done = completed - before;
  const ms = performance.now() - t0;
  console.log(`round ${r + 1} ${opts.dist}: ${done} requests, ${((d.user + d.system) / done).toFixed(2)} us CPU/request (user ${(d.user / done).toFixed(2)}), ${Math.round(done / (ms / 1000))} req/s`);
}
