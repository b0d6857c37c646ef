// The Envoy RBAC messages the authorization builder emits, in the decoded shape weftd's generators use
// (proto field names, wrappers as `{ value }`, nested Any as `{ '@type', ...fields }`): envoy.config.rbac.v3
// Permission / Principal / Policy / RBAC and the matchers inside them. Types only.

/** envoy.type.matcher.v3.StringMatcher as Istio builds it (one pattern; ignore_case only when true). */
export type StringMatcherShape =
  | { readonly exact: string; readonly ignore_case?: true }
  | { readonly prefix: string; readonly ignore_case?: true }
  | { readonly suffix: string; readonly ignore_case?: true }
  | { readonly safe_regex: { readonly regex: string } };

/** envoy.config.route.v3.HeaderMatcher (the forms Istio uses). */
export type HeaderMatcherShape =
  | { readonly name: string; readonly present_match: true }
  | { readonly name: string; readonly string_match: StringMatcherShape }
  | { readonly name: string; readonly safe_regex_match: { readonly regex: string } };

/** envoy.type.matcher.v3.ValueMatcher (the forms Istio uses). */
export type ValueMatcherShape =
  | { readonly string_match: StringMatcherShape }
  | { readonly list_match: { readonly one_of: ValueMatcherShape } }
  | { readonly or_match: { readonly value_matchers: readonly ValueMatcherShape[] } };

/** envoy.type.matcher.v3.MetadataMatcher over a dynamic metadata namespace. */
export interface MetadataMatcherShape {
  readonly filter: string;
  readonly path: readonly { readonly key: string }[];
  readonly value: ValueMatcherShape;
}

/** envoy.config.core.v3.CidrRange. */
export interface CidrRangeShape {
  readonly address_prefix: string;
  readonly prefix_len: { readonly value: number };
}

/** envoy.config.rbac.v3.Permission: what the request does. */
export type PermissionShape =
  | { readonly and_rules: { readonly rules: readonly PermissionShape[] } }
  | { readonly or_rules: { readonly rules: readonly PermissionShape[] } }
  | { readonly not_rule: PermissionShape }
  | { readonly any: true }
  | { readonly header: HeaderMatcherShape }
  | { readonly url_path: { readonly path: StringMatcherShape } }
  | { readonly uri_template: { readonly name: string; readonly typed_config: { readonly '@type': string; readonly path_template: string } } }
  | { readonly destination_ip: CidrRangeShape }
  | { readonly destination_port: number }
  | { readonly requested_server_name: StringMatcherShape }
  | { readonly metadata: MetadataMatcherShape };

/** envoy.config.rbac.v3.Principal: who sends the request. */
export type PrincipalShape =
  | { readonly and_ids: { readonly ids: readonly PrincipalShape[] } }
  | { readonly or_ids: { readonly ids: readonly PrincipalShape[] } }
  | { readonly not_id: PrincipalShape }
  | { readonly any: true }
  | { readonly authenticated: { readonly principal_name: StringMatcherShape } }
  | { readonly direct_remote_ip: CidrRangeShape }
  | { readonly remote_ip: CidrRangeShape }
  | { readonly header: HeaderMatcherShape }
  | { readonly metadata: MetadataMatcherShape };

/** envoy.config.rbac.v3.Policy: matches when any permission and any principal match. */
export interface RbacPolicyShape {
  readonly permissions: readonly PermissionShape[];
  readonly principals: readonly PrincipalShape[];
}

/** The RBAC actions Istio emits. ALLOW is the proto default and is therefore never written. */
export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

/** envoy.config.rbac.v3.RBAC: an action and named policies. `action` is absent for ALLOW. */
export interface RbacRulesShape {
  readonly action?: 'DENY' | 'LOG';
  readonly policies: Readonly<Record<string, RbacPolicyShape>>;
}

/** An entry of an HCM's http_filters (envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter). */
export interface EnvoyHttpFilterShape {
  readonly name: string;
  readonly typed_config: Readonly<Record<string, unknown>> & { readonly '@type': string };
}

/** An entry of a filter chain's filters (envoy.config.listener.v3.Filter). */
export interface EnvoyNetworkFilterShape {
  readonly name: string;
  readonly typed_config: Readonly<Record<string, unknown>> & { readonly '@type': string };
}
