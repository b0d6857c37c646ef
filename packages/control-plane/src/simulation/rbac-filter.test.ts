import { describe, expect, it } from 'vitest';
import { evaluateRbacFilters, remoteAddressOf, type RbacInput } from './rbac-filter.js';
import { UnsupportedEnvoyConfig } from './route-match.js';

const REQUEST: RbacInput = {
  headers: new Map([
    [':authority', 'Reviews:9080'],
    [':path', '/api/v1/items?x=1'],
    [':method', 'GET'],
  ]),
  sourceAddress: '10.0.0.5',
  remoteAddress: '192.168.1.9',
  destinationAddress: '10.0.0.1',
  destinationPort: 9080,
  serverName: '',
  tls: false,
};
const ANY = [{ any: true }];
const rules = (action: string | undefined, policies: Record<string, { permissions: object[]; principals: object[] }>) => ({ rules: { ...(action ? { action } : {}), policies } });

describe('evaluateRbacFilters', () => {
  it.each([
    { name: 'ALLOW with a matching policy', filters: [rules(undefined, { p: { permissions: [{ header: { name: ':method', string_match: { exact: 'GET' } } }], principals: ANY } })], allowed: true },
    { name: 'ALLOW with no matching policy (policy none)', filters: [rules(undefined, { p: { permissions: [{ header: { name: ':method', string_match: { exact: 'POST' } } }], principals: ANY } })], allowed: false, policy: 'none' },
    { name: 'ALLOW without policies (allow nothing)', filters: [rules(undefined, {})], allowed: false, policy: 'none' },
    { name: 'DENY on a path prefix, query ignored', filters: [rules('DENY', { d: { permissions: [{ url_path: { path: { prefix: '/api/' } } }], principals: ANY } })], allowed: false, policy: 'd' },
    { name: 'DENY with the first policy in byte order', filters: [rules('DENY', { b: { permissions: ANY, principals: ANY }, a: { permissions: ANY, principals: ANY } })], allowed: false, policy: 'a' },
    { name: 'LOG never denies', filters: [rules('LOG', { l: { permissions: ANY, principals: ANY } })], allowed: true },
    { name: 'shadow rules only', filters: [{ shadow_rules: { action: 'DENY', policies: { s: { permissions: ANY, principals: ANY } } } }], allowed: true },
    { name: 'host with ignore_case', filters: [rules('DENY', { h: { permissions: [{ header: { name: ':authority', string_match: { prefix: 'reviews', ignore_case: true } } }], principals: ANY } })], allowed: false, policy: 'h' },
    { name: 'not_rule', filters: [rules('DENY', { n: { permissions: [{ not_rule: { destination_port: 9080 } }], principals: ANY } })], allowed: true },
    { name: 'destination_port_range', filters: [rules('DENY', { r: { permissions: [{ destination_port_range: { start: 9000, end: 9081 } }], principals: ANY } })], allowed: false, policy: 'r' },
    { name: 'remote_ip reads the client address, direct_remote_ip the peer', filters: [rules('DENY', { r: { permissions: ANY, principals: [{ and_ids: { ids: [{ remote_ip: { address_prefix: '192.168.0.0', prefix_len: { value: 16 } } }, { direct_remote_ip: { address_prefix: '10.0.0.5', prefix_len: { value: 32 } } }] } }] } })], allowed: false, policy: 'r' },
    { name: 'authenticated needs TLS', filters: [rules('DENY', { t: { permissions: ANY, principals: [{ authenticated: {} }] } })], allowed: true },
    { name: 'metadata (no dynamic metadata here) never matches', filters: [rules('DENY', { m: { permissions: ANY, principals: [{ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }], value: { string_match: { exact: 'x' } } } }] } })], allowed: true },
    { name: 'uri_template {*} one segment', filters: [rules('DENY', { u: { permissions: [{ uri_template: { name: 'uri-template-match', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: '/api/*/items' } } }], principals: ANY } })], allowed: false, policy: 'u' },
    { name: 'the first denying filter stops the chain', filters: [rules('DENY', {}), rules(undefined, {})], allowed: false, policy: 'none', filterIndex: 1 },
  ])('$name', ({ filters, allowed, policy, filterIndex }) => {
    const verdict = evaluateRbacFilters(filters, REQUEST);
    expect(verdict.allowed).toBe(allowed);
    if (policy !== undefined) expect(verdict.policy).toBe(policy);
    if (filterIndex !== undefined) expect(verdict.filterIndex).toBe(filterIndex);
  });

  it('matches authenticated principals by URI SAN on TLS connections', () => {
    const filters = [rules(undefined, { p: { permissions: ANY, principals: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/a/sa/b' } } }] } })];
    expect(evaluateRbacFilters(filters, { ...REQUEST, tls: true, peerPrincipal: 'spiffe://cluster.local/ns/a/sa/b' }).allowed).toBe(true);
    expect(evaluateRbacFilters(filters, { ...REQUEST, tls: true, peerPrincipal: 'spiffe://cluster.local/ns/a/sa/c' }).allowed).toBe(false);
  });

  it('refuses what it does not model', () => {
    expect(() => evaluateRbacFilters([{ matcher: {} }], REQUEST)).toThrow(UnsupportedEnvoyConfig);
    expect(() => evaluateRbacFilters([rules(undefined, { p: { permissions: [{ matcher: {} }], principals: ANY } })], REQUEST)).toThrow(UnsupportedEnvoyConfig);
  });
});

describe('remoteAddressOf', () => {
  it.each([
    { xff: undefined, useRemote: false, want: '10.0.0.5' },
    { xff: '1.2.3.4, 5.6.7.8', useRemote: false, want: '5.6.7.8' },
    { xff: '1.2.3.4', useRemote: true, want: '10.0.0.5' },
    { xff: 'garbage', useRemote: false, want: '10.0.0.5' },
  ])('x-forwarded-for $xff, use_remote_address $useRemote → $want', ({ xff, useRemote, want }) => {
    expect(remoteAddressOf(new Map(xff === undefined ? [] : [['x-forwarded-for', xff]]), '10.0.0.5', useRemote)).toBe(want);
  });
});
