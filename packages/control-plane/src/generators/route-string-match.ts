// Istio StringMatch → Envoy matchers: StringMatcher, route HeaderMatcher and QueryParameterMatcher,
// following Istio's ConvertToEnvoyMatch / translateHeaderMatch / translateQueryParamMatch.

import type { StringMatch } from '@weft/shared';

/** envoy.type.matcher.v3.StringMatcher. */
export type EnvoyStringMatcher = { readonly exact: string } | { readonly prefix: string } | { readonly safe_regex: { readonly regex: string } };

/** The StringMatch as an Envoy StringMatcher; undefined when it names no match kind. */
export function toStringMatcher(m: StringMatch | undefined): EnvoyStringMatcher | undefined {
  if (m?.exact !== undefined) return { exact: m.exact };
  if (m?.prefix !== undefined) return { prefix: m.prefix };
  if (m?.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

/**
 * Whether the match only asks for presence (Istio's canBeConvertedToPresentMatch): no match kind at
 * all, or the regex `*` (not valid RE2; Istio reads it as "any value", istio/istio#20629). We also
 * treat an empty prefix as presence: Envoy rejects an empty StringMatcher prefix (min_len 1), and
 * "starts with nothing" means "is there".
 */
export function isPresenceMatch(m: StringMatch | undefined): boolean {
  if (m === undefined) return true;
  if (m.regex !== undefined) return m.regex === '*';
  if (m.prefix !== undefined) return m.prefix === '';
  return m.exact === undefined;
}

/** envoy.config.route.v3.HeaderMatcher. */
export interface EnvoyHeaderMatcher {
  readonly name: string;
  readonly present_match?: boolean;
  readonly string_match?: EnvoyStringMatcher;
  readonly invert_match?: boolean;
  readonly treat_missing_header_as_empty?: boolean;
}

/** A header matcher for `name` (Istio translateHeaderMatch): presence, or a string match. */
export function toHeaderMatcher(name: string, m: StringMatch | undefined): EnvoyHeaderMatcher {
  if (isPresenceMatch(m)) return { name, present_match: true };
  const sm = toStringMatcher(m);
  return sm ? { name, string_match: sm } : { name, present_match: true };
}

/**
 * A `withoutHeaders` matcher: the same matcher inverted. A string match also treats a missing header
 * as empty, so "header absent" satisfies "header is not X" (Istio; treat_missing_header_as_empty
 * conflicts with present_match, so presence matches keep plain inversion: "header absent").
 */
export function toWithoutHeaderMatcher(name: string, m: StringMatch | undefined): EnvoyHeaderMatcher {
  const base = toHeaderMatcher(name, m);
  return base.present_match ? { ...base, invert_match: true } : { ...base, invert_match: true, treat_missing_header_as_empty: true };
}

/** envoy.config.route.v3.QueryParameterMatcher. */
export interface EnvoyQueryParameterMatcher {
  readonly name: string;
  readonly present_match?: boolean;
  readonly string_match?: EnvoyStringMatcher;
}

/** A query parameter matcher (Istio translateQueryParamMatch). */
export function toQueryParameterMatcher(name: string, m: StringMatch | undefined): EnvoyQueryParameterMatcher {
  if (isPresenceMatch(m)) return { name, present_match: true };
  const sm = toStringMatcher(m);
  return sm ? { name, string_match: sm } : { name, present_match: true };
}
