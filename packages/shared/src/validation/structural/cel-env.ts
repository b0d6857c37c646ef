// The CEL environment of CRD validation rules: @bufbuild/cel's standard library with Kubernetes'
// semantics where they differ (Go's strconv/time parsing, RE2 regexes) plus the Kubernetes library
// functions Istio's rules call (url(), isURL(), URL getters) and the CEL strings extension.

import { celEnv, celFunc, celMethod, CelScalar, listType, mapType, type CelEnv, type CelMap, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from 're2js';
import { parseRequestUri, parseUrl, urlHostname, urlPort, type GoUrl } from './go-url.js';

const { STRING, INT, BOOL, DYN } = CelScalar;

// A URL value is a CEL map carrying this private key; the URL methods refuse any other map.
const URL_MARK = '\u0000weft.url';

function toUrlValue(u: GoUrl): Map<string, string> {
  return new Map<string, string>([
    [URL_MARK, '1'],
    ['scheme', u.scheme],
    ['host', u.host],
    ['hostname', urlHostname(u)],
    ['port', urlPort(u)],
    ['path', u.opaque !== '' ? u.opaque : u.path],
    ['query', u.rawQuery],
  ]);
}

function urlField(target: CelValue, field: string): string {
  const m = target as CelMap;
  if (typeof m?.get !== 'function' || m.get(URL_MARK) !== '1') throw new Error('no such overload');
  const v = m.get(field);
  return typeof v === 'string' ? v : '';
}

function parseQuery(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of raw.split(/[&]/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    const v = decode(eq < 0 ? '' : part.slice(eq + 1));
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Go's strconv.ParseInt(s, 10, 64) as CEL's int(string) uses it: no spaces, no `_`, int64 range. */
function goParseInt(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw new Error("type conversion error from 'string' to 'int'");
  const n = BigInt(s);
  if (n > INT64_MAX || n < INT64_MIN) throw new Error("type conversion error from 'string' to 'int'");
  return n;
}

const DURATION_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  'µs': 1000n, // U+00B5 micro sign
  'μs': 1000n, // U+03BC Greek mu
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};

/** Go's time.ParseDuration, to nanoseconds; undefined when Go would return an error. */
export function goParseDuration(input: string): bigint | undefined {
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    if (whole === '' && (frac === undefined || frac === '')) return undefined;
    s = s.slice(m?.[0].length ?? 0);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch) return undefined; // missing unit
    const unit = DURATION_UNITS[unitMatch[0]];
    if (unit === undefined) return undefined; // unknown unit
    s = s.slice(unitMatch[0].length);
    let v = whole === '' ? 0n : BigInt(whole) * unit;
    if (frac) v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += v;
    if (total > INT64_MAX + (neg ? 1n : 0n)) return undefined; // overflow
  }
  return neg ? -total : total;
}

// The standard duration(string) builds the CEL duration value from our canonical `<n>ns` text.
const stdDuration = celEnv().funcs.find('duration');

function goDuration(s: string): CelValue {
  const ns = goParseDuration(s);
  if (ns === undefined) throw new Error("type conversion error from 'string' to 'google.protobuf.Duration'");
  const r = stdDuration?.call(0, undefined, [`${ns}ns`]);
  if (r === undefined || r instanceof Error) throw new Error("type conversion error from 'string' to 'google.protobuf.Duration'");
  return r;
}

const re2Cache = new Map<string, RE2JS>();

/** RE2 (Go regexp syntax and semantics) for `matches()`, as Kubernetes evaluates it. */
const re2 = {
  compile(pattern: string): { test(text: string): boolean } {
    let re = re2Cache.get(pattern);
    if (!re) {
      re = RE2JS.compile(pattern);
      re2Cache.set(pattern, re);
    }
    const compiled = re;
    return { test: (text: string) => compiled.test(text) };
  },
};

const URL_TYPE = mapType(STRING, DYN);

/** Kubernetes' CEL URL library (k8s.io/apiserver/pkg/cel/library/urls.go). */
const kubernetesUrls = [
  celFunc('url', [STRING], URL_TYPE, (s: string) => {
    // url() accepts what ParseRequestURI accepts, then keeps url.Parse's view (fragment split off).
    const req = parseRequestUri(s);
    if (!req.ok) throw new Error(`URL parse error during conversion from string: ${req.error}`);
    const parsed = parseUrl(s);
    if (!parsed.ok) throw new Error(`URL parse error during conversion from string: ${parsed.error}`);
    return toUrlValue(parsed.url);
  }),
  celFunc('isURL', [STRING], BOOL, (s: string) => parseRequestUri(s).ok),
  celMethod('getScheme', URL_TYPE, [], STRING, function (this: CelValue) {
    return urlField(this, 'scheme');
  }),
  celMethod('getHost', URL_TYPE, [], STRING, function (this: CelValue) {
    return urlField(this, 'host');
  }),
  celMethod('getHostname', URL_TYPE, [], STRING, function (this: CelValue) {
    return urlField(this, 'hostname');
  }),
  celMethod('getPort', URL_TYPE, [], STRING, function (this: CelValue) {
    return urlField(this, 'port');
  }),
  celMethod('getEscapedPath', URL_TYPE, [], STRING, function (this: CelValue) {
    return urlField(this, 'path');
  }),
  celMethod('getQuery', URL_TYPE, [], mapType(STRING, listType(STRING)), function (this: CelValue) {
    return parseQuery(urlField(this, 'query'));
  }),
];

/** Overrides where cel-go (Kubernetes) and @bufbuild/cel disagree on parsing. */
const goSemantics = [
  celFunc('int', [STRING], INT, goParseInt),
  // The result is a google.protobuf.Duration; DYN avoids importing protobuf descriptors here.
  celFunc('duration', [STRING], DYN, goDuration),
];

/** The variables a CRD rule sees. `oldSelf` is declared so transition rules parse; they are skipped. */
const RULE_VARIABLES = { self: DYN, oldSelf: DYN };

let env: CelEnv | undefined;

/** The shared CEL environment for CRD rules (built once). */
export function kubernetesCelEnv(): CelEnv {
  env ??= celEnv({
    variables: RULE_VARIABLES,
    funcs: [...strings, ...kubernetesUrls, ...goSemantics],
    re2,
  });
  return env;
}
