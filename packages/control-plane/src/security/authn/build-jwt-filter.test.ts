// RequestAuthentication → jwt_authn, case by case as Istio's TestJwtFilter (pilot/pkg/security/authn
// policy_applier_test.go, istiod fetch mode) expects it: provider names, requirement trees, inline keys,
// the fake key on a failed fetch, and every JWTRule field that reaches the provider. Each filter must
// also pack as Envoy's JwtAuthentication.

import { packAny, TYPE_URL, unpackAny } from '@weft/shared/xds';
import type { JWTRule, RequestAuthenticationSpec } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { buildJwtAuthentication, buildJwtFilter, spaceDelimitedClaims } from './build-jwt-filter.js';
import { jwksKey } from './jwks-resolver.js';
import { PUBLIC_ONLY_JWKS } from './public-only-jwks.js';
import { jwtRulesOf, selectRequestAuthentications, type RequestAuthnItem } from './select-request-authentications.js';

const JWKS_1 = '{"keys":[{"kty":"RSA","e":"AQAB","n":"one","kid":"k1"}]}';
const JWKS_URI = 'http://127.0.0.1:9/oauth2/v3/certs';
const resolved = new Map([[jwksKey('https://secret.foo.com', JWKS_URI), JWKS_1]]);
const lookup = (issuer: string, uri: string): string | undefined => resolved.get(jwksKey(issuer, uri));
const SIDECAR = { jwks: lookup, clearRouteCache: false };

const policy = (spec: RequestAuthenticationSpec, name = 'p', namespace = 'foo', order = 0): RequestAuthnItem => ({ name, namespace, spec, order });
const build = (specs: RequestAuthenticationSpec[], options = SIDECAR) => buildJwtAuthentication(jwtRulesOf(specs.map((s, i) => policy(s, `p${i}`, 'foo', i))), options);

/** The requirement Istio builds for one provider: the provider or no token at all. */
const orMissing = (name: string) => ({ requires_any: { requirements: [{ provider_name: name }, { allow_missing: {} }] } });
const DEFAULTS = { payload_in_metadata: 'payload', normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'scope'] } };

/** Packs and decodes `config` as Envoy's JwtAuthentication: what a proxy would receive. */
const wire = (config: Record<string, unknown> | undefined): Record<string, unknown> => {
  const decoded = unpackAny(packAny(TYPE_URL.JWT_AUTHN, config ?? {}));
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.message;
};

describe('buildJwtAuthentication (Istio TestJwtFilter, istiod JWKS fetch)', () => {
  it('builds nothing without policies or without rules', () => {
    expect(build([])).toBeUndefined();
    expect(build([{}])).toBeUndefined();
    expect(buildJwtFilter([], SIDECAR)).toBeUndefined();
  });

  it('single rule: origins-0 or no token, on every path, with the fetched keys inline', () => {
    const config = build([{ jwtRules: [{ issuer: 'https://secret.foo.com', jwksUri: JWKS_URI }] }]);
    expect(config).toEqual({
      providers: { 'origins-0': { issuer: 'https://secret.foo.com', local_jwks: { inline_string: JWKS_1 }, ...DEFAULTS } },
      rules: [{ match: { prefix: '/' }, requires: orMissing('origins-0') }],
      bypass_cors_preflight: true,
    });
    expect(wire(config)).toEqual(config);
  });

  it('a key set that could not be fetched is replaced by a key nobody can sign for (fail closed)', () => {
    const config = build([{ jwtRules: [{ issuer: 'https://down.example', jwksUri: 'http://127.0.0.1:9/down' }] }]);
    expect((config?.providers as Record<string, { local_jwks: unknown }>)['origins-0']?.local_jwks).toEqual({ inline_string: PUBLIC_ONLY_JWKS });
    const key = JSON.parse(PUBLIC_ONLY_JWKS) as { keys: { kty: string; n: string; d?: string }[] };
    expect(key.keys).toHaveLength(1);
    expect(key.keys[0]).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    expect(key.keys[0]?.d).toBeUndefined();
  });

  it('several rules (policies merged, empty ones ignored): sorted by issuer, any provider, and each present token valid', () => {
    const config = build([{ jwtRules: [{ issuer: 'https://secret.foo.com', jwksUri: JWKS_URI }] }, {}, { jwtRules: [{ issuer: 'https://secret.bar.com', jwks: 'jwks-inline-data' }] }]);
    expect(config).toEqual({
      providers: {
        'origins-0': { issuer: 'https://secret.bar.com', local_jwks: { inline_string: 'jwks-inline-data' }, ...DEFAULTS },
        'origins-1': { issuer: 'https://secret.foo.com', local_jwks: { inline_string: JWKS_1 }, ...DEFAULTS },
      },
      rules: [
        {
          match: { prefix: '/' },
          requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { provider_name: 'origins-1' }, { requires_all: { requirements: [orMissing('origins-0'), orMissing('origins-1')] } }] } },
        },
      ],
      bypass_cors_preflight: true,
    });
    expect(wire(config)).toEqual(config);
  });

  it('carries every JWTRule field Istio copies into the provider', () => {
    const rule: JWTRule = {
      issuer: 'https://secret.foo.com',
      audiences: ['a', 'b'],
      jwks: JWKS_1,
      forwardOriginalToken: true,
      outputPayloadToHeader: 'x-jwt-payload',
      fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }, { name: 'x-raw' }],
      fromParams: ['token'],
      fromCookies: ['session'],
      outputClaimToHeaders: [{ header: 'x-sub', claim: 'sub' }],
      spaceDelimitedClaims: ['roles', 'scope'],
    };
    const config = build([{ jwtRules: [rule] }]);
    const provider = {
      issuer: 'https://secret.foo.com',
      audiences: ['a', 'b'],
      local_jwks: { inline_string: JWKS_1 },
      forward: true,
      from_headers: [{ name: 'x-jwt', value_prefix: 'Bearer ' }, { name: 'x-raw' }],
      from_params: ['token'],
      forward_payload_header: 'x-jwt-payload',
      payload_in_metadata: 'payload',
      from_cookies: ['session'],
      claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }],
      normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'roles', 'scope'] },
    };
    expect(config?.providers).toEqual({ 'origins-0': provider });
    expect((wire(config).providers as Record<string, unknown>)['origins-0']).toEqual(provider);
  });

  it('sets clear_route_cache for gateways only, as Istio does for every proxy that is not a sidecar', () => {
    const rules: JWTRule[] = [{ issuer: 'https://secret.foo.com', jwksUri: JWKS_URI }];
    expect((buildJwtAuthentication(rules, { jwks: lookup, clearRouteCache: true })?.providers as Record<string, object>)['origins-0']).toMatchObject({ clear_route_cache: true });
    expect((buildJwtAuthentication(rules, SIDECAR)?.providers as Record<string, object>)['origins-0']).not.toHaveProperty('clear_route_cache');
  });

  it('names the filter and its type as Istio (envoy.filters.http.jwt_authn, JwtAuthentication)', () => {
    const filter = buildJwtFilter([{ issuer: 'i', jwks: JWKS_1 }], SIDECAR);
    expect(filter).toMatchObject({ name: 'envoy.filters.http.jwt_authn', typed_config: { '@type': TYPE_URL.JWT_AUTHN } });
  });
});

describe('spaceDelimitedClaims (Istio buildSpaceDelimitedClaims)', () => {
  it.each([
    [undefined, ['permission', 'scope']],
    [[], ['permission', 'scope']],
    [['customClaim1', 'customClaim2'], ['customClaim1', 'customClaim2', 'permission', 'scope']],
    [['scope', 'scope', 'a'], ['a', 'permission', 'scope']],
  ])('%j → %j', (input, expected) => {
    expect(spaceDelimitedClaims(input)).toEqual(expected);
  });
});

describe('selectRequestAuthentications', () => {
  const root = 'istio-system';
  const workload = { namespace: 'foo', labels: { app: 'httpbin', version: 'v1' } };
  const all: RequestAuthnItem[] = [
    policy({ jwtRules: [{ issuer: 'root' }] }, 'mesh', root, 0),
    policy({ selector: { matchLabels: { app: 'httpbin' } }, jwtRules: [{ issuer: 'selected' }] }, 'httpbin', 'foo', 1),
    policy({ selector: { matchLabels: { app: 'other' } }, jwtRules: [{ issuer: 'other' }] }, 'other', 'foo', 2),
    policy({ jwtRules: [{ issuer: 'ns' }] }, 'ns-wide', 'foo', 3),
    policy({ jwtRules: [{ issuer: 'bar' }] }, 'bar', 'bar', 4),
    policy({ targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], jwtRules: [{ issuer: 'gw' }] }, 'gw', 'foo', 5),
  ];

  it("takes the workload namespace's policies that select it, then the root namespace's; never other namespaces or targetRef policies", () => {
    expect(selectRequestAuthentications(all, workload, root).map((p) => p.name)).toEqual(['httpbin', 'ns-wide', 'mesh']);
  });

  it('gives a Gateway API gateway the policies naming it by targetRefs', () => {
    const gateway = { namespace: 'foo', labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } };
    expect(selectRequestAuthentications(all, gateway, root).map((p) => p.name)).toEqual(['ns-wide', 'gw', 'mesh']);
  });

  it('sorts the merged rules by issuer (Go byte order)', () => {
    expect(jwtRulesOf(selectRequestAuthentications(all, workload, root)).map((r) => r.issuer)).toEqual(['ns', 'root', 'selected']);
  });
});
