// The builder's behaviour beyond Istio's goldens: filter order, dry-run, CUSTOM, TCP translation,
// principals and trust domains, warnings, and that every filter encodes as its Envoy proto.

import { describe, expect, it } from 'vitest';
import type { AuthorizationPolicySpec } from '@weft/shared';
import { packAny } from '@weft/shared/xds';
import { buildHttpRbacFilters, buildNetworkRbacFilters, type AuthzBuildOptions } from './build-rbac-filters.js';
import type { RbacPolicyShape, RbacRulesShape } from './rbac-shapes.js';
import { selectAuthorizationPolicies, type AuthzPolicyItem, type SelectedAuthorizationPolicies } from './select-policies.js';
import { createTrustDomainBundle } from './trust-domain-bundle.js';

const OPTIONS: AuthzBuildOptions = { trustDomains: createTrustDomainBundle('cluster.local') };
const policy = (name: string, spec: AuthorizationPolicySpec, annotations: Record<string, string> = {}, namespace = 'foo'): AuthzPolicyItem => ({ name, namespace, annotations, spec });
const select = (...policies: AuthzPolicyItem[]): SelectedAuthorizationPolicies => selectAuthorizationPolicies(policies, { namespace: 'foo', labels: { app: 'a' } }, 'istio-system');
const rulesOf = (f: { typed_config: Record<string, unknown> }, key = 'rules'): RbacRulesShape => f.typed_config[key] as RbacRulesShape;
const onlyPolicy = (r: RbacRulesShape): RbacPolicyShape => Object.values(r.policies)[0] as RbacPolicyShape;

describe('buildHttpRbacFilters', () => {
  it('builds nothing when no policy applies', () => {
    expect(buildHttpRbacFilters(select(), OPTIONS)).toEqual({ filters: [], warnings: [] });
  });

  it('orders AUDIT (LOG), DENY, ALLOW, named envoy.filters.http.rbac with the HTTP RBAC type', () => {
    const built = buildHttpRbacFilters(
      select(policy('allow', { rules: [{}] }), policy('deny', { action: 'DENY', rules: [{}] }), policy('audit', { action: 'AUDIT', rules: [{}] })),
      OPTIONS,
    );
    expect(built.filters.map((f) => f.name)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac']);
    expect(built.filters.map((f) => f.typed_config['@type'])).toEqual(Array(3).fill('type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC'));
    expect(built.filters.map((f) => rulesOf(f).action ?? 'ALLOW')).toEqual(['LOG', 'DENY', 'ALLOW']);
    expect(Object.keys(rulesOf(built.filters[2] as never).policies)).toEqual(['ns[foo]-policy[allow]-rule[0]']);
  });

  it('puts dry-run policies into shadow_rules with the action’s stat prefix', () => {
    const built = buildHttpRbacFilters(select(policy('d', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' }), policy('a', { rules: [{}] })), OPTIONS);
    const [deny, allow] = built.filters;
    expect(deny?.typed_config.rules).toBeUndefined();
    expect(rulesOf(deny as never, 'shadow_rules').action).toBe('DENY');
    expect(deny?.typed_config.shadow_rules_stat_prefix).toBe('istio_dry_run_deny_');
    expect(allow?.typed_config.shadow_rules_stat_prefix).toBe('istio_dry_run_allow_');
  });

  it('warns about a dry-run annotation it cannot parse and enforces the policy', () => {
    const built = buildHttpRbacFilters(select(policy('a', { rules: [{}] }, { 'istio.io/dry-run': 'maybe' })), OPTIONS);
    expect(built.filters[0]?.typed_config.rules).toBeDefined();
    expect(built.warnings.join()).toContain('istio.io/dry-run');
  });

  it('ALLOW without rules allows nothing; DENY without rules denies nothing: a policy that never matches', () => {
    for (const action of ['ALLOW', 'DENY'] as const) {
      const [f] = buildHttpRbacFilters(select(policy('p', { action })), OPTIONS).filters;
      expect(onlyPolicy(rulesOf(f as never))).toEqual({ permissions: [{ not_rule: { any: true } }], principals: [{ not_id: { any: true } }] });
    }
  });

  it('CUSTOM: skipped with a warning by default; `deny` fails closed like Istio with an unusable provider', () => {
    const custom = policy('c', { action: 'CUSTOM', provider: { name: 'ext' }, rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] });
    const skipped = buildHttpRbacFilters(select(custom), OPTIONS);
    expect(skipped.filters).toEqual([]);
    expect(skipped.warnings).toEqual(['CUSTOM action is not supported (no ext_authz): skipped foo/c']);
    const denied = buildHttpRbacFilters(select(custom, policy('a', { rules: [{}] })), { ...OPTIONS, custom: 'deny' });
    expect(denied.filters.map((f) => rulesOf(f).action ?? 'ALLOW')).toEqual(['DENY', 'ALLOW']);
    expect(Object.keys(rulesOf(denied.filters[0] as never).policies)).toEqual(['istio-ext-authz-ext-ns[foo]-policy[c]-rule[0]-deny-due-to-bad-CUSTOM-action']);
  });

  it('translates sources: principals to SPIFFE URIs for every trust domain, namespaces to a regex, IP blocks', () => {
    const spec: AuthorizationPolicySpec = {
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/x/sa/y'], namespaces: ['prod-*'], ipBlocks: ['10.0.0.0/8'], remoteIpBlocks: ['2001:DB8::/32'] } }] }],
    };
    const built = buildHttpRbacFilters(select(policy('p', spec)), { trustDomains: createTrustDomainBundle('td1', ['cluster.local']) });
    expect(onlyPolicy(rulesOf(built.filters[0] as never)).principals).toEqual([
      {
        and_ids: {
          ids: [
            { or_ids: { ids: [{ authenticated: { principal_name: { exact: 'spiffe://td1/ns/x/sa/y' } } }, { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/x/sa/y' } } }] } },
            { or_ids: { ids: [{ authenticated: { principal_name: { safe_regex: { regex: '.*/ns/prod-.*/.*' } } } }] } },
            { or_ids: { ids: [{ remote_ip: { address_prefix: '2001:db8::', prefix_len: { value: 32 } } }] } },
            { or_ids: { ids: [{ direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 8 } } }] } },
          ],
        },
      },
    ]);
  });

  it('translates operations: hosts without case, methods, paths (prefix, suffix, presence, templates), ports, not* forms', () => {
    const spec: AuthorizationPolicySpec = { rules: [{ to: [{ operation: { hosts: ['*.example.com'], methods: ['GET'], paths: ['/api/*', '*/x', '*', '/v/{*}/z'], notPorts: ['8080'] } }] }] };
    const [f] = buildHttpRbacFilters(select(policy('p', spec)), OPTIONS).filters;
    expect(onlyPolicy(rulesOf(f as never)).permissions).toEqual([
      {
        and_rules: {
          rules: [
            { or_rules: { rules: [{ header: { name: ':authority', string_match: { suffix: '.example.com', ignore_case: true } } }] } },
            { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }] } },
            {
              or_rules: {
                rules: [
                  { url_path: { path: { prefix: '/api/' } } },
                  { url_path: { path: { suffix: '/x' } } },
                  { url_path: { path: { safe_regex: { regex: '.+' } } } },
                  { uri_template: { name: 'uri-template', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: '/v/*/z' } } },
                ],
              },
            },
            { not_rule: { or_rules: { rules: [{ destination_port: 8080 }] } } },
          ],
        },
      },
    ]);
  });

  it('translates request principals and JWT claims to jwt_authn payload metadata', () => {
    const spec: AuthorizationPolicySpec = { rules: [{ from: [{ source: { requestPrincipals: ['https://issuer/alice'] } }], when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }] }] };
    const [f] = buildHttpRbacFilters(select(policy('p', spec)), OPTIONS).filters;
    const claim = (key: string, exact: string): unknown => ({ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key }], value: { string_match: { exact } } } });
    expect(onlyPolicy(rulesOf(f as never)).principals).toEqual([
      {
        and_ids: {
          ids: [
            { and_ids: { ids: [claim('iss', 'https://issuer'), claim('sub', 'alice')] } },
            {
              metadata: {
                filter: 'envoy.filters.http.jwt_authn',
                path: [{ key: 'payload' }, { key: 'groups' }],
                value: { or_match: { value_matchers: [{ list_match: { one_of: { string_match: { exact: 'admin' } } } }, { string_match: { exact: 'admin' } }] } },
              },
            },
          ],
        },
      },
    ]);
  });

  it('skips a rule with an unknown condition key, with a warning', () => {
    const built = buildHttpRbacFilters(select(policy('p', { rules: [{ when: [{ key: 'request.nope', values: ['x'] }] }, {}] })), OPTIONS);
    expect(Object.keys(rulesOf(built.filters[0] as never).policies)).toEqual(['ns[foo]-policy[p]-rule[1]']);
    expect(built.warnings).toEqual(['skipped invalid rule ns[foo]-policy[p]-rule[0]: unknown attribute request.nope']);
  });

  it('an ALLOW rule with an invalid IP block is dropped (allow less); a DENY rule only loses the value (deny more)', () => {
    const rules = [{ from: [{ source: { ipBlocks: ['10.0.0.300'], principals: ['a'] } }] }];
    const allow = buildHttpRbacFilters(select(policy('p', { rules })), OPTIONS);
    expect(rulesOf(allow.filters[0] as never).policies).toEqual({});
    expect(allow.warnings.join()).toContain('invalid IP address');
    const deny = buildHttpRbacFilters(select(policy('p', { action: 'DENY', rules })), OPTIONS);
    expect(onlyPolicy(rulesOf(deny.filters[0] as never)).principals).toEqual([{ and_ids: { ids: [{ or_ids: { ids: [{ authenticated: { principal_name: { exact: 'spiffe://a' } } }] } }] } }]);
  });

  it('every filter encodes as the Envoy HTTP RBAC proto', () => {
    const spec: AuthorizationPolicySpec = {
      rules: [
        {
          from: [{ source: { principals: ['*'], notNamespaces: ['x'], serviceAccounts: ['ns/sa'], trustDomains: ['td'], requestPrincipals: ['*'], ipBlocks: ['::1'] } }],
          to: [{ operation: { hosts: ['h'], notMethods: ['POST'], paths: ['/p'], ports: ['80'] } }],
          when: [
            { key: 'request.headers[x-a]', values: ['*'] },
            { key: 'destination.ip', values: ['10.0.0.1'] },
            { key: 'connection.sni', values: ['s*'] },
            { key: 'request.auth.audiences', values: ['a', 'b'] },
            { key: 'experimental.envoy.filters.f[k]', values: ['[v]'] },
          ],
        },
      ],
    };
    for (const f of buildHttpRbacFilters(select(policy('p', spec), policy('d', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' })), OPTIONS).filters) {
      const { '@type': typeUrl, ...body } = f.typed_config;
      expect(() => packAny(typeUrl, body)).not.toThrow();
    }
  });
});

describe('buildNetworkRbacFilters', () => {
  it('names envoy.filters.network.rbac with stat_prefix tcp.', () => {
    const [f] = buildNetworkRbacFilters(select(policy('p', { rules: [{}] })), OPTIONS).filters;
    expect(f?.name).toBe('envoy.filters.network.rbac');
    expect(f?.typed_config).toMatchObject({ '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC', stat_prefix: 'tcp.' });
    const { '@type': typeUrl, ...body } = (f as { typed_config: Record<string, unknown> }).typed_config;
    expect(() => packAny(String(typeUrl), body)).not.toThrow();
  });

  it('drops ALLOW rules that use HTTP-only fields (nothing left: allow nothing) without warnings', () => {
    const built = buildNetworkRbacFilters(select(policy('p', { rules: [{ to: [{ operation: { methods: ['GET'], ports: ['80'] } }] }] })), OPTIONS);
    expect(rulesOf(built.filters[0] as never).policies).toEqual({});
    expect(built.warnings).toEqual([]);
  });

  it('keeps the TCP fields of DENY rules that also use HTTP fields (deny more)', () => {
    const built = buildNetworkRbacFilters(select(policy('p', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'], ports: ['80'] } }] }] })), OPTIONS);
    expect(onlyPolicy(rulesOf(built.filters[0] as never)).permissions).toEqual([{ and_rules: { rules: [{ or_rules: { rules: [{ destination_port: 80 }] } }] } }]);
  });
});
