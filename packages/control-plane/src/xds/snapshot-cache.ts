// The per-node snapshot cache between the generators and the ADS server: holds the latest snapshot of
// each node and tells that node's streams which types changed. It never looks inside resources.

import type { Snapshot } from './snapshot.js';

/** Called with a node's new snapshot and the type URLs whose version changed (new types included). */
export type SnapshotListener = (snapshot: Snapshot, changedTypes: ReadonlySet<string>) => void;

/** Latest snapshot per node id (Envoy's `node.id`, Istio's `sidecar~ip~pod.ns~ns.svc.cluster.local`). */
export interface SnapshotCache {
  /** Stores the node's snapshot and notifies that node's watchers of the types whose version changed;
   *  returns those types. Types whose version is unchanged are not pushed; a type missing from the
   *  new snapshot is not pushed either (streams keep what they have). */
  setSnapshot(nodeId: string, snapshot: Snapshot): ReadonlySet<string>;
  /** The node's current snapshot, if any. */
  getSnapshot(nodeId: string): Snapshot | undefined;
  /** Forgets the node's snapshot (e.g. its workload is gone); connected streams keep their state. */
  clearSnapshot(nodeId: string): void;
  /** Calls `listener` on every later change of the node's snapshot; returns the unsubscribe function. */
  watch(nodeId: string, listener: SnapshotListener): () => void;
  /** Ids of the nodes that have a snapshot. */
  nodeIds(): string[];
}

/** Types whose version differs between two snapshots (present in `next`, absent or different in `prev`). */
export function changedTypes(prev: Snapshot | undefined, next: Snapshot): Set<string> {
  const changed = new Set<string>();
  for (const [typeUrl, entry] of next) {
    if (prev?.get(typeUrl)?.version !== entry.version) changed.add(typeUrl);
  }
  return changed;
}

/** An in-memory {@link SnapshotCache}. Listeners run synchronously inside `setSnapshot`, in the order
 *  they subscribed. */
export function createSnapshotCache(): SnapshotCache {
  const snapshots = new Map<string, Snapshot>();
  const watchers = new Map<string, Set<SnapshotListener>>();
  return {
    setSnapshot(nodeId, snapshot) {
      const changed = changedTypes(snapshots.get(nodeId), snapshot);
      snapshots.set(nodeId, snapshot);
      if (changed.size > 0) for (const listener of [...(watchers.get(nodeId) ?? [])]) listener(snapshot, changed);
      return changed;
    },
    getSnapshot: (nodeId) => snapshots.get(nodeId),
    clearSnapshot: (nodeId) => void snapshots.delete(nodeId),
    watch(nodeId, listener) {
      let set = watchers.get(nodeId);
      if (!set) watchers.set(nodeId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && watchers.get(nodeId) === set) watchers.delete(nodeId);
      };
    },
    nodeIds: () => [...snapshots.keys()],
  };
}
