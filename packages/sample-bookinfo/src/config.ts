// Every setting of the four sample programs, declared once: environment variable
// (WEFT_SAMPLE_<NAME>), default, description and which programs read it. Parses the environment,
// reports every problem at once and returns a frozen config; `--help` and the README table come from it.

/** The four bookinfo programs. */
export const SERVICE_NAMES = ['productpage', 'details', 'reviews', 'ratings'] as const;
/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The versions the reviews program can be (bookinfo's reviews v1, v2, v3). */
export const REVIEWS_VERSIONS = ['v1', 'v2', 'v3'] as const;

/**
 * How a request is written to the explicit proxy: `absolute` sends `GET http://details:9080/details/0`
 * (RFC 9112 §3.2.2, what `curl -x` does), `origin` sends `GET /details/0` and lets the Host header name
 * the service. Both carry `Host: details:9080`; weft-proxy's outbound listener accepts either.
 */
export type ProxyForm = 'absolute' | 'origin';

/** A `host:port` to connect to: a service name (`details:9080`) or an address (`127.0.0.1:9080`). */
export interface ServiceAddress {
  readonly host: string;
  readonly port: number;
}

/** The settings a sample program runs with. Frozen; passed down explicitly, never read from globals. */
export interface SampleConfig {
  readonly service: ServiceName;
  /** Address to listen on. */
  readonly address: string;
  /** Port to listen on; 0 picks a free one (tests). */
  readonly port: number;
  /** The `version` label of this workload; for reviews it also picks the behaviour (v1 no stars, v2 black, v3 red). */
  readonly version: string;
  /** Instance name reported by reviews (bookinfo's `podname`); defaults to `<service>-<version>`. */
  readonly podName: string;
  /** The sidecar's explicit HTTP proxy; undefined: connect straight to each service's host. */
  readonly proxy: ServiceAddress | undefined;
  readonly proxyForm: ProxyForm;
  readonly details: ServiceAddress;
  readonly reviews: ServiceAddress;
  readonly ratings: ServiceAddress;
  /** Timeout of one call to details (ms). */
  readonly detailsTimeoutMs: number;
  /** Timeout of one call to reviews (ms). */
  readonly reviewsTimeoutMs: number;
  /** Calls productpage makes to reviews before giving up (bookinfo tries twice: a 3 s timeout shows after 6 s). */
  readonly reviewsAttempts: number;
  /** Timeout of one call to ratings (ms); undefined: bookinfo's, 10 s from reviews v2, 2.5 s from v3, 3 s from productpage. */
  readonly ratingsTimeoutMs: number | undefined;
}

/** A parse result: expected failures are values. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

type SettingKey = Exclude<keyof SampleConfig, 'service'>;

/** The declaration of one setting. */
export interface SettingDeclaration<K extends SettingKey = SettingKey> {
  readonly key: K;
  readonly env: string;
  /** The raw default, as it would be written in the environment ('' means unset). */
  readonly default: string;
  readonly description: string;
  /** The programs that read it. */
  readonly services: readonly ServiceName[];
  readonly parse: (raw: string) => Parsed<SampleConfig[K]>;
}

const declare = <K extends SettingKey>(d: SettingDeclaration<K>): SettingDeclaration<K> => d;

// ---- parsers ----------------------------------------------------------------------------------

function port(raw: string): Parsed<number> {
  const n = Number(raw);
  return /^\d+$/.test(raw) && n <= 65535 ? ok(n) : fail(`"${raw}" is not a port (0-65535)`);
}

/** `host:port`, `[v6]:port`, or a bare host (port 9080, bookinfo's). */
export function parseServiceAddress(raw: string): Parsed<ServiceAddress> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]]+))(?::(\d+))?$/.exec(raw.trim());
  if (!m) return fail(`"${raw}" is not host:port`);
  const host = m[1] ?? m[2] ?? '';
  const p = m[3] === undefined ? ok(9080) : port(m[3]);
  if (!p.ok) return p;
  if (p.value === 0) return fail(`"${raw}": port 0 cannot be dialled`);
  return ok({ host, port: p.value });
}

/** The proxy as `http://host:port` (or `host:port`); '' means none. */
function proxyAddress(raw: string): Parsed<ServiceAddress | undefined> {
  if (raw.trim() === '') return ok(undefined);
  const m = /^(?:http:\/\/)?([^/]+)\/?$/.exec(raw.trim());
  if (!m?.[1]) return fail(`"${raw}" is not an http:// proxy URL (only plain-text HTTP proxies are supported)`);
  const a = parseServiceAddress(m[1]);
  if (!a.ok) return a;
  return /:\d+$/.test(m[1]) ? a : fail(`"${raw}" must name the proxy's port`);
}

/** A duration with a unit: `3s`, `500ms`, `1.5s`, `1m`. Returned in milliseconds. */
export function parseDuration(raw: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw.trim());
  if (!m) return fail(`"${raw}" is not a duration (e.g. 3s, 500ms)`);
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  return n > 0 ? ok(Math.round(n)) : fail(`"${raw}" must be more than 0`);
}

const optionalDuration = (raw: string): Parsed<number | undefined> => (raw.trim() === '' ? ok(undefined) : parseDuration(raw));

function label(raw: string): Parsed<string> {
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(raw) ? ok(raw) : fail(`"${raw}" is not a label value`);
}

// ---- the declaration --------------------------------------------------------------------------

const ALL = SERVICE_NAMES;
const CALLERS: readonly ServiceName[] = ['productpage', 'reviews'];

/** Every setting, in the order `--help` and the README list them. */
export const SAMPLE_SETTINGS: readonly SettingDeclaration[] = Object.freeze([
  declare({ key: 'address', env: 'WEFT_SAMPLE_ADDRESS', default: '127.0.0.1', services: ALL, description: 'Address to listen on.', parse: (raw) => (raw.trim() !== '' ? ok(raw.trim()) : fail('must not be empty')) }),
  declare({ key: 'port', env: 'WEFT_SAMPLE_PORT', default: '9080', services: ALL, description: 'Port to listen on (0: any free port, printed at start).', parse: port }),
  declare({
    key: 'version',
    env: 'WEFT_SAMPLE_VERSION',
    default: 'v1',
    services: ALL,
    description: 'Version of this workload. reviews: v1 (no ratings call, no stars), v2 (black stars) or v3 (red stars).',
    parse: label,
  }),
  declare({ key: 'podName', env: 'WEFT_SAMPLE_POD_NAME', default: '', services: ['reviews'], description: 'Instance name shown as "Reviews served by" (bookinfo\'s podname). Unset: reviews-<version>.', parse: ok }),
  declare({
    key: 'proxy',
    env: 'WEFT_SAMPLE_PROXY',
    default: '',
    services: CALLERS,
    description: 'The sidecar\'s explicit HTTP proxy, e.g. http://127.0.0.1:15001: every call goes there with Host: <service>:<port>. Unset: connect straight to the service\'s host.',
    parse: proxyAddress,
  }),
  declare({
    key: 'proxyForm',
    env: 'WEFT_SAMPLE_PROXY_FORM',
    default: 'absolute',
    services: CALLERS,
    description: 'Request-target sent to the proxy: absolute (GET http://details:9080/details/0) or origin (GET /details/0, the Host header names the service).',
    parse: (raw) => (raw === 'absolute' || raw === 'origin' ? ok(raw) : fail(`"${raw}" is not absolute or origin`)),
  }),
  declare({ key: 'details', env: 'WEFT_SAMPLE_DETAILS', default: 'details:9080', services: ['productpage'], description: 'The details service, host:port.', parse: parseServiceAddress }),
  declare({ key: 'reviews', env: 'WEFT_SAMPLE_REVIEWS', default: 'reviews:9080', services: ['productpage'], description: 'The reviews service, host:port.', parse: parseServiceAddress }),
  declare({ key: 'ratings', env: 'WEFT_SAMPLE_RATINGS', default: 'ratings:9080', services: CALLERS, description: 'The ratings service, host:port.', parse: parseServiceAddress }),
  declare({ key: 'detailsTimeoutMs', env: 'WEFT_SAMPLE_DETAILS_TIMEOUT', default: '3s', services: ['productpage'], description: 'Timeout of a call to details (bookinfo: 3s).', parse: parseDuration }),
  declare({ key: 'reviewsTimeoutMs', env: 'WEFT_SAMPLE_REVIEWS_TIMEOUT', default: '3s', services: ['productpage'], description: 'Timeout of one call to reviews (bookinfo: 3s).', parse: parseDuration }),
  declare({
    key: 'reviewsAttempts',
    env: 'WEFT_SAMPLE_REVIEWS_ATTEMPTS',
    default: '2',
    services: ['productpage'],
    description: 'Calls to reviews before showing "unavailable" (bookinfo: 2, so a 7s delay fails after 6s as in Istio\'s fault-injection task).',
    parse: (raw) => (/^[1-9]\d?$/.test(raw) ? ok(Number(raw)) : fail(`"${raw}" is not a count from 1 to 99`)),
  }),
  declare({
    key: 'ratingsTimeoutMs',
    env: 'WEFT_SAMPLE_RATINGS_TIMEOUT',
    default: '',
    services: CALLERS,
    description: 'Timeout of a call to ratings. Unset: bookinfo\'s, 10s from reviews v2, 2.5s from reviews v3, 3s from productpage.',
    parse: optionalDuration,
  }),
]);

/** Environment variables, as `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The outcome of {@link parseSampleConfig}: the config, or every problem found. */
export type ConfigResult = { readonly ok: true; readonly config: SampleConfig } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Reads the settings `service` uses from `env` (unset or empty variables take the default) and
 * checks them all; each error names the variable. Settings other programs use are left at their defaults.
 */
export function parseSampleConfig(service: ServiceName, env: Environment): ConfigResult {
  const errors: string[] = [];
  const values: Record<string, unknown> = { service };
  for (const s of SAMPLE_SETTINGS) {
    const given = s.services.includes(service) ? env[s.env] : undefined;
    const raw = given === undefined || given === '' ? s.default : given;
    const parsed = (s.parse as (raw: string) => Parsed<unknown>)(raw);
    if (parsed.ok) values[s.key] = parsed.value;
    else errors.push(`${s.env}: ${parsed.error}`);
  }
  if (service === 'reviews' && typeof values.version === 'string' && !(REVIEWS_VERSIONS as readonly string[]).includes(values.version)) {
    errors.push(`WEFT_SAMPLE_VERSION: reviews has versions ${REVIEWS_VERSIONS.join(', ')}, not "${values.version}"`);
  }
  if (errors.length > 0) return { ok: false, errors };
  if (values.podName === '') values.podName = `${service}-${String(values.version)}`;
  return { ok: true, config: Object.freeze(values as unknown as SampleConfig) };
}

/** `host:port` of an address, IPv6 hosts bracketed: the Host header a call carries. */
export function formatAuthority(a: ServiceAddress): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

const PURPOSE: Readonly<Record<ServiceName, string>> = {
  productpage: 'the bookinfo product page: HTML at / and /productpage, JSON at /api/v1/products/...; calls details and reviews.',
  details: 'the bookinfo details service: GET /details/<id>.',
  reviews: 'the bookinfo reviews service: GET /reviews/<id>; v2 and v3 call ratings.',
  ratings: 'the bookinfo ratings service: GET /ratings/<id>.',
};

/** The `--help` text of one program: its purpose and the environment variables it reads. */
export function renderSampleHelp(service: ServiceName): string {
  const lines = [`Usage: node dist/bin/${service}.js [--help]`, '', `${service}: ${PURPOSE[service]}`, 'Every service also answers GET /health.', '', 'Environment:'];
  for (const s of SAMPLE_SETTINGS.filter((d) => d.services.includes(service))) {
    lines.push(`  ${s.env}  (default: ${s.default === '' ? 'unset' : s.default})`, `      ${s.description}`);
  }
  return `${lines.join('\n')}\n`;
}
