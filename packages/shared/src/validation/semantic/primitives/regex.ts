// RE2 regular expressions as Envoy and Istio accept them: compiled with re2js, which rejects what
// Go's regexp rejects (lookarounds, backreferences, \Z, nested repetition, repeat counts > 1000).

import { RE2JS } from 're2js';

/** Istio's (and Envoy's) limit on the length of a regex, a stand-in for RE2's program size. */
export const MAX_REGEX_LENGTH = 1024;

/** Compiles `re` with RE2 syntax; returns Go's `error parsing regexp: ...` text, or undefined. */
export function compileRE2(re: string): string | undefined {
  try {
    RE2JS.compile(re);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Istio's validateStringRegexp: at most 1024 characters and valid RE2. `where` names the field. */
export function validateRegex(re: string, where: string): string | undefined {
  if (re.length > MAX_REGEX_LENGTH) return `${JSON.stringify(where)}: regex is too large, max length allowed is ${MAX_REGEX_LENGTH}`;
  const err = compileRE2(re);
  if (err === undefined) return undefined;
  return `${JSON.stringify(where)}: ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
}
