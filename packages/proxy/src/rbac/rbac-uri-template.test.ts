// URI templates as Envoy's uri_template_lib converts them (uri_template_internal.cc), and request
// address parsing for the IP matchers.

import { describe, expect, it } from 'vitest';
import { parseIp } from './rbac-ip.js';
import { compileUriTemplate, uriTemplateRegex } from './rbac-uri-template.js';

const LIT = "[a-zA-Z0-9\\-._~%!$&'()+,;:@]";

describe('uriTemplateRegex', () => {
  it.each([
    ['/path/template/*', `/path/template/${LIT}+`],
    ['/**/path/template', `/[a-zA-Z0-9\\-._~%!$&'()+,;:@/]*/path/template`],
    ['/a.b/{v}', `/a\\.b/(${LIT}+)`],
    ['/v/{name=a/*}/x', `/v/(a/${LIT}+)/x`],
    ['/videos/*.m4s', `/videos/${LIT}+\\.m4s`],
    ['/a/', '/a/'],
  ])('%s', (template, regex) => {
    expect(uriTemplateRegex(template)).toBe(regex);
  });

  it.each([
    ['no leading slash', 'a/b'],
    ['a space', '/a b'],
    ['an operator after **', '/**/*'],
    ['a variable after **', '/**/{x}'],
    ['an unclosed variable', '/{x'],
    ['a bad variable name', '/{1x}'],
    ['a repeated variable', '/{x}/{x}'],
    ['too many variables', '/{a}/{b}/{c}/{d}/{e}/{f}'],
    ['segments after a suffix', '/*.a/b'],
    ['= in a literal', '/a=b'],
  ])('refuses %s', (_n, template) => {
    expect(typeof uriTemplateRegex(template)).toBe('object');
  });

  it('matches the path without query and fragment', () => {
    const t = compileUriTemplate('/v/*/z');
    if (typeof t !== 'function') throw new Error(t.error);
    expect(t('/v/1/z?a=b')).toBe(true);
    expect(t('/v/1/z#f')).toBe(true);
    expect(t('/v//z')).toBe(false);
    expect(t('/v/1/2/z')).toBe(false);
  });
});

describe('parseIp', () => {
  it.each([
    ['10.0.0.1', { version: 4, words: [0x0a000001] }],
    ['::ffff:10.0.0.1', { version: 4, words: [0x0a000001] }],
    ['::1', { version: 6, words: [0, 0, 0, 1] }],
    ['fe80::1%eth0', { version: 6, words: [0xfe800000, 0, 0, 1] }],
    ['2001:db8::10.0.0.1', { version: 6, words: [0x20010db8, 0, 0, 0x0a000001] }],
  ])('%s', (s, want) => {
    expect(parseIp(s)).toEqual(want);
  });

  it.each(['', '10.0.0', '10.0.0.256', '010.0.0.1', '1::2::3', 'x'])('refuses %j', (s) => {
    expect(parseIp(s)).toBeUndefined();
  });
});
