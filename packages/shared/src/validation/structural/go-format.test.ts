import { describe, expect, it } from 'vitest';
import { goBadValue, goFloat, goNumber, goQuote, goSharpV, jsonTypeName } from './go-format.js';

describe('goQuote (strconv.Quote)', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b', '"a\\"b"'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\tnl\n', '"tab\\tnl\\n"'],
    ['bell\x07bs\b', '"bell\\abs\\b"'],
    ['ctl\x01', '"ctl\\x01"'],
    ['del\x7f', '"del\\x7f"'],
    ['héllo ✓', '"héllo ✓"'],
  ])('%j -> %s', (input, want) => {
    expect(goQuote(input)).toBe(want);
  });
});

describe('goFloat (%v of float64)', () => {
  it.each([
    [0.5, '0.5'],
    [-0.1, '-0.1'],
    [123456, '123456'],
    [1e6, '1e+06'],
    [4294967295, '4.294967295e+09'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [Infinity, '+Inf'],
    [NaN, 'NaN'],
  ])('%d -> %s', (input, want) => {
    expect(goFloat(input)).toBe(want);
  });
});

describe('values in field errors', () => {
  it.each([
    [99999, '99999'],
    [4294967295, '4294967295'],
    [-0.1, '-0.1'],
  ])('goNumber(%d) = %s (integers print as int64)', (input, want) => {
    expect(goNumber(input)).toBe(want);
  });

  it.each<[unknown, string]>([
    ['FOO', '"FOO"'],
    [1, '1'],
    [true, 'true'],
    [null, '"null"'],
    [{ name: 'a' }, 'map[string]interface {}{"name":"a"}'],
    [{ b: 1, a: 'x' }, 'map[string]interface {}{"a":"x", "b":1}'],
    [['a', 2], '[]interface {}{"a", 2}'],
  ])('goBadValue(%j) = %s', (input, want) => {
    expect(goBadValue(input)).toBe(want);
  });

  it('goSharpV renders nil inside containers', () => {
    expect(goSharpV([null])).toBe('[]interface {}{interface {}(nil)}');
  });

  it.each<[unknown, string]>([
    [null, 'null'],
    ['x', 'string'],
    [1, 'integer'],
    [1.5, 'number'],
    [true, 'boolean'],
    [[], 'array'],
    [{}, 'object'],
  ])('jsonTypeName(%j) = %s', (input, want) => {
    expect(jsonTypeName(input)).toBe(want);
  });
});
