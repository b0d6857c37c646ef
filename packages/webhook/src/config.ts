// Every setting of `weft-injector`, declared once: flag, environment variables (Weft's, then Istio's
// where users know one), default and description. Parses the command line and environment, reports
// every problem at once and returns a frozen config; `--help` and docs/config.md come from the same list.

import {
  DNS_LABEL,
  DNS_NAME,
  anyText,
  declareSettingFor,
  fail,
  hostPort,
  matching,
  nonEmpty,
  ok,
  oneOf,
  optionalPath,
  parseCommandLine,
  port,
  renderDocSection,
  renderHelp,
  spliceDocSection,
  type ParsedCommandLine as GenericParsedCommandLine,
  type Parsed,
  type SettingDeclaration as GenericSettingDeclaration,
} from '@weft/shared/settings';
import { isCidr, parsePorts } from './inject/annotation-validation.js';
import { createInjectOptions, DEFAULT_PROXY_IMAGE, INTERCEPTION_MODES, type InjectOptions, type InterceptionMode } from './inject/inject-options.js';
import type { InjectionPolicy } from './inject/policy.js';

/** Log levels weft-injector understands (pino's names). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings weft-injector runs with. Frozen; passed down explicitly. */
export interface InjectorConfig {
  readonly port: number;
  readonly monitoringPort: number;
  readonly host: string;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly injectionPolicy: InjectionPolicy;
  readonly revision: string;
  readonly proxyImage: string;
  readonly proxyInitImage: string;
  readonly imagePullPolicy: '' | 'Always' | 'IfNotPresent' | 'Never';
  readonly istioNamespace: string;
  readonly caAddress: string;
  readonly discoveryAddress: string;
  readonly trustDomain: string;
  readonly meshId: string;
  readonly clusterId: string;
  readonly network: string;
  readonly clusterDomain: string;
  readonly interceptionMode: InterceptionMode;
  readonly includeOutboundIpRanges: string;
  readonly excludeOutboundIpRanges: string;
  readonly excludeInboundPorts: string;
  readonly excludeOutboundPorts: string;
  readonly nativeSidecars: boolean;
  readonly holdApplicationUntilProxyStarts: boolean;
  readonly rewriteAppProbes: boolean;
  readonly prometheusMerge: boolean;
  readonly proxyCpu: string;
  readonly proxyMemory: string;
  readonly proxyCpuLimit: string;
  readonly proxyMemoryLimit: string;
  readonly cni: 'off' | 'on' | 'multus';
  readonly tokenAudience: string;
}

/** The declaration of one weft-injector setting. */
export type SettingDeclaration<K extends keyof InjectorConfig = keyof InjectorConfig> = GenericSettingDeclaration<InjectorConfig, K>;
/** What the command line asked for. */
export type ParsedCommandLine = GenericParsedCommandLine<InjectorConfig>;

const bool = (raw: string): Parsed<boolean> => (raw === 'true' ? ok(true) : raw === 'false' ? ok(false) : fail(`"${raw}" is not true or false`));
const optionalHostPort = (raw: string): Parsed<string> => (raw === '' ? ok('') : hostPort(raw));
const cidrs =
  (star: boolean) =>
  (raw: string): Parsed<string> =>
    (star && raw === '*') || raw === '' || raw.split(',').every(isCidr) ? ok(raw) : fail(`"${raw}" is not a comma-separated list of CIDRs${star ? ' or *' : ''}`);
const ports = (raw: string): Parsed<string> => {
  try {
    parsePorts(raw);
    return ok(raw);
  } catch (e) {
    return fail((e as Error).message);
  }
};
const quantity = matching(/^[+-]?\d+(?:\.\d+)?(?:[munkMGTPE]|[KMGTPE]i)?$/, 'a Kubernetes quantity (100m, 2, 128Mi)', true);

const declare = declareSettingFor<InjectorConfig>();
const env = (name: string, ...istio: string[]): string[] => [`WEFT_INJECTOR_${name}`, ...istio];

/** Every weft-injector setting, in the order `--help` and docs/config.md list them. */
export const INJECTOR_SETTINGS = Object.freeze([
  declare({ key: 'port', flag: 'port', valueName: '<port>', env: env('PORT'), default: '15017', description: 'HTTPS port of the webhook (POST /inject); 0 picks a free port.', parse: port }),
  declare({ key: 'monitoringPort', flag: 'monitoring-port', valueName: '<port>', env: env('MONITORING_PORT'), default: '15014', description: 'Plain HTTP port of /metrics and /ready; 0 picks a free port.', parse: port }),
  declare({ key: 'host', flag: 'host', valueName: '<address>', env: env('HOST'), default: '0.0.0.0', description: 'Address both servers bind to (the API server must reach the webhook port).', parse: nonEmpty }),
  declare({ key: 'tlsCertFile', flag: 'tls-cert-file', valueName: '<file>', env: env('TLS_CERT_FILE'), default: '', description: "PEM certificate chain of the webhook, for the Service name the MutatingWebhookConfiguration calls (its caBundle must trust it). Required.", parse: optionalPath }),
  declare({ key: 'tlsKeyFile', flag: 'tls-key-file', valueName: '<file>', env: env('TLS_KEY_FILE'), default: '', description: 'PEM private key of that certificate. Required.', parse: optionalPath }),
  declare({ key: 'logLevel', flag: 'log-level', valueName: '<level>', env: env('LOG_LEVEL'), default: 'info', description: `Lowest level logged (JSON lines on stdout): ${LOG_LEVELS.join(', ')}.`, parse: oneOf(LOG_LEVELS) }),
  declare({
    key: 'injectionPolicy',
    flag: 'injection-policy',
    valueName: '<enabled|disabled>',
    env: env('INJECTION_POLICY'),
    default: 'enabled',
    description: "Istio's injector policy for pods the API server sends: enabled injects unless the pod says sidecar.istio.io/inject=false; disabled injects only pods that say true.",
    parse: oneOf(['enabled', 'disabled'] as const),
  }),
  declare({ key: 'revision', flag: 'revision', valueName: '<name>', env: env('REVISION', 'REVISION'), default: '', description: 'Control plane revision served (istio.io/rev); empty is `default`. Names the default CA and discovery addresses (istiod-<revision>).', parse: matching(DNS_LABEL, 'a revision name (DNS-1123 label)', true) }),
  declare({ key: 'proxyImage', flag: 'proxy-image', valueName: '<image>', env: env('PROXY_IMAGE'), default: DEFAULT_PROXY_IMAGE, description: 'Image of the injected istio-proxy container (weft-proxy). The pod annotation sidecar.istio.io/proxyImage wins.', parse: nonEmpty }),
  declare({
    key: 'proxyInitImage',
    flag: 'proxy-init-image',
    valueName: '<image>',
    env: env('PROXY_INIT_IMAGE'),
    default: '',
    description: "Image of the istio-init container, which must run Istio's `istio-iptables ...` command line (Istio's proxyv2 image does). Empty: the proxy image.",
    parse: anyText,
  }),
  declare({ key: 'imagePullPolicy', flag: 'image-pull-policy', valueName: '<policy>', env: env('IMAGE_PULL_POLICY'), default: '', description: 'imagePullPolicy of the injected containers: Always, IfNotPresent, Never; empty leaves it to Kubernetes.', parse: oneOf(['', 'Always', 'IfNotPresent', 'Never'] as const) }),
  declare({ key: 'istioNamespace', flag: 'istio-namespace', valueName: '<namespace>', env: env('ISTIO_NAMESPACE'), default: 'istio-system', description: 'Namespace of the control plane Service `istiod` (weftd), for the default CA and discovery addresses.', parse: matching(DNS_LABEL, 'a namespace name (DNS-1123 label)') }),
  declare({ key: 'caAddress', flag: 'ca-address', valueName: '<host:port>', env: env('CA_ADDRESS'), default: '', description: "CA address given to proxies (CA_ADDR). Empty: istiod[-<revision>].<istio-namespace>.svc:15012, as Istio.", parse: optionalHostPort }),
  declare({ key: 'discoveryAddress', flag: 'discovery-address', valueName: '<host:port>', env: env('DISCOVERY_ADDRESS'), default: '', description: "weftd's plaintext xDS address given to weft-proxy (--discovery-address). Empty: istiod[-<revision>].<istio-namespace>.svc:15010.", parse: optionalHostPort }),
  declare({ key: 'trustDomain', flag: 'trust-domain', valueName: '<domain>', env: env('TRUST_DOMAIN'), default: 'cluster.local', description: 'SPIFFE trust domain (TRUST_DOMAIN of the proxy; MeshConfig trustDomain).', parse: matching(DNS_NAME, 'a domain name') }),
  declare({ key: 'meshId', flag: 'mesh-id', valueName: '<id>', env: env('MESH_ID'), default: '', description: 'Mesh id (ISTIO_META_MESH_ID). Empty: the trust domain.', parse: anyText }),
  declare({ key: 'clusterId', flag: 'cluster-id', valueName: '<id>', env: env('CLUSTER_ID', 'CLUSTER_ID'), default: 'Kubernetes', description: 'Cluster name (ISTIO_META_CLUSTER_ID); the /inject/cluster/<id> path wins per webhook.', parse: nonEmpty }),
  declare({ key: 'network', flag: 'network', valueName: '<name>', env: env('NETWORK'), default: '', description: 'Network of the workloads (ISTIO_META_NETWORK and the topology.istio.io/network label); the /inject/net/<name> path and the pod label win.', parse: anyText }),
  declare({ key: 'clusterDomain', flag: 'cluster-domain', valueName: '<domain>', env: env('CLUSTER_DOMAIN'), default: 'cluster.local', description: "The cluster's DNS suffix (the proxy's --domain <namespace>.svc.<suffix>).", parse: matching(DNS_NAME, 'a domain name') }),
  declare({ key: 'interceptionMode', flag: 'interception-mode', valueName: '<mode>', env: env('INTERCEPTION_MODE'), default: 'REDIRECT', description: `Traffic capture of istio-init: ${INTERCEPTION_MODES.join(', ')}. The pod annotation sidecar.istio.io/interceptionMode wins.`, parse: oneOf(INTERCEPTION_MODES) }),
  declare({ key: 'includeOutboundIpRanges', flag: 'include-outbound-ip-ranges', valueName: '<cidrs|*>', env: env('INCLUDE_OUTBOUND_IP_RANGES'), default: '*', description: 'Outbound destinations captured (istio-init -i); traffic.sidecar.istio.io/includeOutboundIPRanges wins.', parse: cidrs(true) }),
  declare({ key: 'excludeOutboundIpRanges', flag: 'exclude-outbound-ip-ranges', valueName: '<cidrs>', env: env('EXCLUDE_OUTBOUND_IP_RANGES'), default: '', description: 'Outbound destinations not captured (-x).', parse: cidrs(false) }),
  declare({ key: 'excludeInboundPorts', flag: 'exclude-inbound-ports', valueName: '<ports>', env: env('EXCLUDE_INBOUND_PORTS'), default: '', description: 'Inbound ports not captured (-d, after 15090, 15021 and the status port).', parse: ports }),
  declare({ key: 'excludeOutboundPorts', flag: 'exclude-outbound-ports', valueName: '<ports>', env: env('EXCLUDE_OUTBOUND_PORTS'), default: '', description: 'Outbound ports not captured (-o).', parse: ports }),
  declare({
    key: 'nativeSidecars',
    flag: 'native-sidecars',
    valueName: '<true|false>',
    env: env('NATIVE_SIDECARS', 'ENABLE_NATIVE_SIDECARS'),
    default: 'true',
    description: 'Inject the proxy as a Kubernetes native sidecar (an init container with restartPolicy: Always; Kubernetes 1.29+). The pod annotation sidecar.istio.io/nativeSidecar wins.',
    parse: bool,
  }),
  declare({ key: 'holdApplicationUntilProxyStarts', flag: 'hold-application-until-proxy-starts', valueName: '<true|false>', env: env('HOLD_APPLICATION_UNTIL_PROXY_STARTS'), default: 'false', description: 'Without native sidecars: start the proxy first and the app only once it is ready.', parse: bool }),
  declare({
    key: 'rewriteAppProbes',
    flag: 'rewrite-app-probes',
    valueName: '<true|false>',
    env: env('REWRITE_APP_PROBES'),
    default: 'false',
    description:
      "Point app HTTP/TCP/gRPC probes at the agent's /app-health/<container>/... on the status port, as Istio does by default. Off by default because weft-proxy does not serve those paths yet; the pod annotation sidecar.istio.io/rewriteAppHTTPProbers wins.",
    parse: bool,
  }),
  declare({ key: 'prometheusMerge', flag: 'prometheus-merge', valueName: '<true|false>', env: env('PROMETHEUS_MERGE'), default: 'true', description: "Point the pod's prometheus.io annotations at the proxy's merged metrics (:15020/stats/prometheus) and pass the app's own to the proxy (MeshConfig enablePrometheusMerge).", parse: bool }),
  declare({ key: 'proxyCpu', flag: 'proxy-cpu', valueName: '<quantity>', env: env('PROXY_CPU'), default: '100m', description: 'CPU request of the proxy and init containers; empty for none. The sidecar.istio.io/proxyCPU... annotations replace all four.', parse: quantity }),
  declare({ key: 'proxyMemory', flag: 'proxy-memory', valueName: '<quantity>', env: env('PROXY_MEMORY'), default: '128Mi', description: 'Memory request; empty for none.', parse: quantity }),
  declare({ key: 'proxyCpuLimit', flag: 'proxy-cpu-limit', valueName: '<quantity>', env: env('PROXY_CPU_LIMIT'), default: '2', description: 'CPU limit; empty for none.', parse: quantity }),
  declare({ key: 'proxyMemoryLimit', flag: 'proxy-memory-limit', valueName: '<quantity>', env: env('PROXY_MEMORY_LIMIT'), default: '1Gi', description: 'Memory limit; empty for none.', parse: quantity }),
  declare({ key: 'cni', flag: 'cni', valueName: '<off|on|multus>', env: env('CNI'), default: 'off', description: 'Istio CNI installed: on replaces istio-init with the unprivileged istio-validation check; multus also adds the istio-cni network annotation.', parse: oneOf(['off', 'on', 'multus'] as const) }),
  declare({ key: 'tokenAudience', flag: 'token-audience', valueName: '<audience>', env: env('TOKEN_AUDIENCE'), default: 'istio-ca', description: "Audience of the projected service account token the proxy shows the CA (values.global.sds.token.aud).", parse: nonEmpty }),
] as const satisfies readonly SettingDeclaration[]);

function checkConfig(c: InjectorConfig): string[] {
  const errors: string[] = [];
  if (c.tlsCertFile === undefined) errors.push('--tls-cert-file is required (or WEFT_INJECTOR_TLS_CERT_FILE): the API server calls admission webhooks over HTTPS only');
  if (c.tlsKeyFile === undefined) errors.push('--tls-key-file is required (or WEFT_INJECTOR_TLS_KEY_FILE): the private key of --tls-cert-file');
  if (c.port !== 0 && c.port === c.monitoringPort) errors.push(`--port and --monitoring-port are both ${c.port}`);
  return errors;
}

/**
 * Parses `argv` (without the node and script paths) and `env`. Each setting takes, in order: its flag,
 * its first set environment variable, its default. Every problem is collected; `--help` and
 * `--version` win over problems. Empty environment variables count as unset.
 */
export function parseInjectorCommandLine(argv: readonly string[], environment: Readonly<Record<string, string | undefined>> = process.env): ParsedCommandLine {
  return parseCommandLine<InjectorConfig>(INJECTOR_SETTINGS, argv, environment, { check: checkConfig });
}

/** The injection options a config stands for. */
export function injectOptionsOf(c: InjectorConfig): InjectOptions {
  const requests = { ...(c.proxyCpu !== '' ? { cpu: c.proxyCpu } : {}), ...(c.proxyMemory !== '' ? { memory: c.proxyMemory } : {}) };
  const limits = { ...(c.proxyCpuLimit !== '' ? { cpu: c.proxyCpuLimit } : {}), ...(c.proxyMemoryLimit !== '' ? { memory: c.proxyMemoryLimit } : {}) };
  return createInjectOptions({
    proxyImage: c.proxyImage,
    proxyInitImage: c.proxyInitImage !== '' ? c.proxyInitImage : c.proxyImage,
    imagePullPolicy: c.imagePullPolicy !== '' ? c.imagePullPolicy : undefined,
    revision: c.revision,
    istioNamespace: c.istioNamespace,
    caAddress: c.caAddress !== '' ? c.caAddress : undefined,
    discoveryAddress: c.discoveryAddress !== '' ? c.discoveryAddress : undefined,
    trustDomain: c.trustDomain,
    meshId: c.meshId !== '' ? c.meshId : undefined,
    clusterId: c.clusterId,
    network: c.network,
    clusterDomain: c.clusterDomain,
    interceptionMode: c.interceptionMode,
    includeOutboundIpRanges: c.includeOutboundIpRanges,
    excludeOutboundIpRanges: c.excludeOutboundIpRanges,
    excludeInboundPorts: c.excludeInboundPorts,
    excludeOutboundPorts: c.excludeOutboundPorts,
    nativeSidecars: c.nativeSidecars,
    holdApplicationUntilProxyStarts: c.holdApplicationUntilProxyStarts,
    rewriteAppHttpProbe: c.rewriteAppProbes,
    enablePrometheusMerge: c.prometheusMerge,
    proxyResources: { ...(Object.keys(requests).length > 0 ? { requests } : {}), ...(Object.keys(limits).length > 0 ? { limits } : {}) },
    cni: { enabled: c.cni !== 'off', provider: c.cni === 'multus' ? 'multus' : 'default' },
    tokenAudience: c.tokenAudience,
  });
}

/** `weft-injector --help`, generated from {@link INJECTOR_SETTINGS}. */
export function renderUsage(): string {
  return renderHelp<InjectorConfig>(INJECTOR_SETTINGS, {
    intro: [
      'Usage: weft-injector [options]',
      '',
      'weft-injector is the Weft sidecar injector: a Kubernetes mutating admission webhook (HTTPS,',
      "POST /inject) that adds weft-proxy to pods the way Istio's injector adds its sidecar, and",
      'serves Prometheus metrics (sidecar_injection_*) on the monitoring port.',
      '',
      'Options (flag, then environment variable, then default):',
    ],
    note: "Which namespaces are injected is decided by the MutatingWebhookConfiguration's namespaceSelector (istio-injection=enabled, weft-injection=enabled, istio.io/rev); the injector applies the pod-level policy.",
  });
}

/** The `## weft-injector` section of docs/config.md, generated from {@link INJECTOR_SETTINGS}. */
export function renderConfigMarkdown(): string {
  return renderDocSection<InjectorConfig>(INJECTOR_SETTINGS, {
    title: 'weft-injector',
    intro: [
      '<!-- Generated from packages/webhook/src/config.ts by `npm run gen:config-doc -w @weft/webhook`; do not edit by hand. -->',
      '',
      "Each setting is taken from its flag, else from the first environment variable set (Weft's",
      "`WEFT_INJECTOR_*` name before Istio's), else from its default. Every problem is reported at once and",
      'weft-injector exits with code 2.',
    ],
  });
}

/** Replaces (or appends) the `## weft-injector` section of a docs/config.md text. */
export function spliceConfigMarkdown(document: string): string {
  return spliceDocSection(document, 'weft-injector', renderConfigMarkdown());
}
