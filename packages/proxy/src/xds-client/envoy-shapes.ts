// The parts of decoded Envoy resources weft-proxy reads, typed loosely: every field optional, as
// unpackAny gives them (snake_case, enums by name, 64-bit integers as strings, wrappers as { value }).
// Types only; the full messages stay plain objects.

/** A decoded resource: whatever unpackAny returned. */
export type EnvoyMessage = Readonly<Record<string, unknown>>;

/** A nested Any: `@type` when its type is loaded, else raw `type_url` / `value`. */
export interface TypedConfigShape {
  readonly '@type'?: string;
  readonly type_url?: string;
  readonly [field: string]: unknown;
}

export interface SocketAddressShape {
  readonly address?: string;
  readonly port_value?: number;
  readonly named_port?: string;
  readonly protocol?: string;
}

export interface AddressShape {
  readonly socket_address?: SocketAddressShape;
  readonly pipe?: { readonly path?: string };
  readonly envoy_internal_address?: Readonly<Record<string, unknown>>;
}

export interface FilterShape {
  readonly name?: string;
  readonly typed_config?: TypedConfigShape;
}

export interface FilterChainShape {
  readonly name?: string;
  readonly filter_chain_match?: Readonly<Record<string, unknown>>;
  readonly filters?: readonly FilterShape[];
}

export interface ListenerShape {
  readonly name?: string;
  readonly address?: AddressShape;
  readonly filter_chains?: readonly FilterChainShape[];
  readonly default_filter_chain?: FilterChainShape;
  readonly listener_filters?: readonly FilterShape[];
  readonly api_listener?: { readonly api_listener?: TypedConfigShape };
}

export interface HttpConnectionManagerShape {
  readonly rds?: { readonly route_config_name?: string };
  readonly route_config?: RouteConfigurationShape;
  readonly scoped_routes?: Readonly<Record<string, unknown>>;
  readonly http_filters?: readonly FilterShape[];
}

export interface TcpProxyShape {
  readonly cluster?: string;
  readonly weighted_clusters?: { readonly clusters?: readonly { readonly name?: string; readonly weight?: number }[] };
}

export interface RouteActionShape {
  readonly cluster?: string;
  readonly cluster_header?: string;
  readonly weighted_clusters?: { readonly clusters?: readonly { readonly name?: string; readonly cluster_header?: string; readonly weight?: { readonly value?: number } }[] };
  readonly cluster_specifier_plugin?: string;
  readonly inline_cluster_specifier_plugin?: Readonly<Record<string, unknown>>;
}

export interface RouteShape {
  readonly name?: string;
  readonly match?: Readonly<Record<string, unknown>>;
  readonly route?: RouteActionShape;
  readonly redirect?: Readonly<Record<string, unknown>>;
  readonly direct_response?: Readonly<Record<string, unknown>>;
  readonly filter_action?: Readonly<Record<string, unknown>>;
  readonly non_forwarding_action?: Readonly<Record<string, unknown>>;
}

export interface VirtualHostShape {
  readonly name?: string;
  readonly domains?: readonly string[];
  readonly routes?: readonly RouteShape[];
}

export interface RouteConfigurationShape {
  readonly name?: string;
  readonly virtual_hosts?: readonly VirtualHostShape[];
}

export interface LbEndpointShape {
  readonly endpoint?: { readonly address?: AddressShape; readonly hostname?: string };
  readonly health_status?: string;
  readonly load_balancing_weight?: { readonly value?: number };
}

export interface LocalityLbEndpointsShape {
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly sub_zone?: string };
  readonly lb_endpoints?: readonly LbEndpointShape[];
  readonly load_balancing_weight?: { readonly value?: number };
  readonly priority?: number;
}

export interface ClusterLoadAssignmentShape {
  readonly cluster_name?: string;
  readonly endpoints?: readonly LocalityLbEndpointsShape[];
}

export interface CircuitBreakerThresholdsShape {
  readonly priority?: string;
  readonly max_connections?: { readonly value?: number };
  readonly max_pending_requests?: { readonly value?: number };
  readonly max_requests?: { readonly value?: number };
  readonly max_retries?: { readonly value?: number };
}

export interface ClusterShape {
  readonly name?: string;
  readonly alt_stat_name?: string;
  readonly type?: string;
  readonly cluster_type?: Readonly<Record<string, unknown>>;
  readonly eds_cluster_config?: { readonly service_name?: string; readonly eds_config?: Readonly<Record<string, unknown>> };
  readonly lb_policy?: string;
  readonly load_assignment?: ClusterLoadAssignmentShape;
  readonly circuit_breakers?: { readonly thresholds?: readonly CircuitBreakerThresholdsShape[] };
}
