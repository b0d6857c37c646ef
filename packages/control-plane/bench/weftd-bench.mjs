#!/usr/bin/env node
// The weftd benchmark (`npm run bench`): writes a mesh of N services as Istio YAML, starts the built
// weftd on it as its own process, connects simulated Envoy sidecars from another process
// (ads-load-client.mjs), then edits VirtualServices and endpoints in the config directory and measures
// how long until every affected proxy has ACKed, plus weftd's CPU time and memory. Never a test.
/* global fetch */

import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildMesh, extraWorkload, toYaml, virtualService } from './mesh-fixture.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEFTD = path.join(here, '..', 'dist', 'bin', 'weftd.js');
const CLIENT = path.join(here, 'ads-load-client.mjs');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const USAGE = `Usage: npm run bench -- [options]   (in packages/control-plane; builds first)
  --services <n>      services (ServiceEntries), default 1000
  --replicas <n>      WorkloadEntries (and proxies) per service, default 2
  --namespaces <n>    namespaces, default 50
  --scope <s>         namespace: a Sidecar per namespace imports itself and the next two (default);
                      mesh: no Sidecar, every proxy sees every service
  --rounds <n>        measured rounds of each change, default 5
  --connections <n>   HTTP/2 connections the simulated proxies share, default 8
  --cpu-prof <dir>    run weftd with node --cpu-prof, profiles written to <dir>
  --keep              keep the generated config directory
`;

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    replicas: { type: 'string', default: '2' },
    namespaces: { type: 'string', default: '50' },
    scope: { type: 'string', default: 'namespace' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '8' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const options = {
  services: Number(args.services),
  replicas: Number(args.replicas),
  namespaces: Number(args.namespaces),
  scope: /** @type {'namespace' | 'mesh'} */ (args.scope === 'mesh' ? 'mesh' : 'namespace'),
  rounds: Number(args.rounds),
  connections: Number(args.connections),
};

// ---- measurements -------------------------------------------------------------------------------

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** weftd's CPU seconds (user + system) and memory, from /proc. @param {number} pid */
function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(parts[11]) + Number(parts[12])) / CLOCK_TICKS;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuSeconds, rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 };
}

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
const mb = (x) => `${Math.round(x / 1024 / 1024)} MB`;

/** Prints rows as an aligned table. @param {string[]} header @param {(string | number)[][]} rows */
function table(header, rows) {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...cells.slice(1).map(line)].join('\n'));
}

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  server.close();
  return port;
}

async function waitReady(debugPort, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${debugPort}/ready`);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`weftd not ready within ${timeoutMs} ms`);
}

/** Bytes as KB. @param {number} bytes */
const kb = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(0)} KB` : 'n/a');

/** Values of one metric from /metrics text (sum over label sets; `name` may include the label set). @param {string} text @param {string} name */
function metric(text, name) {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || (!name.endsWith('}') && line.startsWith(`${name}{`))) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
  }
  return found ? sum : NaN;
}

// ---- the run ------------------------------------------------------------------------------------

const mesh = buildMesh(options);
const dir = mkdtempSync(path.join(tmpdir(), 'weft-bench-'));
const configDir = path.join(dir, 'config');
const weights = new Map(mesh.virtualServices.map((v) => [`${v.namespace}/${v.name}`, 90]));
/** @param {string} ns */
function writeNamespace(ns, parts = ['services', 'traffic', 'sidecar']) {
  const f = mesh.files.get(ns);
  if (!f) return;
  mkdirSync(path.join(configDir, ns), { recursive: true });
  for (const part of parts) {
    let resources = f[part];
    if (part === 'traffic') resources = resources.map((r) => (r.kind === 'VirtualService' ? virtualService(r.metadata.name, ns, weights.get(`${ns}/${r.metadata.name}`) ?? 90) : r));
    if (resources.length > 0) writeFileSync(path.join(configDir, ns, `${part}.yaml`), toYaml(resources));
  }
}
for (const ns of mesh.files.keys()) writeNamespace(ns);

const load = loadavg();
console.log(`weftd benchmark: ${options.services} services, ${mesh.proxies.length} proxies, ${mesh.virtualServices.length} VirtualServices, scope ${options.scope}, ${options.rounds} rounds`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${mb(totalmem())} RAM, Node ${process.version}; load average before start ${load.map((l) => l.toFixed(2)).join(' ')}`);

const xdsPort = await freePort();
const debugPort = await freePort();
const profDir = args['cpu-prof'] ? path.resolve(args['cpu-prof']) : undefined;
const spawnedAt = now();
const weftd = spawn(
  process.execPath,
  [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), WEFTD, '--config-dir', configDir, '--xds-port', String(xdsPort), '--debug-port', String(debugPort), '--log-level', 'warn'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
const logChunks = [];
weftd.stdout.on('data', (c) => logChunks.push(c));
weftd.stderr.on('data', (c) => logChunks.push(c));
const pid = /** @type {number} */ (weftd.pid);
let client;

try {
  await waitReady(debugPort, 120_000);
  const readyAt = now();
  const idle = procStats(pid);

  // Initial convergence: every proxy connects at once.
  client = fork(CLIENT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages = [];
  let wake;
  client.on('message', (m) => {
    messages.push(m);
    wake?.();
  });
  const next = async (type, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex((m) => m.type === type);
      if (i >= 0) return messages.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`client did not send ${type}`);
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  await next('hello');
  const beforeConnect = procStats(pid);
  let peakRss = beforeConnect.rssBytes;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, procStats(pid).rssBytes);
    } catch {
      // weftd gone
    }
  }, 100);
  client.send({ type: 'start', address: `127.0.0.1:${xdsPort}`, proxies: mesh.proxies, connections: options.connections });
  const converged = await next('converged');
  const afterConnect = procStats(pid);
  if (converged.errors > 0) console.log(`warning: ${converged.errors} streams failed during initial convergence and reconnected (last error: ${converged.lastError})`);
  await sleep(1000);

  /** One change: mark, apply, wait until settled; per-proxy times from the change. */
  async function measure(apply) {
    client.send({ type: 'mark' });
    await next('marked');
    const cpuBefore = procStats(pid).cpuSeconds;
    const t0 = now();
    apply();
    // A long quiet window: under load, responses of one push can come in bursts far apart.
    client.send({ type: 'settle', quietMs: 1500, timeoutMs: 120_000, markedAt: t0 });
    const settled = await next('settled');
    const cpu = procStats(pid).cpuSeconds - cpuBefore;
    const times = settled.perProxy.map((p) => p.lastAckAt - t0);
    return { times, proxies: times.length, cpu, unconverged: settled.unconverged, errors: settled.errors };
  }

  const rounds = { vs: [], added: [], removed: [] };
  for (let r = 0; r < options.rounds; r++) {
    // A VirtualService weight edit, in a different namespace each round.
    const vs = mesh.virtualServices[(r * 7919) % mesh.virtualServices.length];
    const key = `${vs.namespace}/${vs.name}`;
    weights.set(key, (weights.get(key) ?? 90) === 90 ? 80 : 90);
    rounds.vs.push(await measure(() => writeNamespace(vs.namespace, ['traffic'])));
    // An endpoint change: a new WorkloadEntry (scale-up) of one service.
    const target = mesh.scalable[(r * 104729) % mesh.scalable.length];
    const file = path.join(configDir, target.namespace, `scale-${r}.yaml`);
    rounds.added.push(await measure(() => writeFileSync(file, toYaml([extraWorkload(target, r)]))));
    rounds.removed.push(await measure(() => unlinkSync(file)));
  }
  clearInterval(sampler);
  const end = procStats(pid);
  const laterErrors = Math.max(0, ...[...rounds.vs, ...rounds.added, ...rounds.removed].map((x) => x.errors));
  if (laterErrors > 0) console.log(`warning: ${laterErrors} streams failed during the rounds and reconnected`);
  const metricsText = await (await fetch(`http://127.0.0.1:${debugPort}/metrics`)).text();

  console.log('');
  console.log('Initial convergence (all proxies connect at once; time from the first connection to each proxy having ACKed CDS, EDS, LDS and RDS):');
  table(
    ['proxies', 'p50', 'p99', 'all', 'weftd CPU'],
    [[mesh.proxies.length, ms(quantile(converged.times, 0.5)), ms(quantile(converged.times, 0.99)), ms(Math.max(...converged.times)), `${(afterConnect.cpuSeconds - beforeConnect.cpuSeconds).toFixed(1)} s`]],
  );
  console.log('');
  console.log('Config change → every affected proxy ACKed (time from the file write; includes the 50 ms watch settle and 100 ms debounce):');
  const rows = [];
  for (const [name, list] of [
    ['VirtualService weight edit', rounds.vs],
    ['endpoint added (WorkloadEntry file)', rounds.added],
    ['endpoint removed (file deleted)', rounds.removed],
  ]) {
    const all = list.flatMap((x) => x.times);
    rows.push([
      name,
      `${Math.round(list.reduce((s, x) => s + x.proxies, 0) / list.length)}`,
      ms(quantile(all, 0.5)),
      ms(quantile(all, 0.99)),
      ms(Math.max(...list.map((x) => Math.max(...x.times)))),
      `${(list.reduce((s, x) => s + x.cpu, 0) / list.length).toFixed(2)} s`,
      `${list.reduce((s, x) => s + x.unconverged, 0)}`,
    ]);
  }
  table(['change', 'proxies pushed (avg)', 'p50', 'p99', 'max', 'weftd CPU / change', 'unconverged'], rows);
  console.log('');
  console.log('weftd process:');
  table(
    ['measure', 'value'],
    [
      ['start-up (spawn → /ready, config loaded)', ms(readyAt - spawnedAt)],
      ['CPU: start-up', `${idle.cpuSeconds.toFixed(1)} s`],
      ['CPU: whole run', `${end.cpuSeconds.toFixed(1)} s`],
      ['RSS: idle after start-up', mb(idle.rssBytes)],
      ['RSS: end of run', mb(end.rssBytes)],
      ['RSS: peak (VmHWM)', mb(Math.max(end.peakRssBytes, peakRss))],
      ['/metrics process_resident_memory_bytes', mb(metric(metricsText, 'process_resident_memory_bytes'))],
      ['/metrics process_cpu_seconds_total', `${metric(metricsText, 'process_cpu_seconds_total').toFixed(1)} s`],
      ['/metrics pilot_xds_pushes (responses)', String(metric(metricsText, 'pilot_xds_pushes'))],
      ['/metrics pilot_proxy_convergence_time count', String(metric(metricsText, 'pilot_proxy_convergence_time_count'))],
      ...['lds', 'rds', 'cds', 'eds'].map((type) => [
        `/metrics pilot_xds_config_size_bytes, ${type}: mean of a proxy's config`,
        kb(metric(metricsText, `pilot_xds_config_size_bytes_sum{type="${type}"}`) / metric(metricsText, `pilot_xds_config_size_bytes_count{type="${type}"}`)),
      ]),
    ],
  );
  console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; config in ${configDir}${args.keep ? '' : ' (removed)'}`);
} finally {
  client?.send({ type: 'stop' });
  await sleep(300);
  client?.kill();
  weftd.kill('SIGTERM');
  await Promise.race([once(weftd, 'exit'), sleep(10_000)]);
  if (weftd.exitCode === null) weftd.kill('SIGKILL');
  const log = Buffer.concat(logChunks).toString('utf8').trim();
  if (log) console.log(`weftd log (warnings and errors):\n${log.split('\n').slice(-20).join('\n')}`);
  if (profDir) console.log(`CPU profile(s) of weftd in ${profDir}`);
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}
