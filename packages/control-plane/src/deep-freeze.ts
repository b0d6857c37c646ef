// Deep freezing for the immutable values weftd shares between snapshots, proxies and memos.

/** Freezes `v` and every object reachable from it (not typed arrays: they cannot be frozen). */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v) && !ArrayBuffer.isView(v)) {
    Object.freeze(v);
    for (const child of Object.values(v as object)) deepFreeze(child);
  }
  return v;
}
