// Compiles a route's `match` (RouteMatch): prefix / path / safe_regex / path_separated_prefix with
// case_sensitive, header matchers (string_match and the legacy *_match fields, present, invert) and
// query parameter matchers, into one predicate. Envoy's rules: `path` and regexes see the path without
// its query, `prefix` the whole path; every header and query matcher must match.

import { compileRegex, compileStringMatcher, type StringTest } from './string-matcher.js';
import { headerValue, type RouteRequest } from './route-request.js';

/** A compiled RouteMatch. */
export type RouteMatcher = (req: RouteRequest) => boolean;

type Obj = Readonly<Record<string, unknown>>;

function compilePath(match: Obj): RouteMatcher {
  const caseSensitive = (match.case_sensitive as { value?: unknown } | undefined)?.value !== false;
  const fold = (s: string): string => (caseSensitive ? s : s.toLowerCase());
  if (typeof match.prefix === 'string') {
    const prefix = fold(match.prefix);
    return prefix === '' ? () => true : (req) => fold(req.path).startsWith(prefix);
  }
  if (typeof match.path === 'string') {
    const path = fold(match.path);
    return (req) => fold(req.pathOnly) === path;
  }
  if (typeof match.path_separated_prefix === 'string') {
    const prefix = fold(match.path_separated_prefix);
    return (req) => {
      const p = fold(req.pathOnly);
      return p === prefix || (p.startsWith(prefix) && p.charAt(prefix.length) === '/');
    };
  }
  const regex = (match.safe_regex as { regex?: unknown } | undefined)?.regex;
  if (typeof regex === 'string') {
    const test = compileRegex(regex);
    return (req) => test(req.pathOnly);
  }
  return () => false;
}

/** Compiles a decoded HeaderMatcher with Envoy's HeaderUtility rules for an absent header: it is ''
 *  under `treat_missing_header_as_empty`; otherwise only a presence check can match (`present_match:
 *  false`, or `present_match: true` inverted), so an inverted value matcher does NOT accept it. */
export function compileHeaderMatcher(h: Obj): RouteMatcher {
  const name = String(h.name ?? '').toLowerCase();
  const invert = h.invert_match === true;
  const missingAsEmpty = h.treat_missing_header_as_empty === true;
  let test: StringTest | undefined;
  let presence: boolean | undefined;
  if (h.string_match && typeof h.string_match === 'object') test = compileStringMatcher(h.string_match as Obj);
  else if (typeof h.exact_match === 'string') test = compileStringMatcher({ exact: h.exact_match });
  else if (typeof h.prefix_match === 'string') test = compileStringMatcher({ prefix: h.prefix_match });
  else if (typeof h.suffix_match === 'string') test = compileStringMatcher({ suffix: h.suffix_match });
  else if (typeof h.contains_match === 'string') test = compileStringMatcher({ contains: h.contains_match });
  else if (h.safe_regex_match && typeof h.safe_regex_match === 'object') test = compileStringMatcher({ safe_regex: h.safe_regex_match });
  else if (typeof h.present_match === 'boolean') presence = h.present_match;
  else presence = true; // no matcher at all: Envoy checks presence
  return (req) => {
    const v = headerValue(req, name) ?? (missingAsEmpty ? '' : undefined);
    if (v === undefined) return presence !== undefined && presence === invert;
    const matched = presence !== undefined ? presence : (test as StringTest)(v);
    return matched !== invert;
  };
}

/** Compiles a decoded QueryParameterMatcher: the first value of the parameter must pass `string_match`,
 *  or the parameter must be present (`present_match`, also the default). */
export function compileQueryMatcher(q: Obj): RouteMatcher {
  const name = String(q.name ?? '');
  const test = q.string_match && typeof q.string_match === 'object' ? compileStringMatcher(q.string_match as Obj) : undefined;
  return (req) => {
    if (req.query === '') return false;
    const v = new URLSearchParams(req.query).get(name);
    if (v === null) return false;
    return test ? test(v) : true;
  };
}

/** Compiles a whole RouteMatch into one predicate. */
export function compileRouteMatch(match: Obj): RouteMatcher {
  const path = compilePath(match);
  const headers = Array.isArray(match.headers) ? (match.headers as Obj[]).map(compileHeaderMatcher) : [];
  const queries = Array.isArray(match.query_parameters) ? (match.query_parameters as Obj[]).map(compileQueryMatcher) : [];
  const rest = [...headers, ...queries];
  if (rest.length === 0) return path;
  return (req) => path(req) && rest.every((m) => m(req));
}
