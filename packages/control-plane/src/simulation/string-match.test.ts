import { describe, expect, it } from 'vitest';
import type { StringMatcher } from './envoy-shapes.js';
import { InvalidEnvoyConfig, matchString, regexFullMatch, regexReplaceAll } from './string-match.js';

describe('matchString (type.matcher.v3.StringMatcher)', () => {
  it.each<[StringMatcher, string, boolean]>([
    [{ exact: 'jason' }, 'jason', true],
    [{ exact: 'jason' }, 'Jason', false],
    [{ exact: 'jason', ignore_case: true }, 'JASON', true],
    [{ prefix: '/api' }, '/api/v1', true],
    [{ prefix: '/API', ignore_case: true }, '/api/v1', true],
    [{ suffix: '.css' }, '/static/a.css', true],
    [{ suffix: '.CSS' }, '/static/a.css', false],
    [{ contains: 'mobile' }, 'Mozilla mobile Safari', true],
    [{ contains: 'MOBILE', ignore_case: true }, 'Mozilla mobile Safari', true],
    // safe_regex is a full match, not a search, and ignore_case does not apply to it.
    [{ safe_regex: { regex: 'v[0-9]+' } }, 'v12', true],
    [{ safe_regex: { regex: 'v[0-9]+' } }, 'xv12', false],
    [{ safe_regex: { regex: 'abc' }, ignore_case: true }, 'ABC', false],
    [{ safe_regex: { regex: '(?i)abc' } }, 'ABC', true],
  ])('%j vs %j → %s', (m, value, want) => {
    expect(matchString(m, value)).toBe(want);
  });

  it('rejects a matcher without a pattern, and regexes RE2 cannot compile (lookaround, backreference)', () => {
    expect(() => matchString({ ignore_case: true }, 'x')).toThrow(InvalidEnvoyConfig);
    expect(() => regexFullMatch('(?=a)a', 'a')).toThrow(InvalidEnvoyConfig);
    expect(() => regexFullMatch('(a)\\1', 'aa')).toThrow(InvalidEnvoyConfig);
  });
});

describe('regexReplaceAll (RE2::GlobalReplace, as regex_rewrite uses it)', () => {
  it.each([
    ['^/service/([^/]+)(/.*)$', '/service/foo/v1/api', '\\2/instance/\\1', '/v1/api/instance/foo'],
    ['one', '/xxx/one/yyy/one/zzz', 'two', '/xxx/two/yyy/two/zzz'],
    ['^(.*?)one(.*)$', '/xxx/one/yyy/one/zzz', '\\1two\\2', '/xxx/two/yyy/one/zzz'],
    ['(?i)/xxx/', '/aaa/XxX/bbb', '/yyy/', '/aaa/yyy/bbb'],
    ['/', '/a/b', '\\\\', '\\a\\b'],
    // `$` has no meaning in RE2 substitutions.
    ['a', 'a', '$1\\0', '$1a'],
  ])('%s on %s with %s', (pattern, input, substitution, want) => {
    expect(regexReplaceAll(pattern, input, substitution)).toBe(want);
  });
});
