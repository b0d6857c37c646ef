// Every setting of `weftd`, declared once: flag, environment variables (Weft's and Istio's), default
// and description. Parses the command line and environment, reports every problem at once and
// returns a frozen config; `--help` and docs/config.md are rendered from the same declaration.

import { parseArgs } from 'node:util';

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
  readonly logLevel: LogLevel;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The declaration of one setting. */
export interface SettingDeclaration<K extends keyof WeftdConfig = keyof WeftdConfig> {
  /** Field of {@link WeftdConfig} it sets. */
  readonly key: K;
  /** Long flag without dashes (`xds-port`). */
  readonly flag: string;
  /** What the value looks like in help (`<port>`). */
  readonly valueName: string;
  /** Environment variables read, in order of precedence: `WEFT_WEFTD_<NAME>` first, then Istio's name
   *  where users expect one. */
  readonly env: readonly string[];
  /** The default as a user would write it (parsed like any other value); '' means "not set". */
  readonly default: string;
  readonly description: string;
  /** Parses a raw value; failures are values. */
  parse(raw: string): Parsed<WeftdConfig[K]>;
}

// ---- value parsers ----------------------------------------------------------------------------

const GO_DURATION_UNITS_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_DURATION = /^([+-])?((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * Parses a Go duration (`time.ParseDuration`, what Istio's PILOT_DEBOUNCE_AFTER takes): a sequence of
 * decimal numbers with units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`, e.g. `100ms`, `1m30s`, `1.5s`;
 * `0` alone needs no unit. Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = GO_DURATION.exec(text);
  if (!m?.[2]) return undefined;
  let ms = 0;
  for (const part of m[2].matchAll(GO_DURATION_PART)) ms += Number(part[1]) * (GO_DURATION_UNITS_MS[part[2] ?? ''] ?? NaN);
  return m[1] === '-' ? -ms : ms;
}

/** Formats milliseconds as the shortest Go duration in one unit that is exact (`100ms`, `10s`, `2m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (Number.isInteger(ms / size)) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

function port(raw: string): Parsed<number> {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return n >= 0 && n <= 65535 ? ok(n) : fail(`"${raw}" is not a port number (0-65535)`);
}

function duration(raw: string): Parsed<number> {
  const ms = parseDuration(raw);
  if (ms === undefined) return fail(`"${raw}" is not a duration (examples: 100ms, 1.5s, 1m30s)`);
  return ms < 0 ? fail(`"${raw}" is negative`) : ok(ms);
}

function oneOf<const V extends string>(values: readonly V[]) {
  return (raw: string): Parsed<V> => ((values as readonly string[]).includes(raw) ? ok(raw as V) : fail(`"${raw}" is not one of ${values.join(', ')}`));
}

// DNS-1123 label (a Kubernetes namespace name).
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
// A DNS name made of DNS-1123 labels (trust domain, domain suffix).
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*$/;

function matching(re: RegExp, what: string) {
  return (raw: string): Parsed<string> => (re.test(raw) ? ok(raw) : fail(`"${raw}" is not ${what}`));
}

const nonEmpty = (raw: string): Parsed<string> => (raw.trim() !== '' ? ok(raw) : fail('must not be empty'));
const optionalPath = (raw: string): Parsed<string | undefined> => ok(raw === '' ? undefined : raw);

// ---- the declaration --------------------------------------------------------------------------

const declare = <K extends keyof WeftdConfig>(d: SettingDeclaration<K>): SettingDeclaration<K> => d;

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
    parse: matching(DNS_LABEL, 'a namespace name (DNS-1123 label)'),
  }),
  declare({
    key: 'trustDomain',
    flag: 'trust-domain',
    valueName: '<domain>',
    env: ['WEFT_WEFTD_TRUST_DOMAIN'],
    default: 'cluster.local',
    description: 'SPIFFE trust domain of workload identities (MeshConfig trustDomain).',
    parse: matching(DNS_NAME, 'a domain name'),
  }),
  declare({
    key: 'domainSuffix',
    flag: 'domain-suffix',
    valueName: '<domain>',
    env: ['WEFT_WEFTD_DOMAIN_SUFFIX'],
    default: 'cluster.local',
    description: 'DNS suffix of in-mesh service names (istiod --domain).',
    parse: matching(DNS_NAME, 'a domain name'),
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
  declare({ key: 'logLevel', flag: 'log-level', valueName: '<level>', env: ['WEFT_WEFTD_LOG_LEVEL'], default: 'info', description: `Lowest level logged: ${LOG_LEVELS.join(', ')}.`, parse: oneOf(LOG_LEVELS) }),
] as const satisfies readonly SettingDeclaration[]);

// ---- parsing ----------------------------------------------------------------------------------

/** What the command line asked for: help, the version, or a run with a config; or every problem found. */
export type ParsedCommandLine =
  | { readonly ok: true; readonly action: 'help' | 'version' }
  | { readonly ok: true; readonly action: 'run'; readonly config: WeftdConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Parses `argv` (without the node and script paths) and `env`. Each setting takes, in order: its flag,
 * its first set environment variable (`WEFT_WEFTD_*` before Istio's name), its default. Every problem
 * (unknown flag, missing value, bad value, inconsistent values) is collected; `--help` and `--version`
 * win over problems. Empty environment variables count as unset.
 */
export function parseWeftdCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): ParsedCommandLine {
  const options = Object.fromEntries(WEFTD_SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
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
    else if (t.value === undefined) errors.push(`Option '${t.rawName} ${WEFTD_SETTINGS.find((s) => s.flag === t.name)?.valueName ?? ''}' argument missing`);
    else fromFlags.set(t.name, t.value);
  }
  if (help) return { ok: true, action: 'help' };
  if (version) return { ok: true, action: 'version' };

  const config: Record<string, unknown> = {};
  for (const s of WEFTD_SETTINGS as readonly SettingDeclaration[]) {
    const flagValue = fromFlags.get(s.flag);
    const envName = s.env.find((n) => (env[n] ?? '') !== '');
    const [where, raw] = flagValue !== undefined ? [`--${s.flag}`, flagValue] : envName !== undefined ? [envName, env[envName] ?? ''] : [`default of --${s.flag}`, s.default];
    const parsed = s.parse(raw);
    if (parsed.ok) config[s.key] = parsed.value;
    else errors.push(`${where}: ${parsed.error}`);
  }
  if (errors.length === 0) {
    const c = config as unknown as WeftdConfig;
    if (c.debounceAfterMs > c.debounceMaxMs) errors.push(`--debounce-after (${formatDuration(c.debounceAfterMs)}) must not be longer than --debounce-max (${formatDuration(c.debounceMaxMs)})`);
    if (c.xdsPort !== 0 && c.xdsPort === c.debugPort) errors.push(`--xds-port and --debug-port are both ${c.xdsPort}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, action: 'run', config: Object.freeze(config as unknown as WeftdConfig) };
}

/** The config weftd runs with when nothing is set (tests start from it and override fields). */
export function defaultWeftdConfig(overrides: Partial<WeftdConfig> = {}): WeftdConfig {
  const parsed = parseWeftdCommandLine([], {});
  if (!parsed.ok || parsed.action !== 'run') throw new Error(`weftd defaults do not parse: ${parsed.ok ? parsed.action : parsed.errors.join('; ')}`);
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

/** `weftd --help`, generated from {@link WEFTD_SETTINGS}. */
export function renderUsage(): string {
  const indent = ' '.repeat(6);
  const parts = [
    'Usage: weftd [options]',
    '',
    'weftd is the Weft control plane (Pilot, Citadel, Galley): it serves xDS to proxies from a',
    'directory of Istio YAML, and debug pages and Prometheus metrics over HTTP.',
    '',
    'Options (flag, then environment variable, then default):',
  ];
  for (const s of WEFTD_SETTINGS as readonly SettingDeclaration[]) {
    parts.push(`  --${s.flag} ${s.valueName}`);
    for (const l of wrap(s.description, 88)) parts.push(`${indent}${l}`);
    parts.push(`${indent}default: ${describeDefault(s)}; env: ${s.env.join(', ')}`);
  }
  parts.push('  --version', `${indent}print the version and exit`, '  -h, --help', `${indent}print this help and exit`, '');
  return parts.join('\n');
}

/** The `## weftd` section of docs/config.md, generated from {@link WEFTD_SETTINGS}. */
export function renderConfigMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = (WEFTD_SETTINGS as readonly SettingDeclaration[]).map(
    (s) => `| \`--${s.flag} ${s.valueName}\` | ${s.env.map((e) => `\`${e}\``).join(', ')} | ${s.default === '' ? '(none)' : `\`${s.default}\``} | ${cell(s.description)} |`,
  );
  return [
    '## weftd',
    '',
    '<!-- Generated from packages/control-plane/src/config.ts by packages/control-plane/scripts/gen-config-doc.mjs; do not edit by hand. -->',
    '',
    'Each setting is taken from its flag, else from the first environment variable set (Weft\'s',
    '`WEFT_WEFTD_*` name before Istio\'s), else from its default. Durations are Go durations (`100ms`,',
    '`1.5s`, `1m30s`), as Istio reads them. Every problem is reported at once and weftd exits with code 2.',
    '',
    '| flag | environment | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** Replaces (or appends) the `## weftd` section of a docs/config.md text with {@link renderConfigMarkdown}. */
export function spliceConfigMarkdown(document: string): string {
  const section = renderConfigMarkdown();
  const start = document.search(/^## weftd$/m);
  if (start < 0) return `${document.trimEnd()}\n\n${section}`;
  const rest = document.slice(start + 1);
  const next = rest.search(/^## /m);
  const end = next < 0 ? document.length : start + 1 + next;
  return `${document.slice(0, start)}${section}${next < 0 ? '' : `\n${document.slice(end)}`}`;
}
