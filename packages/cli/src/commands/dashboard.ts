// `weftctl dashboard`: the running local mesh's dashboard. When `weftctl up` started weft-ui and it
// answers, prints its URL; otherwise starts weft-ui pointed at the mesh (weftd, Prometheus when up
// started one, else every proxy's stats URL from up.json), prints the URL and serves until Ctrl-C.
// It opens no browser.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { startDashboard } from '../local/dashboard.js';
import { resolveMeshPaths } from '../local/mesh-paths.js';
import { ProcessGroup } from '../local/mesh-processes.js';
import { findRunningMesh } from '../local/up-lock.js';
import { httpGet } from '../local/wait-for.js';

/** Options of {@link runDashboard}. */
export interface DashboardOptions {
  readonly stateDir?: string;
  /** Port for a weft-ui started here (default 20001, or a free one). */
  readonly port?: number;
  /** Ends a weft-ui started here (the command wires SIGINT/SIGTERM to it). */
  readonly signal: AbortSignal;
  /** Called with the URL once the dashboard answers (tests). */
  readonly onUrl?: (url: string) => void;
}

/** Exit 0 after printing a running dashboard's URL or after serving one until the signal; 1 when no
 *  mesh runs or weft-ui cannot start. */
export async function runDashboard(options: DashboardOptions, io: Io): Promise<number> {
  const paths = resolveMeshPaths({ stateDir: options.stateDir });
  const mesh = await findRunningMesh(paths.stateFile);
  if (!mesh?.debugUrl) {
    io.err.write('weftctl dashboard: no mesh is running (start one with weftctl up)\n');
    return 1;
  }
  if (mesh.dashboardUrl && options.port === undefined) {
    const answers = await httpGet(`${mesh.dashboardUrl}/api/health`, { timeoutMs: 2000 }).then((r) => r.status === 200, () => false);
    if (answers) {
      io.out.write(`${mesh.dashboardUrl}\n`);
      io.err.write(`weftctl dashboard: weft-ui is running (started by weftctl up, pid ${mesh.pid})\n`);
      options.onUrl?.(mesh.dashboardUrl);
      return 0;
    }
  }
  const logsDir = join(paths.stateDir, 'dashboard');
  await mkdir(logsDir, { recursive: true });
  const group = new ProcessGroup({ logsDir });
  const statsUrls = (mesh.processes ?? []).flatMap((p) => p.statsUrl ?? []);
  try {
    const started = await startDashboard(group, { weftdUrl: mesh.debugUrl, ...(mesh.prometheusUrl ? { prometheusUrl: mesh.prometheusUrl } : {}), statsUrls }, 30_000, options.signal, options.port);
    if ('hint' in started) {
      io.err.write(`weftctl dashboard: ${started.hint}\n`);
      return 1;
    }
    io.out.write(`${started.url}\n`);
    io.err.write(`weftctl dashboard: weft-ui serves ${started.url} (metrics from ${mesh.prometheusUrl ? `Prometheus ${mesh.prometheusUrl}` : `${statsUrls.length} proxies scraped directly`}); Ctrl-C stops it\n`);
    options.onUrl?.(started.url);
    await new Promise<void>((resolve) => {
      options.signal.addEventListener('abort', () => resolve(), { once: true });
      void started.child.exited.then(() => resolve());
    });
    return started.child.isRunning() || options.signal.aborted ? 0 : 1;
  } catch (e) {
    if (options.signal.aborted) return 130;
    io.err.write(`weftctl dashboard: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await group.stopAll({ graceMs: 3000 });
  }
}

/** Registers `dashboard` on the program. */
export function registerDashboard(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('dashboard')
    .description("print the local mesh's dashboard URL (weft-ui), starting weft-ui when `weftctl up` did not")
    .option('--state-dir <dir>', 'the mesh to look at (default: $WEFT_STATE_DIR, $XDG_STATE_HOME/weft or ~/.weft)')
    .option('--port <n>', 'start a weft-ui of its own on this port (default: the running one, else 20001 or a free port)')
    .addHelpText('after', '\nOpens no browser: open the printed URL. A weft-ui started here runs until Ctrl-C.\n\nExit status: 0 printed (or served until Ctrl-C), 1 no mesh runs or weft-ui could not start, 2 usage.')
    .action(async (opts: { stateDir?: string; port?: string }) => {
      let port: number | undefined;
      if (opts.port !== undefined) {
        port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          io.err.write(`weftctl dashboard: --port must be an integer from 0 to 65535, got ${opts.port}\n`);
          setExit(2);
          return;
        }
      }
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        setExit(await runDashboard({ stateDir: opts.stateDir, ...(port !== undefined ? { port } : {}), signal: controller.signal }, io));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
