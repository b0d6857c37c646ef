// AuthorizationPolicy value forms (Istio's pkg/config/security): IPs, ports, service accounts,
// path templates and `when` keys.

import { describe, expect, it } from 'vitest';
import {
  checkPathTemplates,
  checkServiceAccounts,
  isPathTemplate,
  literalStarWarning,
  validateConditionKey,
  validateConditionValues,
  validateIPs,
  validatePorts,
} from './authz-values.js';

const items = (...values: string[]): Array<[number, string]> => values.map((v, i) => [i, v]);

describe('authorization value forms', () => {
  it.each([
    ['1.2.3.4', true],
    ['5.6.0.0/16', true],
    ['2001:db8::/32', true],
    ['fe80::1%eth0', true],
    ['1.2.3.4/33', false],
    ['01.2.3.4', false],
    ['ip1', false],
    ['1.2.3.4/16/1', false],
  ])('IP or CIDR %j valid=%s', (v, ok) => {
    expect(validateIPs(items(v)).length === 0).toBe(ok);
  });

  it.each([
    ['80', true],
    ['0', true],
    ['65535', true],
    ['65536', false],
    ['-1', false],
    ['+80', false],
    ['http', false],
  ])('port %j valid=%s', (v, ok) => {
    expect(validatePorts(items(v)).length === 0).toBe(ok);
  });

  it.each([
    ['sa', true],
    ['ns/sa', true],
    ['', false],
    ['ns/', false],
    ['/sa', false],
    ['a/b/c', false],
  ])('service account %j valid=%s', (v, ok) => {
    expect(checkServiceAccounts('serviceAccounts', items(v)).length === 0).toBe(ok);
  });

  it.each([
    ['/exact', false, true],
    ['/prefix/*', false, true],
    ['/path/template/{*}', true, true],
    ['/{**}/path/template', true, true],
    ['/foo/{*}/bar/{**}', true, true],
    ['/{*}/foo/{bar}', true, false],
    ['/{*}/foo/{bar=*}', true, false],
    ['/{**}/*', true, false],
    ['/{*}/{}', true, false],
  ])('path %j template=%s valid=%s', (p, template, ok) => {
    expect(isPathTemplate(p)).toBe(template);
    expect(checkPathTemplates('paths', items(p)).length === 0).toBe(ok);
  });

  it.each([
    ['*', false],
    ['*.example.com', false],
    ['/prefix/*', false],
    ['/a/{*}/b', false],
    ['/api/*/items', true],
    ['*foo*', true],
  ])('literal star warning for %j: %s', (v, warn) => {
    expect(literalStarWarning(v) !== undefined).toBe(warn);
  });
});

describe('when condition keys', () => {
  it.each([
    ['request.headers[User-Agent]', undefined],
    ['request.auth.claims[iss]', undefined],
    ['request.auth.claims[nested1][nested2]', undefined],
    ['experimental.envoy.filters.a.b[c]', undefined],
    ['source.ip', undefined],
    ['remote.ip', undefined],
    ['source.namespace', undefined],
    ['source.principal', undefined],
    ['source.trustDomain', undefined],
    ['request.auth.principal', undefined],
    ['request.auth.audiences', undefined],
    ['request.auth.presenter', undefined],
    ['destination.ip', undefined],
    ['destination.port', undefined],
    ['connection.sni', undefined],
    ['request.headers', 'should have format a[b]'],
    ['request.headers[]', 'should have format a[b]'],
    ['request.auth.claims[a', 'should have format a[b]'],
    ['destination.namespace', 'replaced by the metadata.namespace'],
    ['destination.labels[app]', 'replaced by the workload selector'],
    ['destination.name', 'only supported in v1alpha1'],
    ['destination.user', 'only supported in v1alpha1'],
    ['source.ipaddress', 'unknown attribute'],
  ])('%s', (key, want) => {
    const got = validateConditionKey(key);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toEqual(expect.stringContaining(want));
  });

  it('checks the values by the key: IPs, ports, and no empty strings', () => {
    expect(validateConditionValues('destination.ip', items('10.0.0.1', 'x')).map((f) => f.index)).toEqual([1]);
    expect(validateConditionValues('destination.port', items('80', '99999')).map((f) => f.index)).toEqual([1]);
    expect(validateConditionValues('request.headers[x]', items('a', '')).map((f) => f.index)).toEqual([1]);
    expect(validateConditionValues('connection.sni', items('*.example.com'))).toEqual([]);
  });
});
