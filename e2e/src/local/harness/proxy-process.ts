// weft-proxy as a child process for e2e scenarios: a workload's sidecar started from its built binary
// with the workload's identity (node id `sidecar~<ip>~<name>.<ns>~<ns>.svc.cluster.local`, labels as
// node metadata, and given one, weftd's CA and a bootstrap token for its certificate) and free ports,
// ready when /healthz/ready answers 200; read through its admin API (/config_dump, /stats) as with Envoy.

import { binaryPath } from './binaries.js';
import { E2E_LOG_LEVEL, spawnNodeProcess, type ChildHandle, type ChildExit } from './child-processes.js';
import { waitUntil } from './wait-until.js';

/** Who the proxy runs for. */
export interface ProxyOptions {
  /** weftd's `host:port`. */
  readonly discoveryAddress: string;
  /** WorkloadEntry name of the workload (also its pod name in the node id). */
  readonly workloadName: string;
  readonly namespace: string;
  /** The workload's address (its WorkloadEntry `address`): inbound listeners bind it. */
  readonly address: string;
  /** Where per-service outbound listeners (`0.0.0.0_9080`) bind, on the service's port. */
  readonly outboundAddress: string;
  /** Where the workload's app listens (weftd's inbound cluster endpoints). */
  readonly appAddress: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  /** `--drain-duration` (default the proxy's, 45 s): how long connections of a replaced filter chain
   *  keep the old chain before they are closed. */
  readonly drainDuration?: string;
  /** Where the proxy gets its workload certificate (none: it has no certificate). */
  readonly identity?: ProxyIdentity;
  /** More weft-proxy flags, after the ones above (`['--workload-cert-ttl', '4s']`). */
  readonly extraArgs?: readonly string[];
}

/**
 * Whether weft-proxy takes its certificate from weftd's CA (`--ca-address`, `--ca-root-cert`,
 * `--token-file`); it refuses flags it does not know. While this is off, the harness gives proxies no
 * identity and labels no workload `security.istio.io/tlsMode: istio` (auto-mTLS without certificates
 * would fail). On since `weft-proxy --help` lists the flags (as PROXY_CA_FLAGS_SUPPORTED in
 * packages/cli/src/local/mesh-plan.ts).
 */
export const PROXY_CA_FLAGS_SUPPORTED = true;

/** A proxy's CA, the CA's trust anchor and its workload's bootstrap token. */
export interface ProxyIdentity {
  /** `host:port` of weftd's CA. */
  readonly caAddress: string;
  /** `<ca-dir>/root-cert.pem`. */
  readonly caRootCert: string;
  readonly tokenFile: string;
}

/** One entry of `dynamic_*` in a config dump, loosely typed: scenarios read names, versions and errors. */
export interface DumpEntry {
  readonly version_info?: string;
  readonly error_state?: { readonly details?: string; readonly version_info?: string; readonly failed_configuration?: unknown };
  readonly [field: string]: unknown;
}

/** The parts of /config_dump scenarios read. */
export interface ConfigDump {
  readonly configs: ReadonlyArray<{ readonly '@type': string; readonly version_info?: string; readonly [field: string]: unknown }>;
}

/** A running weft-proxy. */
export class ProxyProcess {
  private constructor(
    readonly child: ChildHandle,
    readonly nodeId: string,
    readonly adminPort: number,
    readonly healthPort: number,
    /** The app's explicit HTTP proxy port on 127.0.0.1. */
    readonly outboundPort: number,
    /** Where its per-service outbound listeners bind (with each service's port). */
    readonly outboundAddress: string,
    /** Its stats port (/stats/prometheus, Istio's 15090), on 127.0.0.1. */
    readonly statsPort: number,
  ) {}

  /** The node id weft-proxy builds for `options` (Istio's sidecar form). */
  static nodeIdOf(options: ProxyOptions): string {
    return `sidecar~${options.address}~${options.workloadName}.${options.namespace}~${options.namespace}.svc.cluster.local`;
  }

  /** Starts the proxy and waits until it reports ready (config received from weftd). */
  static async start(options: ProxyOptions): Promise<ProxyProcess> {
    const labels = Object.entries(options.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const args = [
      '--discovery-address', options.discoveryAddress,
      '--workload-name', options.workloadName,
      '--namespace', options.namespace,
      '--workload-address', options.address,
      '--outbound-address', options.outboundAddress,
      '--app-address', options.appAddress,
      '--labels', labels,
      '--service-account', options.serviceAccount ?? options.labels.app ?? 'default',
      '--admin-port', '0', '--health-port', '0', '--stats-port', '0', '--outbound-port', '0',
      '--log-level', E2E_LOG_LEVEL === 'debug' ? 'debug' : 'info',
      ...(options.drainDuration ? ['--drain-duration', options.drainDuration] : []),
      ...(options.identity ? ['--ca-address', options.identity.caAddress, '--ca-root-cert', options.identity.caRootCert, '--token-file', options.identity.tokenFile] : []),
      ...(options.extraArgs ?? []),
    ];
    const child = spawnNodeProcess(`weft-proxy ${options.workloadName}`, binaryPath('proxy', 'weft-proxy'), args);
    try {
      const [, node = '', admin, health, outbound, stats] = await child.waitForLine(/weft-proxy started node=(\S+) .*admin=(\d+) health=(\d+) outbound=(\d+) stats=(\d+)/);
      const expected = ProxyProcess.nodeIdOf(options);
      if (node !== expected) throw new Error(`weft-proxy built node id ${node}, expected ${expected}`);
      const proxy = new ProxyProcess(child, node, Number(admin), Number(health), Number(outbound), options.outboundAddress, Number(stats));
      await waitUntil('weft-proxy /healthz/ready', async () => (await fetch(`http://127.0.0.1:${proxy.healthPort}/healthz/ready`)).status === 200, { timeoutMs: 15_000, describe: () => child.output() });
      return proxy;
    } catch (e) {
      await child.stop('SIGKILL');
      throw e;
    }
  }

  /** GET on the admin API; throws unless 200. */
  async admin(path: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}${path}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`admin ${path} answered ${res.status}: ${body}`);
    return body;
  }

  /** /config_dump, with endpoints when `includeEds`. */
  async configDump(includeEds = false): Promise<ConfigDump> {
    return JSON.parse(await this.admin(includeEds ? '/config_dump?include_eds' : '/config_dump')) as ConfigDump;
  }

  /** The `dynamic_*` list of one part of the dump (`dynamic_route_configs`, `dynamic_endpoint_configs`, ...). */
  static entriesOf(dump: ConfigDump, field: string): DumpEntry[] {
    return dump.configs.flatMap((c) => (Array.isArray(c[field]) ? (c[field] as DumpEntry[]) : []));
  }

  /**
   * Every version the proxy holds, as one string: the CDS and LDS versions and the version of each
   * route configuration and endpoint assignment. It changes whenever an accepted update changed something.
   */
  async versions(): Promise<string> {
    const dump = await this.configDump(true);
    const top = dump.configs.map((c) => c.version_info ?? '');
    const named = [...ProxyProcess.entriesOf(dump, 'dynamic_route_configs'), ...ProxyProcess.entriesOf(dump, 'dynamic_endpoint_configs')].map((e) => e.version_info ?? '');
    return [...top, ...named].join('/');
  }

  /** /stats as a map of counter and gauge values. */
  async stats(): Promise<Map<string, number>> {
    const text = await this.admin('/stats');
    return new Map(
      text
        .split('\n')
        .map((l) => /^(\S+): (-?\d+)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1] ?? '', Number(m[2])]),
    );
  }

  /** Stops the proxy (SIGTERM, then SIGKILL after a grace period). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ChildExit> {
    return this.child.stop(signal);
  }
}
