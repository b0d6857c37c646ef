// The Envoy matchers an AuthorizationPolicy value turns into (Istio pilot/pkg/security/authz/matcher:
// string.go, header.go, metadata.go, template.go): the `*` conventions (exact, `prefix*`, `*suffix`,
// `*` = present / non-empty), host matching without case, URI templates, metadata paths.

import type { HeaderMatcherShape, MetadataMatcherShape, StringMatcherShape, ValueMatcherShape } from './rbac-shapes.js';

/** Go's regexp.QuoteMeta: escapes `\.+*?()|[]{}^$`. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export const stringMatcherRegex = (regex: string): StringMatcherShape => ({ safe_regex: { regex } });
export const stringMatcherExact = (exact: string): StringMatcherShape => ({ exact });
export const stringMatcherPrefix = (prefix: string): StringMatcherShape => ({ prefix });
export const stringMatcherSuffix = (suffix: string): StringMatcherShape => ({ suffix });

/**
 * Istio StringMatcherWithPrefix: `v` with `prefix` put in front. `*` becomes the regex `.+` (never an
 * empty prefix or suffix, which Envoy rejects, and the prefix is dropped); `*x` a suffix match (a
 * regex `<prefix>.*x` when there is a prefix, the literal part quoted); `x*` a prefix match; anything
 * else an exact match.
 */
export function stringMatcherWithPrefix(v: string, prefix: string): StringMatcherShape {
  if (v === '*') return stringMatcherRegex('.+');
  if (v.startsWith('*')) return prefix === '' ? stringMatcherSuffix(v.slice(1)) : stringMatcherRegex(`${quoteMeta(prefix)}.*${quoteMeta(v.slice(1))}`);
  if (v.endsWith('*')) return stringMatcherPrefix(prefix + v.slice(0, -1));
  return stringMatcherExact(prefix + v);
}

/** Istio StringMatcher: {@link stringMatcherWithPrefix} without a prefix. */
export const stringMatcher = (v: string): StringMatcherShape => stringMatcherWithPrefix(v, '');

/** Istio HeaderMatcher: `*` means the header is present (an empty pattern is invalid in Envoy). */
export function headerMatcher(name: string, v: string): HeaderMatcherShape {
  return v === '*' ? { name, present_match: true } : { name, string_match: stringMatcher(v) };
}

/** Istio HostMatcher: like {@link headerMatcher} but case-insensitive (hosts are). */
export function hostMatcher(name: string, v: string): HeaderMatcherShape {
  if (v === '*') return { name, present_match: true };
  return { name, string_match: { ...stringMatcher(v), ignore_case: true } as StringMatcherShape };
}

/** Istio HostMatcherWithRegex: the case-insensitive host regex Istio sent proxies before 1.11. */
export function hostMatcherWithRegex(name: string, v: string): HeaderMatcherShape {
  if (v === '*') return { name, present_match: true };
  const regex = v.startsWith('*') ? `.*${quoteMeta(v.slice(1))}` : v.endsWith('*') ? `${quoteMeta(v.slice(0, -1))}.*` : quoteMeta(v);
  return { name, safe_regex_match: { regex: `(?i)${regex}` } };
}

/** The AuthorizationPolicy path template operators (istio pkg/config/security). */
const MATCH_ONE_TEMPLATE = '{*}';
const MATCH_ANY_TEMPLATE = '{**}';

/** Whether a path uses the `{*}` / `{**}` template operators. */
export function containsPathTemplate(path: string): boolean {
  return path.includes(MATCH_ONE_TEMPLATE) || path.includes(MATCH_ANY_TEMPLATE);
}

/** The Envoy uri_template path_template of a templated path: `{*}` → `*`, `{**}` → `**`. */
export function pathTemplate(path: string): string {
  return path.replaceAll(MATCH_ONE_TEMPLATE, '*').replaceAll(MATCH_ANY_TEMPLATE, '**');
}

/** A metadata matcher on `filter` along `keys`. */
export function metadataValueMatcher(filter: string, keys: readonly string[], value: ValueMatcherShape): MetadataMatcherShape {
  return { filter, path: keys.map((key) => ({ key })), value };
}

/** Istio OrMatcher: one matcher stays itself, several are OR-ed. */
export function orValueMatcher(matchers: readonly ValueMatcherShape[]): ValueMatcherShape {
  return matchers.length === 1 ? (matchers[0] as ValueMatcherShape) : { or_match: { value_matchers: matchers } };
}

/** Istio StringOrMatcher: any of `values` as string matchers. */
export function stringOrValueMatcher(values: readonly string[]): ValueMatcherShape {
  return orValueMatcher(values.map((v) => ({ string_match: stringMatcher(v) })));
}

/**
 * Istio MetadataListValueMatcher in its extended form (useExtendedJwt): the value matches when it is a
 * list holding a matching element, or is itself a match, so a JWT claim works whether it is a string
 * or a list of strings.
 */
export function metadataListOrValueMatcher(filter: string, keys: readonly string[], value: ValueMatcherShape): MetadataMatcherShape {
  return metadataValueMatcher(filter, keys, { or_match: { value_matchers: [{ list_match: { one_of: value } }, value] } });
}
