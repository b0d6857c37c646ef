// weftd as a child process for e2e scenarios: started from its built binary on free ports (or on the
// given xDS and CA ports, to restart it where proxies expect it), optionally with its CA; ready when
// it has logged its addresses and /ready answers 200; read through its debug API (/debug/syncz), the
// way an operator would.

import { binaryPath } from './binaries.js';
import { E2E_LOG_LEVEL, spawnNodeProcess, type ChildHandle, type ChildExit } from './child-processes.js';
import { waitUntil } from './wait-until.js';

/** Per type URL in a /debug/syncz entry. */
export interface TypeSync {
  readonly sent?: string;
  readonly acked?: string;
  readonly nonce?: string;
  /** The message of the last NACK (the proxy's error_detail). */
  readonly lastError?: string;
}

/** The part of a /debug/syncz entry scenarios read. */
export interface SyncEntry {
  readonly proxy: string;
  readonly connection_id: string;
  readonly resources: Readonly<Record<string, TypeSync>>;
}

/** The four types a sidecar subscribes to. */
export const SIDECAR_TYPES = [
  'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  'type.googleapis.com/envoy.config.listener.v3.Listener',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
] as const;

/** Whether weftd has sent every sidecar type to this proxy and the proxy acknowledged the last version of each. */
export function isInSync(entry: SyncEntry | undefined): boolean {
  if (!entry) return false;
  return SIDECAR_TYPES.every((t) => {
    const s = entry.resources[t];
    return s?.sent !== undefined && s.sent === s.acked;
  });
}

/** Settings of one weftd. */
export interface WeftdOptions {
  readonly configDir: string;
  /** 0 (default) picks a free port; a restart passes the port proxies already use. */
  readonly xdsPort?: number;
  /** Runs weftd's CA with its state here (`--ca-dir`); never inside the config directory. */
  readonly caDir?: string;
  /** The CA's port: 0 (default) picks a free one; a restart passes the port proxies already use. */
  readonly caPort?: number;
  /** More weftd flags, after the ones above (MeshConfig settings: `['--access-log-file', '/dev/stdout']`). */
  readonly extraArgs?: readonly string[];
}

/** A running weftd. */
export class WeftdProcess {
  private constructor(
    readonly child: ChildHandle,
    readonly xdsPort: number,
    readonly debugPort: number,
    /** `127.0.0.1:<port>` of its CA, when it runs one. */
    readonly caAddress: string | undefined,
  ) {}

  /** The CA's port (0 without a CA). */
  get caPort(): number {
    return this.caAddress === undefined ? 0 : Number(this.caAddress.slice(this.caAddress.lastIndexOf(':') + 1));
  }

  /** `127.0.0.1:<port>` of its xDS server, what proxies take as their discovery address. */
  get xdsAddress(): string {
    return `127.0.0.1:${this.xdsPort}`;
  }

  /** Starts weftd and waits until it is ready. Kills it if it does not get there. */
  static async start(options: WeftdOptions): Promise<WeftdProcess> {
    const ca = options.caDir === undefined ? [] : ['--ca-dir', options.caDir, '--ca-port', String(options.caPort ?? 0)];
    const child = spawnNodeProcess('weftd', binaryPath('control-plane', 'weftd'), ['--config-dir', options.configDir, '--host', '127.0.0.1', '--xds-port', String(options.xdsPort ?? 0), '--debug-port', '0', ...ca, '--log-level', E2E_LOG_LEVEL === 'debug' ? 'debug' : 'info', ...(options.extraArgs ?? [])]);
    try {
      // weftd logs JSON lines; the `weftd ready` one carries the bound addresses.
      const [line] = await child.waitForLine(/^\{.*"msg":"weftd ready".*\}$/);
      const ready = JSON.parse(line) as { xds: string; debug: string; ca?: string | null };
      const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
      const weftd = new WeftdProcess(child, portOf(ready.xds), portOf(ready.debug), ready.ca ?? undefined);
      await waitUntil('weftd /ready', async () => (await fetch(weftd.debugUrl('/ready'))).status === 200, { describe: () => child.output() });
      return weftd;
    } catch (e) {
      await child.stop('SIGKILL');
      throw e;
    }
  }

  /** URL of a debug API path. */
  debugUrl(path: string): string {
    return `http://127.0.0.1:${this.debugPort}${path}`;
  }

  /** The /debug/syncz entries (one per connected proxy stream). */
  async syncz(): Promise<SyncEntry[]> {
    const res = await fetch(this.debugUrl('/debug/syncz'));
    if (res.status !== 200) throw new Error(`/debug/syncz answered ${res.status}`);
    return (await res.json()) as SyncEntry[];
  }

  /** The syncz entry of the proxy with node id `nodeId`, if it is connected. */
  async syncOf(nodeId: string): Promise<SyncEntry | undefined> {
    return (await this.syncz()).find((e) => e.proxy === nodeId);
  }

  /** Stops weftd: SIGTERM (a clean stop) or SIGKILL (a crash). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
    return this.child.stop(signal);
  }
}
