// The immutable per-node xDS snapshot: for each type URL, a content-hash version and the named
// resources (already packed as Any). Also which of them a subscription selects. No I/O, no streams.

import type { AnyMessage } from '@weft/shared/xds';
import { hashResources } from './version-hash.js';

/** The resources of one type in a snapshot and their version. */
export interface SnapshotResources {
  /** Content hash of `resources` ({@link hashResources}) when built by {@link createSnapshot}. */
  readonly version: string;
  readonly resources: ReadonlyMap<string, AnyMessage>;
}

/** Type URL → resources of that type. A type absent from the map is "not known yet": requests for it
 *  wait. To tell a client a type is empty, include it with an empty map. */
export type Snapshot = ReadonlyMap<string, SnapshotResources>;

/** Builds a snapshot from type URL → resource name → Any, computing each type's content-hash version.
 *  The input maps are copied, so later changes to them do not leak into the snapshot. */
export function createSnapshot(byType: Readonly<Record<string, Iterable<readonly [string, AnyMessage]>>>): Snapshot {
  const snapshot = new Map<string, SnapshotResources>();
  for (const [typeUrl, resources] of Object.entries(byType)) {
    const copy = new Map(resources);
    snapshot.set(typeUrl, { version: hashResources(copy), resources: copy });
  }
  return snapshot;
}

/** What a stream subscribes to for one type: the wildcard ("*", or the legacy empty list; LDS/CDS
 *  only, see stream-state.ts) and/or explicit names. */
export interface Subscription {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
}

/** The resources a response for `subscription` carries, sorted by name: every resource of the type
 *  for a wildcard subscription (LDS/CDS are state of the world), else only the named ones that
 *  exist. A requested name that does not exist is simply absent (the protocol has no "does not exist"
 *  in SotW; clients time out), and is sent once it appears because the version changes. */
export function selectResources(entry: SnapshotResources, subscription: Subscription): AnyMessage[] {
  return selectNamedResources(entry, subscription).map(([, any]) => any);
}

/** {@link selectResources} with each resource's name. */
export function selectNamedResources(entry: SnapshotResources, subscription: Subscription): [string, AnyMessage][] {
  const out: [string, AnyMessage][] = [];
  const { resources } = entry;
  for (const name of subscription.wildcard ? [...resources.keys()].sort() : sortedNames(subscription.names)) {
    const any = resources.get(name);
    if (any !== undefined) out.push([name, any]);
  }
  return out;
}

// Sorted names of subscriptions (never changed once made: stream-state.ts replaces them): a push to
// 2,000 streams subscribed to 2,000 names each would otherwise sort 4 million strings.
const sortedMemo = new WeakMap<ReadonlySet<string>, readonly string[]>();

function sortedNames(names: ReadonlySet<string>): readonly string[] {
  let sorted = sortedMemo.get(names);
  if (!sorted) sortedMemo.set(names, (sorted = [...names].sort()));
  return sorted;
}
