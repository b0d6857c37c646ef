// RequestAuthentication semantic rules, table-driven from Istio's TestValidateRequestAuthentication
// and the CRD test data.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'security.istio.io', version: 'v1', kind: 'RequestAuthentication' };

function run(spec: unknown, annotations?: Record<string, string>) {
  const metadata = { name: 'foo', namespace: 'bar', ...(annotations ? { annotations } : {}) };
  return validateSemantic(GVK, { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata, spec });
}

const JWKS =
  '{ "keys":[ {"e":"AQAB","kid":"DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ","kty":"RSA","n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ"}]}';
const rule = (extra: Record<string, unknown>) => ({ jwtRules: [{ issuer: 'foo.com', jwksUri: 'https://foo.com/cert', ...extra }] });
const gatewayRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'foo' };

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  ['empty spec', {}, null, '', false],
  ['selector without labels warns', { selector: {} }, null, '', true],
  ['selector', { selector: { matchLabels: { app: 'httpbin' } } }, null, '', false],
  ['empty jwt rule', { jwtRules: [{}] }, 'spec.jwtRules[0].issuer', 'issuer or jwksUri must be non-empty string', false],
  ['jwksUri without an issuer', { jwtRules: [{ jwksUri: 'https://foo.com/cert' }] }, null, '', false],
  ['jwksUri without a scheme', { jwtRules: [{ issuer: 'foo.com', jwksUri: 'foo.com' }] }, 'spec.jwtRules[0].jwksUri', 'URI scheme "" is not supported', false],
  ['jwksUri with a bad port', { jwtRules: [{ issuer: 'foo.com', jwksUri: 'https://foo.com:not-a-number' }] }, 'spec.jwtRules[0].jwksUri', 'invalid port', false],
  ['jwksUri with a control character', { jwtRules: [{ issuer: 'e', jwksUri: 'hTPp\\\blah' }] }, 'spec.jwtRules[0].jwksUri', 'invalid control character', false],
  ['jwksUri over ftp', { jwtRules: [{ issuer: 'e', jwksUri: 'ftp://keys.example.com/jwks' }] }, 'spec.jwtRules[0].jwksUri', 'URI scheme "ftp" is not supported', false],
  ['jwks_uri spelling', { jwtRules: [{ issuer: 'e', jwks_uri: 'foo.com' }] }, 'spec.jwtRules[0].jwks_uri', 'not supported', false],
  ['selector label with an empty value', { selector: { matchLabels: { app: 'httpbin', version: '' } }, ...rule({}) }, null, '', false],
  ['selector with an empty key', { selector: { matchLabels: { app: 'httpbin', '': 'v1' } }, ...rule({}) }, 'spec.selector.matchLabels[""]', 'empty key', false],
  ['targetRef', { targetRef: gatewayRef, ...rule({}) }, null, '', false],
  ['targetRef without a name', { targetRef: { group: gatewayRef.group, kind: gatewayRef.kind }, ...rule({}) }, 'spec.targetRef.name', 'must be set', false],
  ['targetRef in another namespace', { targetRef: { ...gatewayRef, namespace: 'bar' }, ...rule({}) }, 'spec.targetRef.namespace', 'must not be set', false],
  ['targetRef to a wrong group', { targetRef: { ...gatewayRef, group: 'wrong-group' }, ...rule({}) }, 'spec.targetRef', 'targetRef must be to one of', false],
  ['targetRef and selector', { targetRef: gatewayRef, selector: { matchLabels: { app: 'httpbin' } }, ...rule({}) }, 'spec', 'only one of', false],
  ['targetRef and targetRefs', { targetRef: gatewayRef, targetRefs: [gatewayRef], ...rule({}) }, 'spec', 'only one of', false],
  ['header location without a name', rule({ fromHeaders: [{ name: '', prefix: 'Bearer ' }] }), 'spec.jwtRules[0].fromHeaders[0].name', 'location header name must be non-empty string', false],
  ['null header location', rule({ fromHeaders: [null] }), 'spec.jwtRules[0].fromHeaders[0]', 'must be non-null', false],
  ['empty param location', rule({ fromParams: [''] }), 'spec.jwtRules[0].fromParams[0]', 'location query must be non-empty string', false],
  ['good header location', rule({ fromHeaders: [{ name: 'x-foo', prefix: 'Bearer ' }] }), null, '', false],
  ['empty cookie location', rule({ fromCookies: ['', 'foo'] }), 'spec.jwtRules[0].fromCookies[0]', 'cookie name must be non-empty string', false],
  ['empty audience', rule({ audiences: [''] }), 'spec.jwtRules[0].audiences[0]', 'audience must be non-empty string', false],
  ['inline jwks', { jwtRules: [{ issuer: 'foo.com', jwks: JWKS }] }, null, '', false],
  ['inline jwks that is not JSON', { jwtRules: [{ issuer: 'foo.com', jwks: 'foo' }] }, 'spec.jwtRules[0].jwks', 'jwks parse error', false],
  ['inline jwks with an unknown key type', { jwtRules: [{ issuer: 'foo.com', jwks: '{"keys":[{"kty":"XYZ"}]}' }] }, 'spec.jwtRules[0].jwks', 'invalid key type', false],
  ['inline jwks RSA key without a modulus', { jwtRules: [{ issuer: 'foo.com', jwks: '{"kty":"RSA","e":"AQAB"}' }] }, 'spec.jwtRules[0].jwks', 'required field n', false],
  ['null outputClaimToHeaders entry', rule({ outputClaimToHeaders: [null] }), 'spec.jwtRules[0].outputClaimToHeaders[0]', 'must not be null', false],
  ['empty claim', rule({ outputClaimToHeaders: [{ header: 'x-jwt-claim', claim: '' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0]', 'must be non-empty string', false],
  ['empty header', rule({ outputClaimToHeaders: [{ header: '', claim: 'sub' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0]', 'must be non-empty string', false],
  ['invalid header', rule({ outputClaimToHeaders: [{ header: 'abc%123', claim: 'sub' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0].header', 'not a valid header name', false],
  ['pseudo header', rule({ outputClaimToHeaders: [{ header: ':authority', claim: 'sub' }] }), 'spec.jwtRules[0].outputClaimToHeaders[0].header', 'not a valid header name', false],
  ['good outputClaimToHeaders', rule({ outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }] }), null, '', false],
  ['bad timeout', rule({ timeout: 'apple' }), 'spec.jwtRules[0].timeout', 'invalid duration', false],
  ['sub-millisecond timeout', rule({ timeout: '100us' }), 'spec.jwtRules[0].timeout', 'greater than 1ms', false],
  ['good timeout', rule({ timeout: '5s' }), null, '', false],
  ['duplicate issuers warn', { jwtRules: [{ issuer: 'a', jwksUri: 'https://a/keys' }, { issuer: 'a', jwksUri: 'https://b/keys' }] }, null, '', true],
];

describe('RequestAuthentication semantic rules', () => {
  it.each(cases)('%s', (_name, spec, errorPath, message, warn) => {
    const { errors, warnings } = run(spec);
    if (errorPath === null) {
      expect(errors).toEqual([]);
      expect(warnings.length > 0).toBe(warn);
    } else {
      expect(errors).toContainEqual(expect.objectContaining({ path: errorPath, message: expect.stringContaining(message) }));
    }
  });

  it('refuses the dry-run annotation, which only AuthorizationPolicy supports', () => {
    expect(run({}, { 'istio.io/dry-run': 'true' }).errors.map((e) => e.path)).toEqual(['metadata.annotations["istio.io/dry-run"]']);
  });
});
