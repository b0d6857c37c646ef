// The control plane's store of Istio config in force: what each source (a file, a directory
// watcher, memory, later Kubernetes) contributes, merged, with change events. It stores only
// resources that passed validation; rejecting bad ones is the sources' job.

import { deepFreeze } from '../deep-freeze.js';

/** Identifies a resource: kind, namespace and name (the namespace is always set). */
export interface ConfigRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Where a resource came from, for messages and `weftctl get`. */
export interface ConfigOrigin {
  /** The source id (`file:/etc/weft/vs.yaml`, `memory`, `kube`). */
  readonly source: string;
  readonly file?: string;
  readonly line?: number;
}

/** A resource in force. `resource` is the whole object (apiVersion, kind, metadata, spec), frozen. */
export interface ConfigEntry {
  readonly ref: ConfigRef;
  readonly apiVersion: string;
  readonly resource: Readonly<Record<string, unknown>>;
  readonly origin: ConfigOrigin;
}

/** One change to the merged view. */
export interface ConfigEvent {
  readonly type: 'added' | 'updated' | 'deleted';
  readonly ref: ConfigRef;
}

/** Two sources define the same resource; the one from the source that sorts first wins. */
export interface ConfigConflict {
  readonly ref: ConfigRef;
  readonly winner: ConfigOrigin;
  readonly loser: ConfigOrigin;
}

/** The canonical string of a ref, used as a map key: `Kind/namespace/name`. */
export function refKey(ref: ConfigRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}


/**
 * Merges the resources of several sources. A source always hands over its complete set
 * (`replaceSource`), so a deleted file or document is simply absent next time. Listeners get
 * the net events of each replacement, synchronously, in ref order.
 */
export class ConfigStore {
  private readonly bySource = new Map<string, Map<string, ConfigEntry>>();
  private merged = new Map<string, ConfigEntry>();
  private readonly listeners = new Set<(events: readonly ConfigEvent[]) => void>();
  private conflictList: ConfigConflict[] = [];

  /** Replaces everything `sourceId` contributes with `entries` and returns the net changes. */
  replaceSource(sourceId: string, entries: readonly ConfigEntry[]): ConfigEvent[] {
    const own = new Map<string, ConfigEntry>();
    for (const e of entries) own.set(refKey(e.ref), deepFreeze({ ...e, resource: structuredClone(e.resource) }));
    if (own.size === 0) this.bySource.delete(sourceId);
    else this.bySource.set(sourceId, own);
    return this.remerge();
  }

  /** Removes a source and everything it contributed. */
  removeSource(sourceId: string): ConfigEvent[] {
    this.bySource.delete(sourceId);
    return this.remerge();
  }

  /** Entries in force, optionally of one kind and namespace, sorted by ref. */
  list(kind?: string, namespace?: string): ConfigEntry[] {
    const out: ConfigEntry[] = [];
    for (const e of this.merged.values()) {
      if (kind !== undefined && e.ref.kind !== kind) continue;
      if (namespace !== undefined && e.ref.namespace !== namespace) continue;
      out.push(e);
    }
    return out.sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)));
  }

  /** The entry in force for `ref`, if any. */
  get(ref: ConfigRef): ConfigEntry | undefined {
    return this.merged.get(refKey(ref));
  }

  /** Duplicate definitions found at the last merge. */
  conflicts(): readonly ConfigConflict[] {
    return this.conflictList;
  }

  /** Calls `listener` with the net events of every later change; returns an unsubscribe function. */
  subscribe(listener: (events: readonly ConfigEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remerge(): ConfigEvent[] {
    const next = new Map<string, ConfigEntry>();
    const conflicts: ConfigConflict[] = [];
    for (const sourceId of [...this.bySource.keys()].sort()) {
      for (const [key, entry] of this.bySource.get(sourceId) ?? []) {
        const existing = next.get(key);
        if (existing) conflicts.push({ ref: entry.ref, winner: existing.origin, loser: entry.origin });
        else next.set(key, entry);
      }
    }
    const events: ConfigEvent[] = [];
    for (const [key, entry] of next) {
      const before = this.merged.get(key);
      if (!before) events.push({ type: 'added', ref: entry.ref });
      else if (before === entry || before.resource === entry.resource) continue;
      else if (JSON.stringify(before.resource) !== JSON.stringify(entry.resource)) events.push({ type: 'updated', ref: entry.ref });
      // Unchanged content keeps its resource object (the origin may have moved within the file), so
      // snapshots built later share it and memos keyed by spec objects stay valid.
      else next.set(key, deepFreeze({ ...entry, resource: before.resource }));
    }
    for (const [key, entry] of this.merged) if (!next.has(key)) events.push({ type: 'deleted', ref: entry.ref });
    events.sort((a, b) => refKey(a.ref).localeCompare(refKey(b.ref)));
    this.merged = next;
    this.conflictList = conflicts;
    if (events.length > 0) for (const l of this.listeners) l(events);
    return events;
  }
}

/**
 * The store entry of a validated resource. Istio's kinds are all namespaced: a resource without
 * `metadata.namespace` lives in `default` (what `kubectl apply` does), and the stored copy says so.
 */
export function createConfigEntry(resource: Readonly<Record<string, unknown>>, origin: ConfigOrigin): ConfigEntry {
  const metadata = typeof resource.metadata === 'object' && resource.metadata !== null ? (resource.metadata as Record<string, unknown>) : {};
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default';
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const kind = typeof resource.kind === 'string' ? resource.kind : '';
  const apiVersion = typeof resource.apiVersion === 'string' ? resource.apiVersion : '';
  return { ref: { kind, namespace, name }, apiVersion, resource: { ...resource, metadata: { ...metadata, namespace } }, origin };
}
