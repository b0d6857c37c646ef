// `weftctl up`: the whole local mesh on one machine. Takes the state lock, seeds the config directory,
// starts weftd (with its CA), issues each workload its bootstrap token, starts one sidecar and one
// sample program per sample WorkloadEntry and the ingress gateway, waits until each is ready, prints
// where to look, and on SIGINT/SIGTERM (or a failed start) stops every process it started. Formatting of the summary lives here too: it is this command's only output.

import { setMaxListeners } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSources } from '@weft/shared/node';
import type { Io } from '../io.js';
import { resolveMeshBinaries, type MeshBinaries } from './binaries.js';
import { gatewayArgs, INGRESS_GATEWAY, planMesh, PROXY_CA_FLAGS_SUPPORTED, proxyEnv, sampleEnv, SAMPLE_PORT, sidecarArgs, type ProxyIdentity, type WorkloadPlan } from './mesh-plan.js';
import { resolveMeshPaths, type MeshPaths } from './mesh-paths.js';
import { ProcessGroup, type MeshChild } from './mesh-processes.js';
import { startDashboard } from './dashboard.js';
import { findPrometheus, PROMETHEUS_INSTALL_HINT, prometheusArgs, renderPrometheusConfig } from './prometheus.js';
import { seedConfigDir } from './seed-config.js';
import { acquireMeshLock, releaseMeshLock, updateMeshState, type MeshState } from './up-lock.js';
import { freePort, httpGet, InterruptedError, isPortFree, pollUntil, withTimeout } from './wait-for.js';
import { writeWorkloadToken, type TokenWorkload } from './workload-tokens.js';

/** Options of {@link runUp}. */
export interface UpOptions {
  readonly configDir?: string;
  readonly stateDir?: string;
  /** Stream every process's output to `io.err`, prefixed with its name. */
  readonly verbose?: boolean;
  /** How long each start-up step may take (default 30 s). */
  readonly stepTimeoutMs?: number;
  /** How long the gateway check may take before it is reported as not serving (default 15 s). */
  readonly gatewayTimeoutMs?: number;
  /** Ends the run (the command wires SIGINT/SIGTERM to it). */
  readonly signal: AbortSignal;
  /** Called once the mesh is ready (tests). */
  readonly onReady?: (state: MeshState) => void;
}

/** The line `up` prints once everything is ready; scripts and tests wait for it. */
export const READY_LINE = 'weft mesh ready';

const PROXY_STARTED = /weft-proxy started node=(\S+) .*admin=(\d+) health=(\d+)(?: outbound=(\d+))?(?: stats=(\d+))?/;
const WEFTD_READY = /^\{.*"msg":"weftd ready".*\}$/;

interface StartedProxy {
  readonly child: MeshChild;
  readonly node: string;
  readonly adminPort: number;
  readonly healthPort: number;
  readonly outboundPort?: number;
  readonly statsPort?: number;
}

/** A mesh already running: what `up` says instead of starting a second one. */
export function formatAlreadyRunning(state: MeshState): string {
  const lines = [`weftctl up: a mesh is already running (pid ${state.pid}, ${state.phase}, since ${state.startedAt})`];
  if (state.gatewayUrl) lines.push(`  productpage:  ${state.gatewayUrl}`);
  if (state.debugUrl) lines.push(`  weftd debug:  ${state.debugUrl}/debug/syncz`);
  lines.push(`  config:       ${state.configDir}`, `  logs:         ${state.logsDir}`, `Stop it with Ctrl-C in its terminal, or: kill ${state.pid}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the mesh until `options.signal` aborts. Resolves to the exit code: 0 after a clean stop or when a
 * mesh is already running (said so), 1 when start-up failed or weftd died. Every child is stopped
 * before this resolves, on every path.
 */
export async function runUp(options: UpOptions, io: Io): Promise<number> {
  const paths = resolveMeshPaths(options);
  // Every concurrent wait (one per process) listens on the signal.
  setMaxListeners(200, options.signal);
  let binaries: MeshBinaries;
  try {
    binaries = resolveMeshBinaries();
  } catch (e) {
    io.err.write(`weftctl up: ${(e as Error).message}\n`);
    return 1;
  }
  const startedAt = new Date();
  const baseState: MeshState = { pid: process.pid, startedAt: startedAt.toISOString(), phase: 'starting', configDir: paths.configDir, logsDir: paths.logsDir };
  const lock = await acquireMeshLock(paths.stateFile, baseState);
  if (!lock.acquired) {
    io.out.write(formatAlreadyRunning(lock.running));
    return 0;
  }
  await mkdir(paths.logsDir, { recursive: true });
  const group = new ProcessGroup({ logsDir: paths.logsDir, echo: options.verbose ? io.err : undefined });
  // Should this process exit without the orderly stop (an uncaught error), take the children along.
  const killOnExit = (): void => group.killAllNow();
  process.once('exit', killOnExit);
  const adminPorts = new Map<MeshChild, number>();
  let code = 0;
  try {
    code = await startAndServe(options, io, paths, binaries, group, baseState, adminPorts);
  } catch (e) {
    if (e instanceof InterruptedError || options.signal.aborted) {
      io.err.write('weftctl up: interrupted during start-up; stopping\n');
      code = 130;
    } else {
      io.err.write(`weftctl up: ${(e as Error).message}\n`);
      io.err.write(`logs: ${paths.logsDir}\n`);
      code = 1;
    }
  } finally {
    io.err.write('weftctl up: stopping the mesh\n');
    await stopMesh(group, adminPorts);
    process.off('exit', killOnExit);
    await releaseMeshLock(paths.stateFile, process.pid);
    io.err.write(`weftctl up: stopped ${group.children.length} processes\n`);
  }
  return code;
}

async function startAndServe(options: UpOptions, io: Io, paths: MeshPaths, binaries: MeshBinaries, group: ProcessGroup, baseState: MeshState, adminPorts: Map<MeshChild, number>): Promise<number> {
  const step = options.stepTimeoutMs ?? 30_000;
  const signal = options.signal;
  const began = Date.now();

  const seed = await seedConfigDir(paths.configDir, binaries.sampleConfigDir);
  io.err.write(seed.seeded ? `weftctl up: seeded ${paths.configDir} with the bookinfo sample (${seed.files.join(', ')})\n` : `weftctl up: using the config in ${paths.configDir} (not empty, left as is)\n`);
  const loaded = await loadSources([paths.configDir]);
  const plan = planMesh(loaded.documents.map((d) => d.value));
  for (const s of plan.skipped) io.err.write(`weftctl up: not starting WorkloadEntry ${s.name}: ${s.reason}\n`);
  if (plan.workloads.length === 0) io.err.write(`weftctl up: no sample WorkloadEntry in ${paths.configDir}; starting weftd and the gateway only\n`);
  // The lock only finds a mesh started with the same state dir; the fixed addresses find any (another
  // state dir, or the children of a weftctl that was SIGKILLed), before anything is started.
  const fixed = [{ host: INGRESS_GATEWAY.workloadAddress, port: INGRESS_GATEWAY.port }, ...plan.workloads.flatMap((w) => [{ host: w.workloadAddress, port: SAMPLE_PORT }, { host: w.appAddress, port: SAMPLE_PORT }])];
  for (const { host, port } of fixed) {
    if (!(await isPortFree(port, host))) throw new Error(`${host}:${port} is already in use: another local mesh (started with another state dir, or left by a weftctl that was killed) or another program holds it; stop it first`);
  }

  // weftd on Istio's ports when they are free, else on ports of its choosing (it prints them). Its CA
  // keeps its root under the state dir, next to the config, so a restarted mesh keeps its identities.
  const xdsPort = (await isPortFree(15010)) ? 15010 : 0;
  const debugPort = (await isPortFree(15014)) ? 15014 : 0;
  const caPort = (await isPortFree(15012)) ? 15012 : 0;
  const weftd = group.start('weftd', binaries.weftd, ['--config-dir', paths.configDir, '--host', '127.0.0.1', '--xds-port', String(xdsPort), '--debug-port', String(debugPort), '--ca-dir', paths.caDir, '--ca-port', String(caPort)]);
  const [readyLine] = await withTimeout(weftd.waitForLine(WEFTD_READY, signal), step, `weftd to start\n${weftd.tail()}`);
  const ready = JSON.parse(readyLine) as { xds: string; debug: string; ca: string | null };
  const debugUrl = `http://${ready.debug}`;
  await pollUntil('weftd /ready', async () => (await httpGet(`${debugUrl}/ready`)).status === 200, { timeoutMs: step, signal });
  let state: MeshState = { ...baseState, debugUrl, xdsAddress: ready.xds };
  await updateMeshState(paths.stateFile, state);

  // Each proxy gets its certificate from weftd's CA with a token of its own (once weft-proxy can).
  const identityOf = async (w: TokenWorkload): Promise<ProxyIdentity | undefined> =>
    PROXY_CA_FLAGS_SUPPORTED && ready.ca ? { caAddress: ready.ca, caRootCert: join(paths.caDir, 'root-cert.pem'), tokenFile: await writeWorkloadToken(paths.caDir, paths.tokensDir, w) } : undefined;
  const identities = await Promise.all(plan.workloads.map((w) => identityOf(w)));
  const gatewayIdentity = await identityOf(INGRESS_GATEWAY);

  // Proxies first: a program's explicit proxy port is known once its sidecar has bound it.
  const sidecars = plan.workloads.map((w, i) => ({ w, child: group.start(`proxy-${w.name}`, binaries.proxy, sidecarArgs(w, ready.xds, identities[i]), proxyEnv()) }));
  const gatewayChild = group.start(INGRESS_GATEWAY.name, binaries.proxy, gatewayArgs(ready.xds, gatewayIdentity), proxyEnv());
  const started = async (child: MeshChild): Promise<StartedProxy> => {
    const [, node = '', admin, health, outbound, stats] = await withTimeout(child.waitForLine(PROXY_STARTED, signal), step, `${child.name} to start\n${child.tail()}`);
    adminPorts.set(child, Number(admin));
    return { child, node, adminPort: Number(admin), healthPort: Number(health), outboundPort: outbound === undefined ? undefined : Number(outbound), statsPort: stats === undefined ? undefined : Number(stats) };
  };
  const proxies = await Promise.all(sidecars.map(async ({ w, child }) => ({ w, proxy: await started(child) })));
  const gateway = await started(gatewayChild);

  const apps = proxies.map(({ w, proxy }) => ({ w, proxy, child: group.start(w.name, binaries.sample(w.app), [], sampleEnv(w, proxy.outboundPort ?? 15001)) }));
  await Promise.all([
    ...apps.map(({ w, child }) => waitHealthy(`${w.name} /health`, `http://${w.appAddress}:${SAMPLE_PORT}/health`, child, step, signal)),
    ...[...proxies.map((p) => p.proxy), gateway].map((p) => waitHealthy(`${p.child.name} /healthz/ready`, `http://127.0.0.1:${p.healthPort}/healthz/ready`, p.child, step, signal)),
  ]);

  // Prometheus, when installed, scrapes every proxy's stats port and weftd (istio_* and pilot_* metrics).
  const prometheus = await startPrometheus(group, paths, [...proxies.map((p) => ({ name: p.w.name, namespace: p.w.namespace, proxy: p.proxy })), { name: INGRESS_GATEWAY.name, namespace: INGRESS_GATEWAY.namespace, proxy: gateway }], ready.debug, step, signal);
  // The dashboard reads weftd, and Prometheus when it runs, else scrapes the proxies itself.
  const statsUrlOf = (p: StartedProxy): string | undefined => (p.statsPort === undefined ? undefined : `http://127.0.0.1:${p.statsPort}/stats/prometheus`);
  const prometheusUrl = 'url' in prometheus ? prometheus.url : undefined;
  const dashboard = await startDashboard(group, { weftdUrl: debugUrl, ...(prometheusUrl ? { prometheusUrl } : {}), statsUrls: [...proxies.map((p) => p.proxy), gateway].flatMap((p) => statsUrlOf(p) ?? []) }, step, signal);

  // The whole path: client → gateway → productpage's sidecar → productpage → details/reviews sidecars.
  const gatewayUrl = `http://${INGRESS_GATEWAY.workloadAddress}:${INGRESS_GATEWAY.port}/productpage`;
  const hasProductpage = plan.workloads.some((w) => w.app === 'productpage');
  let gatewayProblem: string | undefined;
  try {
    await pollUntil(`GET ${gatewayUrl} to answer 200`, async () => (await httpGet(gatewayUrl, { timeoutMs: 5000 })).status === 200, { timeoutMs: options.gatewayTimeoutMs ?? 15_000, intervalMs: 250, signal });
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    gatewayProblem = (e as Error).message;
  }

  state = {
    ...state,
    phase: 'ready',
    gatewayUrl,
    ...(prometheusUrl ? { prometheusUrl } : {}),
    ...('url' in dashboard ? { dashboardUrl: dashboard.url } : {}),
    processes: group.children.map((c) => {
      const p = [...proxies.map((x) => x.proxy), gateway].find((x) => x.child === c);
      const adminUrl = c === weftd ? debugUrl : p ? `http://127.0.0.1:${p.adminPort}` : undefined;
      const statsUrl = p ? statsUrlOf(p) : undefined;
      return { name: c.name, pid: c.pid, log: c.logFile, ...(adminUrl ? { adminUrl } : {}), ...(statsUrl ? { statsUrl } : {}) };
    }),
  };
  await updateMeshState(paths.stateFile, state);
  const productpage = proxies.find((p) => p.w.app === 'productpage');
  io.out.write(
    formatReady({
      seconds: (Date.now() - began) / 1000,
      paths,
      debugUrl,
      xdsAddress: ready.xds,
      caAddress: ready.ca ?? undefined,
      gatewayUrl,
      gatewayProblem: hasProductpage ? gatewayProblem : 'no productpage workload',
      proxies: proxies.map(({ w, proxy }) => ({ w, proxy })),
      gateway,
      productpageProxy: productpage?.proxy.outboundPort,
      prometheus,
      dashboard: 'url' in dashboard ? { url: dashboard.url } : dashboard,
      combinedLog: group.combinedLog,
    }),
  );
  options.onReady?.(state);

  // Serve until told to stop; weftd dying ends the mesh (proxies would keep their last config, but
  // nothing could change it any more). Other children dying is reported and the rest keeps running.
  let weftdDied = false;
  for (const c of group.children) {
    if (c === weftd) continue;
    void c.exited.then((exit) => {
      if (!signal.aborted) io.err.write(`weftctl up: ${c.name} exited (${exit.code ?? exit.signal}); see ${c.logFile}\n`);
    });
  }
  await new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
    void weftd.exited.then((exit) => {
      if (signal.aborted) return;
      weftdDied = true;
      io.err.write(`weftctl up: weftd exited (${exit.code ?? exit.signal}); see ${weftd.logFile}\n`);
      resolve();
    });
  });
  return weftdDied ? 1 : 0;
}

/** Starts Prometheus on 127.0.0.1:9090 (or a free port) when it is installed; returns its URL, or the
 *  install hint when it is not. */
async function startPrometheus(group: ProcessGroup, paths: MeshPaths, proxies: readonly { name: string; namespace: string; proxy: StartedProxy }[], weftdDebug: string, timeoutMs: number, signal: AbortSignal): Promise<{ url: string } | { hint: string }> {
  const bin = findPrometheus();
  if (bin === undefined) return { hint: PROMETHEUS_INSTALL_HINT };
  const dir = join(paths.stateDir, 'prometheus');
  await mkdir(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  const targets = proxies.filter((p) => p.proxy.statsPort !== undefined).map((p) => ({ address: `127.0.0.1:${p.proxy.statsPort}`, labels: { pod: p.name, namespace: p.namespace } }));
  await writeFile(configFile, renderPrometheusConfig({ proxies: targets, weftd: weftdDebug }));
  const port = (await isPortFree(9090)) ? 9090 : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = group.startCommand('prometheus', bin, prometheusArgs(configFile, join(dir, 'data'), `127.0.0.1:${port}`));
  await waitHealthy('prometheus /-/ready', `${url}/-/ready`, child, timeoutMs, signal);
  return { url };
}

async function waitHealthy(what: string, url: string, child: MeshChild, timeoutMs: number, signal: AbortSignal): Promise<void> {
  await pollUntil(
    what,
    async () => {
      if (!child.isRunning()) throw new Error(`${child.name} exited\n${child.tail()}`);
      return (await httpGet(url)).status === 200;
    },
    { timeoutMs, signal },
  ).catch((e: unknown) => {
    if (e instanceof InterruptedError) throw e;
    throw new Error(`${(e as Error).message}\n${child.tail()}`);
  });
}

/** Stops proxies, gateway and programs first (proxies through their admin /quitquitquit), weftd last. */
async function stopMesh(group: ProcessGroup, adminPorts: ReadonlyMap<MeshChild, number>): Promise<void> {
  await group.stopAll({
    graceMs: 5000,
    first: (c) => c.name !== 'weftd',
    before: async (c) => {
      const admin = adminPorts.get(c);
      if (admin === undefined) return;
      await fetch(`http://127.0.0.1:${admin}/quitquitquit`, { method: 'POST', signal: AbortSignal.timeout(1000) });
      await withTimeout(c.exited, 3000, `${c.name} to quit`);
    },
  });
}

interface ReadyInput {
  readonly seconds: number;
  readonly paths: MeshPaths;
  readonly debugUrl: string;
  readonly xdsAddress: string;
  /** weftd's CA, when it runs one. */
  readonly caAddress?: string;
  /** Prometheus' URL, or why there is none. */
  readonly prometheus?: { readonly url: string } | { readonly hint: string };
  /** weft-ui's URL, or why it did not start. */
  readonly dashboard?: { readonly url: string } | { readonly hint: string };
  readonly gatewayUrl: string;
  readonly gatewayProblem?: string;
  readonly proxies: readonly { w: WorkloadPlan; proxy: StartedProxy }[];
  readonly gateway: StartedProxy;
  readonly productpageProxy?: number;
  readonly combinedLog: string;
}

/** The "ready" summary: what to open, where each admin API is, where the logs are. */
export function formatReady(r: ReadyInput): string {
  const width = Math.max(INGRESS_GATEWAY.name.length, ...r.proxies.map((p) => p.w.name.length));
  const lines = [`${READY_LINE} in ${r.seconds.toFixed(1)}s: ${r.proxies.length} workloads, config in ${r.paths.configDir}`, ''];
  if (r.gatewayProblem === undefined) lines.push(`  Open the app:      ${r.gatewayUrl}   (through the ingress gateway)`);
  else lines.push(`  Ingress gateway:   NOT serving ${r.gatewayUrl}: ${r.gatewayProblem.split('\n')[0]}`);
  if (r.dashboard !== undefined) lines.push('url' in r.dashboard ? `  Dashboard:         ${r.dashboard.url}` : `  Dashboard:         ${r.dashboard.hint}`);
  if (r.productpageProxy !== undefined) lines.push(`  Through a sidecar: curl -x http://127.0.0.1:${r.productpageProxy} http://productpage:9080/productpage`);
  lines.push(
    `  weftd:             ${r.debugUrl}/debug/syncz   ${r.debugUrl}/debug/configz   ${r.debugUrl}/debug/registryz   (xDS ${r.xdsAddress})`,
    ...(r.caAddress ? [`  weftd CA:          ${r.caAddress}   root certificate ${join(r.paths.caDir, 'root-cert.pem')}`] : []),
    ...(r.prometheus === undefined ? [] : 'url' in r.prometheus ? [`  Prometheus:        ${r.prometheus.url}/graph?g0.expr=sum(rate(istio_requests_total[1m]))%20by%20(destination_service,response_code)`] : [`  Prometheus:        ${r.prometheus.hint}`]),
    '  Proxies (admin API: /config_dump /clusters /listeners /stats):',
  );
  for (const { w, proxy } of r.proxies) {
    lines.push(`    ${w.name.padEnd(width)}  http://127.0.0.1:${proxy.adminPort}   app http://${w.appAddress}:${SAMPLE_PORT}, explicit proxy 127.0.0.1:${proxy.outboundPort ?? '-'}`);
  }
  lines.push(`    ${INGRESS_GATEWAY.name.padEnd(width)}  http://127.0.0.1:${r.gateway.adminPort}   ${INGRESS_GATEWAY.workloadAddress}:${INGRESS_GATEWAY.port}`);
  lines.push(
    `  Logs:              ${r.paths.logsDir}/<process>.log, all together in ${r.combinedLog}`,
    `  Change routing:    edit ${r.paths.configDir}/*.yaml or weftctl apply -f FILE; weftctl get virtualservices`,
    '  Stop:              Ctrl-C',
    '',
  );
  return `${lines.join('\n')}\n`;
}
