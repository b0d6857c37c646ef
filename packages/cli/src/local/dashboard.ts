// weft-ui for a local mesh: its command line from what `weftctl up` knows (weftd's debug URL, Prometheus'
// URL when one runs, else every proxy's stats URL to scrape), and starting it in a process group on
// Istio's dashboard port 20001 (or a free one). `weftctl up` and `weftctl dashboard` both use it.

import type { MeshChild, ProcessGroup } from './mesh-processes.js';
import { binaryPath } from './binaries.js';
import { freePort, InterruptedError, isPortFree, withTimeout } from './wait-for.js';

/** Kiali's port, which weft-ui keeps. */
export const DASHBOARD_PORT = 20001;

/** The line weft-ui prints once it listens. */
export const DASHBOARD_READY = /serving the dashboard on (http:\/\/\S+)/;

/** Where the dashboard reads the mesh. */
export interface DashboardSources {
  readonly weftdUrl?: string;
  readonly prometheusUrl?: string;
  /** Proxies' /stats/prometheus URLs, scraped when there is no Prometheus. */
  readonly statsUrls: readonly string[];
}

/** weft-ui's arguments for `sources`, listening on `host:port`. */
export function dashboardArgs(sources: DashboardSources, host: string, port: number): string[] {
  return [
    '--host',
    host,
    '--port',
    String(port),
    ...(sources.weftdUrl ? ['--weftd-url', sources.weftdUrl] : []),
    ...(sources.prometheusUrl ? ['--prometheus-url', sources.prometheusUrl] : sources.statsUrls.flatMap((u) => ['--scrape', u])),
  ];
}

/** Starts weft-ui in `group` and resolves to its URL once it listens, or to why it could not start. */
export async function startDashboard(group: ProcessGroup, sources: DashboardSources, timeoutMs: number, signal: AbortSignal, port?: number): Promise<{ url: string; child: MeshChild } | { hint: string }> {
  let bin: string;
  try {
    bin = binaryPath('@weft/ui', 'weft-ui');
  } catch (e) {
    return { hint: `weft-ui is not available: ${(e as Error).message}` };
  }
  const listen = port ?? ((await isPortFree(DASHBOARD_PORT)) ? DASHBOARD_PORT : await freePort());
  const child = group.start('weft-ui', bin, dashboardArgs(sources, '127.0.0.1', listen));
  try {
    const [, url = ''] = await withTimeout(child.waitForLine(DASHBOARD_READY, signal), timeoutMs, `weft-ui to start\n${child.tail()}`);
    return { url, child };
  } catch (e) {
    if (signal.aborted) throw new InterruptedError();
    return { hint: `weft-ui did not start: ${(e as Error).message.split('\n')[0]} (see ${child.logFile})` };
  }
}
