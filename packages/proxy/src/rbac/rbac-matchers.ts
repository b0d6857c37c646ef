// The leaf matchers of Envoy RBAC, compiled from config in either shape (rbac-config-fields.ts):
// StringMatcher (Envoy Matchers::StringMatcherImpl), HeaderMatcher (Http::HeaderUtility), ValueMatcher
// and MetadataMatcher over dynamic metadata (Matchers::ValueMatcher / MetadataMatcher). Problems are
// reported to a sink and the matcher compiled in their place never matches.

import { compileRegex, type StringTest } from '../compile/string-matcher.js';
import { bool, field, integer, isConfigObject, oneofCase, repeated } from './rbac-config-fields.js';

/** Collects config problems with the path of the offending field. */
export type ProblemSink = (path: string, problem: string) => void;

const never = (): boolean => false;

/** ASCII-only lower case: Envoy's ignore_case compares with absl::EqualsIgnoreCase (ASCII). */
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** A full-match RE2 regex; a bad pattern is a problem. */
function regexTest(regex: unknown, path: string, problem: ProblemSink): StringTest {
  const pattern = isConfigObject(regex) ? field(regex, 'regex') : undefined;
  if (typeof pattern !== 'string') {
    problem(path, 'regex matcher without a regex');
    return never;
  }
  try {
    return compileRegex(pattern);
  } catch (e) {
    problem(path, `invalid regex ${JSON.stringify(pattern)}: ${e instanceof Error ? e.message : String(e)}`);
    return never;
  }
}

/**
 * envoy.type.matcher.v3.StringMatcher: exact, prefix, suffix, contains (with ASCII `ignore_case`) or
 * safe_regex (a full match; Envoy ignores ignore_case there). Empty prefix / suffix / contains
 * are invalid in Envoy (min_len 1) and reported.
 */
export function compileStringTest(m: unknown, path: string, problem: ProblemSink): StringTest {
  if (!isConfigObject(m)) {
    problem(path, 'missing string matcher');
    return never;
  }
  const which = oneofCase(m, ['exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'custom']);
  const ignoreCase = bool(field(m, 'ignore_case'));
  const fold = ignoreCase ? asciiLower : (s: string): string => s;
  const text = which === undefined ? undefined : field(m, which);
  switch (which) {
    case 'exact': {
      const want = fold(String(text));
      return (v) => fold(v) === want;
    }
    case 'prefix':
    case 'suffix':
    case 'contains': {
      const want = fold(String(text));
      if (want === '') problem(`${path}.${which}`, 'must not be empty');
      if (which === 'prefix') return (v) => fold(v).startsWith(want);
      if (which === 'suffix') return (v) => fold(v).endsWith(want);
      return (v) => fold(v).includes(want);
    }
    case 'safe_regex':
      return regexTest(text, `${path}.safe_regex`, problem);
    case 'custom':
      problem(`${path}.custom`, 'custom string matchers are not supported');
      return never;
    default:
      problem(path, 'string matcher without a pattern');
      return never;
  }
}

/** Reads a request header for the header matchers: lower-case name, repeated values joined with `,`
 *  (Envoy getAllOfHeaderAsString), undefined when absent. */
export type HeaderReader = (lowerCaseName: string) => string | undefined;

/** A compiled header test. */
export type HeaderTest = (read: HeaderReader | undefined) => boolean;

/**
 * envoy.config.route.v3.HeaderMatcher (Envoy HeaderUtility::HeaderData::matchesHeaders): present_match
 * compares presence (`(present == present_match) != invert_match`); every other form fails on a missing
 * header (unless treat_missing_header_as_empty, which matches against '') and is otherwise inverted by
 * invert_match. An empty exact_match matches any value; range_match is [start, end) over an int64.
 * Without headers (the network filter) every header is missing.
 */
export function compileHeaderTest(h: unknown, path: string, problem: ProblemSink): HeaderTest {
  if (!isConfigObject(h)) {
    problem(path, 'missing header matcher');
    return never;
  }
  const rawName = field(h, 'name');
  if (typeof rawName !== 'string' || rawName === '') problem(`${path}.name`, 'header name is required');
  const name = typeof rawName === 'string' ? rawName.toLowerCase() : '';
  const invert = bool(field(h, 'invert_match'));
  const missingAsEmpty = bool(field(h, 'treat_missing_header_as_empty'));
  const which = oneofCase(h, ['exact_match', 'safe_regex_match', 'range_match', 'present_match', 'prefix_match', 'suffix_match', 'contains_match', 'string_match']);
  const spec = which === undefined ? undefined : field(h, which);
  if (which === undefined || which === 'present_match') {
    // No specifier at all means "present" (Envoy HEADER_MATCH_SPECIFIER_NOT_SET).
    const present = which === undefined ? true : bool(spec);
    return (read) => ((read?.(name) !== undefined) === present) !== invert;
  }
  let test: StringTest;
  switch (which) {
    case 'exact_match': {
      const want = String(spec);
      test = (v) => want === '' || v === want;
      break;
    }
    case 'prefix_match': {
      const want = String(spec);
      test = (v) => v.startsWith(want);
      break;
    }
    case 'suffix_match': {
      const want = String(spec);
      test = (v) => v.endsWith(want);
      break;
    }
    case 'contains_match': {
      const want = String(spec);
      test = (v) => v.includes(want);
      break;
    }
    case 'safe_regex_match':
      test = regexTest(spec, `${path}.safe_regex_match`, problem);
      break;
    case 'range_match': {
      const start = isConfigObject(spec) ? (integer(field(spec, 'start')) ?? 0) : 0;
      const end = isConfigObject(spec) ? (integer(field(spec, 'end')) ?? 0) : 0;
      test = (v) => /^[+-]?[0-9]+$/.test(v) && Number(v) >= start && Number(v) < end;
      break;
    }
    default:
      test = compileStringTest(spec, `${path}.string_match`, problem);
  }
  return (read) => {
    const value = read?.(name);
    if (value === undefined && !missingAsEmpty) return false;
    return test(value ?? '') !== invert;
  };
}

/** A compiled envoy.type.matcher.v3.ValueMatcher over a google.protobuf.Value in plain JSON form
 *  (undefined = not set, null = null_value). */
export type ValueTest = (v: unknown) => boolean;

/** envoy.type.matcher.v3.ValueMatcher (Envoy Matchers::ValueMatcher::create). */
export function compileValueTest(m: unknown, path: string, problem: ProblemSink): ValueTest {
  if (!isConfigObject(m)) {
    problem(path, 'missing value matcher');
    return never;
  }
  const which = oneofCase(m, ['null_match', 'double_match', 'string_match', 'bool_match', 'present_match', 'list_match', 'or_match']);
  const spec = which === undefined ? undefined : field(m, which);
  const at = `${path}.${which ?? ''}`;
  switch (which) {
    case 'null_match':
      return (v) => v === null;
    case 'double_match': {
      const d = isConfigObject(spec) ? spec : {};
      const range = field(d, 'range');
      const exact = field(d, 'exact');
      if (isConfigObject(range)) {
        const start = Number(field(range, 'start') ?? 0);
        const end = Number(field(range, 'end') ?? 0);
        return (v) => typeof v === 'number' && v >= start && v < end;
      }
      if (exact !== undefined) {
        const want = Number(exact);
        return (v) => typeof v === 'number' && v === want;
      }
      problem(at, 'double matcher without range or exact');
      return never;
    }
    case 'string_match': {
      const test = compileStringTest(spec, at, problem);
      return (v) => typeof v === 'string' && test(v);
    }
    case 'bool_match': {
      const want = bool(spec);
      return (v) => v === want;
    }
    case 'present_match': {
      const present = bool(spec);
      return (v) => present && v !== undefined;
    }
    case 'list_match': {
      const oneOf = isConfigObject(spec) ? field(spec, 'one_of') : undefined;
      const test = compileValueTest(oneOf, `${at}.one_of`, problem);
      return (v) => Array.isArray(v) && v.some((x) => test(x));
    }
    case 'or_match': {
      const tests = (isConfigObject(spec) ? repeated(spec, 'value_matchers') : []).map((x, i) => compileValueTest(x, `${at}.value_matchers[${i}]`, problem));
      if (tests.length < 2) problem(`${at}.value_matchers`, 'needs at least 2 matchers');
      return (v) => tests.some((t) => t(v));
    }
    default:
      problem(path, 'value matcher without a pattern');
      return never;
  }
}

/** Dynamic metadata: filter namespace → its Struct as a plain JSON object. */
export type DynamicMetadata = Readonly<Record<string, unknown>>;

/** The value at `path` under `filter` (Envoy Config::Metadata::metadataValue): each step must be a
 *  struct holding the key; anything else, or an empty path, is "not set" (undefined). */
export function metadataValue(metadata: DynamicMetadata | undefined, filter: string, path: readonly string[]): unknown {
  let current: unknown = metadata?.[filter];
  if (path.length === 0) return undefined;
  for (const key of path) {
    if (!isConfigObject(current) || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** envoy.type.matcher.v3.MetadataMatcher: the value matcher on the value at filter/path, XOR invert. */
export function compileMetadataTest(m: unknown, path: string, problem: ProblemSink): (metadata: DynamicMetadata | undefined) => boolean {
  if (!isConfigObject(m)) {
    problem(path, 'missing metadata matcher');
    return never;
  }
  const filter = field(m, 'filter');
  if (typeof filter !== 'string' || filter === '') problem(`${path}.filter`, 'filter is required');
  const keys = repeated(m, 'path').map((seg, i) => {
    const key = isConfigObject(seg) ? field(seg, 'key') : undefined;
    if (typeof key !== 'string' || key === '') problem(`${path}.path[${i}]`, 'path segment needs a key');
    return String(key ?? '');
  });
  const test = compileValueTest(field(m, 'value'), `${path}.value`, problem);
  const invert = bool(field(m, 'invert'));
  const ns = String(filter ?? '');
  return (metadata) => test(metadataValue(metadata, ns, keys)) !== invert;
}
