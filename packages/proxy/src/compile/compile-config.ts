// Turns the accepted xDS resources into the runtime config the request path reads: compiled route
// configurations by name and compiled clusters by name. Pure except for the ClusterRuntime it is given
// (per-cluster live state it updates and prunes); the caller swaps the result in whole.

import { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { ClusterLoadAssignmentShape, ClusterShape, HttpConnectionManagerShape, ListenerShape } from '../xds-client/envoy-shapes.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';
import { compileCluster, type CompiledCluster } from './compile-cluster.js';
import { compileRouteConfig, type CompiledRouteConfig } from './compile-route-config.js';
import { compileAccessLogs, type AccessLogger } from '../telemetry/access-log.js';
import { statsOverridesOf, type MetricOverrides } from '../telemetry/stats-overrides.js';
import { compileHcmTracing, type CompiledTracing } from '../tracing/tracing-config.js';

/** Everything the data path needs, immutable. */
export interface CompiledConfig {
  readonly routeConfigs: ReadonlyMap<string, CompiledRouteConfig>;
  readonly clusters: ReadonlyMap<string, CompiledCluster>;
  /** The access loggers of the explicit outbound proxy: those of the outbound HCM reading each route
   *  configuration (by RDS name), else those of the first outbound listener with any (key ''). Absent
   *  when no outbound listener has access logs. */
  readonly outboundAccessLogs?: ReadonlyMap<string, AccessLogger>;
  /** The tracing and the istio.stats metric overrides of the explicit outbound proxy: those of the
   *  outbound HCM reading each route configuration (by RDS name). Absent when no outbound HCM has any. */
  readonly outboundTracing?: ReadonlyMap<string, CompiledTracing>;
  readonly outboundStats?: ReadonlyMap<string, MetricOverrides>;
}

/** Decoded resources in Envoy's JSON shape, the compiler's input. */
export interface CompileInput {
  readonly listeners?: readonly ListenerShape[];
  readonly routeConfigurations?: readonly Readonly<Record<string, unknown>>[];
  readonly clusters?: readonly ClusterShape[];
  readonly clusterLoadAssignments?: readonly ClusterLoadAssignmentShape[];
}

/** The compiled config with nothing in it (before the first accepted update). */
export const EMPTY_COMPILED: CompiledConfig = Object.freeze({ routeConfigs: new Map(), clusters: new Map() });

/** Route configurations inlined in listeners' HTTP connection managers (`route_config`), which RDS
 *  does not carry. */
function inlineRouteConfigs(listeners: readonly ListenerShape[]): Readonly<Record<string, unknown>>[] {
  const out: Readonly<Record<string, unknown>>[] = [];
  for (const l of listeners) {
    for (const chain of [...(l.filter_chains ?? []), ...(l.default_filter_chain ? [l.default_filter_chain] : [])]) {
      for (const f of chain.filters ?? []) {
        const rc = (f.typed_config as HttpConnectionManagerShape | undefined)?.route_config;
        if (rc?.name) out.push(rc as Readonly<Record<string, unknown>>);
      }
    }
  }
  return out;
}

/** The loggers the explicit proxy uses (see {@link CompiledConfig.outboundAccessLogs}); undefined when
 *  no outbound listener logs. Lists that do not compile were refused by validation and are skipped. */
function outboundAccessLogs(listeners: readonly ListenerShape[]): Map<string, AccessLogger> | undefined {
  let out: Map<string, AccessLogger> | undefined;
  for (const l of listeners) {
    if ((l as { traffic_direction?: string }).traffic_direction === 'INBOUND') continue;
    for (const chain of [...(l.filter_chains ?? []), ...(l.default_filter_chain ? [l.default_filter_chain] : [])]) {
      for (const f of chain.filters ?? []) {
        const config = f.typed_config as (HttpConnectionManagerShape & { access_log?: readonly unknown[] }) | undefined;
        if (!config?.access_log?.length) continue;
        const compiled = compileAccessLogs(config.access_log);
        if (!compiled.ok || !compiled.logger) continue;
        out ??= new Map();
        if (!out.has('')) out.set('', compiled.logger);
        const rds = config.rds?.route_config_name;
        if (rds && !out.has(rds)) out.set(rds, compiled.logger);
      }
    }
  }
  return out;
}

/** The tracing and metric overrides the explicit proxy uses (see {@link CompiledConfig.outboundTracing}),
 *  by the RDS name of outbound HCMs; configs that do not compile were refused by validation. */
function outboundTelemetry(listeners: readonly ListenerShape[]): { outboundTracing?: Map<string, CompiledTracing>; outboundStats?: Map<string, MetricOverrides> } {
  let tracing: Map<string, CompiledTracing> | undefined;
  let stats: Map<string, MetricOverrides> | undefined;
  for (const l of listeners) {
    if ((l as { traffic_direction?: string }).traffic_direction === 'INBOUND') continue;
    for (const chain of [...(l.filter_chains ?? []), ...(l.default_filter_chain ? [l.default_filter_chain] : [])]) {
      for (const f of chain.filters ?? []) {
        const config = f.typed_config as (HttpConnectionManagerShape & { tracing?: unknown }) | undefined;
        const rds = config?.rds?.route_config_name;
        if (!rds) continue;
        const t = config.tracing === undefined ? undefined : compileHcmTracing(config.tracing);
        if (t?.ok && t.tracing && !tracing?.has(rds)) (tracing ??= new Map()).set(rds, t.tracing);
        const o = statsOverridesOf(config.http_filters ?? []);
        if (o.ok && o.overrides && !stats?.has(rds)) (stats ??= new Map()).set(rds, o.overrides);
      }
    }
  }
  return { ...(tracing ? { outboundTracing: tracing } : {}), ...(stats ? { outboundStats: stats } : {}) };
}

/**
 * Compiles the input. RDS route configurations win over inline ones of the same name. `runtime` holds
 * the state that outlives a config (breaker counters, ejections, per-endpoint stats): pass the proxy's
 * one long-lived runtime; without it a fresh one is used (tests, one-off compiles). The runtime is
 * updated for the compiled clusters and the state of clusters absent from `input` is dropped.
 */
export function compileConfig(input: CompileInput, runtime: ClusterRuntime = new ClusterRuntime()): CompiledConfig {
  const routeConfigs = new Map<string, CompiledRouteConfig>();
  for (const rc of [...inlineRouteConfigs(input.listeners ?? []), ...(input.routeConfigurations ?? [])]) {
    const compiled = compileRouteConfig(rc);
    routeConfigs.set(compiled.name, compiled);
  }
  const assignments = new Map((input.clusterLoadAssignments ?? []).map((c) => [c.cluster_name ?? '', c] as const));
  const clusters = new Map((input.clusters ?? []).map((c) => [c.name ?? '', compileCluster(c, assignments, runtime)] as const));
  runtime.retain(new Set(clusters.keys()));
  const accessLogs = outboundAccessLogs(input.listeners ?? []);
  const telemetry = outboundTelemetry(input.listeners ?? []);
  return Object.freeze({ routeConfigs, clusters, ...(accessLogs ? { outboundAccessLogs: accessLogs } : {}), ...telemetry });
}

/** Compiles the accepted resources of an xDS snapshot (see {@link compileConfig} for `runtime`). */
export function compileSnapshot(snapshot: XdsSnapshot, runtime?: ClusterRuntime): CompiledConfig {
  const messages = <T>(kind: keyof XdsSnapshot): T[] => [...snapshot[kind].resources.values()].map((r) => r.message as T);
  const input: CompileInput = {
    listeners: messages<ListenerShape>('listener'),
    routeConfigurations: messages('route'),
    clusters: messages<ClusterShape>('cluster'),
    clusterLoadAssignments: messages<ClusterLoadAssignmentShape>('endpoint'),
  };
  return compileConfig(input, runtime);
}
