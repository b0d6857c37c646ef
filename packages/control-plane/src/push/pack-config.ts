// Packs a proxy's generated config (plain Envoy objects) into the per-type Any maps of an xDS snapshot,
// keyed by resource name. Pure; throws only on generator bugs (a nameless or invalid resource).

import type { GeneratedConfig, EnvoyResource } from '../generators/types.js';
import { packAny, type AnyMessage, TYPE_URL } from '@weft/shared/xds';

/** Type URL → resource name → packed resource. */
export type PackedConfig = ReadonlyMap<string, ReadonlyMap<string, AnyMessage>>;

/** Packs one resource (packAny, or a memo in front of it). */
export type PackOne = (typeUrl: string, resource: EnvoyResource) => AnyMessage;

/** Packs resources of one type; the name is `name`, or `cluster_name` for ClusterLoadAssignment.
 *  Throws a TypeError for a resource without a name, a duplicate name, or fields Envoy does not have. */
export function packResources(typeUrl: string, resources: readonly EnvoyResource[], packOne: PackOne = packAny): Map<string, AnyMessage> {
  const nameField = typeUrl === TYPE_URL.ENDPOINT ? 'cluster_name' : 'name';
  const out = new Map<string, AnyMessage>();
  for (const r of resources) {
    const name = r[nameField];
    if (typeof name !== 'string' || name === '') throw new TypeError(`generated ${typeUrl} resource has no ${nameField}`);
    if (out.has(name)) throw new TypeError(`generated ${typeUrl} resource ${name} twice`);
    out.set(name, packOne(typeUrl, r));
  }
  return out;
}

/** Packs all four types; every type is present even when empty, so a proxy's requests are always
 *  answered (an absent type would make them wait; see xds/snapshot.ts). */
export function packGeneratedConfig(config: GeneratedConfig): PackedConfig {
  return new Map([
    [TYPE_URL.CLUSTER, packResources(TYPE_URL.CLUSTER, config.clusters)],
    [TYPE_URL.ENDPOINT, packResources(TYPE_URL.ENDPOINT, config.endpoints)],
    [TYPE_URL.LISTENER, packResources(TYPE_URL.LISTENER, config.listeners)],
    [TYPE_URL.ROUTE, packResources(TYPE_URL.ROUTE, config.routes)],
  ]);
}
