import { describe, expect, it } from 'vitest';
import { compileRouteMatch } from './route-match.js';
import { createRouteRequest } from './route-request.js';

const req = (path: string, headers: Record<string, string> = {}) => createRouteRequest('GET', 'reviews:9080', path, headers);

describe('compileRouteMatch', () => {
  it.each([
    ['prefix', { prefix: '/api' }, req('/api/v1?x=1'), true],
    ['prefix miss', { prefix: '/api' }, req('/API/v1'), false],
    ['prefix case-insensitive', { prefix: '/api', case_sensitive: { value: false } }, req('/API/v1'), true],
    ['path ignores the query', { path: '/a' }, req('/a?b=c'), true],
    ['path is exact', { path: '/a' }, req('/a/b'), false],
    ['path_separated_prefix', { path_separated_prefix: '/a' }, req('/a/b'), true],
    ['path_separated_prefix needs a separator', { path_separated_prefix: '/a' }, req('/ab'), false],
    ['safe_regex matches the whole path', { safe_regex: { regex: '/v[0-9]+' } }, req('/v12?q'), true],
    ['safe_regex is anchored', { safe_regex: { regex: '/v[0-9]+' } }, req('/v12/x'), false],
    ['header exact', { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }, req('/', { 'end-user': 'jason' }), true],
    ['header exact miss', { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }, req('/', { 'end-user': 'bob' }), false],
    ['header prefix (legacy field)', { prefix: '/', headers: [{ name: 'x', prefix_match: 'ab' }] }, req('/', { x: 'abc' }), true],
    ['header suffix ignore_case', { prefix: '/', headers: [{ name: 'x', string_match: { suffix: 'C', ignore_case: true } }] }, req('/', { x: 'abc' }), true],
    ['header contains', { prefix: '/', headers: [{ name: 'x', string_match: { contains: 'b' } }] }, req('/', { x: 'abc' }), true],
    ['header regex', { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: 'a.c' } } }] }, req('/', { x: 'abc' }), true],
    ['header present', { prefix: '/', headers: [{ name: 'x', present_match: true }] }, req('/'), false],
    ['header absent (present_match false)', { prefix: '/', headers: [{ name: 'x', present_match: false }] }, req('/'), true],
    ['header inverted', { prefix: '/', headers: [{ name: 'x', string_match: { exact: 'a' }, invert_match: true }] }, req('/', { x: 'b' }), true],
    ['inverted value matcher refuses an absent header (Envoy)', { prefix: '/', headers: [{ name: 'x', string_match: { exact: 'a' }, invert_match: true }] }, req('/'), false],
    ['... unless treat_missing_header_as_empty', { prefix: '/', headers: [{ name: 'x', string_match: { exact: 'a' }, invert_match: true, treat_missing_header_as_empty: true }] }, req('/'), true],
    ['inverted present_match accepts an absent header', { prefix: '/', headers: [{ name: 'x', present_match: true, invert_match: true }] }, req('/'), true],
    ['inverted present_match refuses a present header', { prefix: '/', headers: [{ name: 'x', present_match: true, invert_match: true }] }, req('/', { x: '' }), false],
    [':method pseudo-header', { prefix: '/', headers: [{ name: ':method', string_match: { exact: 'GET' } }] }, req('/'), true],
    ['query exact', { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, req('/?a=1&v=2'), true],
    ['query missing', { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, req('/?a=1'), false],
    ['query present', { prefix: '/', query_parameters: [{ name: 'v', present_match: true }] }, req('/?v'), true],
  ])('%s', (_name, match, request, want) => {
    expect(compileRouteMatch(match)(request)).toBe(want);
  });
});
