// AuthorizationPolicy semantic rules, table-driven from Istio's TestValidateAuthorizationPolicy,
// plus Weft's refusal of the CUSTOM action.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'security.istio.io', version: 'v1', kind: 'AuthorizationPolicy' };

function run(spec: unknown, annotations?: Record<string, string>) {
  const metadata = { name: 'name', namespace: 'namespace', ...(annotations ? { annotations } : {}) };
  return validateSemantic(GVK, { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata, spec });
}

const selector = { matchLabels: { app: 'httpbin', version: 'v1' } };
const gatewayRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'foo' };
const portRule = { from: [{ source: { principals: ['temp'] } }], to: [{ operation: { ports: ['8080'], methods: ['GET', 'DELETE'] } }] };
const fromRule = (source: Record<string, unknown>) => ({ rules: [{ from: [{ source }] }] });
const toRule = (operation: Record<string, unknown>) => ({ rules: [{ to: [{ operation }] }] });
const whenRule = (condition: Record<string, unknown>) => ({ rules: [{ when: [condition] }] });

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  [
    'good',
    {
      selector,
      rules: [
        {
          from: [{ source: { principals: ['sa1'] } }, { source: { principals: ['sa2'] } }],
          to: [{ operation: { methods: ['GET'] } }, { operation: { methods: ['POST'] } }],
          when: [
            { key: 'source.ip', values: ['1.2.3.4', '5.6.7.0/24'] },
            { key: 'request.headers[:authority]', values: ['v1', 'v2'] },
          ],
        },
      ],
    },
    null,
    '',
    false,
  ],
  ['good serviceAccounts', { selector, rules: [{ from: [{ source: { serviceAccounts: ['ns1/sa1', 'sa2'] } }, { source: { principals: ['sa2'] } }] }] }, null, '', false],
  ['serviceAccounts and namespaces', { selector, ...fromRule({ serviceAccounts: ['ns1/sa1'], namespaces: ['ns'] }) }, 'spec.rules[0].from[0].source', 'cannot set serviceAccounts with namespaces or principals', false],
  ['serviceAccounts and principals', fromRule({ notServiceAccounts: ['ns1/sa1'], principals: ['p'] }), 'spec.rules[0].from[0].source', 'cannot set serviceAccounts', false],
  ['serviceAccounts with two slashes', fromRule({ serviceAccounts: ['a/b/c'] }), 'spec.rules[0].from[0].source.serviceAccounts[0]', 'expected <name> or <namespace>/<name>', false],
  ['allow without rules', { action: 'ALLOW' }, null, '', false],
  ['deny without rules', { action: 'DENY' }, 'spec.rules', 'DENY action without `rules` is meaningless', false],
  ['deny with an empty rule', { action: 'DENY', rules: [{}] }, null, '', false],
  ['provider with a non-CUSTOM action', { action: 'ALLOW', provider: { name: '' }, rules: [{}] }, 'spec.provider', '`provider` must not be with non CUSTOM action, found ALLOW', false],
  ['CUSTOM is accepted, as Istio does, with a warning that Weft does not enforce it', { action: 'CUSTOM', provider: { name: 'my-custom-authz' }, rules: [{}] }, null, '', true],
  ['CUSTOM with an empty provider', { action: 'CUSTOM', provider: { name: '' }, rules: [{}] }, 'spec.provider.name', '`provider.name` must not be empty', false],
  ['CUSTOM without a provider', { action: 'CUSTOM', rules: [{}] }, 'spec.provider.name', '`provider.name` must not be empty', false],
  ['CUSTOM without rules', { action: 'CUSTOM', provider: { name: 'x' } }, 'spec.rules', 'CUSTOM action without `rules`', false],
  [
    'CUSTOM with identity matches',
    { action: 'CUSTOM', provider: { name: 'x' }, rules: [{ from: [{ source: { namespaces: ['ns'], requestPrincipals: ['req'] } }], when: [{ key: 'request.auth.claims[a]', values: ['c'] }] }] },
    'spec.rules[0].when[0].key',
    'request.auth.claims[a] is currently not supported with CUSTOM action',
    false,
  ],
  ['selector with an empty value', { selector: { matchLabels: { app: '', version: 'v1' } } }, null, '', false],
  ['selector with an empty key', { selector: { matchLabels: { app: 'httpbin', '': 'v1' } } }, 'spec.selector.matchLabels[""]', 'empty key', false],
  ['selector without labels warns', { selector: {} }, null, '', true],
  ['selector with a wildcard value', { selector: { matchLabels: { app: 'httpbin-*' } } }, 'spec.selector.matchLabels.app', 'wildcard', false],
  ['selector with a wildcard key', { selector: { matchLabels: { 'app-*': 'httpbin' } } }, 'spec.selector.matchLabels["app-*"]', 'wildcard', false],
  ['targetRef to a Gateway', { action: 'DENY', targetRef: gatewayRef, rules: [portRule] }, null, '', false],
  ['targetRefs to a Service', { action: 'DENY', targetRefs: [{ group: '', kind: 'Service', name: 'foo' }], rules: [portRule] }, null, '', false],
  ['targetRef in another namespace', { action: 'DENY', targetRef: { ...gatewayRef, namespace: 'bar' }, rules: [portRule] }, 'spec.targetRef.namespace', 'cross namespace', false],
  ['targetRef without a name', { action: 'DENY', targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway' }, rules: [portRule] }, 'spec.targetRef.name', 'targetRef name must be set', false],
  ['targetRef to a wrong group', { targetRef: { ...gatewayRef, group: 'wrong-group' } }, 'spec.targetRef', 'but was wrong-group/Gateway', false],
  ['targetRefs to a wrong kind', { targetRefs: [{ ...gatewayRef, kind: 'wrong-kind' }] }, 'spec.targetRefs[0]', 'but was gateway.networking.k8s.io/wrong-kind', false],
  ['targetRef and selector', { targetRef: gatewayRef, selector: { matchLabels: { app: 'httpbin' } } }, 'spec', 'only one of targetRefs or workloadSelector can be set', false],
  ['targetRefs and selector', { targetRefs: [gatewayRef], selector: { matchLabels: { app: 'httpbin' } } }, 'spec', 'only one of targetRefs or workloadSelector can be set', false],
  ['empty from', { rules: [{ from: [] }] }, 'spec.rules[0].from', '`from` must not be empty', false],
  ['from without a source', { rules: [{ from: [{}] }] }, 'spec.rules[0].from[0].source', '`from.source` must not be nil', false],
  ['empty source', fromRule({}), 'spec.rules[0].from[0].source', '`from.source` must not be empty', false],
  ['source with only an empty list', fromRule({ principals: [] }), 'spec.rules[0].from[0].source', '`from.source` must not be empty', false],
  ['empty to', { rules: [{ to: [] }] }, 'spec.rules[0].to', '`to` must not be empty', false],
  ['to without an operation', { rules: [{ to: [{}] }] }, 'spec.rules[0].to[0].operation', '`to.operation` must not be nil', false],
  ['empty operation', toRule({}), 'spec.rules[0].to[0].operation', '`to.operation` must not be empty', false],
  ['null rule', { rules: [null] }, 'spec.rules[0]', '`rule` must not be nil', false],
  ...(
    [
      ['principals', 'p1'],
      ['notPrincipals', 'p1'],
      ['requestPrincipals', 'p1'],
      ['notRequestPrincipals', 'p1'],
      ['namespaces', 'ns'],
      ['notNamespaces', 'ns'],
      ['serviceAccounts', 'ns/sa'],
      ['ipBlocks', '1.2.3.4'],
      ['notIpBlocks', '1.2.3.4'],
      ['remoteIpBlocks', '1.2.3.4'],
      ['notRemoteIpBlocks', '1.2.3.4'],
      ['trustDomains', 'cluster.local'],
    ] as const
  ).map(([field, ok]): Case => [`${field} with an empty value`, fromRule({ [field]: [ok, ''] }), `spec.rules[0].from[0].source.${field}[1]`, 'empty value not allowed', false]),
  ...(
    [
      ['hosts', 'host'],
      ['notHosts', 'host'],
      ['ports', '80'],
      ['notPorts', '80'],
      ['methods', 'GET'],
      ['notMethods', 'GET'],
      ['paths', '/path'],
      ['notPaths', '/path'],
    ] as const
  ).map(([field, ok]): Case => [`${field} with an empty value`, toRule({ [field]: [ok, ''] }), `spec.rules[0].to[0].operation.${field}[1]`, 'empty value not allowed', false]),
  ['condition with an empty value', whenRule({ key: 'request.headers[:authority]', values: ['v1', ''] }), 'spec.rules[0].when[0].values[1]', 'empty value not allowed', false],
  ['bad ipBlocks', fromRule({ ipBlocks: ['1.2.3.4', 'ip1'] }), 'spec.rules[0].from[0].source.ipBlocks[1]', 'bad IP address (ip1)', false],
  ['bad CIDR in notRemoteIpBlocks', fromRule({ notRemoteIpBlocks: ['5.6.7.8/33'] }), 'spec.rules[0].from[0].source.notRemoteIpBlocks[0]', 'bad CIDR range', false],
  ['IPv6 ipBlocks', fromRule({ ipBlocks: ['2001:db8::/32', '::1'] }), null, '', false],
  ['bad ports', toRule({ ports: ['80', 'port1'] }), 'spec.rules[0].to[0].operation.ports[1]', 'bad port (port1)', false],
  ['port above 65535', toRule({ notPorts: ['65536'] }), 'spec.rules[0].to[0].operation.notPorts[0]', 'bad port', false],
  ['supported path templates', toRule({ paths: ['/path/template/{*}', '/{**}/path/template', '/a/{*}/b/{**}'] }), null, '', false],
  ['named path template variable', toRule({ paths: ['/{*}/foo/{bar}'] }), 'spec.rules[0].to[0].operation.paths[0]', 'invalid or unsupported path template', false],
  ['path template mixing {*} and /*', toRule({ notPaths: ['/{*}/foo/*'] }), 'spec.rules[0].to[0].operation.notPaths[0]', 'invalid or unsupported path template', false],
  ['condition without a key', whenRule({ values: ['v1', 'v2'] }), 'spec.rules[0].when[0].key', '`key` must not be empty', false],
  ['condition without values', whenRule({ key: 'source.principal' }), 'spec.rules[0].when[0]', 'at least one of `values` or `notValues` must be set', false],
  ['condition with a bad IP value', whenRule({ key: 'source.ip', values: ['a.b.c.d'] }), 'spec.rules[0].when[0].values[0]', 'invalid `value` for `key` source.ip', false],
  ['condition with a bad IP notValue', whenRule({ key: 'remote.ip', notValues: ['a.b.c.d'] }), 'spec.rules[0].when[0].notValues[0]', 'invalid `notValue`', false],
  ['condition with a bad port', whenRule({ key: 'destination.port', values: ['http'] }), 'spec.rules[0].when[0].values[0]', 'bad port', false],
  ['unknown condition key', whenRule({ key: 'key1', values: ['v1'] }), 'spec.rules[0].when[0].key', 'unknown attribute: key1', false],
  ['header condition without a name', whenRule({ key: 'request.headers[]', values: ['v1'] }), 'spec.rules[0].when[0].key', 'should have format a[b]', false],
  ['replaced condition key', whenRule({ key: 'destination.labels[app]', values: ['v1'] }), 'spec.rules[0].when[0].key', 'replaced by the workload selector', false],
  ['deprecated condition key', whenRule({ key: 'destination.user', values: ['v1'] }), 'spec.rules[0].when[0].key', 'only supported in v1alpha1', false],
  ['nested claim and experimental keys', { rules: [{ when: [{ key: 'request.auth.claims[a][b]', values: ['x'] }, { key: 'experimental.envoy.filters.a.b[c]', values: ['x'] }, { key: 'source.trustDomain', values: ['td'] }] }] }, null, '', false],
  ['DENY with only request principals warns', { action: 'DENY', selector, ...fromRule({ requestPrincipals: ['example.com/sub-1'] }) }, null, '', true],
  ['DENY with only methods warns', { action: 'DENY', selector, ...toRule({ methods: ['GET', 'DELETE'] }) }, null, '', true],
  ['DENY with principals and methods warns', { action: 'DENY', selector, rules: [{ from: [{ source: { principals: ['temp'] } }], to: [{ operation: { methods: ['GET'] } }] }] }, null, '', true],
  ['DENY with a port does not warn', { action: 'DENY', selector, rules: [portRule] }, null, '', false],
  ['a * in the middle is literal', toRule({ paths: ['/api/*/items'] }), null, '', true],
];

describe('AuthorizationPolicy semantic rules', () => {
  it.each(cases)('%s', (_name, spec, errorPath, message, warn) => {
    const { errors, warnings } = run(spec);
    if (errorPath === null) {
      expect(errors).toEqual([]);
      expect(warnings.length > 0).toBe(warn);
    } else {
      expect(errors).toContainEqual(expect.objectContaining({ path: errorPath, message: expect.stringContaining(message) }));
    }
  });

  it('warns about CUSTOM with its own code, so callers can tell "not yet" from "invalid"', () => {
    const { errors, warnings } = run({ action: 'CUSTOM', provider: { name: 'ext' }, rules: [{}] });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([expect.objectContaining({ code: 'WEFT_ERR_SEMANTIC_UNSUPPORTED', path: 'spec.action', message: expect.stringContaining('not supported yet by Weft') })]);
  });

  it.each([
    ['true', 'ALLOW', true],
    ['false', 'DENY', true],
    ['foo', 'ALLOW', false],
    ['true', 'CUSTOM', false],
    ['true', 'AUDIT', false],
  ] as const)('istio.io/dry-run=%s on %s valid=%s', (value, action, valid) => {
    const { errors } = run({ action, provider: action === 'CUSTOM' ? { name: 'x' } : undefined, rules: [{}] }, { 'istio.io/dry-run': value });
    const dryRun = errors.filter((e) => e.path === 'metadata.annotations["istio.io/dry-run"]');
    expect(dryRun.length === 0).toBe(valid);
  });
});
