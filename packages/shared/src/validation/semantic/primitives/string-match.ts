// Istio's StringMatch (`exact` | `prefix` | `regex`, a proto oneof): which kind is set, and the
// checks Istio applies per field (empty prefix/regex, RE2 syntax).

import { asRecord, asString } from './read-helpers.js';
import { validateRegex } from './regex.js';

/** The kinds of a StringMatch oneof. */
export type StringMatchKind = 'exact' | 'prefix' | 'regex';

const KINDS: readonly StringMatchKind[] = ['exact', 'prefix', 'regex'];

/** The kinds present on a StringMatch (more than one is a oneof violation). */
export function stringMatchKinds(sm: unknown): StringMatchKind[] {
  const r = asRecord(sm);
  if (!r) return [];
  return KINDS.filter((k) => r[k] !== undefined && r[k] !== null);
}

/** The set kind and its string value, or undefined when none (or not a string) is set. */
export function stringMatchValue(sm: unknown): { kind: StringMatchKind; value: string } | undefined {
  const r = asRecord(sm);
  if (!r) return undefined;
  for (const k of KINDS) {
    const v = asString(r[k]);
    if (v !== undefined) return { kind: k, value: v };
  }
  return undefined;
}

/** A oneof violation message when more than one of exact/prefix/regex is set. */
export function validateStringMatchOneOf(sm: unknown, where: string): string | undefined {
  const kinds = stringMatchKinds(sm);
  if (kinds.length > 1) return `${JSON.stringify(where)}: only one of exact, prefix or regex may be set, found ${kinds.join(', ')}`;
  return undefined;
}

/** Istio's validateStringMatchRegexp: a regex match must be non-empty RE2. */
export function validateStringMatchRegexp(sm: unknown, where: string): string | undefined {
  const m = stringMatchValue(sm);
  if (!m || m.kind !== 'regex') return undefined;
  if (m.value === '') return `${JSON.stringify(where)}: regex string match should not be empty`;
  return validateRegex(m.value, where);
}

/** Istio's validateStringMatch: prefix and regex must be non-empty, regex must be RE2. */
export function validateStringMatch(sm: unknown, where: string): string | undefined {
  const m = stringMatchValue(sm);
  if (!m) return undefined;
  if (m.kind === 'prefix' && m.value === '') return `${JSON.stringify(where)}: prefix string match should not be empty`;
  if (m.kind === 'regex') return validateStringMatchRegexp(sm, where);
  return undefined;
}
