// Every setting of `weft-proxy`, declared once: flag, environment variables (Weft's and the ones
// Istio's pilot-agent reads), default and description. Parses the command line and environment,
// reports every problem at once and returns a frozen config; `--help` and docs/config.md come from it.

import {
  DNS_LABEL,
  DNS_SUBDOMAIN,
  anyText,
  count,
  declareSettingFor,
  duration,
  fail,
  hostPort,
  ipList,
  matching,
  ok,
  oneOf,
  parseCommandLine,
  parseLabels,
  port,
  renderDocSection,
  renderHelp,
  spliceDocSection,
  type Parsed,
  type ParsedCommandLine as GenericParsedCommandLine,
  type SettingDeclaration as GenericSettingDeclaration,
} from '@weft/shared/settings';

/** Envoy's log levels (what `/logging?level=` accepts), lowest first; `off` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Istio's proxy types: a workload's sidecar, or a gateway ("router"). */
export type ProxyMode = 'sidecar' | 'router';

/** The settings weft-proxy runs with. Frozen; passed down explicitly, never read from globals. */
export interface ProxyConfig {
  readonly mode: ProxyMode;
  /** xDS node id; '' means built Istio-style from the other settings (see bootstrap/xds-node.ts). */
  readonly nodeId: string;
  /** Pod (instance) name, the third part of the node id; '' means the workload name, else the host name. */
  readonly podName: string;
  /** Workload name (node metadata WORKLOAD_NAME); '' means the pod name. */
  readonly workloadName: string;
  readonly namespace: string;
  /** Workload labels (node metadata LABELS). */
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** The workload's IP addresses (node metadata INSTANCE_IPS; the first is in the node id). */
  readonly workloadAddresses: readonly string[];
  /** DNS domain of the node id's last part; '' means `<namespace>.svc.cluster.local`. */
  readonly domain: string;
  /** `host:port` of weftd's plaintext xDS (ADS) server. */
  readonly discoveryAddress: string;
  readonly adminPort: number;
  readonly healthPort: number;
  /** Address of the health server (0.0.0.0: probes come from outside the pod). */
  readonly healthAddress: string;
  readonly statsPort: number;
  /** Port of the merged metrics (Istio's 15020: the proxy's and the app's), on the health address;
   *  undefined: not served. */
  readonly mergedMetricsPort: number | undefined;
  /** Where the app serves its own Prometheus metrics: a URL, or Istio's ISTIO_PROMETHEUS_ANNOTATIONS
   *  JSON ({"scrape":"true","port":"9080","path":"/metrics"}, on the app address); '' for none. */
  readonly appMetrics: string;
  /** Port of the outbound listener, on 127.0.0.1: the app's explicit HTTP proxy (routes by Host). */
  readonly outboundPort: number;
  /** Where per-service outbound listeners bind (`0.0.0.0_9080` becomes `<this>:9080`), for the app to dial. */
  readonly outboundAddress: string;
  /** Where the local app listens, on its own ports; weftd points the inbound clusters there
   *  (node metadata WEFT_APP_ADDRESS). */
  readonly appAddress: string;
  /** How long connections of a removed or changed listener may go on before they are closed (ms). */
  readonly drainDurationMs: number;
  /** `host:port` of weftd's CA (Istio's CA_ADDR); '' for none: the proxy then has no certificate. */
  readonly caAddress: string;
  /** PEM file of the CA's trust anchor (weftd's root-cert.pem), to verify the CA's TLS. */
  readonly caRootCert: string;
  /** File holding the workload's bearer token for its first certificate. */
  readonly tokenFile: string;
  /** SPIFFE trust domain of the workload's identity. */
  readonly trustDomain: string;
  /** Lifetime asked for the workload certificate (ms); rotated at half of it. */
  readonly workloadCertTtlMs: number;
  readonly logLevel: LogLevel;
  /** V8 flags set when the process starts (`v8.setFlagsFromString`), for flags NODE_OPTIONS refuses. */
  readonly v8Flags: string;
  /** Worker count (not used yet: one event loop); 0 means one per core. */
  readonly concurrency: number;
  /** Extra node metadata from `ISTIO_META_<NAME>` (string) and `ISTIO_METAJSON_<NAME>` (JSON) variables,
   *  as pilot-agent forwards them. Settings above win over these for the keys they own. */
  readonly extraMetadata: Readonly<Record<string, unknown>>;
}

/** The declaration of one weft-proxy setting. */
export type SettingDeclaration<K extends keyof ProxyConfig = keyof ProxyConfig> = GenericSettingDeclaration<ProxyConfig, K>;

export { parseLabels };

/** One IP address (v4 or v6). */
function singleIp(raw: string): Parsed<string> {
  const parsed = ipList(raw);
  if (!parsed.ok) return fail(parsed.error);
  return parsed.value.length === 1 && parsed.value[0] !== undefined ? ok(parsed.value[0]) : fail(`"${raw}" is not one IP address`);
}

// ---- the declaration --------------------------------------------------------------------------

const declare = declareSettingFor<ProxyConfig>();

/** Every weft-proxy setting, in the order `--help` and docs/config.md list them. */
export const PROXY_SETTINGS = Object.freeze([
  declare({
    key: 'mode',
    flag: 'mode',
    valueName: '<sidecar|router>',
    env: ['WEFT_PROXY_MODE'],
    default: 'sidecar',
    description: "sidecar: a workload's proxy (inbound and outbound listeners); router: a gateway. The first part of the node id, as pilot-agent's `proxy sidecar|router`.",
    parse: oneOf(['sidecar', 'router'] as const),
  }),
  declare({
    key: 'nodeId',
    flag: 'node-id',
    valueName: '<id>',
    env: ['WEFT_PROXY_NODE_ID'],
    default: '',
    description: 'xDS node id. Unset: built like Istio, <mode>~<first workload address>~<pod name>.<namespace>~<domain>.',
    parse: anyText,
  }),
  declare({
    key: 'podName',
    flag: 'pod-name',
    valueName: '<name>',
    env: ['WEFT_PROXY_POD_NAME', 'POD_NAME'],
    default: '',
    description: 'Name of this instance (node metadata NAME, part of the node id). Unset: the workload name, else the host name.',
    parse: matching(DNS_SUBDOMAIN, 'a DNS-1123 name', true),
  }),
  declare({
    key: 'workloadName',
    flag: 'workload-name',
    valueName: '<name>',
    env: ['WEFT_PROXY_WORKLOAD_NAME', 'ISTIO_META_WORKLOAD_NAME'],
    default: '',
    description: 'Workload name (node metadata WORKLOAD_NAME; the WorkloadEntry name in local mode). Unset: the pod name.',
    parse: matching(DNS_SUBDOMAIN, 'a DNS-1123 name', true),
  }),
  declare({
    key: 'namespace',
    flag: 'namespace',
    valueName: '<namespace>',
    env: ['WEFT_PROXY_NAMESPACE', 'POD_NAMESPACE'],
    default: 'default',
    description: 'Namespace of the workload (node metadata NAMESPACE).',
    parse: matching(DNS_LABEL, 'a namespace name (DNS-1123 label)'),
  }),
  declare({
    key: 'labels',
    flag: 'labels',
    valueName: '<k=v,...>',
    env: ['WEFT_PROXY_LABELS', 'ISTIO_METAJSON_LABELS'],
    default: '',
    description: 'Workload labels (node metadata LABELS), as app=reviews,version=v1 or a JSON object.',
    parse: parseLabels,
  }),
  declare({
    key: 'serviceAccount',
    flag: 'service-account',
    valueName: '<name>',
    env: ['WEFT_PROXY_SERVICE_ACCOUNT', 'SERVICE_ACCOUNT'],
    default: 'default',
    description: 'Service account of the workload (node metadata SERVICE_ACCOUNT; its SPIFFE identity).',
    parse: matching(DNS_SUBDOMAIN, 'a service account name (DNS-1123 name)'),
  }),
  declare({
    key: 'workloadAddresses',
    flag: 'workload-address',
    valueName: '<ip[,ip...]>',
    env: ['WEFT_PROXY_WORKLOAD_ADDRESS', 'INSTANCE_IP'],
    default: '127.0.0.1',
    description: 'IP address(es) of the workload (node metadata INSTANCE_IPS); the first goes in the node id. Router mode (local, no iptables): gateway listeners on 0.0.0.0 or :: bind each of these addresses instead of all interfaces (127.0.0.1 by default); listeners with a specific address bind it as given.',
    parse: ipList,
  }),
  declare({
    key: 'domain',
    flag: 'domain',
    valueName: '<domain>',
    env: ['WEFT_PROXY_DOMAIN'],
    default: '',
    description: "DNS domain, the node id's last part (pilot-agent --domain). Unset: <namespace>.svc.cluster.local.",
    parse: matching(DNS_SUBDOMAIN, 'a domain name', true),
  }),
  declare({
    key: 'discoveryAddress',
    flag: 'discovery-address',
    valueName: '<host:port>',
    env: ['WEFT_PROXY_DISCOVERY_ADDRESS'],
    default: '127.0.0.1:15010',
    description: "weftd's plaintext xDS (ADS) address (ProxyConfig discoveryAddress).",
    parse: hostPort,
  }),
  declare({ key: 'adminPort', flag: 'admin-port', valueName: '<port>', env: ['WEFT_PROXY_ADMIN_PORT'], default: '15000', description: 'Admin API port, on 127.0.0.1 (Envoy admin: /config_dump, /clusters, /listeners, /stats, /logging, /ready, /quitquitquit); 0 picks a free port.', parse: port }),
  declare({
    key: 'healthAddress',
    flag: 'health-address',
    valueName: '<ip>',
    env: ['WEFT_PROXY_HEALTH_ADDRESS'],
    default: '0.0.0.0',
    description: 'Address of the health server: 0.0.0.0 (the default) for probes from outside, or a loopback address when several proxies share a machine. The admin API always stays on 127.0.0.1.',
    parse: singleIp,
  }),
  declare({ key: 'healthPort', flag: 'health-port', valueName: '<port>', env: ['WEFT_PROXY_HEALTH_PORT'], default: '15021', description: 'Health port (/healthz/ready, for kubelet and load balancers); 0 picks a free port.', parse: port }),
  declare({
    key: 'mergedMetricsPort',
    flag: 'merged-metrics-port',
    valueName: '<port>',
    env: ['WEFT_PROXY_MERGED_METRICS_PORT'],
    default: '',
    description: "Serve /stats/prometheus there with the proxy's metrics followed by the app's own (--app-metrics), as Istio's agent merges them on 15020; 0 picks a free port. Unset: not served (several local proxies share one health address).",
    parse: (raw: string) => (raw === '' ? ok(undefined) : port(raw)),
  }),
  declare({
    key: 'appMetrics',
    flag: 'app-metrics',
    valueName: '<url|json>',
    env: ['WEFT_PROXY_APP_METRICS', 'ISTIO_PROMETHEUS_ANNOTATIONS'],
    default: '',
    description: 'The app\'s Prometheus endpoint merged into --merged-metrics-port: a URL (http://127.0.0.1:9080/metrics), or Istio\'s ISTIO_PROMETHEUS_ANNOTATIONS JSON {"scrape":"true","port":"9080","path":"/metrics"} on the app address.',
    parse: anyText,
  }),
  declare({ key: 'statsPort', flag: 'stats-port', valueName: '<port>', env: ['WEFT_PROXY_STATS_PORT'], default: '15090', description: "Prometheus stats port: /stats/prometheus with Istio's metrics (istio_requests_total, ...) and Envoy's stats, on the health server's address; 0 picks a free port.", parse: port }),
  declare({
    key: 'outboundPort',
    flag: 'outbound-port',
    valueName: '<port>',
    env: ['WEFT_PROXY_OUTBOUND_PORT'],
    default: '15001',
    description:
      'Outbound listener port, on 127.0.0.1: the app sends plain HTTP requests (Host: reviews:9080, or absolute-form http://reviews:9080/) and the proxy routes them with the route configuration named by the Host port (80 when absent); 0 picks a free port.',
    parse: port,
  }),
  declare({
    key: 'outboundAddress',
    flag: 'outbound-address',
    valueName: '<ip>',
    env: ['WEFT_PROXY_OUTBOUND_ADDRESS'],
    default: '127.0.0.1',
    description:
      "Address of the per-service outbound listeners (sidecar mode, no iptables): weftd's `0.0.0.0_9080` (HTTP, routed by Host) and per-VIP TCP listeners such as `10.0.0.5_3306` bind this address with their own port, for the app to dial (127.0.0.1:9080). Give each workload its own loopback address when several share a machine; a port the app itself listens on here is left alone.",
    parse: singleIp,
  }),
  declare({
    key: 'appAddress',
    flag: 'app-address',
    valueName: '<ip>',
    env: ['WEFT_PROXY_APP_ADDRESS'],
    default: '127.0.0.1',
    description:
      "Address the local app listens on, with its own ports (sidecar mode). Sent as node metadata WEFT_APP_ADDRESS; weftd makes it the endpoint of the inbound clusters (`inbound|9080||` to 127.0.0.1:9080), so traffic arriving at the workload address goes there. Must differ from the workload address; give each workload its own when several with the same port share a machine.",
    parse: singleIp,
  }),
  declare({
    key: 'drainDurationMs',
    flag: 'drain-duration',
    valueName: '<duration>',
    env: ['WEFT_PROXY_DRAIN_DURATION'],
    default: '45s',
    description: "How long connections of a removed or changed listener (or filter chain) may go on before they are closed (Istio's drainDuration).",
    parse: duration,
  }),
  declare({
    key: 'caAddress',
    flag: 'ca-address',
    valueName: '<host:port>',
    env: ['WEFT_PROXY_CA_ADDRESS', 'CA_ADDR'],
    default: '',
    description: "weftd's CA (TLS gRPC, Istio's CreateCertificate; weftd --ca-port): the agent gets the workload certificate there and renews it at half its lifetime. Unset: no certificate, so mTLS connections fail (UF).",
    parse: (raw: string) => (raw === '' ? ok('') : hostPort(raw)),
  }),
  declare({ key: 'caRootCert', flag: 'ca-root-cert', valueName: '<file>', env: ['WEFT_PROXY_CA_ROOT_CERT'], default: '', description: "PEM trust anchor of the CA's TLS certificate (weftd's <ca-dir>/root-cert.pem); also the mesh roots (ROOTCA) until the CA's chain names its own.", parse: anyText }),
  declare({ key: 'tokenFile', flag: 'token-file', valueName: '<file>', env: ['WEFT_PROXY_TOKEN_FILE'], default: '', description: 'File with the bearer token that authenticates this workload to the CA (weftctl up issues one per workload); read for every request, so a rotated token is picked up. Renewals authenticate with the current certificate when there is none.', parse: anyText }),
  declare({ key: 'trustDomain', flag: 'trust-domain', valueName: '<domain>', env: ['WEFT_PROXY_TRUST_DOMAIN', 'TRUST_DOMAIN'], default: 'cluster.local', description: 'SPIFFE trust domain of the workload identity spiffe://<domain>/ns/<namespace>/sa/<service account>.', parse: anyText }),
  declare({ key: 'workloadCertTtlMs', flag: 'workload-cert-ttl', valueName: '<duration>', env: ['WEFT_PROXY_WORKLOAD_CERT_TTL', 'SECRET_TTL'], default: '24h', description: "Lifetime asked for the workload certificate (Istio's SECRET_TTL); the CA may cap it. Rotated at half its lifetime.", parse: duration }),
  declare({ key: 'logLevel', flag: 'log-level', valueName: '<level>', env: ['WEFT_PROXY_LOG_LEVEL'], default: 'info', description: `Lowest level logged, Envoy's names: ${LOG_LEVELS.join(', ')}. Changed at run time with POST /logging?level=.`, parse: oneOf(LOG_LEVELS) }),
  declare({
    key: 'v8Flags',
    flag: 'v8-flags',
    valueName: '<flags>',
    env: ['WEFT_PROXY_V8_FLAGS'],
    default: '--optimize-for-size',
    description:
      "V8 flags weft-proxy sets on itself at start (v8.setFlagsFromString), for those NODE_OPTIONS refuses; '' for V8's defaults. The default, --optimize-for-size, makes the garbage collector keep the heap close to what is live (a full GC after 2 MB of growth, not 8 MB up to 4×): RSS stays flat under load, at no measurable CPU cost (docs/performance.md).",
    parse: anyText,
  }),
  declare({
    key: 'concurrency',
    flag: 'concurrency',
    valueName: '<n>',
    env: ['WEFT_PROXY_CONCURRENCY'],
    default: '2',
    description: 'Worker threads (pilot-agent --concurrency); 0 means one per core. Reserved: weft-proxy runs on one event loop for now.',
    parse: count,
  }),
] as const satisfies readonly SettingDeclaration[]);

// ---- parsing ----------------------------------------------------------------------------------

/** What the command line asked for: help, the version, or a run with a config; or every problem found. */
export type ParsedCommandLine = GenericParsedCommandLine<ProxyConfig>;

const META_PREFIX = 'ISTIO_META_';
const METAJSON_PREFIX = 'ISTIO_METAJSON_';

/** Node metadata from `ISTIO_META_*` / `ISTIO_METAJSON_*` variables (pilot-agent's convention). */
function extraMetadataOf(env: Readonly<Record<string, string | undefined>>): { values: Partial<ProxyConfig>; errors: string[] } {
  const metadata: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (value === undefined || value === '') continue;
    if (name.startsWith(METAJSON_PREFIX) && name.length > METAJSON_PREFIX.length) {
      try {
        metadata[name.slice(METAJSON_PREFIX.length)] = JSON.parse(value);
      } catch (e) {
        errors.push(`${name}: not valid JSON: ${(e as Error).message}`);
      }
    } else if (name.startsWith(META_PREFIX) && name.length > META_PREFIX.length) {
      metadata[name.slice(META_PREFIX.length)] = value;
    }
  }
  return { values: { extraMetadata: Object.freeze(metadata) }, errors };
}

/** weft-proxy's cross-field check: the ports it listens on are distinct (0 picks a free one). */
function checkProxyConfig(c: ProxyConfig): string[] {
  const errors: string[] = [];
  const ports = [
    ['--admin-port', c.adminPort],
    ['--health-port', c.healthPort],
    ['--stats-port', c.statsPort],
    ['--outbound-port', c.outboundPort],
  ] as const;
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      const [a, pa] = ports[i] ?? ['', 0];
      const [b, pb] = ports[j] ?? ['', 0];
      if (pa !== 0 && pa === pb) errors.push(`${a} and ${b} are both ${pa}`);
    }
  }
  for (const flag of c.v8Flags.split(/\s+/)) if (flag !== '' && !flag.startsWith('--')) errors.push(`--v8-flags: '${flag}' is not a V8 flag (they start with --)`);
  return errors;
}

/**
 * Parses `argv` (without the node and script paths) and `env`. Each setting takes, in order: its flag,
 * its first set environment variable (`WEFT_PROXY_*` before Istio's name), its default. Every problem
 * (unknown flag, missing value, bad value, inconsistent values) is collected; `--help` and `--version`
 * win over problems. Empty environment variables count as unset.
 */
export function parseProxyCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): ParsedCommandLine {
  return parseCommandLine<ProxyConfig>(PROXY_SETTINGS, argv, env, { fromEnvironment: extraMetadataOf, check: checkProxyConfig });
}

/** The config weft-proxy runs with when nothing is set (tests start from it and override fields). */
export function defaultProxyConfig(overrides: Partial<ProxyConfig> = {}): ProxyConfig {
  const parsed = parseProxyCommandLine([], {});
  if (!parsed.ok || parsed.action !== 'run') throw new Error(`weft-proxy defaults do not parse: ${parsed.ok ? parsed.action : parsed.errors.join('; ')}`);
  return Object.freeze({ ...parsed.config, ...overrides });
}

// ---- rendering --------------------------------------------------------------------------------

const METADATA_NOTE =
  'Every ISTIO_META_<NAME> variable is also sent as node metadata NAME (a string), and every ISTIO_METAJSON_<NAME> as NAME parsed from JSON, as pilot-agent does; the settings above win for their own keys.';

/** `weft-proxy --help`, generated from {@link PROXY_SETTINGS}. */
export function renderUsage(): string {
  return renderHelp<ProxyConfig>(PROXY_SETTINGS, {
    intro: [
      'Usage: weft-proxy [options]',
      '',
      'weft-proxy is the Weft sidecar and gateway proxy (Envoy + pilot-agent): it takes its config from',
      "weftd over xDS and serves Envoy's admin API and an Istio-style health port.",
      '',
      'Options (flag, then environment variable, then default):',
    ],
    note: METADATA_NOTE,
  });
}

/** The `## weft-proxy` section of docs/config.md, generated from {@link PROXY_SETTINGS}. */
export function renderConfigMarkdown(): string {
  return renderDocSection<ProxyConfig>(PROXY_SETTINGS, {
    title: 'weft-proxy',
    intro: [
      '<!-- Generated from packages/proxy/src/config.ts by `npm run gen:config-doc -w @weft/proxy`; do not edit by hand. -->',
      '',
      "Each setting is taken from its flag, else from the first environment variable set (Weft's",
      "`WEFT_PROXY_*` name before the one Istio's pilot-agent reads), else from its default. Every problem",
      'is reported at once and weft-proxy exits with code 2.',
    ],
    note: METADATA_NOTE.replace(/(ISTIO_META(?:JSON)?_<NAME>)/g, '`$1`'),
  });
}

/** Replaces (or appends) the `## weft-proxy` section of a docs/config.md text with {@link renderConfigMarkdown}. */
export function spliceConfigMarkdown(document: string): string {
  return spliceDocSection(document, 'weft-proxy', renderConfigMarkdown());
}
