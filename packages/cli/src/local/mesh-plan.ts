// What `weftctl up` starts, derived from the config directory: one sidecar and one sample program per
// WorkloadEntry of a sample app on the sample's address scheme (127.0.10.n → app 127.0.11.n, outbound
// 127.0.12.n), and the ingress gateway. Pure: reading files and spawning are elsewhere.

/** Sample programs by the `app` label they serve. */
export const SAMPLE_APPS = ['productpage', 'details', 'reviews', 'ratings'] as const;
export type SampleApp = (typeof SAMPLE_APPS)[number];

/** The port every sample service listens on. */
export const SAMPLE_PORT = 9080;

/** The ingress gateway of a local mesh (Istio's istio-ingressgateway). */
export const INGRESS_GATEWAY = Object.freeze({
  name: 'istio-ingressgateway',
  namespace: 'istio-system',
  labels: Object.freeze({ istio: 'ingressgateway', app: 'istio-ingressgateway' }),
  serviceAccount: 'istio-ingressgateway-service-account',
  workloadAddress: '127.0.10.100',
  /** The HTTP port of the seeded bookinfo-gateway. */
  port: 8080,
});

/** One sample workload: its sidecar and its program. */
export interface WorkloadPlan {
  /** WorkloadEntry name. */
  readonly name: string;
  readonly namespace: string;
  readonly app: SampleApp;
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** 127.0.10.n: the WorkloadEntry address, the proxy's inbound. */
  readonly workloadAddress: string;
  /** 127.0.11.n: where the program listens. */
  readonly appAddress: string;
  /** 127.0.12.n: the proxy's per-service outbound listeners. */
  readonly outboundAddress: string;
}

/** A WorkloadEntry that gets no process, and why. */
export interface SkippedWorkload {
  readonly name: string;
  readonly reason: string;
}

/** Everything {@link planMesh} found. */
export interface MeshPlan {
  readonly workloads: readonly WorkloadPlan[];
  readonly skipped: readonly SkippedWorkload[];
}

const SAMPLE_ADDRESS = /^127\.0\.10\.(\d{1,3})$/;

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function stringRecord(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(record(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * Plans the sample workloads from parsed resources (anything: only `WorkloadEntry`s are read). A
 * WorkloadEntry is started when its `app` label names a sample program and its address is
 * 127.0.10.n (n in 1..99, 100 being the gateway's); the others are listed in `skipped`. Order is the
 * input's, so the sample's workloads.yaml order (productpage first) is kept.
 */
export function planMesh(resources: readonly unknown[]): MeshPlan {
  const workloads: WorkloadPlan[] = [];
  const skipped: SkippedWorkload[] = [];
  const seen = new Set<string>();
  for (const r of resources) {
    const doc = record(r);
    if (doc.kind !== 'WorkloadEntry') continue;
    const meta = record(doc.metadata);
    const spec = record(doc.spec);
    const name = typeof meta.name === 'string' ? meta.name : '';
    const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
    const labels = stringRecord(spec.labels);
    const app = labels.app;
    const address = typeof spec.address === 'string' ? spec.address : '';
    const n = Number(SAMPLE_ADDRESS.exec(address)?.[1] ?? NaN);
    if (!app || !(SAMPLE_APPS as readonly string[]).includes(app)) {
      skipped.push({ name, reason: `no sample program for app=${app ?? '(none)'}` });
      continue;
    }
    if (!(n >= 1 && n <= 99)) {
      skipped.push({ name, reason: `address ${address || '(none)'} is not on the sample's scheme 127.0.10.1-99` });
      continue;
    }
    if (seen.has(address)) {
      skipped.push({ name, reason: `address ${address} is already used by another WorkloadEntry` });
      continue;
    }
    seen.add(address);
    workloads.push({
      name,
      namespace,
      app: app as SampleApp,
      version: labels.version ?? 'v1',
      labels,
      serviceAccount: typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : 'default',
      workloadAddress: address,
      appAddress: `127.0.11.${n}`,
      outboundAddress: `127.0.12.${n}`,
    });
  }
  return { workloads, skipped };
}

/**
 * Whether weft-proxy takes its certificate from weftd's CA (`--ca-address`, `--ca-root-cert`,
 * `--token-file`). A proxy refuses flags it does not know, so while this is off `up` starts proxies
 * without them (no certificates: auto-mTLS to `tlsMode: istio` endpoints cannot work then). On since
 * `weft-proxy --help` lists the three flags.
 */
export const PROXY_CA_FLAGS_SUPPORTED = true;

/** Where a proxy gets its workload certificate: weftd's CA, the CA's trust anchor, the workload's token. */
export interface ProxyIdentity {
  /** `host:port` of weftd's CA (Istio's CA_ADDR). */
  readonly caAddress: string;
  /** `<ca-dir>/root-cert.pem`. */
  readonly caRootCert: string;
  /** The workload's bootstrap token file. */
  readonly tokenFile: string;
}

/** weft-proxy's CA arguments for `identity` (none without one). */
export function identityArgs(identity: ProxyIdentity | undefined): string[] {
  return identity ? ['--ca-address', identity.caAddress, '--ca-root-cert', identity.caRootCert, '--token-file', identity.tokenFile] : [];
}

/** `k=v,k=v` for weft-proxy's --labels. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** weft-proxy's arguments for a sample workload's sidecar (ports chosen by the proxy: 0), getting its
 *  certificate as `identity` says when given. */
export function sidecarArgs(w: WorkloadPlan, discoveryAddress: string, identity?: ProxyIdentity): string[] {
  return [
    '--mode', 'sidecar',
    '--discovery-address', discoveryAddress,
    '--workload-name', w.name,
    '--pod-name', w.name,
    '--namespace', w.namespace,
    '--labels', formatLabels(w.labels),
    '--service-account', w.serviceAccount,
    '--workload-address', w.workloadAddress,
    '--app-address', w.appAddress,
    '--outbound-address', w.outboundAddress,
    '--health-address', '127.0.0.1',
    '--admin-port', '0', '--health-port', '0', '--stats-port', '0', '--outbound-port', '0',
    // A local mesh stops on Ctrl-C: nothing to drain for 45 s.
    '--drain-duration', '1s',
    ...identityArgs(identity),
  ];
}

/** weft-proxy's environment: the young generation capped, as packages/proxy/README.md ("Memory")
 *  tells a deployment to (the user's own NODE_OPTIONS kept). */
export function proxyEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { NODE_OPTIONS: [env.NODE_OPTIONS ?? '', '--max-semi-space-size=1', '--v8-pool-size=1'].filter((o) => o !== '').join(' ') };
}

/** weft-proxy's arguments for the ingress gateway (router mode); it needs a certificate too, for
 *  auto-mTLS to the sidecars behind it. */
export function gatewayArgs(discoveryAddress: string, identity?: ProxyIdentity): string[] {
  const g = INGRESS_GATEWAY;
  return [
    '--mode', 'router',
    '--discovery-address', discoveryAddress,
    '--workload-name', g.name,
    '--pod-name', g.name,
    '--namespace', g.namespace,
    '--labels', formatLabels(g.labels),
    '--service-account', g.serviceAccount,
    '--workload-address', g.workloadAddress,
    '--health-address', '127.0.0.1',
    '--admin-port', '0', '--health-port', '0', '--stats-port', '0', '--outbound-port', '0',
    '--drain-duration', '1s',
    ...identityArgs(identity),
  ];
}

/** The environment of a sample program behind its sidecar's explicit proxy. */
export function sampleEnv(w: WorkloadPlan, proxyPort: number): Record<string, string> {
  return {
    WEFT_SAMPLE_ADDRESS: w.appAddress,
    WEFT_SAMPLE_PORT: String(SAMPLE_PORT),
    WEFT_SAMPLE_VERSION: w.version,
    WEFT_SAMPLE_POD_NAME: w.name,
    WEFT_SAMPLE_PROXY: `http://127.0.0.1:${proxyPort}`,
  };
}
