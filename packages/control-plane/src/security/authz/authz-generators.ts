// One generator per AuthorizationPolicy attribute (Istio pilot/pkg/security/authz/model/generator.go):
// how a value of `principals`, `paths`, `request.auth.claims[...]`, ... becomes an Envoy RBAC
// Permission or Principal. Which attribute uses which generator, and how the results are combined,
// is authz-rule-model.ts.

import { toAuthzCidrRange } from './authz-cidr.js';
import {
  containsPathTemplate,
  headerMatcher,
  hostMatcher,
  hostMatcherWithRegex,
  metadataListOrValueMatcher,
  metadataValueMatcher,
  orValueMatcher,
  pathTemplate,
  quoteMeta,
  stringMatcher,
  stringMatcherExact,
  stringMatcherPrefix,
  stringMatcherRegex,
  stringMatcherSuffix,
  stringMatcherWithPrefix,
  stringOrValueMatcher,
} from './authz-matchers.js';
import type { PermissionShape, PrincipalShape, StringMatcherShape, ValueMatcherShape } from './rbac-shapes.js';

/** Why a value could not be translated. For ALLOW rules it drops the whole rule; DENY and AUDIT rules
 *  only lose that value (authz-rule-model.ts). */
export interface GenerateError {
  readonly error: string;
}

export const isGenerateError = (x: unknown): x is GenerateError => typeof x === 'object' && x !== null && 'error' in x;
const fail = (error: string): GenerateError => ({ error });
const httpOnly = (key: string): GenerateError => fail(`"${key}" is HTTP only`);

/** A generator that turns each value into its own matcher (the results are OR-ed by the caller). */
export interface ValueGenerator {
  readonly kind: 'value';
  permission?(key: string, value: string, forTCP: boolean): PermissionShape | GenerateError;
  principal?(key: string, value: string, forTCP: boolean): PrincipalShape | GenerateError;
}

/** A generator that turns all values of an attribute into one matcher (Istio's extendedGenerator). */
export interface ExtendedGenerator {
  readonly kind: 'extended';
  permission?(key: string, values: readonly string[], forTCP: boolean): PermissionShape | GenerateError;
  principal?(key: string, values: readonly string[], forTCP: boolean): PrincipalShape | GenerateError;
}

export type AttributeGenerator = ValueGenerator | ExtendedGenerator;

/** Envoy's jwt_authn filter: it stores the verified token's payload in dynamic metadata under this
 *  filter name, key `payload` (Istio filters.EnvoyJwtFilterName / EnvoyJwtFilterPayload). */
export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
const JWT_PAYLOAD = 'payload';
/** SPIFFE URI prefix of peer principals (Istio spiffe.URIPrefix). */
export const SPIFFE_PREFIX = 'spiffe://';
/** The URI template matcher extension (envoy.extensions.path.match.uri_template.v3). */
export const URI_TEMPLATE_TYPE_URL = 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig';

const authenticated = (principal_name: StringMatcherShape): PrincipalShape => ({ authenticated: { principal_name } });
const metadataPrincipal = (m: ReturnType<typeof metadataValueMatcher>): PrincipalShape => ({ metadata: m });
const jwtClaim = (claim: string, m: StringMatcherShape): PrincipalShape => metadataPrincipal(metadataValueMatcher(JWT_AUTHN_FILTER, [JWT_PAYLOAD, claim], { string_match: m }));

/** Istio convertToPort: a decimal port 0-65535. */
function toPort(v: string): number | GenerateError {
  return /^[0-9]+$/.test(v) && Number(v) <= 65535 ? Number(v) : fail(`invalid port ${v}`);
}

/** The name inside `[...]` of `request.headers[...]`-style keys (Istio extractNameInBrackets). */
export function nameInBrackets(s: string): string | GenerateError {
  return s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : fail(`expecting format [<NAME>], but found ${s}`);
}

/** `[a][b]` → [a, b]; anything else is read as one bracketed name (Istio extractNameInNestedBrackets). */
export function namesInNestedBrackets(s: string): string[] | GenerateError {
  const names: string[] = [];
  for (let begin = 0; begin < s.length; ) {
    let end = -1;
    if (s[begin] === '[') {
      for (let i = begin + 1; i < s.length; i++) {
        if (s[i] === '[') break;
        if (s[i] === ']') {
          end = i;
          break;
        }
      }
    }
    if (end === -1) {
      const one = nameInBrackets(s);
      return isGenerateError(one) ? one : [one];
    }
    names.push(s.slice(begin + 1, end));
    begin = end + 1;
  }
  return names;
}

const withCidr = <T>(value: string, make: (c: Exclude<ReturnType<typeof toAuthzCidrRange>, string>) => T): T | GenerateError => {
  const cidr = toAuthzCidrRange(value);
  return typeof cidr === 'string' ? fail(cidr) : make(cidr);
};

export const destIpGenerator: ValueGenerator = {
  kind: 'value',
  permission: (_k, value) => withCidr(value, (c): PermissionShape => ({ destination_ip: c })),
};

export const destPortGenerator: ValueGenerator = {
  kind: 'value',
  permission: (_k, value) => {
    const port = toPort(value);
    return isGenerateError(port) ? port : { destination_port: port };
  },
};

export const connSniGenerator: ValueGenerator = {
  kind: 'value',
  permission: (_k, value) => ({ requested_server_name: stringMatcher(value) }),
};

/** `experimental.envoy.filters.a.b[c]`: dynamic metadata of filter `envoy.filters.a.b`, key `c`; a value
 *  written `[v]` matches a list element. */
export const envoyFilterGenerator: ExtendedGenerator = {
  kind: 'extended',
  permission: (key, values) => {
    const body = (key.startsWith('experimental.') ? key.slice('experimental.'.length) : key).replace(/\]$/, '');
    const open = body.indexOf('[');
    if (open < 0) return fail(`invalid key: ${key}`);
    const matchers = values.map((v): ValueMatcherShape =>
      v.startsWith('[') && v.endsWith(']') ? { list_match: { one_of: { string_match: stringMatcher(v.replace(/^[[\]]+|[[\]]+$/g, '')) } } } : { string_match: stringMatcher(v) },
    );
    return { metadata: metadataValueMatcher(body.slice(0, open), [body.slice(open + 1)], orValueMatcher(matchers)) };
  },
};

export const srcIpGenerator: ValueGenerator = {
  kind: 'value',
  principal: (_k, value) => withCidr(value, (c): PrincipalShape => ({ direct_remote_ip: c })),
};

export const remoteIpGenerator: ValueGenerator = {
  kind: 'value',
  principal: (_k, value) => withCidr(value, (c): PrincipalShape => ({ remote_ip: c })),
};

/** A namespace matches the `/ns/<namespace>/` segment of the peer's SPIFFE identity. */
export const srcNamespaceGenerator: ValueGenerator = {
  kind: 'value',
  principal: (_k, value) => authenticated(stringMatcherRegex(`.*/ns/${quoteMeta(value).replaceAll('\\*', '.*')}/.*`)),
};

/** Istio serviceAccountRegex: `<sa>` (the policy's namespace) or `<ns>/<sa>`, with any trust domain and
 *  optional extra path segments around `/sa/<sa>`. */
export function serviceAccountRegex(defaultNamespace: string, value: string): string {
  const slash = value.indexOf('/');
  const ns = slash < 0 ? defaultNamespace : value.slice(0, slash);
  const sa = slash < 0 ? value : value.slice(slash + 1);
  return `spiffe://.+/ns/${quoteMeta(ns)}/(.+/|)sa/${quoteMeta(sa)}(/.+)?`;
}

export const srcServiceAccountGenerator = (policyNamespace: string): ValueGenerator => ({
  kind: 'value',
  principal: (_k, value) => authenticated(stringMatcherRegex(serviceAccountRegex(policyNamespace, value))),
});

export const srcPrincipalGenerator: ValueGenerator = {
  kind: 'value',
  principal: (_k, value) => authenticated(stringMatcherWithPrefix(value, SPIFFE_PREFIX)),
};

/**
 * `trustDomains`: the trust domain part of the peer's SPIFFE identity. Exact and `prefix*` follow
 * Istio's goldens (`spiffe://td/` prefix; `spiffe://td[^/]*\/.*`); `*suffix` and `*` are written the
 * same way by analogy (Istio's source for this field was not available to check).
 */
export const srcTrustDomainGenerator: ValueGenerator = {
  kind: 'value',
  principal: (_k, value) => {
    if (value === '*') return authenticated(stringMatcherRegex(`${SPIFFE_PREFIX}[^/]+/.*`));
    if (value.startsWith('*')) return authenticated(stringMatcherRegex(`${SPIFFE_PREFIX}[^/]*${quoteMeta(value.slice(1))}/.*`));
    if (value.endsWith('*')) return authenticated(stringMatcherRegex(`${SPIFFE_PREFIX}${quoteMeta(value.slice(0, -1))}[^/]*/.*`));
    return authenticated(stringMatcherPrefix(`${SPIFFE_PREFIX}${value}/`));
  },
};

const MATCH_ANY = stringMatcherRegex('.+');

/**
 * `requestPrincipals` / `request.auth.principal`: `<iss>/<sub>` (split at the last `/`, issuers are
 * URLs), each half matched against the JWT payload's `iss` and `sub` claims. All values become one
 * OR of (iss AND sub) pairs.
 */
export const requestPrincipalGenerator: ExtendedGenerator = {
  kind: 'extended',
  principal: (key, values, forTCP) => {
    if (forTCP) return httpOnly(key);
    const or = values.map((value): PrincipalShape => {
      const idx = value.lastIndexOf('/');
      const found = idx >= 0;
      const iss = found ? value.slice(0, idx) : value;
      const sub = found ? value.slice(idx + 1) : '';
      let matchIss: StringMatcherShape;
      let matchSub: StringMatcherShape;
      if (value === '*') {
        matchIss = MATCH_ANY;
        matchSub = MATCH_ANY;
      } else if (value.startsWith('*')) {
        if (found) {
          matchIss = iss === '*' ? MATCH_ANY : stringMatcherSuffix(iss.slice(1));
          matchSub = stringMatcherExact(sub);
        } else {
          matchIss = MATCH_ANY;
          matchSub = stringMatcherSuffix(value.slice(1));
        }
      } else if (value.endsWith('*')) {
        if (found) {
          matchIss = stringMatcherExact(iss);
          matchSub = sub === '*' ? MATCH_ANY : stringMatcherPrefix(sub.slice(0, -1));
        } else {
          matchIss = stringMatcherPrefix(value.slice(0, -1));
          matchSub = MATCH_ANY;
        }
      } else {
        matchIss = stringMatcherExact(iss);
        matchSub = stringMatcherExact(sub);
      }
      return { and_ids: { ids: [jwtClaim('iss', matchIss), jwtClaim('sub', matchSub)] } };
    });
    return or.length === 1 ? (or[0] as PrincipalShape) : { or_ids: { ids: or } };
  },
};

/** A JWT claim (string or list of strings) matched against any of the values. */
const jwtClaimsGenerator = (claims: (key: string) => string[] | GenerateError): ExtendedGenerator => ({
  kind: 'extended',
  principal: (key, values, forTCP) => {
    if (forTCP) return httpOnly(key);
    const path = claims(key);
    if (isGenerateError(path)) return path;
    return metadataPrincipal(metadataListOrValueMatcher(JWT_AUTHN_FILTER, [JWT_PAYLOAD, ...path], stringOrValueMatcher(values)));
  },
});

export const requestAudiencesGenerator = jwtClaimsGenerator(() => ['aud']);
export const requestPresenterGenerator = jwtClaimsGenerator(() => ['azp']);
/** `request.auth.claims[a][b]`: the nested claim a.b. */
export const requestClaimGenerator = (prefix: string): ExtendedGenerator => jwtClaimsGenerator((key) => namesInNestedBrackets(key.slice(prefix.length)));

/** `request.headers[Name]`. */
export const requestHeaderGenerator = (prefix: string): ValueGenerator => ({
  kind: 'value',
  principal: (key, value, forTCP) => {
    if (forTCP) return httpOnly(key);
    const name = nameInBrackets(key.slice(prefix.length));
    return isGenerateError(name) ? name : { header: headerMatcher(name, value) };
  },
});

export const hostGenerator = (legacyRegex: boolean): ValueGenerator => ({
  kind: 'value',
  permission: (key, value, forTCP) => (forTCP ? httpOnly(key) : { header: legacyRegex ? hostMatcherWithRegex(':authority', value) : hostMatcher(':authority', value) }),
});

/** `paths`: a URI template when the value uses `{*}` / `{**}`, else a path string match (no query). */
export const pathGenerator: ValueGenerator = {
  kind: 'value',
  permission: (key, value, forTCP) => {
    if (forTCP) return httpOnly(key);
    if (containsPathTemplate(value)) return { uri_template: { name: 'uri-template', typed_config: { '@type': URI_TEMPLATE_TYPE_URL, path_template: pathTemplate(value) } } };
    return { url_path: { path: stringMatcher(value) } };
  },
};

export const methodGenerator: ValueGenerator = {
  kind: 'value',
  permission: (key, value, forTCP) => (forTCP ? httpOnly(key) : { header: headerMatcher(':method', value) }),
};
