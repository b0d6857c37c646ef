import { describe, expect, it } from 'vitest';
import { compileRE2, validateRegex } from './regex.js';

describe('RE2 syntax (what Go regexp and Envoy accept)', () => {
  it.each(['^/api/.*', '(?i)abc', '[a-z]+\\d{2,3}', '(?P<name>x)', '\\pL+', '.*\\.example\\.com'])('accepts %s', (re) => {
    expect(compileRE2(re)).toBeUndefined();
  });

  it.each([
    ['(?=a)', 'invalid or unsupported Perl syntax'],
    ['(?!a)', 'invalid or unsupported Perl syntax'],
    ['(?<=a)b', 'invalid named capture'],
    ['(a)\\1', 'invalid escape sequence'],
    ['a{1001}', 'invalid repeat count'],
    ['[a-', 'missing closing ]'],
    ['a**', 'invalid nested repetition operator'],
  ])('rejects %s', (re, want) => expect(compileRE2(re)).toContain(want));

  it('prefixes the field and points to RE2 syntax, like Istio', () => {
    expect(validateRegex('(?=x)', 'uri')).toMatch(/^"uri": error parsing regexp: .*; Istio uses RE2 style regex-based match/);
    expect(validateRegex('a'.repeat(1025), 'uri')).toBe('"uri": regex is too large, max length allowed is 1024');
  });
});
