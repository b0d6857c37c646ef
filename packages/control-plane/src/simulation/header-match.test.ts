import { describe, expect, it } from 'vitest';
import type { HeaderMatcher, QueryParameterMatcher } from './envoy-shapes.js';
import { matchHeader, matchQueryParameter, parseQuery } from './header-match.js';

const headers = new Map([
  ['end-user', 'jason'],
  ['x-version', '42'],
  ['user-agent', 'Mozilla/5.0 (iPhone) Mobile'],
  ['x-multi', 'a,b'],
  [':path', '/productpage?u=normal'],
]);

describe('matchHeader (config.route.v3.HeaderMatcher)', () => {
  it.each<[string, HeaderMatcher, boolean]>([
    ['string_match exact', { name: 'end-user', string_match: { exact: 'jason' } }, true],
    ['header names are case-insensitive', { name: 'End-User', string_match: { exact: 'jason' } }, true],
    ['exact is case-sensitive', { name: 'end-user', string_match: { exact: 'Jason' } }, false],
    ['exact with ignore_case', { name: 'end-user', string_match: { exact: 'JASON', ignore_case: true } }, true],
    ['prefix', { name: 'user-agent', string_match: { prefix: 'Mozilla' } }, true],
    ['suffix', { name: 'user-agent', string_match: { suffix: 'Mobile' } }, true],
    ['contains', { name: 'user-agent', string_match: { contains: 'iPhone' } }, true],
    ['regex is a full match', { name: 'user-agent', string_match: { safe_regex: { regex: 'iPhone' } } }, false],
    ['regex full', { name: 'user-agent', string_match: { safe_regex: { regex: '.*iPhone.*' } } }, true],
    ['legacy exact_match', { name: 'end-user', exact_match: 'jason' }, true],
    ['legacy safe_regex_match', { name: 'x-version', safe_regex_match: { regex: '\\d+' } }, true],
    ['legacy prefix_match', { name: 'end-user', prefix_match: 'ja' }, true],
    ['legacy suffix_match', { name: 'end-user', suffix_match: 'on' }, true],
    ['legacy contains_match', { name: 'end-user', contains_match: 'aso' }, true],
    ['range inside [start,end)', { name: 'x-version', range_match: { start: '40', end: '43' } }, true],
    ['range end is exclusive', { name: 'x-version', range_match: { start: 0, end: 42 } }, false],
    ['range on a non-integer', { name: 'end-user', range_match: { start: 0, end: 100 } }, false],
    ['present_match true, present', { name: 'end-user', present_match: true }, true],
    ['present_match true, absent', { name: 'x-missing', present_match: true }, false],
    ['present_match false, absent', { name: 'x-missing', present_match: false }, true],
    ['present_match false, present', { name: 'end-user', present_match: false }, false],
    ['invert exact', { name: 'end-user', string_match: { exact: 'mike' }, invert_match: true }, true],
    ['invert exact that matches', { name: 'end-user', string_match: { exact: 'jason' }, invert_match: true }, false],
    // A missing header fails every value matcher, inverted or not...
    ['missing header, exact', { name: 'x-missing', string_match: { exact: 'a' } }, false],
    ['missing header, inverted exact', { name: 'x-missing', string_match: { exact: 'a' }, invert_match: true }, false],
    // ...except present_match, whose inversion means "absent".
    ['missing header, inverted present', { name: 'x-missing', present_match: true, invert_match: true }, true],
    ['present header, inverted present', { name: 'end-user', present_match: true, invert_match: true }, false],
    ['treat_missing_header_as_empty', { name: 'x-missing', string_match: { exact: '' }, treat_missing_header_as_empty: true }, true],
    ['repeated headers are joined with a comma', { name: 'x-multi', string_match: { exact: 'a,b' } }, true],
    ['pseudo-header :path', { name: ':path', string_match: { prefix: '/productpage' } }, true],
    ['no specifier means present', { name: 'end-user' }, true],
  ])('%s', (_, m, want) => {
    expect(matchHeader(m, headers)).toBe(want);
  });
});

describe('query parameters', () => {
  it('parses the query string, percent-decoded, first value wins', () => {
    const q = parseQuery('/p?a=1&b=x%20y&a=2&flag&=empty#frag');
    expect(Object.fromEntries(q)).toEqual({ a: '1', b: 'x y', flag: '', '': 'empty' });
    expect(parseQuery('/p').size).toBe(0);
  });

  const params = parseQuery('/p?user=jason&debug&id=abc123');
  it.each<[string, QueryParameterMatcher, boolean]>([
    ['exact', { name: 'user', string_match: { exact: 'jason' } }, true],
    ['exact mismatch', { name: 'user', string_match: { exact: 'mike' } }, false],
    ['regex', { name: 'id', string_match: { safe_regex: { regex: '[a-z]+\\d+' } } }, true],
    ['present', { name: 'debug', present_match: true }, true],
    ['present but absent', { name: 'trace', present_match: true }, false],
    ['absent with a value matcher', { name: 'trace', string_match: { exact: '' } }, false],
    ['names are case-sensitive', { name: 'User', string_match: { exact: 'jason' } }, false],
  ])('%s', (_, m, want) => {
    expect(matchQueryParameter(m, params)).toBe(want);
  });
});
