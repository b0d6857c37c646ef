// Every setting of `weft-proxy`, declared once: flag, environment variables (Weft's and the ones
// Istio's pilot-agent reads), default and description. Parses the command line and environment,
// reports every problem at once and returns a frozen config; `--help` and docs/config.md come from it.

import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

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
  readonly statsPort: number;
  /** Port of the outbound listener, on 127.0.0.1: the app's explicit HTTP proxy (routes by Host). */
  readonly outboundPort: number;
  readonly logLevel: LogLevel;
  /** Worker count (not used yet: one event loop); 0 means one per core. */
  readonly concurrency: number;
  /** Extra node metadata from `ISTIO_META_<NAME>` (string) and `ISTIO_METAJSON_<NAME>` (JSON) variables,
   *  as pilot-agent forwards them. Settings above win over these for the keys they own. */
  readonly extraMetadata: Readonly<Record<string, unknown>>;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The declaration of one setting. */
export interface SettingDeclaration<K extends keyof ProxyConfig = keyof ProxyConfig> {
  /** Field of {@link ProxyConfig} it sets. */
  readonly key: K;
  /** Long flag without dashes (`admin-port`). */
  readonly flag: string;
  /** What the value looks like in help (`<port>`). */
  readonly valueName: string;
  /** Environment variables read, in order of precedence: `WEFT_PROXY_<NAME>` first, then Istio's name. */
  readonly env: readonly string[];
  /** The default as a user would write it (parsed like any other value); '' means "not set". */
  readonly default: string;
  readonly description: string;
  /** Parses a raw value; failures are values. */
  parse(raw: string): Parsed<ProxyConfig[K]>;
}

// ---- value parsers ----------------------------------------------------------------------------

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

function port(raw: string): Parsed<number> {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return n >= 0 && n <= 65535 ? ok(n) : fail(`"${raw}" is not a port number (0-65535)`);
}

function oneOf<const V extends string>(values: readonly V[]) {
  return (raw: string): Parsed<V> => ((values as readonly string[]).includes(raw) ? ok(raw as V) : fail(`"${raw}" is not one of ${values.join(', ')}`));
}

// DNS-1123 label (a Kubernetes namespace name).
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
// A DNS-1123 subdomain (pod, workload and service account names; the node id domain).
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

function matching(re: RegExp, what: string, optional = false) {
  return (raw: string): Parsed<string> => ((optional && raw === '') || re.test(raw) ? ok(raw) : fail(`"${raw}" is not ${what}`));
}

// Kubernetes label keys ([prefix/]name) and values.
const LABEL_KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** `app=reviews,version=v1` (kubectl's form) or a JSON object of strings (Istio's ISTIO_METAJSON_LABELS). */
export function parseLabels(raw: string): Parsed<Readonly<Record<string, string>>> {
  const text = raw.trim();
  let entries: [string, unknown][];
  if (text === '') return ok(Object.freeze({}));
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return fail(`labels are not valid JSON: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('labels JSON must be an object');
    entries = Object.entries(parsed);
  } else {
    entries = [];
    for (const pair of text.split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 0) return fail(`"${pair.trim()}" is not key=value`);
      entries.push([pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()]);
    }
  }
  const labels: Record<string, string> = {};
  const problems: string[] = [];
  for (const [k, v] of entries) {
    if (!LABEL_KEY.test(k)) problems.push(`"${k}" is not a label key`);
    else if (typeof v !== 'string' || !LABEL_VALUE.test(v)) problems.push(`label ${k}: ${JSON.stringify(v)} is not a label value`);
    else labels[k] = v;
  }
  return problems.length > 0 ? fail(problems.join('; ')) : ok(Object.freeze(labels));
}

function ipList(raw: string): Parsed<readonly string[]> {
  const ips = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ips.length === 0) return fail('at least one IP address is needed');
  const bad = ips.filter((ip) => isIP(ip) === 0);
  return bad.length > 0 ? fail(`${bad.map((b) => `"${b}"`).join(', ')} is not an IP address`) : ok(Object.freeze(ips));
}

/** `host:port` or `[ipv6]:port`, with a non-zero port. */
function hostPort(raw: string): Parsed<string> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d+)$/.exec(raw);
  const portNumber = Number(m?.[3]);
  if (!m || !(portNumber > 0 && portNumber <= 65535)) return fail(`"${raw}" is not host:port`);
  if (m[1] !== undefined && isIP(m[1]) !== 6) return fail(`"${m[1]}" is not an IPv6 address`);
  return ok(raw);
}

function count(raw: string): Parsed<number> {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) ? ok(n) : fail(`"${raw}" is not a whole number`);
}

// ---- the declaration --------------------------------------------------------------------------

const declare = <K extends keyof ProxyConfig>(d: SettingDeclaration<K>): SettingDeclaration<K> => d;

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
    parse: (raw) => ok(raw),
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
    description: 'IP address(es) of the workload (node metadata INSTANCE_IPS); the first goes in the node id.',
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
  declare({ key: 'healthPort', flag: 'health-port', valueName: '<port>', env: ['WEFT_PROXY_HEALTH_PORT'], default: '15021', description: 'Health port (/healthz/ready, for kubelet and load balancers); 0 picks a free port.', parse: port }),
  declare({ key: 'statsPort', flag: 'stats-port', valueName: '<port>', env: ['WEFT_PROXY_STATS_PORT'], default: '15090', description: 'Prometheus stats port (/stats/prometheus). Reserved: not served yet.', parse: port }),
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
  declare({ key: 'logLevel', flag: 'log-level', valueName: '<level>', env: ['WEFT_PROXY_LOG_LEVEL'], default: 'info', description: `Lowest level logged, Envoy's names: ${LOG_LEVELS.join(', ')}. Changed at run time with POST /logging?level=.`, parse: oneOf(LOG_LEVELS) }),
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
export type ParsedCommandLine =
  | { readonly ok: true; readonly action: 'help' | 'version' }
  | { readonly ok: true; readonly action: 'run'; readonly config: ProxyConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

const META_PREFIX = 'ISTIO_META_';
const METAJSON_PREFIX = 'ISTIO_METAJSON_';

/** Node metadata from `ISTIO_META_*` / `ISTIO_METAJSON_*` variables (pilot-agent's convention). */
function extraMetadataOf(env: Readonly<Record<string, string | undefined>>, errors: string[]): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
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
  return metadata;
}

/**
 * Parses `argv` (without the node and script paths) and `env`. Each setting takes, in order: its flag,
 * its first set environment variable (`WEFT_PROXY_*` before Istio's name), its default. Every problem
 * (unknown flag, missing value, bad value, inconsistent values) is collected; `--help` and `--version`
 * win over problems. Empty environment variables count as unset.
 */
export function parseProxyCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): ParsedCommandLine {
  const options = Object.fromEntries(PROXY_SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const errors: string[] = [];
  const fromFlags = new Map<string, string>();
  let help = false;
  let version = false;
  for (const t of tokens) {
    if (t.kind === 'positional') errors.push(`Unexpected argument '${t.value}'`);
    if (t.kind !== 'option') continue;
    if (t.name === 'help') help = true;
    else if (t.name === 'version') version = true;
    else if (!(t.name in options)) errors.push(`Unknown option '${t.rawName}'`);
    else if (t.value === undefined) errors.push(`Option '${t.rawName} ${PROXY_SETTINGS.find((s) => s.flag === t.name)?.valueName ?? ''}' argument missing`);
    else fromFlags.set(t.name, t.value);
  }
  if (help) return { ok: true, action: 'help' };
  if (version) return { ok: true, action: 'version' };

  const config: Record<string, unknown> = {};
  for (const s of PROXY_SETTINGS as readonly SettingDeclaration[]) {
    const flagValue = fromFlags.get(s.flag);
    const envName = s.env.find((n) => (env[n] ?? '') !== '');
    const [where, raw] = flagValue !== undefined ? [`--${s.flag}`, flagValue] : envName !== undefined ? [envName, env[envName] ?? ''] : [`default of --${s.flag}`, s.default];
    const parsed = s.parse(raw);
    if (parsed.ok) config[s.key] = parsed.value;
    else errors.push(`${where}: ${parsed.error}`);
  }
  config.extraMetadata = Object.freeze(extraMetadataOf(env, errors));
  if (errors.length === 0) {
    const c = config as unknown as ProxyConfig;
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
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, action: 'run', config: Object.freeze(config as unknown as ProxyConfig) };
}

/** The config weft-proxy runs with when nothing is set (tests start from it and override fields). */
export function defaultProxyConfig(overrides: Partial<ProxyConfig> = {}): ProxyConfig {
  const parsed = parseProxyCommandLine([], {});
  if (!parsed.ok || parsed.action !== 'run') throw new Error(`weft-proxy defaults do not parse: ${parsed.ok ? parsed.action : parsed.errors.join('; ')}`);
  return Object.freeze({ ...parsed.config, ...overrides });
}

// ---- rendering --------------------------------------------------------------------------------

const describeDefault = (s: SettingDeclaration): string => (s.default === '' ? '(none)' : s.default);

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

const METADATA_NOTE =
  'Every ISTIO_META_<NAME> variable is also sent as node metadata NAME (a string), and every ISTIO_METAJSON_<NAME> as NAME parsed from JSON, as pilot-agent does; the settings above win for their own keys.';

/** `weft-proxy --help`, generated from {@link PROXY_SETTINGS}. */
export function renderUsage(): string {
  const indent = ' '.repeat(6);
  const parts = [
    'Usage: weft-proxy [options]',
    '',
    'weft-proxy is the Weft sidecar and gateway proxy (Envoy + pilot-agent): it takes its config from',
    "weftd over xDS and serves Envoy's admin API and an Istio-style health port.",
    '',
    'Options (flag, then environment variable, then default):',
  ];
  for (const s of PROXY_SETTINGS as readonly SettingDeclaration[]) {
    parts.push(`  --${s.flag} ${s.valueName}`);
    for (const l of wrap(s.description, 88)) parts.push(`${indent}${l}`);
    parts.push(`${indent}default: ${describeDefault(s)}; env: ${s.env.join(', ')}`);
  }
  parts.push('  --version', `${indent}print the version and exit`, '  -h, --help', `${indent}print this help and exit`, '');
  parts.push(...wrap(METADATA_NOTE, 94), '');
  return parts.join('\n');
}

/** The `## weft-proxy` section of docs/config.md, generated from {@link PROXY_SETTINGS}. */
export function renderConfigMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const text = (s: string) => cell(s).replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows = (PROXY_SETTINGS as readonly SettingDeclaration[]).map(
    (s) => `| \`--${s.flag} ${cell(s.valueName)}\` | ${s.env.map((e) => `\`${e}\``).join(', ')} | ${s.default === '' ? '(none)' : `\`${s.default}\``} | ${text(s.description)} |`,
  );
  return [
    '## weft-proxy',
    '',
    '<!-- Generated from packages/proxy/src/config.ts by packages/proxy/scripts/gen-config-doc.mjs; do not edit by hand. -->',
    '',
    "Each setting is taken from its flag, else from the first environment variable set (Weft's",
    "`WEFT_PROXY_*` name before the one Istio's pilot-agent reads), else from its default. Every problem",
    'is reported at once and weft-proxy exits with code 2.',
    '',
    '| flag | environment | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    METADATA_NOTE.replace(/(ISTIO_META(?:JSON)?_<NAME>)/g, '`$1`'),
    '',
  ].join('\n');
}

/** Replaces (or appends) the `## weft-proxy` section of a docs/config.md text with {@link renderConfigMarkdown}. */
export function spliceConfigMarkdown(document: string): string {
  const section = renderConfigMarkdown();
  const start = document.search(/^## weft-proxy$/m);
  if (start < 0) return `${document.trimEnd()}\n\n${section}`;
  const rest = document.slice(start + 1);
  const next = rest.search(/^## /m);
  const end = next < 0 ? document.length : start + 1 + next;
  return `${document.slice(0, start)}${section}${next < 0 ? '' : `\n${document.slice(end)}`}`;
}
