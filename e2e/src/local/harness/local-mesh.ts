// One local mesh for an e2e file: a config directory of Istio YAML (a ServiceEntry per service, a
// WorkloadEntry per upstream instance and one for the client), upstream servers on their own loopback
// addresses, weftd (with its CA), and the client workload's weft-proxy (with a certificate from that CA
// once weft-proxy takes one); ready when the proxy has acknowledged every type. Routing
// (VirtualServices, DestinationRules) lives in routing.yaml, which scenarios rewrite.
// `useLocalMesh` wires start and cleanup into vitest hooks, with a final check for leftover processes.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { issueWorkloadToken } from '@weft/control-plane';
import { findLeftoverProcesses, killAllChildrenNow } from './child-processes.js';
import type { AppServer, AppStarter } from './app-server.js';
import { ConfigDir, portNameOf, serviceEntry, workloadEntry, type MeshResource } from './mesh-config.js';
import { LoopbackSubnet } from './loopback-subnet.js';
import { PROXY_CA_FLAGS_SUPPORTED, ProxyProcess, type ConfigDump, type ProxyIdentity } from './proxy-process.js';
import { UpstreamServer } from './upstream-server.js';
import { sleep, waitUntil } from './wait-until.js';
import { WeftdProcess, isInSync } from './weftd-process.js';

/** A service of the mesh and the versions of it that run (one upstream instance each). */
export interface ServiceDefinition {
  readonly name: string;
  readonly versions: readonly string[];
  /** Service port (default 9080, as bookinfo). */
  readonly port?: number;
  /** The port's protocol (default HTTP); the port is named after it (`http2`, `grpc`). */
  readonly protocol?: 'HTTP' | 'HTTP2' | 'GRPC';
  /** Starts each instance's app (default an {@link UpstreamServer}, which {@link LocalMesh.upstream} returns). */
  readonly app?: AppStarter;
  /** Give each instance its own weft-proxy: the app listens on an app address, the WorkloadEntry
   *  names another address where the proxy's inbound listener takes the traffic (same port). */
  readonly sidecar?: boolean;
  /** The sidecars' `--drain-duration`: a connection whose filter chain an LDS update replaced (new RBAC
   *  filters, say) keeps the old chain this long; default the proxy's 45 s. */
  readonly sidecarDrainDuration?: string;
}

/** What a scenario's mesh holds. */
export interface LocalMeshOptions {
  /** Names the temp directory, for humans reading leftovers. */
  readonly scenario: string;
  readonly namespace?: string;
  readonly services: readonly ServiceDefinition[];
  /** Workload name of the client whose proxy the scenario sends through (default productpage). */
  readonly client?: string;
  /** VirtualServices and DestinationRules in force at start. */
  readonly routing: (mesh: MeshNames) => readonly MeshResource[];
  /** More weft-proxy flags for every proxy of the mesh, the client's and the sidecars'
   *  (`['--workload-cert-ttl', '4s']`). */
  readonly proxyArgs?: readonly string[];
  /** More weftd flags (MeshConfig settings such as `['--access-log-file', '/dev/stdout']`). */
  readonly weftdArgs?: readonly string[];
}

/** Names a scenario needs to write routing. */
export interface MeshNames {
  readonly namespace: string;
  /** `<name>.<namespace>.svc.cluster.local` */
  host(service: string): string;
}

/** Options of {@link LocalMesh.applyRouting}. */
export interface ApplyOptions {
  /** The proxy whose config the change must reach (default the client's); a change that only touches
   *  another proxy (an AuthorizationPolicy of a server sidecar) leaves the client's versions alone. */
  readonly proxy?: ProxyProcess;
  /** Also wait until this holds on the proxy's config dump (with endpoints). */
  readonly until?: (dump: ConfigDump) => boolean;
  readonly timeoutMs?: number;
}

/** The client's hosts in the mesh's subnet: its workload address, where its per-service outbound
 *  listeners bind, and where its (absent) app would listen. Upstream instances get .11, .12, ... in the
 *  order of `services` and their versions, then the next ones as instances move or are added. */
const CLIENT_HOST = 10;
const CLIENT_OUTBOUND_HOST = 9;
const CLIENT_APP_HOST = 8;

/** A running local mesh. */
export class LocalMesh implements MeshNames {
  readonly namespace: string;
  readonly config: ConfigDir;
  readonly upstreams = new Map<string, UpstreamServer>();
  /** Apps started by a service's own `app` starter, by `service/version`. */
  readonly apps = new Map<string, AppServer>();
  /** The client's proxy. */
  proxy!: ProxyProcess;
  /** Server-side proxies of instances with `sidecar: true`, by `service/version`. */
  readonly sidecars = new Map<string, ProxyProcess>();
  /** Workload addresses of sidecar instances (their upstream listens elsewhere), by `service/version`. */
  private readonly workloadAddresses = new Map<string, string>();
  weftd!: WeftdProcess;
  private readonly ports = new Map<string, number>();
  /** Upstreams replaced by moveInstance or started by startUpstream, closed with the mesh. */
  private readonly retired: UpstreamServer[] = [];
  /** The mesh's loopback /24. */
  readonly subnet = new LoopbackSubnet();
  /** weftd's CA state (`ca/`) and the proxies' token files (`tokens/`): a directory of its own, since
   *  weftd reads every file of the config directory as config. */
  readonly securityDir: string;
  #closed = false;

  private constructor(
    readonly options: LocalMeshOptions,
    readonly dir: string,
  ) {
    this.namespace = options.namespace ?? 'default';
    this.config = new ConfigDir(dir);
    this.securityDir = mkdtempSync(join(tmpdir(), `weft-e2e-${options.scenario}-security-`));
  }

  /** weftd's `--ca-dir`. */
  get caDir(): string {
    return join(this.securityDir, 'ca');
  }

  /** The identity of the proxy of workload `name` (service account `serviceAccount`): weftd's CA and a
   *  fresh bootstrap token in a 0600 file; none while weft-proxy cannot take one (PROXY_CA_FLAGS_SUPPORTED). */
  private async identityFor(name: string, serviceAccount: string): Promise<{ identity?: ProxyIdentity }> {
    const caAddress = this.weftd.caAddress;
    if (!PROXY_CA_FLAGS_SUPPORTED || caAddress === undefined) return {};
    const tokens = join(this.securityDir, 'tokens');
    mkdirSync(tokens, { recursive: true, mode: 0o700 });
    const tokenFile = join(tokens, `${this.namespace}.${name}.token`);
    writeFileSync(tokenFile, `${await issueWorkloadToken(this.caDir, { namespace: this.namespace, serviceAccount })}\n`, { mode: 0o600 });
    return { identity: { caAddress, caRootCert: join(this.caDir, 'root-cert.pem'), tokenFile } };
  }

  /** Labels of a workload that runs a weft-proxy: Istio's injector marks such pods `tlsMode: istio`, so
   *  clients use mTLS to them (auto-mTLS); only once proxies have certificates. */
  private proxiedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
    return PROXY_CA_FLAGS_SUPPORTED ? { ...labels, 'security.istio.io/tlsMode': 'istio' } : { ...labels };
  }

  /** Starts everything; on failure stops what started and rethrows. */
  static async start(options: LocalMeshOptions): Promise<LocalMesh> {
    const mesh = new LocalMesh(options, mkdtempSync(join(tmpdir(), `weft-e2e-${options.scenario}-`)));
    try {
      await mesh.boot();
      return mesh;
    } catch (e) {
      const logs = mesh.logs();
      await mesh.close();
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs}`, { cause: e });
    }
  }

  private async boot(): Promise<void> {
    for (const service of this.options.services) {
      this.ports.set(service.name, service.port ?? 9080);
      for (const version of service.versions) {
        if (service.app) this.apps.set(`${service.name}/${version}`, await service.app(version, this.nextAddress()));
        else this.upstreams.set(`${service.name}/${version}`, await UpstreamServer.start(version, this.nextAddress()));
        if (service.sidecar) this.workloadAddresses.set(`${service.name}/${version}`, this.nextAddress());
      }
    }
    this.config.write('services.yaml', this.servicesYaml());
    this.config.write('routing.yaml', this.options.routing(this));

    const client = this.clientName;
    this.weftd = await WeftdProcess.start({ configDir: this.dir, caDir: this.caDir, ...(this.options.weftdArgs ? { extraArgs: this.options.weftdArgs } : {}) });
    this.proxy = await ProxyProcess.start({
      discoveryAddress: this.weftd.xdsAddress,
      workloadName: `${client}-v1`,
      namespace: this.namespace,
      address: this.clientAddress,
      outboundAddress: this.subnet.host(CLIENT_OUTBOUND_HOST),
      appAddress: this.subnet.host(CLIENT_APP_HOST),
      labels: this.proxiedLabels({ app: client, version: 'v1' }),
      serviceAccount: client,
      ...(await this.identityFor(`${client}-v1`, client)),
      ...(this.options.proxyArgs ? { extraArgs: this.options.proxyArgs } : {}),
    });
    for (const [instance, address] of this.workloadAddresses) {
      const [service = '', version = ''] = instance.split('/');
      this.sidecars.set(
        instance,
        await ProxyProcess.start({
          discoveryAddress: this.weftd.xdsAddress,
          workloadName: `${service}-${version}`,
          namespace: this.namespace,
          address,
          outboundAddress: this.nextAddress(),
          appAddress: this.app(service, version).address,
          labels: this.proxiedLabels({ app: service, version }),
          serviceAccount: service,
          ...(await this.identityFor(`${service}-${version}`, service)),
          ...(this.sidecarDrainDuration(service) ? { drainDuration: this.sidecarDrainDuration(service) } : {}),
          ...(this.options.proxyArgs ? { extraArgs: this.options.proxyArgs } : {}),
        }),
      );
    }
    await this.waitForSync();
  }

  private sidecarDrainDuration(service: string): string | undefined {
    return this.options.services.find((s) => s.name === service)?.sidecarDrainDuration;
  }

  private get clientName(): string {
    return this.options.client ?? 'productpage';
  }

  private nextAddress(): string {
    return this.subnet.next();
  }

  /** The client workload's address (its WorkloadEntry, the second part of its proxy's node id). */
  get clientAddress(): string {
    return this.subnet.host(CLIENT_HOST);
  }

  /** services.yaml: a ServiceEntry per service, a WorkloadEntry per running upstream and one for the client. */
  private servicesYaml(): MeshResource[] {
    const resources: MeshResource[] = [];
    for (const service of this.options.services) {
      const protocol = service.protocol ?? 'HTTP';
      resources.push(serviceEntry(service.name, this.namespace, service.port ?? 9080, protocol));
      for (const version of service.versions) {
        const app = this.app(service.name, version);
        // A sidecar instance is reached at its workload address, on the port its app listens on.
        const sidecar = this.workloadAddresses.get(`${service.name}/${version}`);
        const labels = { app: service.name, version };
        resources.push(workloadEntry(`${service.name}-${version}`, this.namespace, sidecar ?? app.address, sidecar ? this.proxiedLabels(labels) : labels, app.port, portNameOf(protocol)));
      }
    }
    // The client is a workload too (its identity and labels), but serves nothing here: no ServiceEntry
    // selects it, so its proxy gets no inbound listener.
    resources.push(workloadEntry(`${this.clientName}-v1`, this.namespace, this.clientAddress, this.proxiedLabels({ app: this.clientName, version: 'v1' })));
    return resources;
  }

  /** Starts one more upstream server on the next free loopback address (closed with the mesh); the
   *  scenario writes the WorkloadEntry that points at it. */
  async startUpstream(version: string): Promise<UpstreamServer> {
    const upstream = await UpstreamServer.start(version, this.nextAddress());
    this.retired.push(upstream);
    return upstream;
  }

  /**
   * Moves the instance `service`/`version` to a new upstream server on a new address: starts it,
   * rewrites its WorkloadEntry, and waits until the proxy runs the new endpoints. Returns the old server,
   * still running (the caller closes it when it has seen what it wanted).
   */
  async moveInstance(service: string, version: string): Promise<UpstreamServer> {
    if (this.workloadAddresses.has(`${service}/${version}`)) throw new Error('moveInstance does not move sidecar instances');
    const old = this.upstream(service, version);
    const moved = await UpstreamServer.start(version, this.nextAddress());
    this.upstreams.set(`${service}/${version}`, moved);
    this.retired.push(old);
    await this.applyFile('services.yaml', this.servicesYaml());
    return old;
  }

  /** `<service>.<namespace>.svc.cluster.local` */
  host(service: string): string {
    return `${service}.${this.namespace}.svc.cluster.local`;
  }

  /** `host:port` an app uses to call `service`. */
  authority(service: string): string {
    const port = this.ports.get(service);
    if (port === undefined) throw new Error(`no service ${service} in this mesh`);
    return `${this.host(service)}:${port}`;
  }

  /** The app of instance `service`/`version`, whatever started it. */
  app(service: string, version: string): AppServer {
    const app = this.apps.get(`${service}/${version}`) ?? this.upstreams.get(`${service}/${version}`);
    if (!app) throw new Error(`no instance ${service}/${version}`);
    return app;
  }

  /** The workload address of sidecar instance `service`/`version` (its WorkloadEntry `address`), where
   *  its proxy's inbound listener takes the service's port. */
  sidecarAddress(service: string, version: string): string {
    const address = this.workloadAddresses.get(`${service}/${version}`);
    if (address === undefined) throw new Error(`no sidecar instance ${service}/${version}`);
    return address;
  }

  /** The upstream instance of `service` at `version` (an instance started without an `app` starter). */
  upstream(service: string, version: string): UpstreamServer {
    const u = this.upstreams.get(`${service}/${version}`);
    if (!u) throw new Error(`no upstream ${service}/${version}`);
    return u;
  }

  /** Waits until weftd reports every proxy connected and every type acknowledged. */
  async waitForSync(timeoutMs = 15_000): Promise<void> {
    const proxies = [this.proxy, ...this.sidecars.values()];
    await waitUntil(
      'every proxy to acknowledge every xDS type',
      async () => {
        const entries = await this.weftd.syncz();
        return proxies.every((p) => isInSync(entries.find((e) => e.proxy === p.nodeId)));
      },
      { timeoutMs, describe: () => this.logs() },
    );
  }

  /**
   * Rewrites routing.yaml with `resources` and waits until the proxy runs the result: its versions
   * changed, weftd sees every type acknowledged, `until` (if given) holds, and all of that twice in a
   * row 100 ms apart with the same versions (so a push still in progress is not mistaken for the end).
   */
  async applyRouting(resources: readonly MeshResource[], options: ApplyOptions = {}): Promise<void> {
    await this.applyFile('routing.yaml', resources, options);
  }

  /** {@link applyRouting} for any file of the config directory. */
  async applyFile(file: string, resources: readonly MeshResource[], options: ApplyOptions = {}): Promise<void> {
    const proxy = options.proxy ?? this.proxy;
    const before = await proxy.versions();
    this.config.write(file, resources);
    let candidate: string | undefined;
    let seen = '';
    await waitUntil(
      `the proxy ${proxy.nodeId} to run the new ${file}`,
      async () => {
        const now = await proxy.versions();
        const sync = await this.weftd.syncOf(proxy.nodeId);
        const matches = !options.until || options.until(await proxy.configDump(true));
        seen = `proxy versions before ${before}, now ${now}; predicate ${matches}; weftd syncz ${JSON.stringify(sync?.resources)}`;
        if (now === before || !isInSync(sync) || !matches) {
          candidate = undefined;
          return false;
        }
        if (candidate === now) return true;
        candidate = now;
        await sleep(50);
        return false;
      },
      { timeoutMs: options.timeoutMs ?? 15_000, intervalMs: 50, describe: () => `${seen}
${this.logs()}` },
    );
  }

  /** Stops weftd with `signal` and starts a new one on the same xDS port (where the proxy reconnects). */
  async stopWeftd(signal: NodeJS.Signals): Promise<number> {
    const port = this.weftd.xdsPort;
    await this.weftd.stop(signal);
    return port;
  }

  /** Starts weftd again on `xdsPort` (after {@link stopWeftd}), its CA on the port proxies already use;
   *  with the mesh's weftd flags, or `weftdArgs` instead (a MeshConfig change is a weftd restart). */
  async startWeftd(xdsPort: number, weftdArgs: readonly string[] | undefined = this.options.weftdArgs): Promise<void> {
    this.weftd = await WeftdProcess.start({ configDir: this.dir, xdsPort, caDir: this.caDir, caPort: this.weftd.caPort, ...(weftdArgs ? { extraArgs: weftdArgs } : {}) });
  }

  /** Output of weftd and the proxy, for failure messages. */
  logs(): string {
    return [this.weftd?.child.output() ?? '', this.proxy?.child.output() ?? '', ...[...this.sidecars.values()].map((p) => p.child.output())].filter(Boolean).join('\n');
  }

  /** Stops the proxy, weftd and the upstreams, and removes the config directory. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.proxy?.stop(), ...[...this.sidecars.values()].map((p) => p.stop()), this.weftd?.stop()]);
    await Promise.all([...this.upstreams.values(), ...this.apps.values(), ...this.retired].map((u) => u.close()));
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.securityDir, { recursive: true, force: true });
  }
}

/**
 * Starts a mesh before the file's tests and stops it after them; prints the processes' output after a
 * failed test; and checks at the end that no process of this run is left. Returns an accessor for the
 * mesh (it exists once beforeAll has run).
 */
export function useLocalMesh(options: LocalMeshOptions): () => LocalMesh {
  let mesh: LocalMesh | undefined;
  beforeAll(async () => {
    mesh = await LocalMesh.start(options);
  }, 60_000);
  afterEach((context) => {
    if (context.task.result?.state === 'fail' && mesh) process.stderr.write(`--- process output (${options.scenario}) ---\n${mesh.logs()}\n`);
  });
  afterAll(async () => {
    try {
      await mesh?.close();
    } finally {
      killAllChildrenNow();
      // Give the kernel a moment to reap what was just killed, then look for anything of this run.
      await waitUntil('every process of this run to exit', () => findLeftoverProcesses().length === 0, { timeoutMs: 5000 }).catch(() => undefined);
      expect(findLeftoverProcesses(), 'processes left running after the scenario').toEqual([]);
    }
  }, 30_000);
  return () => {
    if (!mesh) throw new Error('the local mesh is not running (beforeAll failed?)');
    return mesh;
  };
}
