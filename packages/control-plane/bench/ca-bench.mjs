#!/usr/bin/env node
// The weftd CA benchmark: certificate issuance rate. Starts the built weftd as its own process with a
// fresh CA directory (self-signed RSA 2048 root, TLS port of its choosing), issues a bootstrap token,
// then a real client (@weft/shared/ca over gRPC + TLS) keeps N CreateCertificate calls in flight for
// the given time and prints CSRs signed per second, latency quantiles and weftd's CPU time. Never a test.
// Usage: node bench/ca-bench.mjs [--seconds 10] [--concurrency 16] [--connections 2] [--fresh-csr]
// (build first: npx tsc -p tsconfig.lib.json, here and in packages/shared)
/* global fetch */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import { createCaClient, createCsr } from '@weft/shared/ca';
import { issueWorkloadToken } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEFTD = path.join(here, '..', 'dist', 'bin', 'weftd.js');

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    connections: { type: 'string', default: '2' },
    'fresh-csr': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`Usage: node bench/ca-bench.mjs [options]   (in packages/control-plane, after building)
  --seconds <n>       measured time, default 10 (after a 1 s warm-up)
  --concurrency <n>   calls kept in flight, default 16
  --connections <n>   TLS connections (clients) they share, default 2
  --fresh-csr         a new key and CSR for every call (default: a pool of 64 made up front, so
                      the client's key generation does not compete with weftd for the CPU)
`);
  process.exit(0);
}
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const connections = Number(args.connections);

/** weftd's CPU seconds (user + system), from /proc (Linux). */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parts = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(parts[11]) + Number(parts[12])) / 100;
  } catch {
    return NaN;
  }
}

const quantile = (xs, q) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

const stateDir = mkdtempSync(path.join(tmpdir(), 'weft-ca-bench-'));
const caDir = path.join(stateDir, 'ca');
const weftd = spawn(process.execPath, [WEFTD, '--ca-dir', caDir, '--ca-port', '0', '--xds-port', '0', '--debug-port', '0', '--log-level', 'info'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let exited = false;
weftd.on('exit', () => (exited = true));

try {
  const ready = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: weftd.stdout });
    lines.on('line', (line) => {
      if (line.includes('"weftd ready"')) resolve(JSON.parse(line));
    });
    weftd.on('exit', (code) => reject(new Error(`weftd exited with ${code} before it was ready`)));
  });
  const rootCertPem = readFileSync(path.join(caDir, 'root-cert.pem'), 'utf8');
  const token = await issueWorkloadToken(caDir, { namespace: 'bench', serviceAccount: 'load' });
  const clients = Array.from({ length: connections }, () => createCaClient(ready.ca, { token }, { rootCertPem }));
  const pool = Array.from({ length: 64 }, () => createCsr({ trustDomain: 'cluster.local', namespace: 'bench', serviceAccount: 'load' }).csrPem);
  const csrFor = (i) => (args['fresh-csr'] ? createCsr().csrPem : pool[i % pool.length]);

  let phase = 'warmup';
  let ok = 0;
  let failed = 0;
  let sent = 0;
  const latencies = [];
  const worker = async (w) => {
    const client = clients[w % clients.length];
    while (phase !== 'done') {
      const i = sent++;
      const start = performance.now();
      const result = await client.requestCertificate(csrFor(i));
      if (phase !== 'measure') continue;
      if (result.ok) {
        ok++;
        latencies.push(performance.now() - start);
      } else {
        failed++;
        if (failed === 1) process.stderr.write(`first failure: ${result.code} ${result.message}\n`);
      }
    }
  };
  process.stdout.write(`weftd CA at ${ready.ca}; ${concurrency} calls in flight over ${connections} connection(s), ${seconds} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${cpus().length} CPUs\n`);
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  await new Promise((r) => setTimeout(r, 1000));
  phase = 'measure';
  const cpuBefore = cpuSeconds(weftd.pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(weftd.pid) - cpuBefore;
  phase = 'done';
  await Promise.all(workers);
  const metrics = await (await fetch(`http://${ready.debug}/metrics`)).text();
  const issued = Number(/^citadel_server_success_cert_issuance_count (\S+)$/m.exec(metrics)?.[1]);
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    [
      `certificates issued: ${ok} in ${elapsed.toFixed(1)} s = ${(ok / elapsed).toFixed(0)} CSRs/s (failed: ${failed})`,
      `latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${quantile(latencies, 1).toFixed(1)} ms`,
      `weftd CPU: ${cpu.toFixed(2)} s for ${elapsed.toFixed(1)} s (${((cpu / elapsed) * 100).toFixed(0)}% of one core), ${((cpu * 1000) / Math.max(ok, 1)).toFixed(2)} ms per certificate`,
      `citadel_server_success_cert_issuance_count (warm-up included): ${issued}`,
      '',
    ].join('\n'),
  );
  for (const c of clients) c.close();
} finally {
  if (!exited) {
    weftd.kill('SIGTERM');
    await new Promise((r) => weftd.once('exit', r));
  }
  rmSync(stateDir, { recursive: true, force: true });
}
