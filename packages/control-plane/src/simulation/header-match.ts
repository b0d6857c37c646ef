// Envoy's HeaderMatcher and QueryParameterMatcher (config.route.v3), including the missing-header
// and invert_match rules. Header names are case-insensitive; query values are percent-decoded.

import type { HeaderMatcher, Int64, QueryParameterMatcher } from './envoy-shapes.js';
import { InvalidEnvoyConfig, matchString, regexFullMatch } from './string-match.js';

// absl::SimpleAtoi as Envoy uses it for range_match: optional whitespace and sign, decimal digits only.
const INT64 = /^\s*[+-]?\d+\s*$/;

function toBigInt(v: Int64 | undefined): bigint {
  return BigInt(typeof v === 'number' ? Math.trunc(v) : (v ?? '0'));
}

function matchPresentValue(m: HeaderMatcher, value: string): boolean {
  if (m.exact_match !== undefined) return value === m.exact_match;
  if (m.safe_regex_match?.regex !== undefined) return regexFullMatch(m.safe_regex_match.regex, value);
  if (m.range_match !== undefined) {
    // int64 range [start, end): a value that is not an integer never matches.
    if (!INT64.test(value)) return false;
    const n = BigInt(value.trim());
    return n >= toBigInt(m.range_match.start) && n < toBigInt(m.range_match.end);
  }
  if (m.present_match !== undefined) return m.present_match;
  if (m.prefix_match !== undefined) return value.startsWith(m.prefix_match);
  if (m.suffix_match !== undefined) return value.endsWith(m.suffix_match);
  if (m.contains_match !== undefined) return value.includes(m.contains_match);
  if (m.string_match !== undefined) return matchString(m.string_match, value);
  // No specifier at all: Envoy treats the matcher as "header is present".
  return true;
}

/** config.route.v3.HeaderMatcher against request headers (lower-case keys; repeated headers already
 *  joined with `,`, as Envoy's getAllOfHeaderAsString does).
 *
 *  A missing header (unless `treat_missing_header_as_empty`) matches only `present_match: false`, or
 *  `present_match: true` with `invert_match`; every other matcher fails on it whatever `invert_match`
 *  says (Envoy HeaderUtility::matchHeaders, documented under HeaderMatcher.invert_match and present_match). */
export function matchHeader(m: HeaderMatcher, headers: ReadonlyMap<string, string>): boolean {
  if (!m.name) throw new InvalidEnvoyConfig('HeaderMatcher without a name');
  const value = headers.get(m.name.toLowerCase());
  const invert = m.invert_match === true;
  if (value === undefined && m.treat_missing_header_as_empty !== true) {
    const isPresentMatch = m.present_match !== undefined;
    return isPresentMatch && (invert ? m.present_match === true : m.present_match === false);
  }
  return matchPresentValue(m, value ?? '') !== invert;
}

/** Parses the query string of `path` the way Envoy's route matcher does (parseAndDecodeQueryString):
 *  `&`-separated, `name=value` or bare `name`, percent-decoded; the first occurrence of a name wins. */
export function parseQuery(path: string): ReadonlyMap<string, string> {
  const params = new Map<string, string>();
  const q = path.indexOf('?');
  if (q === -1) return params;
  const hash = path.indexOf('#', q);
  const query = path.slice(q + 1, hash === -1 ? undefined : hash);
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodePercent(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decodePercent(part.slice(eq + 1));
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

function decodePercent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // Envoy keeps malformed escapes as they are.
    return s;
  }
}

/** config.route.v3.QueryParameterMatcher: the parameter must be present; then `present_match` accepts
 *  any value and `string_match` checks the (first) value. */
export function matchQueryParameter(m: QueryParameterMatcher, params: ReadonlyMap<string, string>): boolean {
  if (!m.name) throw new InvalidEnvoyConfig('QueryParameterMatcher without a name');
  const value = params.get(m.name);
  if (value === undefined) return false;
  if (m.present_match === true || m.string_match === undefined) return true;
  return matchString(m.string_match, value);
}
