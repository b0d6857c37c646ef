// Turns the accepted xDS resources into the runtime config the request path reads: compiled route
// configurations by name and compiled clusters by name. Pure except for the ClusterRuntime it is given
// (per-cluster live state it updates and prunes); the caller swaps the result in whole.

import { ClusterRuntime } from '../cluster/cluster-runtime.js';
import type { ClusterLoadAssignmentShape, ClusterShape, HttpConnectionManagerShape, ListenerShape } from '../xds-client/envoy-shapes.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';
import { compileCluster, type CompiledCluster } from './compile-cluster.js';
import { compileRouteConfig, type CompiledRouteConfig } from './compile-route-config.js';

/** Everything the data path needs, immutable. */
export interface CompiledConfig {
  readonly routeConfigs: ReadonlyMap<string, CompiledRouteConfig>;
  readonly clusters: ReadonlyMap<string, CompiledCluster>;
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
  return Object.freeze({ routeConfigs, clusters });
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
