// Compiles Envoy's StringMatcher (exact, prefix, suffix, contains, safe_regex; ignore_case) into a
// predicate once per config change. Regexes are RE2 (re2js) and must match the whole input, as in Envoy.

import { re2 } from './re2.js';

/** A compiled string test. */
export type StringTest = (value: string) => boolean;

/** A full-match RE2 test for `pattern` (Envoy's safe_regex semantics). Throws on a bad pattern: the
 *  xDS client has already refused resources with invalid regexes, so a throw here is a bug. */
export function compileRegex(pattern: string, ignoreCase = false): StringTest {
  const re = re2().compile(pattern, ignoreCase ? re2().CASE_INSENSITIVE : 0);
  return (value) => re.testExact(value);
}

/** Compiles a decoded `envoy.type.matcher.v3.StringMatcher`; an empty matcher matches nothing. */
export function compileStringMatcher(m: Readonly<Record<string, unknown>>): StringTest {
  const ignoreCase = m.ignore_case === true;
  const fold = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  if (typeof m.exact === 'string') {
    const want = fold(m.exact);
    return (v) => fold(v) === want;
  }
  if (typeof m.prefix === 'string') {
    const want = fold(m.prefix);
    return (v) => fold(v).startsWith(want);
  }
  if (typeof m.suffix === 'string') {
    const want = fold(m.suffix);
    return (v) => fold(v).endsWith(want);
  }
  if (typeof m.contains === 'string') {
    const want = fold(m.contains);
    return (v) => fold(v).includes(want);
  }
  const regex = (m.safe_regex as { regex?: unknown } | undefined)?.regex;
  if (typeof regex === 'string') return compileRegex(regex, ignoreCase);
  return () => false;
}
