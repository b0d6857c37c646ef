// Envoy RBAC semantics, case by case, written from Envoy's sources (filters/common/rbac/matchers.cc,
// engine_impl.cc, http/header_utility.cc, common/matchers.cc) rather than from Istio's output.

import { describe, expect, it } from 'vitest';
import { compileRbacFilter, type RbacEngine } from './compile-rbac.js';
import type { RbacAttributes } from './rbac-attributes.js';

function engine(config: unknown): RbacEngine {
  const r = compileRbacFilter(config);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.engine;
}

const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name];

/** ALLOW rules with one policy `p` holding one permission and one principal. */
const allowOne = (permission: unknown, principal: unknown = { any: true }): RbacEngine => engine({ rules: { policies: { p: { permissions: [permission], principals: [principal] } } } });
const allowed = (e: RbacEngine, attrs: RbacAttributes): boolean => e.evaluate(attrs).allowed;

describe('RBAC actions and policies (Envoy RoleBasedAccessControlEngineImpl, RBAC filter)', () => {
  it('no rules: nothing is enforced', () => {
    expect(engine({}).evaluate({})).toEqual({ allowed: true });
    expect(engine({}).enforcing).toBe(false);
  });

  it('ALLOW with an empty policy map denies everything; DENY with one allows everything', () => {
    expect(engine({ rules: {} }).evaluate({}).allowed).toBe(false);
    expect(engine({ rules: { action: 'DENY', policies: {} } }).evaluate({}).allowed).toBe(true);
  });

  it('ALLOW allows on a match, DENY denies on a match, LOG allows and reports the match', () => {
    const policies = { p: { permissions: [{ destination_port: 80 }], principals: [{ any: true }] } };
    for (const [action, on80, on81] of [
      ['ALLOW', true, false],
      ['DENY', false, true],
      ['LOG', true, true],
    ] as const) {
      const e = engine({ rules: { action, policies } });
      expect(e.evaluate({ destinationPort: 80 }).allowed, action).toBe(on80);
      expect(e.evaluate({ destinationPort: 81 }).allowed, action).toBe(on81);
    }
    const log = engine({ rules: { action: 'LOG', policies } });
    expect(log.evaluate({ destinationPort: 80 })).toEqual({ allowed: true, policyId: 'p', log: true });
    expect(log.evaluate({ destinationPort: 81 })).toEqual({ allowed: true, log: false });
  });

  it('enum actions by number (proto3 JSON allows them)', () => {
    expect(engine({ rules: { action: 1, policies: {} } }).action).toBe('DENY');
  });

  it('a policy needs a matching permission and a matching principal; lists are OR-ed', () => {
    const e = engine({ rules: { policies: { p: { permissions: [{ destination_port: 80 }, { destination_port: 81 }], principals: [{ direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }] } } } });
    expect(allowed(e, { destinationPort: 81, directRemoteIp: '10.1.2.3' })).toBe(true);
    expect(allowed(e, { destinationPort: 82, directRemoteIp: '10.1.2.3' })).toBe(false);
    expect(allowed(e, { destinationPort: 80, directRemoteIp: '11.1.2.3' })).toBe(false);
  });

  it('the effective policy is the first match in name (byte) order', () => {
    const p = { permissions: [{ any: true }], principals: [{ any: true }] };
    const e = engine({ rules: { action: 'DENY', policies: { b: p, a: p, B: p } } });
    expect(e.evaluate({})).toEqual({ allowed: false, policyId: 'B' });
  });

  it('shadow rules are evaluated and reported but never enforced', () => {
    const policies = { dry: { permissions: [{ destination_port: 80 }], principals: [{ any: true }] } };
    const onlyShadow = engine({ shadow_rules: { action: 'DENY', policies }, shadow_rules_stat_prefix: 'istio_dry_run_deny_' });
    expect(onlyShadow.evaluate({ destinationPort: 80 })).toEqual({ allowed: true, shadow: { allowed: false, policyId: 'dry' } });
    expect(onlyShadow.shadowRulesStatPrefix).toBe('istio_dry_run_deny_');
    const both = engine({ rules: { policies }, shadow_rules: { policies: {} } });
    expect(both.evaluate({ destinationPort: 80 })).toEqual({ allowed: true, policyId: 'dry', shadow: { allowed: false } });
  });
});

describe('permission and principal combinators', () => {
  it('and_rules / or_rules / not_rule, and_ids / or_ids / not_id', () => {
    const p80 = { destination_port: 80 };
    const p81 = { destination_port: 81 };
    expect(allowed(allowOne({ and_rules: { rules: [p80, { not_rule: p81 }] } }), { destinationPort: 80 })).toBe(true);
    expect(allowed(allowOne({ and_rules: { rules: [p80, p81] } }), { destinationPort: 80 })).toBe(false);
    expect(allowed(allowOne({ or_rules: { rules: [p81, p80] } }), { destinationPort: 80 })).toBe(true);
    expect(allowed(allowOne({ not_rule: { any: true } }), {})).toBe(false);
    const ip = { direct_remote_ip: { address_prefix: '1.2.3.4', prefix_len: 32 } };
    expect(allowed(allowOne({ any: true }, { and_ids: { ids: [ip, { not_id: { any: true } }] } }), { directRemoteIp: '1.2.3.4' })).toBe(false);
    expect(allowed(allowOne({ any: true }, { or_ids: { ids: [{ not_id: ip }, ip] } }), { directRemoteIp: '9.9.9.9' })).toBe(true);
  });
});

describe('header matcher (Envoy HeaderUtility)', () => {
  const h = headers({ 'x-a': 'Hello-World', ':method': 'GET', 'x-n': '42' });
  const cases: [string, unknown, boolean][] = [
    ['exact', { name: 'X-A', string_match: { exact: 'Hello-World' } }, true],
    ['exact is case-sensitive', { name: 'x-a', string_match: { exact: 'hello-world' } }, false],
    ['exact ignore_case', { name: 'x-a', string_match: { exact: 'hello-world', ignore_case: true } }, true],
    ['prefix', { name: 'x-a', string_match: { prefix: 'Hello' } }, true],
    ['suffix', { name: 'x-a', string_match: { suffix: 'World' } }, true],
    ['contains', { name: 'x-a', string_match: { contains: 'o-W' } }, true],
    ['safe_regex is a full match', { name: 'x-a', string_match: { safe_regex: { regex: 'Hello' } } }, false],
    ['safe_regex full', { name: 'x-a', string_match: { safe_regex: { regex: 'Hello-.*' } } }, true],
    ['safe_regex ignores ignore_case', { name: 'x-a', string_match: { safe_regex: { regex: 'hello-.*' }, ignore_case: true } }, false],
    ['present', { name: 'x-a', present_match: true }, true],
    ['present on a missing header', { name: 'x-b', present_match: true }, false],
    ['present_match false on a missing header', { name: 'x-b', present_match: false }, true],
    ['invert present on a missing header', { name: 'x-b', present_match: true, invert_match: true }, true],
    ['no specifier means present', { name: 'x-a' }, true],
    ['invert exact', { name: 'x-a', string_match: { exact: 'nope' }, invert_match: true }, true],
    ['a missing header never matches a value, inverted or not', { name: 'x-b', string_match: { exact: 'x' }, invert_match: true }, false],
    ['treat_missing_header_as_empty', { name: 'x-b', string_match: { exact: '' }, treat_missing_header_as_empty: true }, true],
    ['deprecated exact_match empty matches any value', { name: 'x-a', exact_match: '' }, true],
    ['deprecated prefix_match', { name: 'x-a', prefix_match: 'Hell' }, true],
    ['deprecated safe_regex_match', { name: ':method', safe_regex_match: { regex: 'G.T' } }, true],
    ['range_match [40, 43)', { name: 'x-n', range_match: { start: 40, end: 43 } }, true],
    ['range_match [43, 50)', { name: 'x-n', range_match: { start: '43', end: '50' } }, false],
  ];
  it.each(cases)('%s', (_name, header, want) => {
    expect(allowed(allowOne({ header }), { header: h })).toBe(want);
  });

  it('joins repeated values with "," (the reader does) and has no headers on the network filter', () => {
    expect(allowed(allowOne({ header: { name: 'x-l', string_match: { exact: 'a,b' } } }), { header: headers({ 'x-l': 'a,b' }) })).toBe(true);
    expect(allowed(allowOne({ header: { name: 'x-a', present_match: false } }), {})).toBe(true);
    expect(allowed(allowOne({ header: { name: 'x-a', present_match: true } }), {})).toBe(false);
  });
});

describe('paths', () => {
  it('url_path matches the path without query or fragment, ignore_case folds', () => {
    const e = allowOne({ url_path: { path: { exact: '/a/b' } } });
    expect(allowed(e, { header: headers({ ':path': '/a/b?x=1' }) })).toBe(true);
    expect(allowed(e, { header: headers({ ':path': '/a/b#frag' }) })).toBe(true);
    expect(allowed(e, { header: headers({ ':path': '/a/bc' }) })).toBe(false);
    expect(allowed(e, {})).toBe(false);
    expect(allowed(allowOne({ url_path: { path: { prefix: '/A/', ignore_case: true } } }), { header: headers({ ':path': '/a/x' }) })).toBe(true);
  });

  it('a header matcher on :path sees the query', () => {
    expect(allowed(allowOne({ header: { name: ':path', string_match: { exact: '/a/b' } } }), { header: headers({ ':path': '/a/b?x=1' }) })).toBe(false);
  });

  it('uri_template: * is one segment, ** any number', () => {
    const tpl = (t: string): RbacEngine =>
      allowOne({ uri_template: { name: 'uri-template', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: t } } });
    const at = (p: string): RbacAttributes => ({ header: headers({ ':path': p }) });
    expect(allowed(tpl('/path/template/*'), at('/path/template/x'))).toBe(true);
    expect(allowed(tpl('/path/template/*'), at('/path/template/x?q=1'))).toBe(true);
    expect(allowed(tpl('/path/template/*'), at('/path/template/x/y'))).toBe(false);
    expect(allowed(tpl('/path/template/*'), at('/path/template/'))).toBe(false);
    expect(allowed(tpl('/**/path/template'), at('/a/b/path/template'))).toBe(true);
    expect(allowed(tpl('/**/path/template'), at('//path/template'))).toBe(true);
    expect(allowed(tpl('/**/path/template'), at('/path/template'))).toBe(false);
    expect(allowed(tpl('/path/template/*'), {})).toBe(false);
  });
});

describe('connection attributes', () => {
  it('destination_ip / destination_port / destination_port_range', () => {
    expect(allowed(allowOne({ destination_ip: { address_prefix: '192.168.10.0', prefix_len: 24 } }), { destinationIp: '192.168.10.77' })).toBe(true);
    expect(allowed(allowOne({ destination_ip: { address_prefix: '192.168.10.0', prefix_len: 24 } }), { destinationIp: '192.168.11.1' })).toBe(false);
    expect(allowed(allowOne({ destination_port_range: { start: 8000, end: 8080 } }), { destinationPort: 8079 })).toBe(true);
    expect(allowed(allowOne({ destination_port_range: { start: 8000, end: 8080 } }), { destinationPort: 8080 })).toBe(false);
  });

  it('CIDR: host bits ignored, prefix length clamped, family must match, IPv4-mapped IPv6 is IPv4, IPv6 ranges', () => {
    expect(allowed(allowOne({ destination_ip: { address_prefix: '10.1.2.3', prefix_len: 8 } }), { destinationIp: '10.200.0.1' })).toBe(true);
    expect(allowed(allowOne({ destination_ip: { address_prefix: '10.1.2.3', prefix_len: 40 } }), { destinationIp: '10.1.2.3' })).toBe(true);
    expect(allowed(allowOne({ destination_ip: { address_prefix: '0.0.0.0', prefix_len: 0 } }), { destinationIp: '::1' })).toBe(false);
    expect(allowed(allowOne({ destination_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }), { destinationIp: '::ffff:10.9.9.9' })).toBe(true);
    expect(allowed(allowOne({ destination_ip: { address_prefix: '2001:db8::', prefix_len: 33 } }), { destinationIp: '2001:db8:7fff::1' })).toBe(true);
    expect(allowed(allowOne({ destination_ip: { address_prefix: '2001:db8::', prefix_len: 33 } }), { destinationIp: '2001:db8:8000::1' })).toBe(false);
    expect(allowed(allowOne({ destination_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }), { destinationIp: 'not-an-ip' })).toBe(false);
  });

  it('direct_remote_ip is the peer, remote_ip the XFF client, source_ip the connection remote; each defaults down the chain', () => {
    const cidr = { address_prefix: '1.2.3.4', prefix_len: 32 };
    const attrs = { directRemoteIp: '9.9.9.9', remoteIp: '1.2.3.4' };
    expect(allowed(allowOne({ any: true }, { remote_ip: cidr }), attrs)).toBe(true);
    expect(allowed(allowOne({ any: true }, { direct_remote_ip: cidr }), attrs)).toBe(false);
    expect(allowed(allowOne({ any: true }, { source_ip: cidr }), attrs)).toBe(false);
    expect(allowed(allowOne({ any: true }, { remote_ip: cidr }), { directRemoteIp: '1.2.3.4' })).toBe(true);
    expect(allowed(allowOne({ any: true }, { source_ip: cidr }), { directRemoteIp: '1.2.3.4' })).toBe(true);
  });

  it('requested_server_name matches the SNI, "" without one', () => {
    expect(allowed(allowOne({ requested_server_name: { suffix: '.example.com' } }), { requestedServerName: 'a.example.com' })).toBe(true);
    expect(allowed(allowOne({ requested_server_name: { safe_regex: { regex: '.+' } } }), {})).toBe(false);
    expect(allowed(allowOne({ requested_server_name: { exact: '' } }), {})).toBe(true);
  });

  it('authenticated: TLS required; URI SANs, then DNS SANs, then the subject', () => {
    const spiffe = { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/foo/sa/bar' } } };
    expect(allowed(allowOne({ any: true }, spiffe), {})).toBe(false);
    expect(allowed(allowOne({ any: true }, spiffe), { peerCertificate: { uriSans: ['spiffe://other', 'spiffe://cluster.local/ns/foo/sa/bar'] } })).toBe(true);
    expect(allowed(allowOne({ any: true }, { authenticated: { principal_name: { exact: 'db.example.com' } } }), { peerCertificate: { dnsSans: ['db.example.com'] } })).toBe(true);
    expect(allowed(allowOne({ any: true }, { authenticated: { principal_name: { exact: 'CN=x' } } }), { peerCertificate: { uriSans: ['spiffe://a'], subject: 'CN=x' } })).toBe(true);
    expect(allowed(allowOne({ any: true }, { authenticated: {} }), { peerCertificate: {} })).toBe(true);
    expect(allowed(allowOne({ any: true }, { authenticated: { principal_name: { safe_regex: { regex: '.+' } } } }), { peerCertificate: {} })).toBe(false);
  });
});

describe('metadata matcher (Envoy Matchers::MetadataMatcher / ValueMatcher)', () => {
  const md = { 'envoy.filters.http.jwt_authn': { payload: { iss: 'https://issuer', sub: 'alice', aud: ['a1', 'a2'], azp: 'web', n: 3, ok: true, nothing: null, nested: { deep: 'x' } } } };
  const m = (path: string[], value: unknown, invert = false): unknown => ({ metadata: { filter: 'envoy.filters.http.jwt_authn', path: path.map((key) => ({ key })), value, ...(invert ? { invert } : {}) } });
  const cases: [string, unknown, boolean][] = [
    ['string', m(['payload', 'sub'], { string_match: { exact: 'alice' } }), true],
    ['nested path', m(['payload', 'nested', 'deep'], { string_match: { exact: 'x' } }), true],
    ['missing key', m(['payload', 'nope'], { string_match: { safe_regex: { regex: '.*' } } }), false],
    ['path through a non-struct', m(['payload', 'sub', 'x'], { present_match: true }), false],
    ['string matcher on a list', m(['payload', 'aud'], { string_match: { exact: 'a1' } }), false],
    ['list one_of', m(['payload', 'aud'], { list_match: { one_of: { string_match: { exact: 'a2' } } } }), true],
    ['or_match of list and string (Istio JWT claims) on a list', m(['payload', 'aud'], { or_match: { value_matchers: [{ list_match: { one_of: { string_match: { exact: 'a1' } } } }, { string_match: { exact: 'a1' } }] } }), true],
    ['or_match of list and string on a string', m(['payload', 'azp'], { or_match: { value_matchers: [{ list_match: { one_of: { string_match: { exact: 'web' } } } }, { string_match: { exact: 'web' } }] } }), true],
    ['present', m(['payload', 'azp'], { present_match: true }), true],
    ['present on missing', m(['payload', 'zzz'], { present_match: true }), false],
    ['present_match false matches nothing', m(['payload', 'zzz'], { present_match: false }), false],
    ['null', m(['payload', 'nothing'], { null_match: {} }), true],
    ['bool', m(['payload', 'ok'], { bool_match: true }), true],
    ['double exact', m(['payload', 'n'], { double_match: { exact: 3 } }), true],
    ['double range', m(['payload', 'n'], { double_match: { range: { start: 3, end: 4 } } }), true],
    ['invert', m(['payload', 'sub'], { string_match: { exact: 'bob' } }, true), true],
    ['invert on missing', m(['payload', 'nope'], { string_match: { exact: 'bob' } }, true), true],
  ];
  it.each(cases)('%s', (_name, permission, want) => {
    expect(allowed(allowOne(permission), { dynamicMetadata: md })).toBe(want);
  });

  it('no metadata at all: nothing is present', () => {
    expect(allowed(allowOne(m(['payload', 'sub'], { present_match: true })), {})).toBe(false);
  });
});

describe('config shapes and problems', () => {
  it('reads proto3 JSON (camelCase, bare wrappers) like the decoded shape', () => {
    const e = engine({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      rules: { action: 'DENY', policies: { p: { permissions: [{ destinationIp: { addressPrefix: '10.0.0.0', prefixLen: 8 } }], principals: [{ notId: { directRemoteIp: { addressPrefix: '1.2.3.4', prefixLen: 32 } } }] } } },
      shadowRulesStatPrefix: 'x_',
    });
    expect(e.evaluate({ destinationIp: '10.0.0.1', directRemoteIp: '5.5.5.5' }).allowed).toBe(false);
    expect(e.evaluate({ destinationIp: '10.0.0.1', directRemoteIp: '1.2.3.4' }).allowed).toBe(true);
    expect(e.shadowRulesStatPrefix).toBe('x_');
    const decoded = engine({ rules: { policies: { p: { permissions: [{ destination_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 8 } } }], principals: [{ any: true }] } } }, stat_prefix: 'tcp.' });
    expect(decoded.evaluate({ destinationIp: '10.0.0.1' }).allowed).toBe(true);
    expect(decoded.statPrefix).toBe('tcp.');
  });

  it.each([
    ['an unknown permission', { rules: { policies: { p: { permissions: [{ nope: 1 }], principals: [{ any: true }] } } } }, 'permission without a rule'],
    ['a bad regex', { rules: { policies: { p: { permissions: [{ requested_server_name: { safe_regex: { regex: '(' } } }], principals: [{ any: true }] } } } }, 'invalid regex'],
    ['a CEL condition', { rules: { policies: { p: { permissions: [{ any: true }], principals: [{ any: true }], condition: {} } } } }, 'CEL'],
    ['any: false', { rules: { policies: { p: { permissions: [{ any: false }], principals: [{ any: true }] } } } }, 'must be true'],
    ['a bad CIDR', { rules: { policies: { p: { permissions: [{ destination_ip: { address_prefix: '10.0.0', prefix_len: 8 } }], principals: [{ any: true }] } } } }, 'invalid CIDR'],
    ['filter_state', { rules: { policies: { p: { permissions: [{ any: true }], principals: [{ filter_state: {} }] } } } }, 'not supported'],
    ['a bad uri template', { rules: { policies: { p: { permissions: [{ uri_template: { name: 'u', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: '/**/*' } } }], principals: [{ any: true }] } } } }, 'glob after text glob'],
    ['an undecoded uri template', { rules: { policies: { p: { permissions: [{ uri_template: { name: 'u', typed_config: { type_url: 'x', value: new Uint8Array() } } }], principals: [{ any: true }] } } } }, 'uri_template needs'],
    ['no principals', { rules: { policies: { p: { permissions: [{ any: true }] } } } }, 'principals: must not be empty'],
    ['the matcher API', { matcher: {} }, 'unified matcher'],
  ])('refuses %s', (_name, config, problem) => {
    const r = compileRbacFilter(config);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toContain(problem);
  });
});
