import { isCelError, parse, plan } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { goParseDuration, kubernetesCelEnv } from './cel-env.js';

/** Evaluates `expr` with `self` bound; errors come back as `ERR: <message>`. */
function evalCel(expr: string, self: unknown = null): unknown {
  const run = plan(kubernetesCelEnv(), parse(expr)) as (ctx: Record<string, unknown>) => unknown;
  const r = run({ self });
  return isCelError(r) ? `ERR: ${r.message}` : r;
}

describe('goParseDuration (time.ParseDuration)', () => {
  it.each<[string, bigint | undefined]>([
    ['1ms', 1_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['2h45m', 9_900_000_000_000n],
    ['300us', 300_000n],
    ['1\u00b5s', 1_000n],
    ['1\u03bcs', 1_000n],
    ['-1s', -1_000_000_000n],
    ['+5s', 5_000_000_000n],
    ['.5s', 500_000_000n],
    ['5.s', 5_000_000_000n],
    ['0', 0n],
    ['1', undefined],
    ['1d', undefined],
    ['', undefined],
    ['.s', undefined],
    ['1 s', undefined],
    ['2562048h', undefined],
  ])('%j -> %s', (input, want) => {
    expect(goParseDuration(input)).toBe(want);
  });
});

describe('Kubernetes CEL environment', () => {
  it.each<[string, unknown, unknown]>([
    ["duration(self) >= duration('1ms')", '1ms', true],
    ["duration(self) >= duration('1ms')", '500us', false],
    ["duration(self) >= duration('1ms')", '1', "ERR: type conversion error from 'string' to 'google.protobuf.Duration'"],
    ["duration(self) >= duration('1ms')", '1d', "ERR: type conversion error from 'string' to 'google.protobuf.Duration'"],
    ['int(self)', '80', 80n],
    ['int(self)', '+80', 80n],
    ['int(self)', ' 80', "ERR: type conversion error from 'string' to 'int'"],
    ['int(self)', 'acd', "ERR: type conversion error from 'string' to 'int'"],
    ['int(self)', '99999999999999999999', "ERR: type conversion error from 'string' to 'int'"],
  ])('%s with self=%j', (expr, self, want) => {
    expect(evalCel(expr, self)).toEqual(want);
  });

  it.each<[string, unknown]>([
    ['isURL("https://example.com/x")', true],
    ['isURL("example.com")', false],
    ['url("HTTPS://example.com:8443/p?q=1").getScheme()', 'https'],
    ['url("https://example.com:8443/p").getHost()', 'example.com:8443'],
    ['url("https://example.com:8443/p").getHostname()', 'example.com'],
    ['url("https://example.com:8443/p").getPort()', '8443'],
    ['url("https://example.com/a/b").getEscapedPath()', '/a/b'],
    ['url("https://example.com/?a=1&a=2&b=").getQuery()["a"][1]', '2'],
    ['url("not a url").getScheme()', 'ERR: URL parse error during conversion from string: parse "not a url": invalid URI for request'],
  ])('%s', (expr, want) => {
    expect(evalCel(expr)).toEqual(want);
  });

  it('URL methods refuse ordinary maps', () => {
    expect(String(evalCel('{"scheme": "http"}.getScheme()'))).toMatch(/^ERR: /);
  });

  it('matches() uses RE2 syntax, as Kubernetes does (no lookahead)', () => {
    expect(evalCel('self.matches("^[a-z]+$")', 'abc')).toBe(true);
    expect(String(evalCel('self.matches("a(?=b)")', 'ab'))).toMatch(/^ERR: /);
  });

  it.each<[string, unknown, unknown]>([
    ['self.substring(7, 8)', 'unix://@abstract', '@'],
    ['self.indexOf("b")', 'abc', 1n],
    ['self.lowerAscii()', 'ABC', 'abc'],
    ['self.split(",").size()', 'a,b,c', 3n],
  ])('strings extension: %s', (expr, self, want) => {
    expect(evalCel(expr, self)).toEqual(want);
  });
});
