// A read-only map of packed resources made of a shared layer (outbound config many proxies hold by
// reference) and a proxy's own layer (its inbound resources), so a proxy's snapshot costs the size of
// its own part, not a copy of the shared one.

import type { AnyMessage } from '@weft/shared/xds';

/** `shared` and `own` seen as one map. Names must not collide (own names win if they do). */
export class LayeredResources implements ReadonlyMap<string, AnyMessage> {
  constructor(
    readonly shared: ReadonlyMap<string, AnyMessage>,
    readonly own: ReadonlyMap<string, AnyMessage>,
  ) {}

  get size(): number {
    let n = this.shared.size;
    for (const k of this.own.keys()) if (!this.shared.has(k)) n++;
    return n;
  }

  get(name: string): AnyMessage | undefined {
    return this.own.get(name) ?? this.shared.get(name);
  }

  has(name: string): boolean {
    return this.own.has(name) || this.shared.has(name);
  }

  *entries(): MapIterator<[string, AnyMessage]> {
    for (const [k, v] of this.shared) if (!this.own.has(k)) yield [k, v];
    yield* this.own.entries();
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<AnyMessage> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback: (value: AnyMessage, key: string, map: ReadonlyMap<string, AnyMessage>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): MapIterator<[string, AnyMessage]> {
    return this.entries();
  }
}
