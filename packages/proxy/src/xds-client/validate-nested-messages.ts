// Checks that apply to a message type wherever it appears in a resource: every RegexMatcher must be
// valid RE2 (Envoy compiles them when the config arrives, and so do we), and every typed_config must be
// of a type weft-proxy knows. Per-resource rules are in validate-<kind>.ts.

import { walkMessage } from '@weft/shared/xds';
import { re2 } from '../compile/re2.js';
import type { EnvoyMessage } from './envoy-shapes.js';

/** Why `regex` is not valid RE2, or undefined when it compiles. */
export function regexProblem(regex: string): string | undefined {
  try {
    re2().compile(regex);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
  }
}

/** One `path: problem` line per bad regex and per Any of an unknown type in `message` (of `typeUrl`). */
export function nestedMessageProblems(typeUrl: string, message: EnvoyMessage): string[] {
  const problems: string[] = [];
  walkMessage(typeUrl, message, ({ typeName, value, path }) => {
    if (typeName === 'envoy.type.matcher.v3.RegexMatcher') {
      const regex = typeof value.regex === 'string' ? value.regex : '';
      const problem = regexProblem(regex);
      if (problem !== undefined) problems.push(`${path}: invalid regex '${regex}': ${problem}`);
    } else if (typeName === 'google.protobuf.Any' && typeof value.type_url === 'string') {
      // Envoy's words for an extension it has no implementation of.
      problems.push(`${path}: Didn't find a registered implementation for type URL: '${value.type_url}'`);
    }
  });
  return problems;
}
