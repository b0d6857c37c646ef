// The slice of Envoy v3 resources the simulator reads, typed in their JSON shape (snake_case proto
// field names, nested Any as `{ '@type', ...fields }`, 64-bit integers as number or decimal string),
// plus the two readers every matcher needs (wrapper types, typed_config type names). Envoy's protos are the spec.

/** int64 / uint64 fields arrive as decimal strings from protobufjs (`longs: String`), as numbers when hand-written. */
export type Int64 = number | string;

/** google.protobuf.UInt32Value / BoolValue wrappers. */
export interface Wrapped<T> {
  readonly value?: T;
}

/** google.protobuf.Duration. */
export interface Duration {
  readonly seconds?: Int64;
  readonly nanos?: number;
}

/** A nested google.protobuf.Any, Envoy-YAML style. */
export interface TypedConfig {
  readonly '@type'?: string;
  readonly [field: string]: unknown;
}

/** config.core.v3.CidrRange. */
export interface CidrRange {
  readonly address_prefix?: string;
  readonly prefix_len?: Wrapped<number> | number;
}

/** config.core.v3.SocketAddress inside config.core.v3.Address. */
export interface Address {
  readonly socket_address?: { readonly address?: string; readonly port_value?: number; readonly protocol?: string };
}

/** type.matcher.v3.RegexMatcher. */
export interface RegexMatcher {
  readonly regex?: string;
}

/** type.matcher.v3.StringMatcher. */
export interface StringMatcher {
  readonly exact?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly contains?: string;
  readonly safe_regex?: RegexMatcher;
  readonly ignore_case?: boolean;
}

/** config.listener.v3.ListenerFilterChainMatchPredicate (the `filter_disabled` of a listener filter). */
export interface ListenerFilterChainMatchPredicate {
  readonly or_match?: { readonly rules?: readonly ListenerFilterChainMatchPredicate[] };
  readonly and_match?: { readonly rules?: readonly ListenerFilterChainMatchPredicate[] };
  readonly not_match?: ListenerFilterChainMatchPredicate;
  readonly any_match?: boolean;
  readonly destination_port_range?: { readonly start?: number; readonly end?: number };
}

/** config.listener.v3.ListenerFilter. */
export interface ListenerFilter {
  readonly name?: string;
  readonly typed_config?: TypedConfig;
  readonly filter_disabled?: ListenerFilterChainMatchPredicate;
}

/** config.listener.v3.FilterChainMatch. */
export interface FilterChainMatch {
  readonly destination_port?: Wrapped<number> | number;
  readonly prefix_ranges?: readonly CidrRange[];
  readonly direct_source_prefix_ranges?: readonly CidrRange[];
  readonly source_type?: string;
  readonly source_prefix_ranges?: readonly CidrRange[];
  readonly source_ports?: readonly number[];
  readonly server_names?: readonly string[];
  readonly transport_protocol?: string;
  readonly application_protocols?: readonly string[];
}

/** config.listener.v3.Filter (a network filter). */
export interface NetworkFilter {
  readonly name?: string;
  readonly typed_config?: TypedConfig;
}

/** config.listener.v3.FilterChain. */
export interface FilterChain {
  readonly name?: string;
  readonly filter_chain_match?: FilterChainMatch;
  readonly filters?: readonly NetworkFilter[];
  readonly transport_socket?: { readonly name?: string; readonly typed_config?: TypedConfig };
}

/** config.listener.v3.Listener. */
export interface Listener {
  readonly name?: string;
  readonly address?: Address;
  readonly additional_addresses?: readonly { readonly address?: Address }[];
  readonly filter_chains?: readonly FilterChain[];
  readonly default_filter_chain?: FilterChain;
  readonly use_original_dst?: Wrapped<boolean> | boolean;
  readonly bind_to_port?: Wrapped<boolean> | boolean;
  readonly listener_filters?: readonly ListenerFilter[];
  readonly traffic_direction?: string;
}

/** config.route.v3.HeaderMatcher. */
export interface HeaderMatcher {
  readonly name?: string;
  readonly exact_match?: string;
  readonly safe_regex_match?: RegexMatcher;
  readonly range_match?: { readonly start?: Int64; readonly end?: Int64 };
  readonly present_match?: boolean;
  readonly prefix_match?: string;
  readonly suffix_match?: string;
  readonly contains_match?: string;
  readonly string_match?: StringMatcher;
  readonly invert_match?: boolean;
  readonly treat_missing_header_as_empty?: boolean;
}

/** config.route.v3.QueryParameterMatcher. */
export interface QueryParameterMatcher {
  readonly name?: string;
  readonly string_match?: StringMatcher;
  readonly present_match?: boolean;
}

/** config.core.v3.RuntimeFractionalPercent. */
export interface RuntimeFractionalPercent {
  readonly default_value?: { readonly numerator?: number; readonly denominator?: string };
  readonly runtime_key?: string;
}

/** config.route.v3.RouteMatch. */
export interface RouteMatch {
  readonly prefix?: string;
  readonly path?: string;
  readonly safe_regex?: RegexMatcher;
  readonly path_separated_prefix?: string;
  readonly connect_matcher?: object;
  readonly path_match_policy?: TypedConfig;
  readonly case_sensitive?: Wrapped<boolean> | boolean;
  readonly runtime_fraction?: RuntimeFractionalPercent;
  readonly headers?: readonly HeaderMatcher[];
  readonly query_parameters?: readonly QueryParameterMatcher[];
  readonly grpc?: object;
  readonly tls_context?: { readonly presented?: Wrapped<boolean> | boolean; readonly validated?: Wrapped<boolean> | boolean };
  readonly dynamic_metadata?: readonly object[];
}

/** config.core.v3.HeaderValueOption. */
export interface HeaderValueOption {
  readonly header?: { readonly key?: string; readonly value?: string };
  readonly append?: Wrapped<boolean> | boolean;
  readonly append_action?: string;
  readonly keep_empty_value?: boolean;
}

/** Header mutations carried by routes, virtual hosts, route configurations and weighted clusters. */
export interface HeaderMutations {
  readonly request_headers_to_add?: readonly HeaderValueOption[];
  readonly request_headers_to_remove?: readonly string[];
  readonly response_headers_to_add?: readonly HeaderValueOption[];
  readonly response_headers_to_remove?: readonly string[];
}

/** config.route.v3.WeightedCluster.ClusterWeight. */
export interface ClusterWeight extends HeaderMutations {
  readonly name?: string;
  readonly weight?: Wrapped<number> | number;
  readonly typed_per_filter_config?: Readonly<Record<string, TypedConfig>>;
  readonly host_rewrite_literal?: string;
}

/** config.route.v3.WeightedCluster. */
export interface WeightedCluster {
  readonly clusters?: readonly ClusterWeight[];
  readonly total_weight?: Wrapped<number> | number;
}

/** config.route.v3.RouteAction. */
export interface RouteAction {
  readonly cluster?: string;
  readonly cluster_header?: string;
  readonly weighted_clusters?: WeightedCluster;
  readonly prefix_rewrite?: string;
  readonly regex_rewrite?: { readonly pattern?: RegexMatcher; readonly substitution?: string };
  readonly host_rewrite_literal?: string;
  readonly auto_host_rewrite?: Wrapped<boolean> | boolean;
  readonly host_rewrite_header?: string;
  readonly timeout?: Duration;
  readonly idle_timeout?: Duration;
  readonly retry_policy?: object;
  readonly request_mirror_policies?: readonly object[];
  readonly hash_policy?: readonly object[];
  readonly max_stream_duration?: object;
}

/** config.route.v3.RedirectAction. */
export interface RedirectAction {
  readonly https_redirect?: boolean;
  readonly scheme_redirect?: string;
  readonly host_redirect?: string;
  readonly port_redirect?: number;
  readonly path_redirect?: string;
  readonly prefix_rewrite?: string;
  readonly regex_rewrite?: { readonly pattern?: RegexMatcher; readonly substitution?: string };
  readonly response_code?: string | number;
  readonly strip_query?: boolean;
}

/** config.route.v3.DirectResponseAction. */
export interface DirectResponseAction {
  readonly status?: number;
  readonly body?: { readonly inline_string?: string; readonly inline_bytes?: string | Uint8Array; readonly filename?: string };
}

/** config.route.v3.Route. */
export interface Route extends HeaderMutations {
  readonly name?: string;
  readonly match?: RouteMatch;
  readonly route?: RouteAction;
  readonly redirect?: RedirectAction;
  readonly direct_response?: DirectResponseAction;
  readonly non_forwarding_action?: object;
  readonly typed_per_filter_config?: Readonly<Record<string, TypedConfig>>;
  readonly decorator?: { readonly operation?: string };
}

/** config.route.v3.VirtualHost. */
export interface VirtualHost extends HeaderMutations {
  readonly name?: string;
  readonly domains?: readonly string[];
  readonly routes?: readonly Route[];
  readonly require_tls?: string;
  readonly retry_policy?: object;
  readonly typed_per_filter_config?: Readonly<Record<string, TypedConfig>>;
}

/** config.route.v3.RouteConfiguration. */
export interface RouteConfiguration extends HeaderMutations {
  readonly name?: string;
  readonly virtual_hosts?: readonly VirtualHost[];
  readonly ignore_port_in_host_matching?: boolean;
  readonly typed_per_filter_config?: Readonly<Record<string, TypedConfig>>;
}

/** extensions.filters.network.http_connection_manager.v3.HttpConnectionManager. */
export interface HttpConnectionManager {
  readonly codec_type?: string;
  readonly rds?: { readonly route_config_name?: string };
  readonly route_config?: RouteConfiguration;
  readonly scoped_routes?: object;
  readonly http_filters?: readonly { readonly name?: string; readonly typed_config?: TypedConfig; readonly disabled?: boolean }[];
  readonly normalize_path?: Wrapped<boolean> | boolean;
  readonly use_remote_address?: Wrapped<boolean> | boolean;
  readonly merge_slashes?: boolean;
  readonly strip_matching_host_port?: boolean;
  readonly strip_any_host_port?: boolean;
  readonly strip_trailing_host_dot?: boolean;
}

/** extensions.filters.network.tcp_proxy.v3.TcpProxy. */
export interface TcpProxy {
  readonly stat_prefix?: string;
  readonly cluster?: string;
  readonly weighted_clusters?: { readonly clusters?: readonly { readonly name?: string; readonly weight?: number }[] };
}

/** The resources the simulator reads: a GeneratedConfig (generators/types.ts) fits, and so does a
 *  config dump split by type. `clusters`, when given, is used to flag routes to clusters that do not
 *  exist (Envoy answers those with 503 NC). */
export interface EnvoyConfig {
  readonly listeners: readonly object[];
  readonly routes?: readonly object[];
  readonly clusters?: readonly object[];
}

/** The value of a protobuf wrapper (`{ value: x }`), accepting the bare value too (hand-written configs). */
export function unwrap<T extends number | boolean>(v: Wrapped<T> | T | undefined): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return v.value;
  return v;
}

/** Whether a filter is the one named `name` (`envoy.filters.network.tcp_proxy`) or typed as the message
 *  `message` (`envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`). Envoy picks the factory by the
 *  typed_config type URL first and falls back to the name. */
export function isFilter(filter: { readonly name?: string; readonly typed_config?: TypedConfig }, name: string, message: string): boolean {
  const type = filter.typed_config?.['@type'];
  if (typeof type === 'string' && type.length > 0) return type.slice(type.lastIndexOf('/') + 1) === message;
  return filter.name === name;
}
