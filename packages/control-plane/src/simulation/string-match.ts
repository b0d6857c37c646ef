// Envoy's StringMatcher and RE2 regexes (safe_regex), shared by header, query, route and SNI
// matching. Regexes compile with re2js, the same RE2 syntax Envoy's google_re2 engine accepts.

import { RE2JS } from 're2js';
import type { StringMatcher } from './envoy-shapes.js';

/** Config Envoy would have rejected at load time (a regex RE2 cannot compile, a matcher with no
 *  pattern). Thrown inside the simulator and turned into an `invalid-config` result by simulate(). */
export class InvalidEnvoyConfig extends Error {
  override readonly name = 'InvalidEnvoyConfig';
}

const compiled = new Map<string, RE2JS>();

/** Compiles (and caches) an RE2 pattern; throws {@link InvalidEnvoyConfig} when RE2 rejects it. */
export function compileRegex(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (re) return re;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new InvalidEnvoyConfig(`regex ${JSON.stringify(pattern)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  compiled.set(pattern, re);
  return re;
}

/** Whether `value` matches `pattern` in full. Envoy's safe_regex matchers are full matches, never searches
 *  (type.matcher.v3.RegexMatcher: "The regex match string. The string must be supported by the configured engine.
 *  The regex is matched against the full string, not as a partial match."). */
export function regexFullMatch(pattern: string, value: string): boolean {
  return compileRegex(pattern).matches(value);
}

/** type.matcher.v3.StringMatcher.match: exact / prefix / suffix / contains honour `ignore_case`;
 *  `safe_regex` does not (use `(?i)` in the pattern). A matcher with no pattern set is invalid config. */
export function matchString(m: StringMatcher, value: string): boolean {
  const fold = m.ignore_case === true;
  const v = fold ? value.toLowerCase() : value;
  const norm = (s: string): string => (fold ? s.toLowerCase() : s);
  if (m.exact !== undefined) return v === norm(m.exact);
  if (m.prefix !== undefined) return v.startsWith(norm(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(norm(m.suffix));
  if (m.contains !== undefined) return v.includes(norm(m.contains));
  if (m.safe_regex?.regex !== undefined) return regexFullMatch(m.safe_regex.regex, value);
  throw new InvalidEnvoyConfig(`StringMatcher with no match pattern: ${JSON.stringify(m)}`);
}

/** RE2::GlobalReplace as Envoy's regex_rewrite uses it: every non-overlapping match of `pattern` in
 *  `input` is replaced by `substitution`, where `\0`-`\9` insert capture groups and `\\` a backslash. */
export function regexReplaceAll(pattern: string, input: string, substitution: string): string {
  const re = compileRegex(pattern);
  return re.matcher(input).replaceAll((...args: unknown[]) => {
    // Replacer arguments mirror String.prototype.replace: match, groups..., offset, input.
    const groups = args.slice(0, re.groupCount() + 1).map((g) => (typeof g === 'string' ? g : ''));
    return substitution.replace(/\\(\d|\\)/g, (_, d: string) => (d === '\\' ? '\\' : (groups[Number(d)] ?? '')));
  });
}
