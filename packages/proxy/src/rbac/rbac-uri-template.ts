// The uri_template path matcher (envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig) as
// Envoy's uri_template_lib parses and converts it: `*` is one path segment, `**` any number of segments
// (the last operator), `{name}` / `{name=...}` variables; the path without query and fragment must
// match the whole pattern. Used by RBAC `uri_template` permissions (Istio's `{*}` / `{**}` paths).

import { compileRegex, type StringTest } from '../compile/string-matcher.js';

/** RFC 3986 pchar minus `*` and `=`, Envoy's kLiteral (the `-` escaped for the character class). */
const LITERAL_CHARS = "a-zA-Z0-9\\-._~%!$&'()+,;:@";
const PATH_GLOB = `[${LITERAL_CHARS}]+`;
const TEXT_GLOB = `[${LITERAL_CHARS}/]*`;
const LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@]+$/;
const VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

type Operator = '*' | '**';
type Segment = { readonly literal: string } | { readonly op: Operator } | { readonly variable: string; readonly match: readonly ({ literal: string } | { op: Operator })[] };

/** Envoy toRegexPattern(Literal): only `$ ( ) + .` are escaped; the other literal characters are not
 *  special in RE2. */
const literalRegex = (s: string): string => s.replace(/[$()+.]/g, '\\$&');

const segmentRegex = (s: Segment | { literal: string } | { op: Operator }): string => {
  if ('literal' in s) return literalRegex(s.literal);
  if ('op' in s) return s.op === '*' ? PATH_GLOB : TEXT_GLOB;
  return `(${s.match.length === 0 ? PATH_GLOB : s.match.map(segmentRegex).join('/')})`;
};

/** Consumes a literal up to the next `/`. */
function consumeLiteral(rest: string): { literal: string; rest: string } | string {
  const slash = rest.indexOf('/');
  const literal = slash < 0 ? rest : rest.slice(0, slash);
  return LITERAL.test(literal) ? { literal, rest: rest.slice(literal.length) } : `invalid literal ${JSON.stringify(literal)}`;
}

const consumeOperator = (rest: string): { op: Operator; rest: string } => (rest.startsWith('**') ? { op: '**', rest: rest.slice(2) } : { op: '*', rest: rest.slice(1) });

function consumeVariable(rest: string): { segment: Segment; rest: string } | string {
  const close = rest.indexOf('}');
  if (close < 0) return 'unmatched variable bracket';
  const body = rest.slice(1, close);
  const eq = body.indexOf('=');
  const name = eq < 0 ? body : body.slice(0, eq);
  if (!VARIABLE_NAME.test(name)) return `invalid variable name ${JSON.stringify(name)}`;
  const match: ({ literal: string } | { op: Operator })[] = [];
  if (eq >= 0) {
    let patt = body.slice(eq + 1);
    if (patt === '') return 'empty variable match';
    while (patt !== '') {
      if (patt.startsWith('*')) {
        const o = consumeOperator(patt);
        match.push({ op: o.op });
        patt = o.rest;
      } else {
        const l = consumeLiteral(patt);
        if (typeof l === 'string') return l;
        match.push({ literal: l.literal });
        patt = l.rest;
      }
      if (patt !== '') {
        if (patt[0] !== '/' || patt.length === 1) return 'invalid variable match';
        patt = patt.slice(1);
      }
    }
  }
  return { segment: { variable: name, match }, rest: rest.slice(close + 1) };
}

/** Envoy's checks after parsing: at most 5 variables, names 1-16 characters and unique, no operator
 *  after a `**`. */
function validate(segments: readonly Segment[]): string | undefined {
  const names = new Set<string>();
  let afterTextGlob = false;
  for (const s of segments) {
    if ('variable' in s) {
      if (names.size >= 5) return 'exceeded variable count limit';
      if (s.variable.length > 16) return 'invalid variable length';
      if (names.has(s.variable)) return 'repeated variable name';
      names.add(s.variable);
      const ops = s.match.length === 0 ? ['*' as Operator] : s.match.flatMap((m) => ('op' in m ? [m.op] : []));
      for (const op of ops) {
        if (afterTextGlob) return 'glob after text glob';
        afterTextGlob = op === '**';
      }
    } else if ('op' in s) {
      if (afterTextGlob) return 'glob after text glob';
      afterTextGlob = s.op === '**';
    }
  }
  return undefined;
}

/** The RE2 pattern of a path template (Envoy convertPathPatternSyntaxToRegex), or why it is invalid. */
export function uriTemplateRegex(template: string): string | { readonly error: string } {
  if (!/^\/[\x21-\x7e]*$/.test(template)) return { error: 'invalid pattern' };
  const segments: Segment[] = [];
  let suffix = '';
  let rest = template.slice(1);
  while (rest !== '') {
    if (rest.startsWith('*')) {
      const o = consumeOperator(rest);
      segments.push({ op: o.op });
      rest = o.rest;
    } else if (rest.startsWith('{')) {
      const v = consumeVariable(rest);
      if (typeof v === 'string') return { error: v };
      segments.push(v.segment);
      rest = v.rest;
    } else {
      const l = consumeLiteral(rest);
      if (typeof l === 'string') return { error: l };
      segments.push({ literal: l.literal });
      rest = l.rest;
    }
    if (rest === '') break;
    if (rest === '/') {
      segments.push({ literal: '' }); // a trailing slash
      break;
    }
    if (rest.startsWith('/')) {
      rest = rest.slice(1);
      continue;
    }
    const s = consumeLiteral(rest); // text right after an operator or variable: a suffix
    if (typeof s === 'string') return { error: s };
    if (s.rest !== '') return { error: 'prefix match not supported' };
    suffix = s.literal;
    break;
  }
  const problem = validate(segments);
  if (problem) return { error: problem };
  return `/${segments.map(segmentRegex).join('/')}${literalRegex(suffix)}`;
}

/** Envoy Http::PathUtil::removeQueryAndFragment. */
export function pathWithoutQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

/** A test of request paths (with query) against `template`, or why the template is invalid. */
export function compileUriTemplate(template: string): StringTest | { readonly error: string } {
  const regex = uriTemplateRegex(template);
  if (typeof regex !== 'string') return regex;
  const test = compileRegex(regex);
  return (path) => test(pathWithoutQuery(path));
}
