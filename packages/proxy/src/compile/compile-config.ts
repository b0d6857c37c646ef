// Turns the accepted xDS resources into the runtime config the request path reads: compiled route
// configurations by name and compiled clusters by name. Pure; the caller swaps the result in whole.

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

/** Compiles the input. RDS route configurations win over inline ones of the same name. */
export function compileConfig(input: CompileInput): CompiledConfig {
  const routeConfigs = new Map<string, CompiledRouteConfig>();
  for (const rc of [...inlineRouteConfigs(input.listeners ?? []), ...(input.routeConfigurations ?? [])]) {
    const compiled = compileRouteConfig(rc);
    routeConfigs.set(compiled.name, compiled);
  }
  const assignments = new Map((input.clusterLoadAssignments ?? []).map((c) => [c.cluster_name ?? '', c] as const));
  const clusters = new Map((input.clusters ?? []).map((c) => [c.name ?? '', compileCluster(c, assignments)] as const));
  return Object.freeze({ routeConfigs, clusters });
}

/** Compiles the accepted resources of an xDS snapshot. */
export function compileSnapshot(snapshot: XdsSnapshot): CompiledConfig {
  const messages = <T>(kind: keyof XdsSnapshot): T[] => [...snapshot[kind].resources.values()].map((r) => r.message as T);
  return compileConfig({
    listeners: messages<ListenerShape>('listener'),
    routeConfigurations: messages('route'),
    clusters: messages<ClusterShape>('cluster'),
    clusterLoadAssignments: messages<ClusterLoadAssignmentShape>('endpoint'),
  });
}
