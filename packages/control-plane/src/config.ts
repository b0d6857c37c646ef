// Every setting of `weftd`, declared once: flag, environment variables (Weft's and Istio's), default
// and description. Parses the command line and environment, reports every problem at once and
// returns a frozen config; `--help` and docs/config.md are rendered from the same declaration.

import { join } from 'node:path';
import {
  DNS_LABEL,
  DNS_NAME,
  anyText,
  declareSettingFor,
  duration,
  formatDuration,
  matching,
  nonEmpty,
  oneOf,
  optionalPath,
  parseCommandLine,
  parseDuration,
  port,
  renderDocSection,
  renderHelp,
  spliceDocSection,
  type ParsedCommandLine as GenericParsedCommandLine,
  type SettingDeclaration as GenericSettingDeclaration,
} from '@weft/shared/settings';

/** Log levels weftd understands (pino's names). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The settings weftd runs with. Frozen; passed down explicitly, never read from globals. */
export interface WeftdConfig {
  /** Directory of Istio YAML watched for changes; undefined: no file source (memory only). */
  readonly configDir: string | undefined;
  /** ADS (xDS) port, plaintext; 0 picks a free port. */
  readonly xdsPort: number;
  /** Debug + metrics HTTP port; 0 picks a free port. */
  readonly debugPort: number;
  /** Address both servers bind to. */
  readonly host: string;
  /** Push after this long without a new change (Istio PILOT_DEBOUNCE_AFTER). */
  readonly debounceAfterMs: number;
  /** Never hold a change longer than this (Istio PILOT_DEBOUNCE_MAX). */
  readonly debounceMaxMs: number;
  /** How long the file watcher waits for a burst of file events to settle before reading. */
  readonly watchSettleMs: number;
  readonly rootNamespace: string;
  readonly trustDomain: string;
  readonly domainSuffix: string;
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** Base directory of Gateway TLS credentials (`<dir>/<credentialName>/tls.crt`...); undefined: `<configDir>/credentials`
   *  when a config directory is set (see {@link credentialsDirOf}). */
  readonly credentialsDir: string | undefined;
  /** weftd's CA state directory (self-signed root, workload tokens, published root-cert.pem); the CA
   *  runs when this or {@link cacertsDir} is set (see {@link isCaEnabled}). */
  readonly caDir: string | undefined;
  /** Istio-layout `cacerts` directory of a plugged-in CA (ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem). */
  readonly cacertsDir: string | undefined;
  /** Istio MeshConfig accessLogFile ('' = off). */
  readonly accessLogFile: string;
  /** Istio MeshConfig accessLogEncoding. */
  readonly accessLogEncoding: 'TEXT' | 'JSON';
  /** Istio MeshConfig accessLogFormat ('' = Istio's default format of the encoding). */
  readonly accessLogFormat: string;
  /** Istio's MeshConfig file (pilot-discovery --meshConfig): its telemetry fields, watched. */
  readonly meshConfig: string | undefined;
  /** CA (IstioCertificateService) TLS port; 0 picks a free port. */
  readonly caPort: number;
  /** Lifetime of a workload certificate when the request asks for none (Istio DEFAULT_WORKLOAD_CERT_TTL). */
  readonly workloadCertTtlMs: number;
  /** Longest lifetime a request may ask for (Istio MAX_WORKLOAD_CERT_TTL). */
  readonly maxWorkloadCertTtlMs: number;
  /** How often the JWKS fetched for RequestAuthentication `jwksUri`s are fetched again (Istio
   *  PILOT_JWT_PUB_KEY_REFRESH_INTERVAL). */
  readonly jwtPubKeyRefreshIntervalMs: number;
  readonly logLevel: LogLevel;
}

/** The declaration of one weftd setting. */
export type SettingDeclaration<K extends keyof WeftdConfig = keyof WeftdConfig> = GenericSettingDeclaration<WeftdConfig, K>;

export { formatDuration, parseDuration };

// DNS-1123 label (a Kubernetes namespace name) and DNS name checks, with weftd's wording.
const namespaceName = matching(DNS_LABEL, 'a namespace name (DNS-1123 label)');
const domainName = matching(DNS_NAME, 'a domain name');

// ---- the declaration --------------------------------------------------------------------------

const declare = declareSettingFor<WeftdConfig>();

/** Every weftd setting, in the order `--help` and docs/config.md list them. */
export const WEFTD_SETTINGS = Object.freeze([
  declare({
    key: 'configDir',
    flag: 'config-dir',
    valueName: '<dir>',
    env: ['WEFT_WEFTD_CONFIG_DIR'],
    default: '',
    description:
      'Directory of Istio YAML (ServiceEntry, WorkloadEntry, VirtualService, ...), read recursively and watched. An invalid file is rejected and its last good resources stay in force. Unset: config only from memory.',
    parse: optionalPath,
  }),
  declare({ key: 'xdsPort', flag: 'xds-port', valueName: '<port>', env: ['WEFT_WEFTD_XDS_PORT'], default: '15010', description: 'Plaintext xDS (ADS) gRPC port; 0 picks a free port.', parse: port }),
  declare({
    key: 'debugPort',
    flag: 'debug-port',
    valueName: '<port>',
    env: ['WEFT_WEFTD_DEBUG_PORT'],
    default: '15014',
    description: 'HTTP port of /ready, /metrics and /debug/{syncz,configz,registryz}; 0 picks a free port.',
    parse: port,
  }),
  declare({ key: 'host', flag: 'host', valueName: '<address>', env: ['WEFT_WEFTD_HOST'], default: '127.0.0.1', description: 'Address the xDS and debug servers bind to (0.0.0.0 or :: for all).', parse: nonEmpty }),
  declare({
    key: 'debounceAfterMs',
    flag: 'debounce-after',
    valueName: '<duration>',
    env: ['WEFT_WEFTD_DEBOUNCE_AFTER', 'PILOT_DEBOUNCE_AFTER'],
    default: '100ms',
    description: 'Push once config has been quiet this long (Go duration).',
    parse: duration,
  }),
  declare({
    key: 'debounceMaxMs',
    flag: 'debounce-max',
    valueName: '<duration>',
    env: ['WEFT_WEFTD_DEBOUNCE_MAX', 'PILOT_DEBOUNCE_MAX'],
    default: '10s',
    description: 'Push at the latest this long after the first pending change, even if changes keep coming.',
    parse: duration,
  }),
  declare({
    key: 'watchSettleMs',
    flag: 'watch-settle',
    valueName: '<duration>',
    env: ['WEFT_WEFTD_WATCH_SETTLE'],
    default: '50ms',
    description: 'How long the config directory watcher waits for a burst of file events (an editor saving) to end before reading.',
    parse: duration,
  }),
  declare({
    key: 'rootNamespace',
    flag: 'root-namespace',
    valueName: '<namespace>',
    env: ['WEFT_WEFTD_ROOT_NAMESPACE'],
    default: 'istio-system',
    description: 'Namespace whose Sidecar, PeerAuthentication, ... apply mesh-wide (MeshConfig rootNamespace).',
    parse: namespaceName,
  }),
  declare({
    key: 'trustDomain',
    flag: 'trust-domain',
    valueName: '<domain>',
    env: ['WEFT_WEFTD_TRUST_DOMAIN'],
    default: 'cluster.local',
    description: 'SPIFFE trust domain of workload identities (MeshConfig trustDomain).',
    parse: domainName,
  }),
  declare({
    key: 'domainSuffix',
    flag: 'domain-suffix',
    valueName: '<domain>',
    env: ['WEFT_WEFTD_DOMAIN_SUFFIX'],
    default: 'cluster.local',
    description: 'DNS suffix of in-mesh service names (istiod --domain).',
    parse: domainName,
  }),
  declare({
    key: 'outboundTrafficPolicy',
    flag: 'outbound-traffic-policy',
    valueName: '<mode>',
    env: ['WEFT_WEFTD_OUTBOUND_TRAFFIC_POLICY'],
    default: 'ALLOW_ANY',
    description: 'What sidecars do with traffic to unknown destinations: ALLOW_ANY (pass through) or REGISTRY_ONLY (block).',
    parse: oneOf(['ALLOW_ANY', 'REGISTRY_ONLY'] as const),
  }),
  declare({
    key: 'credentialsDir',
    flag: 'credentials-dir',
    valueName: '<dir>',
    env: ['WEFT_WEFTD_CREDENTIALS_DIR'],
    default: '',
    description:
      'Directory where Gateway `credentialName`s resolve: one subdirectory per credential, named after it, with `tls.crt`, `tls.key` and, for MUTUAL, `ca.crt` (the keys of an Istio TLS secret; a separate `NAME-cacert/ca.crt` also works). Envoy is given the file paths, so the proxy must see the same files. Unset: the `credentials` subdirectory of --config-dir, when that is set.',
    parse: optionalPath,
  }),
  declare({
    key: 'accessLogFile',
    flag: 'access-log-file',
    valueName: '<path>',
    env: ['WEFT_WEFTD_ACCESS_LOG_FILE'],
    default: '',
    description:
      "Istio's MeshConfig accessLogFile: every proxy's HTTP connection managers and TCP proxies get Envoy's file access logger writing there (`/dev/stdout`, `/dev/stderr` or a file path on the proxy's machine). Empty: no access logs, as Istio's default profile. A Telemetry resource with `accessLogging` overrides it for the workloads it applies to.",
    parse: anyText,
  }),
  declare({
    key: 'accessLogEncoding',
    flag: 'access-log-encoding',
    valueName: '<encoding>',
    env: ['WEFT_WEFTD_ACCESS_LOG_ENCODING'],
    default: 'TEXT',
    description: "Istio's MeshConfig accessLogEncoding: TEXT (one line in Envoy's format-string syntax) or JSON (one JSON object per line).",
    parse: oneOf(['TEXT', 'JSON'] as const),
  }),
  declare({
    key: 'accessLogFormat',
    flag: 'access-log-format',
    valueName: '<format>',
    env: ['WEFT_WEFTD_ACCESS_LOG_FORMAT'],
    default: '',
    description:
      "Istio's MeshConfig accessLogFormat: a format string of Envoy command operators (`%START_TIME% %RESPONSE_CODE%`; a newline is added when missing) for TEXT, or a JSON object of them for JSON. Empty: Istio's default format of the encoding.",
    parse: anyText,
  }),
  declare({
    key: 'meshConfig',
    flag: 'mesh-config',
    valueName: '<file>',
    env: ['WEFT_WEFTD_MESH_CONFIG'],
    default: '',
    description:
      "Istio's MeshConfig file (YAML, the `mesh` key of Istio's `istio` ConfigMap; pilot-discovery --meshConfig). weftd reads its telemetry fields: `enableTracing`, `defaultConfig.tracing` (`zipkin.address`, `sampling`, `customTags`, `maxPathTagLength`), `extensionProviders` (zipkin, opentelemetry with http, prometheus) and `defaultProviders`; the other fields come from the flags here. Watched: a saved change is pushed to every proxy; an invalid file is logged and the last good one stays in force.",
    parse: optionalPath,
  }),
  declare({
    key: 'caDir',
    flag: 'ca-dir',
    valueName: '<dir>',
    env: ['WEFT_WEFTD_CA_DIR'],
    default: '',
    description:
      "Directory of weftd's CA (Citadel) state, created 0700: on first start an RSA 2048 key (`ca-key.pem`, 0600) and a 10-year self-signed root (`ca-cert.pem`, O=<trust domain>) are generated and written atomically, and loaded on every later start, so certificates issued before a restart still verify; `root-cert.pem` is the trust anchor for workloads; `tokens/` keeps the workload bootstrap tokens. Keep it out of --config-dir. Unset, and --cacerts-dir unset too: weftd runs no CA.",
    parse: optionalPath,
  }),
  declare({
    key: 'cacertsDir',
    flag: 'cacerts-dir',
    valueName: '<dir>',
    env: ['WEFT_WEFTD_CACERTS_DIR', 'ROOT_CA_DIR'],
    default: '',
    description:
      "Istio-layout `cacerts` directory of a plugged-in CA: `ca-cert.pem` and `ca-key.pem` sign, `cert-chain.pem` links ca-cert to `root-cert.pem`, the trust anchor. Checked at start (key matches, ca-cert is a CA, the chain verifies); used instead of --ca-dir's self-signed root.",
    parse: optionalPath,
  }),
  declare({
    key: 'caPort',
    flag: 'ca-port',
    valueName: '<port>',
    env: ['WEFT_WEFTD_CA_PORT'],
    default: '15012',
    description: "TLS gRPC port of the CA (istio.v1.auth.IstioCertificateService/CreateCertificate), with a serving certificate the CA issues itself; 0 picks a free port. Served only when --ca-dir or --cacerts-dir is set.",
    parse: port,
  }),
  declare({
    key: 'workloadCertTtlMs',
    flag: 'workload-cert-ttl',
    valueName: '<duration>',
    env: ['WEFT_WEFTD_WORKLOAD_CERT_TTL', 'DEFAULT_WORKLOAD_CERT_TTL'],
    default: '24h',
    description: 'Lifetime of a workload certificate whose request asks for none (validity_duration 0).',
    parse: duration,
  }),
  declare({
    key: 'maxWorkloadCertTtlMs',
    flag: 'max-workload-cert-ttl',
    valueName: '<duration>',
    env: ['WEFT_WEFTD_MAX_WORKLOAD_CERT_TTL', 'MAX_WORKLOAD_CERT_TTL'],
    default: '2160h',
    description: 'Longest lifetime a certificate request may ask for; a longer one is refused with INVALID_ARGUMENT, as Istio does (90 days).',
    parse: duration,
  }),
  declare({
    key: 'jwtPubKeyRefreshIntervalMs',
    flag: 'jwt-pub-key-refresh-interval',
    valueName: '<duration>',
    env: ['WEFT_WEFTD_JWT_PUB_KEY_REFRESH_INTERVAL', 'PILOT_JWT_PUB_KEY_REFRESH_INTERVAL'],
    default: '20m',
    description: 'How often weftd fetches again the JWKS of RequestAuthentication jwksUris (and issuers without one, through OpenID discovery); new keys are pushed to the proxies that use them. After a failed fetch it retries after 1m, doubling up to 60m.',
    parse: duration,
  }),
  declare({ key: 'logLevel', flag: 'log-level', valueName: '<level>', env: ['WEFT_WEFTD_LOG_LEVEL'], default: 'info', description: `Lowest level logged: ${LOG_LEVELS.join(', ')}.`, parse: oneOf(LOG_LEVELS) }),
] as const satisfies readonly SettingDeclaration[]);

// ---- parsing ----------------------------------------------------------------------------------

/** What the command line asked for: help, the version, or a run with a config; or every problem found. */
export type ParsedCommandLine = GenericParsedCommandLine<WeftdConfig>;

/** weftd's cross-field checks: debounce bounds in order, distinct ports, workload TTLs in order. */
function checkWeftdConfig(c: WeftdConfig): string[] {
  const errors: string[] = [];
  if (c.debounceAfterMs > c.debounceMaxMs) errors.push(`--debounce-after (${formatDuration(c.debounceAfterMs)}) must not be longer than --debounce-max (${formatDuration(c.debounceMaxMs)})`);
  const ports = [['--xds-port', c.xdsPort], ['--debug-port', c.debugPort], ...(isCaEnabled(c) ? [['--ca-port', c.caPort] as const] : [])] as const;
  for (const [i, [flag, value]] of ports.entries()) {
    const clash = ports.slice(i + 1).find(([, other]) => value !== 0 && other === value);
    if (clash) errors.push(`${flag} and ${clash[0]} are both ${value}`);
  }
  if (c.workloadCertTtlMs < 1000) errors.push(`--workload-cert-ttl (${formatDuration(c.workloadCertTtlMs)}) must be at least 1s`);
  if (c.workloadCertTtlMs > c.maxWorkloadCertTtlMs) {
    errors.push(`--workload-cert-ttl (${formatDuration(c.workloadCertTtlMs)}) must not be longer than --max-workload-cert-ttl (${formatDuration(c.maxWorkloadCertTtlMs)})`);
  }
  return errors;
}

/**
 * Parses `argv` (without the node and script paths) and `env`. Each setting takes, in order: its flag,
 * its first set environment variable (`WEFT_WEFTD_*` before Istio's name), its default. Every problem
 * (unknown flag, missing value, bad value, inconsistent values) is collected; `--help` and `--version`
 * win over problems. Empty environment variables count as unset.
 */
export function parseWeftdCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): ParsedCommandLine {
  return parseCommandLine<WeftdConfig>(WEFTD_SETTINGS, argv, env, { check: checkWeftdConfig });
}

/** The config weftd runs with when nothing is set (tests start from it and override fields). */
export function defaultWeftdConfig(overrides: Partial<WeftdConfig> = {}): WeftdConfig {
  const parsed = parseWeftdCommandLine([], {});
  if (!parsed.ok || parsed.action !== 'run') throw new Error(`weftd defaults do not parse: ${parsed.ok ? parsed.action : parsed.errors.join('; ')}`);
  return Object.freeze({ ...parsed.config, ...overrides });
}

/** The credentials directory in force: --credentials-dir, else `<config-dir>/credentials`, else none. */
export function credentialsDirOf(config: Pick<WeftdConfig, 'credentialsDir' | 'configDir'>): string | undefined {
  if (config.credentialsDir) return config.credentialsDir;
  return config.configDir ? join(config.configDir, 'credentials') : undefined;
}

/** Whether weftd runs its CA: a CA directory or a cacerts directory is set. */
export function isCaEnabled(config: Pick<WeftdConfig, 'caDir' | 'cacertsDir'>): boolean {
  return config.caDir !== undefined || config.cacertsDir !== undefined;
}

// ---- rendering --------------------------------------------------------------------------------

/** `weftd --help`, generated from {@link WEFTD_SETTINGS}. */
export function renderUsage(): string {
  return renderHelp<WeftdConfig>(WEFTD_SETTINGS, {
    intro: [
      'Usage: weftd [options]',
      '',
      'weftd is the Weft control plane (Pilot, Citadel, Galley): it serves xDS to proxies from a',
      'directory of Istio YAML, workload certificates (with --ca-dir or --cacerts-dir), and debug pages',
      'and Prometheus metrics over HTTP.',
      '',
      'Options (flag, then environment variable, then default):',
    ],
  });
}

/** The `## weftd` section of docs/config.md, generated from {@link WEFTD_SETTINGS}. */
export function renderConfigMarkdown(): string {
  return renderDocSection<WeftdConfig>(WEFTD_SETTINGS, {
    title: 'weftd',
    intro: [
      '<!-- Generated from packages/control-plane/src/config.ts by `npm run gen:config-doc -w @weft/control-plane`; do not edit by hand. -->',
      '',
      'Each setting is taken from its flag, else from the first environment variable set (Weft\'s',
      '`WEFT_WEFTD_*` name before Istio\'s), else from its default. Durations are Go durations (`100ms`,',
      '`1.5s`, `1m30s`), as Istio reads them. Every problem is reported at once and weftd exits with code 2.',
    ],
  });
}

/** Replaces (or appends) the `## weftd` section of a docs/config.md text with {@link renderConfigMarkdown}. */
export function spliceConfigMarkdown(document: string): string {
  return spliceDocSection(document, 'weftd', renderConfigMarkdown());
}
