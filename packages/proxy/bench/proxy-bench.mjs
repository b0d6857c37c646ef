#!/usr/bin/env node
// weft-proxy's data-path benchmark (`npm run bench -w @weft/proxy`): wrk against the nginx upstream
// directly, nginx and HAProxy as reference proxies, and the built weft-proxy (its own process, fed a
// real route table over xDS), in one run, several rounds, and two weft-proxies in a row (client
// sidecar → server sidecar's inbound listener, plaintext and mutual TLS). Prints rps, p50, p99, proxy
// RSS, CPU per request and the ratios to nginx. Never a test: the figures are copied into
// docs/performance.md by hand.

import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchXdsServer } from './bench-xds-server.mjs';
import { benchMesh } from './bench-mesh.mjs';
import { makeBenchPki, twoHopClientMesh, twoHopServerResources } from './bench-two-hop.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const repoRoot = resolve(packageDir, '../..');

/** What the README tells operators to set for weft-proxy: V8's young generation capped at 2 × this
 *  many MB (Node's default, 16, lets it grow to 32 MB of RSS that a proxy's short-lived garbage
 *  does not need). A flag V8 reads only at startup, so it cannot be set from inside the process. */
const DEFAULT_WEFT_NODE_OPTIONS = '--max-semi-space-size=1 --v8-pool-size=1';

/** Istio 1.24's published sidecar cost (istio.io, "Performance and Scalability"): 0.20 vCPU per 1,000
 *  requests per second (Envoy with 2 workers, 1 KB payloads, 1,000 rps), the two-hop targets' yardstick. */
const ISTIO_SIDECAR_VCPU_PER_1K_RPS = 0.2;

const USAGE = `Usage: npm run bench -w @weft/proxy -- [options]

Runs wrk against: the nginx upstream directly, nginx as a proxy, HAProxy, node-raw (a 40-line Node
proxy with no routing: the floor for a proxy on Node), and weft-proxy (the built dist/bin/weft-proxy.js,
fed 40 virtual hosts over xDS) on its explicit outbound port and on an LDS listener, and two
weft-proxies in a row: a client sidecar's explicit outbound port → a server sidecar's inbound listener
→ the upstream, in plaintext (weft-2hop) and with mutual TLS (weft-mtls: SPIFFE certificates made with
openssl at start, as Istio's ISTIO_MUTUAL and STRICT PeerAuthentication but with files). For those two,
the CPU of each proxy per 1,000 requests (= vCPU per 1,000 rps) is printed next to Istio 1.24's 0.20
for its sidecar. Peers whose binary is missing are skipped.

Options:
  --duration <s>      seconds per wrk run (default 10)
  --connections <n>   wrk connections (default 50)
  --threads <n>       wrk threads (default 1)
  --rounds <n>        rounds over all targets (default 3)
  --warmup <s>        seconds of warm-up per target before the first round (default 3)
  --peers-dir <dir>   where nginx-upstream.conf, nginx-proxy.conf, haproxy.cfg are (default ../shared/bench)
  --only <list>       comma-separated targets
                      (direct,nginx,haproxy,node-raw,weft,weft-lds,weft-2hop,weft-mtls)
  --cpu-prof <dir>    run weft-proxy under node --cpu-prof, profiles written to <dir>
                      (every weft-proxy process, the two-hop ones included)
  --weft-node-options <opts>  NODE_OPTIONS for every weft-proxy, as a deployment sets them (README,
                      "Memory"); default "${DEFAULT_WEFT_NODE_OPTIONS}", "" for Node's defaults
  --weft-node-flags <flags>  extra node flags on weft-proxy's command line, e.g. "--trace-gc"
  --weft-b <dist>     A/B: also run weft-proxy from another build's dist/ (e.g. a copy taken before a
                      change) as target weft-b, right after weft in every round, same flags
  --help              this text
`;

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    'peers-dir': { type: 'string', default: resolve(repoRoot, '../shared/bench') },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'weft-node-options': { type: 'string', default: DEFAULT_WEFT_NODE_OPTIONS },
    'weft-node-flags': { type: 'string', default: '' },
    'weft-b': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const duration = Number(opts.duration);
const connections = Number(opts.connections);
const threads = Number(opts.threads);
const rounds = Number(opts.rounds);
const warmup = Number(opts.warmup);
const only = opts.only ? new Set(opts.only.split(',')) : undefined;

// ---- processes: everything started is tracked and stopped on exit, failure or Ctrl-C ----------

const children = new Set();
let tempDir;

function stopAll() {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  children.clear();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping what it started\n`);
    stopAll();
    process.exit(130);
  });
}

/** Starts a long-running process; its output goes to a log file in the temp dir. */
function start(name, command, args, options = {}) {
  const log = join(tempDir, `${name}.log`);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const chunks = [];
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => chunks.push(d));
  child.on('exit', () => {
    children.delete(child);
    if (tempDir) writeFileSync(log, Buffer.concat(chunks));
  });
  child.output = () => Buffer.concat(chunks).toString();
  children.add(child);
  return child;
}

/** Stops one process and waits for it (SIGTERM, SIGKILL after 5 s). */
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function which(binary) {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin']) if (existsSync(join(dir, binary))) return join(dir, binary);
  return undefined;
}

/** The sum of istio_requests_total on weft-proxy's stats port, and its series count. */
async function istioRequestsTotal(port) {
  try {
    const text = await (await globalThis.fetch(`http://127.0.0.1:${port}/stats/prometheus`)).text();
    const lines = text.split('\n').filter((l) => l.startsWith('istio_requests_total{'));
    const total = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    return `istio_requests_total ${total} over ${lines.length} series (scraped from :${port}/stats/prometheus)`;
  } catch (e) {
    return `stats port did not answer (${e.message})`;
  }
}

/** istio_requests_total on weft-proxy's stats port summed by connection_security_policy (a server
 *  sidecar labels inbound requests `mutual_tls` when the peer presented a certificate, else `none`). */
async function requestsBySecurityPolicy(port) {
  const out = new Map();
  try {
    const text = await (await globalThis.fetch(`http://127.0.0.1:${port}/stats/prometheus`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('istio_requests_total{')) continue;
      const policy = /connection_security_policy="([^"]*)"/.exec(line)?.[1] ?? '?';
      out.set(policy, (out.get(policy) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  } catch (e) {
    out.set(`stats port did not answer (${e.message})`, Number.NaN);
  }
  return out;
}

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `url` (with `host`) answers 200, or fails with the process's output. */
async function waitReady(name, port, host, child) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${child.output()}`);
    const status = await new Promise((resolve) => {
      const socket = createConnection(port, () => socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(Number(text.slice(9, 12)) || 0));
      socket.on('error', () => resolve(0));
    });
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${name} not ready on ${port} (last status ${status})${child ? `:\n${child.output()}` : ''}`);
    await sleep(100);
  }
}


// ---- measurement -------------------------------------------------------------------------------

/** Every pid of a process tree (nginx's master and its workers). */
function treePids(pid) {
  const out = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (kids) for (const k of kids.split(/\s+/)) out.push(...treePids(Number(k)));
    }
  } catch {
    // the process went away
  }
  return out;
}

/** `VmRSS` and `VmHWM` in MB summed over a process tree. */
function memoryOf(pid) {
  let rss = 0;
  let hwm = 0;
  for (const p of treePids(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      hwm += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      // gone
    }
  }
  return { rss, hwm };
}

/** CPU time (utime, stime) in clock ticks and minor page faults summed over a process tree, from
 *  /proc/<pid>/stat. */
function cpuTicksOf(pid) {
  let user = 0;
  let system = 0;
  let minflt = 0;
  for (const p of treePids(pid)) {
    try {
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      minflt += Number(fields[7]);
      user += Number(fields[11]);
      system += Number(fields[12]);
    } catch {
      // gone
    }
  }
  return { user, system, minflt };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function toMs(value) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** The processes a target's runs measure: its proxy (a process tree), or for a two-hop target both
 *  proxies (`proxies`: client and server), each on its own. */
const procsOf = (target) => target.proxies ?? (target.pid ? [{ role: 'proxy', pid: target.pid }] : []);

/** Runs wrk once; samples the RSS of the target's proxies (if any) every 200 ms during the run. */
async function runWrk(target, seconds) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...(target.host ? ['-H', `Host: ${target.host}`] : []), `http://127.0.0.1:${target.port}/`];
  const procs = procsOf(target);
  const cpuBefore = procs.map((p) => cpuTicksOf(p.pid));
  const wrk = spawn(which('wrk'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(wrk);
  let out = '';
  wrk.stdout.on('data', (d) => (out += d));
  wrk.stderr.on('data', (d) => (out += d));
  const peakRss = procs.map(() => 0);
  const sampler =
    procs.length > 0
      ? setInterval(() => {
          procs.forEach((p, i) => (peakRss[i] = Math.max(peakRss[i], memoryOf(p.pid).rss)));
        }, 200)
      : undefined;
  const code = await new Promise((r) => wrk.once('exit', r));
  children.delete(wrk);
  clearInterval(sampler);
  if (code !== 0) throw new Error(`wrk failed for ${target.name}:\n${out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1];
  const memory = procs.map((p) => memoryOf(p.pid));
  // CPU per request, less moved by the shared machine's load than rps: user and kernel µs the proxy
  // process (tree) spent per request wrk completed.
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const cpuAfter = procs.map((p) => cpuTicksOf(p.pid));
  const perRequest = (ticks) => (requests > 0 ? (ticks * 1e6) / TICKS_PER_SECOND / requests : Number.NaN);
  const perProxy = procs.map((p, i) => {
    const user = cpuAfter[i].user - cpuBefore[i].user;
    const system = cpuAfter[i].system - cpuBefore[i].system;
    return {
      role: p.role,
      rss: Math.max(peakRss[i], memory[i].rss),
      hwm: memory[i].hwm,
      userUs: perRequest(user),
      sysUs: perRequest(system),
      // Minor page faults per request: kernel time that comes from the heap (pages touched afresh),
      // not from the sockets.
      faults: requests > 0 ? (cpuAfter[i].minflt - cpuBefore[i].minflt) / requests : Number.NaN,
      // CPU seconds (user + kernel) per 1,000 requests: vCPU per 1,000 rps.
      cpuPer1k: perRequest(user + system) / 1000,
    };
  });
  // A two-hop target's columns are both proxies' sums: what the path costs.
  const sum = (key) => (procs.length > 0 ? perProxy.reduce((n, p) => n + p[key], 0) : Number.NaN);
  return { rps, p50, p99, errors: Number(errors), socketErrors, rss: procs.length > 0 ? sum('rss') : 0, hwm: procs.length > 0 ? sum('hwm') : 0, userUs: sum('userUs'), sysUs: sum('sysUs'), faults: sum('faults'), perProxy };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// ---- the run -----------------------------------------------------------------------------------

async function main() {
  if (!which('wrk')) throw new Error('wrk is not installed (apt-get install wrk): nothing to measure with');
  const nginx = which('nginx');
  if (!nginx) throw new Error('nginx is not installed (apt-get install nginx): it is the upstream every target sends to');
  const weftBin = join(packageDir, 'dist/bin/weft-proxy.js');
  if (!existsSync(weftBin)) throw new Error(`${weftBin} is missing: run \`npm run bench\` (it builds first) or \`npx tsc -p tsconfig.lib.json\``);

  tempDir = mkdtempSync(join(tmpdir(), 'weft-proxy-bench-'));
  for (const f of ['nginx-upstream.conf', 'nginx-proxy.conf', 'haproxy.cfg']) copyFileSync(join(opts['peers-dir'], f), join(tempDir, f));
  const [upPort, nginxPort, haproxyPort, weftPort, ldsPort, rawPort, statsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const rewrite = (file) => {
    const path = join(tempDir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll('18080', String(upPort)).replaceAll('18081', String(nginxPort)).replaceAll('18082', String(haproxyPort)));
  };
  for (const f of ['nginx-upstream.conf', 'nginx-proxy.conf', 'haproxy.cfg']) rewrite(f);

  console.log(`weft-proxy bench: wrk -t${threads} -c${connections} -d${duration}s, ${rounds} rounds, node ${process.version}`);
  console.log(`load average at start: ${load()}`);

  const upstream = start('nginx-upstream', nginx, ['-p', tempDir, '-c', 'nginx-upstream.conf', '-g', 'daemon off;']);
  await waitReady('nginx upstream', upPort, undefined, upstream);

  const targets = [{ name: 'direct', port: upPort, pid: undefined }];
  // Peers left out by --only are not started: fewer processes sharing the two cores.
  const wanted = (name) => !only || only.has(name);
  if (wanted('nginx')) {
    const nginxProxy = start('nginx-proxy', nginx, ['-p', tempDir, '-c', 'nginx-proxy.conf', '-g', 'daemon off;']);
    await waitReady('nginx proxy', nginxPort, undefined, nginxProxy);
    targets.push({ name: 'nginx', port: nginxPort, pid: nginxProxy.pid });
  }
  const haproxy = which('haproxy');
  if (!wanted('haproxy')) {
    // not asked for
  } else if (haproxy) {
    const child = start('haproxy', haproxy, ['-f', join(tempDir, 'haproxy.cfg'), '-db']);
    await waitReady('haproxy', haproxyPort, undefined, child);
    targets.push({ name: 'haproxy', port: haproxyPort, pid: child.pid });
  } else console.log('skipping haproxy: binary not found (apt-get install haproxy)');
  if (wanted('node-raw')) {
    const raw = start('node-raw', process.execPath, [join(here, 'raw-node-proxy.mjs'), String(rawPort), String(upPort)]);
    await waitReady('node-raw', rawPort, undefined, raw);
    targets.push({ name: 'node-raw', port: rawPort, pid: raw.pid });
  }

  const mesh = benchMesh({ upstreamPort: upPort, listenerPort: ldsPort });
  const xds = await startBenchXdsServer(mesh.resources);
  const nodeArgs = [...(opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts['cpu-prof'])}`] : []), ...opts['weft-node-flags'].split(' ').filter((f) => f !== '')];
  if (nodeArgs.length > 0) console.log(`weft-proxy node flags: ${nodeArgs.join(' ')}`);
  const weftNodeOptions = [process.env.NODE_OPTIONS ?? '', opts['weft-node-options']].filter((o) => o !== '').join(' ');
  console.log(`weft-proxy NODE_OPTIONS: ${weftNodeOptions === '' ? '(none)' : weftNodeOptions}`);
  const weft = start('weft-proxy', process.execPath, [
    ...nodeArgs,
    weftBin,
    '--discovery-address',
    xds.address,
    '--admin-port',
    '0',
    '--health-port',
    '0',
    '--health-address',
    '127.0.0.1',
    '--stats-port',
    String(statsPort),
    '--labels',
    'app=bench-client,version=v1',
    '--outbound-port',
    String(weftPort),
    '--workload-name',
    'bench-client',
    '--namespace',
    'bench',
    '--workload-address',
    '127.0.0.1',
    '--log-level',
    'warning',
  ], { env: { ...process.env, NODE_OPTIONS: weftNodeOptions } });
  await waitReady('weft-proxy', weftPort, mesh.host, weft);
  targets.push({ name: 'weft', port: weftPort, pid: weft.pid, host: mesh.host });
  if (opts['weft-b']) {
    // The same command line with another build: an A/B measured in the same rounds.
    const [bPort, bStats] = await Promise.all([freePort(), freePort()]);
    const bBin = join(resolve(opts['weft-b']), 'bin/weft-proxy.js');
    if (!existsSync(bBin)) throw new Error(`--weft-b: ${bBin} is missing`);
    const args = weft.spawnargs.slice(1).map((a) => (a === weftBin ? bBin : a));
    args[args.indexOf('--outbound-port') + 1] = String(bPort);
    args[args.indexOf('--stats-port') + 1] = String(bStats);
    const weftB = start('weft-proxy (b)', process.execPath, args, { env: { ...process.env, NODE_OPTIONS: weftNodeOptions } });
    await waitReady('weft-proxy (b)', bPort, mesh.host, weftB);
    targets.push({ name: 'weft-b', port: bPort, pid: weftB.pid, host: mesh.host });
  }
  try {
    await waitReady('weft-proxy LDS listener', ldsPort, mesh.host, weft);
    targets.push({ name: 'weft-lds', port: ldsPort, pid: weft.pid, host: mesh.host });
  } catch (e) {
    console.log(`skipping weft-lds: the LDS listener did not answer (${e.message.split('\n')[0]})`);
  }

  // Two hops: a client sidecar (explicit outbound port, as `weft`) → a server sidecar's inbound
  // listeners (bound on its workload address, 127.0.0.1) → the upstream; each proxy its own process,
  // fed by its own xDS server, with the same node flags and NODE_OPTIONS as `weft`.
  let twoHop;
  if (wanted('weft-2hop') || wanted('weft-mtls')) {
    const pki = makeBenchPki(join(tempDir, 'pki'));
    const [mtlsPort, plainPort, clientPort, clientLds, clientStats, serverOutbound, serverStats] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const serverXds = await startBenchXdsServer(twoHopServerResources({ pki, mtlsPort, plainPort, upstreamPort: upPort }));
    const clientMesh = twoHopClientMesh({ pki, mtlsPort, plainPort, listenerPort: clientLds });
    const clientXds = await startBenchXdsServer(clientMesh.resources);
    const sidecar = (name, xdsAddress, stats, outbound, workload) =>
      start(name, process.execPath, [
        ...nodeArgs,
        weftBin,
        ...['--discovery-address', xdsAddress, '--admin-port', '0', '--health-port', '0', '--health-address', '127.0.0.1', '--stats-port', String(stats)],
        ...['--labels', `app=${workload},version=v1`, '--outbound-port', String(outbound), '--workload-name', workload, '--namespace', 'bench', '--service-account', workload],
        ...['--workload-address', '127.0.0.1', '--log-level', 'warning'],
      ], { env: { ...process.env, NODE_OPTIONS: weftNodeOptions } });
    const server = sidecar('weft-proxy-server', serverXds.address, serverStats, serverOutbound, 'bench-server');
    const client = sidecar('weft-proxy-client', clientXds.address, clientStats, clientPort, 'bench-client');
    // A NACKed resource keeps the proxy from serving the path: say why instead of timing out quietly.
    const nacks = () => [...serverXds.nacks().map((n) => ({ proxy: 'server', ...n })), ...clientXds.nacks().map((n) => ({ proxy: 'client', ...n }))];
    const nackText = () => nacks().map((n) => `  ${n.proxy} weft-proxy NACKed ${n.type}: ${n.message}`).join('\n');
    try {
      await waitReady('two-hop plaintext (client → server inbound → upstream)', clientPort, clientMesh.plainHost, client);
      await waitReady('two-hop mTLS (client → server inbound mTLS → upstream)', clientPort, clientMesh.mtlsHost, client);
      if (server.exitCode !== null) throw new Error(`the server weft-proxy exited (${server.exitCode}):\n${server.output()}`);
    } catch (e) {
      throw new Error(`${e.message}${nacks().length > 0 ? `\n${nackText()}` : ''}`);
    }
    await sleep(200); // the ACKs (or NACKs) of the last responses
    if (nacks().length > 0) throw new Error(`a two-hop weft-proxy refused its config:\n${nackText()}`);
    // The mTLS path really is mutual TLS: the server counted the probe with a peer certificate.
    const security = await requestsBySecurityPolicy(serverStats);
    if (!(security.get('mutual_tls') > 0)) throw new Error(`the server weft-proxy saw no mutual_tls request after the mTLS probe (istio_requests_total by connection_security_policy: ${JSON.stringify(Object.fromEntries(security))})`);
    const proxies = [
      { role: 'client', pid: client.pid },
      { role: 'server', pid: server.pid },
    ];
    targets.push({ name: 'weft-2hop', port: clientPort, host: clientMesh.plainHost, proxies });
    targets.push({ name: 'weft-mtls', port: clientPort, host: clientMesh.mtlsHost, proxies });
    twoHop = { client, server, clientXds, serverXds, serverStats };
    console.log(`two-hop weft-proxies idle after config: client RSS ${fmt(memoryOf(client.pid).rss, 1)} MB, server RSS ${fmt(memoryOf(server.pid).rss, 1)} MB (certificates: EC P-256, ${join(tempDir, 'pki')})`);
  }

  const chosen = targets.filter((t) => !only || only.has(t.name) || t.name === 'weft-b');
  const idle = memoryOf(weft.pid);
  console.log(`weft-proxy idle after config: RSS ${fmt(idle.rss, 1)} MB`);

  if (warmup > 0) {
    console.log(`warm-up ${warmup}s per target (not counted)`);
    for (const t of chosen) await runWrk(t, warmup);
  }

  const results = new Map(chosen.map((t) => [t.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const t of chosen) {
      const before = load();
      const r = await runWrk(t, duration);
      results.get(t.name).push(r);
      const failures = r.errors > 0 || r.socketErrors ? `  errors: ${r.errors} non-2xx${r.socketErrors ? `, socket ${r.socketErrors}` : ''}` : '';
      const hops = t.proxies ? `  (${r.perProxy.map((p) => `${p.role} RSS ${fmt(p.rss, 1)} MB user ${fmt(p.userUs, 1)} kernel ${fmt(p.sysUs, 1)} µs, ${fmt(p.cpuPer1k, 3)} CPU-s/1k req`).join('; ')})` : '';
      console.log(`round ${round} ${t.name.padEnd(9)} load ${before}  ${fmt(r.rps, 0).padStart(7)} rps  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms${t.pid || t.proxies ? `  RSS ${fmt(r.rss, 1)} MB  CPU/req user ${fmt(r.userUs, 1)} µs kernel ${fmt(r.sysUs, 1)} µs faults ${fmt(r.faults, 3)}` : ''}${hops}${failures}`);
    }
  }

  // Metrics are on: every request above was counted in istio_requests_total, as the scrape shows.
  if (chosen.some((t) => t.pid === weft.pid)) console.log(`weft-proxy metrics: ${await istioRequestsTotal(statsPort)}`);
  if (twoHop && chosen.some((t) => t.proxies)) {
    const bySecurity = await requestsBySecurityPolicy(twoHop.serverStats);
    console.log(`two-hop server weft-proxy metrics: istio_requests_total by connection_security_policy ${[...bySecurity].map(([k, v]) => `${k} ${v}`).join(', ') || '(none)'}`);
  }

  // Ratios are taken per round (each target measured right after nginx) and their median reported:
  // on a shared machine the load moves between rounds more than between neighbouring runs.
  const nginxRounds = results.get('nginx');
  const ratios = (rs, key) => (nginxRounds ? median(rs.map((r, i) => r[key] / nginxRounds[i][key])) : Number.NaN);
  const summary = new Map(
    [...results].map(([name, rs]) => [
      name,
      {
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        rss: Math.max(...rs.map((r) => r.rss)),
        hwm: Math.max(...rs.map((r) => r.hwm)),
        userUs: median(rs.map((r) => r.userUs)),
        sysUs: median(rs.map((r) => r.sysUs)),
        rpsRatio: ratios(rs, 'rps'),
        p99Ratio: ratios(rs, 'p99'),
        // Per proxy of a two-hop target: medians of CPU, highest RSS.
        perProxy: rs[0].perProxy.map((p, i) => ({
          role: p.role,
          rss: Math.max(...rs.map((r) => r.perProxy[i].rss)),
          hwm: Math.max(...rs.map((r) => r.perProxy[i].hwm)),
          userUs: median(rs.map((r) => r.perProxy[i].userUs)),
          sysUs: median(rs.map((r) => r.perProxy[i].sysUs)),
          cpuPer1k: median(rs.map((r) => r.perProxy[i].cpuPer1k)),
        })),
      },
    ]),
  );
  console.log(`\nmedian of ${rounds} rounds (load average now ${load()}); ratios: median of the per-round ratios to nginx`);
  if (chosen.some((t) => t.proxies)) console.log('two-hop targets (weft-2hop, weft-mtls): RSS "client + server", CPU µs per request summed over both proxies');
  console.log('| target | rps | p50 ms | p99 ms | RSS under load MB (VmHWM) | user µs / req | kernel µs / req | rps / nginx | p99 / nginx |');
  console.log('| :-- | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const [name, s] of summary) {
    const target = chosen.find((t) => t.name === name);
    const pair = (key) => s.perProxy.map((p) => fmt(p[key], 1)).join(' + ');
    const rss = target?.proxies ? `${pair('rss')} (${pair('hwm')})` : target?.pid ? `${fmt(s.rss, 1)} (${fmt(s.hwm, 1)})` : '-';
    console.log(`| ${name} | ${fmt(s.rps, 0)} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${rss} | ${fmt(s.userUs, 1)} | ${fmt(s.sysUs, 1)} | ${fmt(s.rpsRatio)} | ${fmt(s.p99Ratio)} |`);
  }

  // Two hops: each proxy's CPU per 1,000 requests, which is its vCPU per 1,000 rps (CPU-seconds per
  // second at 1,000 requests per second), against Istio's published figure for its sidecar.
  const hopTargets = [...summary].filter(([name]) => chosen.find((t) => t.name === name)?.proxies);
  if (hopTargets.length > 0) {
    console.log(`\ntwo-hop CPU per proxy (user + kernel, median of ${rounds} rounds) against Istio 1.24's published ${fmt(ISTIO_SIDECAR_VCPU_PER_1K_RPS)} vCPU per 1,000 rps for its sidecar`);
    console.log('| target | proxy | CPU-s / 1,000 req | vCPU / 1,000 rps | user µs / req | kernel µs / req | Istio 1.24 sidecar vCPU / 1,000 rps | / Istio |');
    console.log('| :-- | :-- | --: | --: | --: | --: | --: | --: |');
    for (const [name, s] of hopTargets) {
      for (const p of s.perProxy) {
        console.log(`| ${name} | ${p.role} | ${fmt(p.cpuPer1k, 3)} | ${fmt(p.cpuPer1k, 3)} | ${fmt(p.userUs, 1)} | ${fmt(p.sysUs, 1)} | ${fmt(ISTIO_SIDECAR_VCPU_PER_1K_RPS)} | ${fmt(p.cpuPer1k / ISTIO_SIDECAR_VCPU_PER_1K_RPS)} |`);
      }
      const both = median(results.get(name).map((r) => r.perProxy.reduce((n, p) => n + p.cpuPer1k, 0)));
      console.log(`| ${name} | both | ${fmt(both, 3)} | ${fmt(both, 3)} | ${fmt(s.userUs, 1)} | ${fmt(s.sysUs, 1)} | ${fmt(2 * ISTIO_SIDECAR_VCPU_PER_1K_RPS)} (two sidecars) | ${fmt(both / (2 * ISTIO_SIDECAR_VCPU_PER_1K_RPS))} |`);
    }
    const plain = results.get('weft-2hop');
    const mtls = results.get('weft-mtls');
    if (plain && mtls) {
      // What mutual TLS itself costs: per round, weft-mtls against weft-2hop measured just before it.
      const perRound = (f) => median(mtls.map((r, i) => f(r, plain[i])));
      const extra = (role) => {
        const i = mtls[0].perProxy.findIndex((p) => p.role === role);
        return `${role} +${fmt(perRound((m, p) => m.perProxy[i].cpuPer1k - p.perProxy[i].cpuPer1k), 3)} CPU-s/1k req (${fmt(perRound((m, p) => m.perProxy[i].cpuPer1k / p.perProxy[i].cpuPer1k))}x)`;
      };
      console.log(`\nmTLS against plaintext two hops (median of per-round differences): ${extra('client')}, ${extra('server')}; rps ${fmt(perRound((m, p) => m.rps / p.rps))}x, p99 ${fmt(perRound((m, p) => m.p99 / p.p99))}x`);
    }
  }
  const w = summary.get('weft');
  if (w && nginxRounds) {
    const ok = (b) => (b ? 'yes' : 'NO');
    console.log(`\ntarget: rps >= 0.6x nginx: ${ok(w.rpsRatio >= 0.6)} (${fmt(w.rpsRatio)}x); p99 <= 2x nginx: ${ok(w.p99Ratio <= 2)} (${fmt(w.p99Ratio)}x); RSS <= 80 MB: ${ok(w.rss <= 80)} (${fmt(w.rss, 1)} MB)`);
  }

  await stop(weft);
  xds.close();
  if (twoHop) {
    await stop(twoHop.client);
    await stop(twoHop.server);
    twoHop.clientXds.close();
    twoHop.serverXds.close();
  }
  for (const child of [...children]) await stop(child);
  stopAll();
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  stopAll();
  process.exit(1);
});

