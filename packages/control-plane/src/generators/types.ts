// What generators produce: Envoy v3 resources as plain objects in Envoy's own JSON/YAML shape
// (proto field names in snake_case, nested Any as `{ '@type': TYPE_URL.X, ...fields }`, durations
// as `{ seconds, nanos }`), ready for packAny (@weft/shared/xds) and readable in config dumps.

/** One Envoy resource as a plain object (Listener, RouteConfiguration, Cluster, ClusterLoadAssignment...). */
export type EnvoyResource = Readonly<Record<string, unknown>>;

/** Everything generated for one proxy, by xDS type. Names are Istio's (see DESIGN.md). */
export interface GeneratedConfig {
  readonly listeners: readonly EnvoyResource[];
  readonly routes: readonly EnvoyResource[];
  readonly clusters: readonly EnvoyResource[];
  readonly endpoints: readonly EnvoyResource[];
}
