// Value parsers for settings: ports, Go durations, enumerations, DNS names, IP lists, host:port,
// counts and Kubernetes labels. Each takes the raw text and returns a value or a message, never throws.

import { isIP } from 'node:net';
import { fail, ok, type Parsed } from './declare.js';

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

/** A TCP port, 0-65535 (0: pick a free one). */
export function port(raw: string): Parsed<number> {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return n >= 0 && n <= 65535 ? ok(n) : fail(`"${raw}" is not a port number (0-65535)`);
}

/** A non-negative Go duration, in milliseconds. */
export function duration(raw: string): Parsed<number> {
  const ms = parseDuration(raw);
  if (ms === undefined) return fail(`"${raw}" is not a duration (examples: 100ms, 1.5s, 1m30s)`);
  return ms < 0 ? fail(`"${raw}" is negative`) : ok(ms);
}

/** A whole number, 0 or more. */
export function count(raw: string): Parsed<number> {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) ? ok(n) : fail(`"${raw}" is not a whole number`);
}

/** One of `values`, spelled exactly. */
export function oneOf<const V extends string>(values: readonly V[]): (raw: string) => Parsed<V> {
  return (raw) => ((values as readonly string[]).includes(raw) ? ok(raw as V) : fail(`"${raw}" is not one of ${values.join(', ')}`));
}

/** DNS-1123 label (a Kubernetes namespace name). */
export const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** A DNS name made of DNS-1123 labels (trust domain, domain suffix). */
export const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** A DNS-1123 subdomain (pod, workload and service account names; a node id domain). */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** Text matching `re`, described as `what` in the message; with `optional`, '' is accepted too. */
export function matching(re: RegExp, what: string, optional = false): (raw: string) => Parsed<string> {
  return (raw) => ((optional && raw === '') || re.test(raw) ? ok(raw) : fail(`"${raw}" is not ${what}`));
}

/** Any text, as is. */
export const anyText = (raw: string): Parsed<string> => ok(raw);
/** Text that is not blank. */
export const nonEmpty = (raw: string): Parsed<string> => (raw.trim() !== '' ? ok(raw) : fail('must not be empty'));
/** A path, or undefined when ''. */
export const optionalPath = (raw: string): Parsed<string | undefined> => ok(raw === '' ? undefined : raw);

/** A comma-separated list of one or more IP addresses (v4 or v6). */
export function ipList(raw: string): Parsed<readonly string[]> {
  const ips = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ips.length === 0) return fail('at least one IP address is needed');
  const bad = ips.filter((ip) => isIP(ip) === 0);
  return bad.length > 0 ? fail(`${bad.map((b) => `"${b}"`).join(', ')} is not an IP address`) : ok(Object.freeze(ips));
}

/** `host:port` or `[ipv6]:port`, with a non-zero port. */
export function hostPort(raw: string): Parsed<string> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d+)$/.exec(raw);
  const portNumber = Number(m?.[3]);
  if (!m || !(portNumber > 0 && portNumber <= 65535)) return fail(`"${raw}" is not host:port`);
  if (m[1] !== undefined && isIP(m[1]) !== 6) return fail(`"${m[1]}" is not an IPv6 address`);
  return ok(raw);
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
