// Envoy's earliest-deadline-first scheduler (source/common/upstream/edf_scheduler.h): each entry's
// next deadline is the scheduler's current time + 1 / weight, so entries come up in proportion to their
// weights with floating-point weights and O(log n) picks. Used by weighted round robin, least request
// with unequal weights, and locality choice.

interface Slot<T> {
  readonly deadline: number;
  /** FIFO tie-break among equal deadlines, as Envoy's order_offset_. */
  readonly order: number;
  readonly entry: T;
}

/** A min-heap of entries by deadline. */
export class EdfScheduler<T> {
  #heap: Slot<T>[] = [];
  #now = 0;
  #order = 0;

  /** Adds `entry` with `weight` (> 0; entries with a weight of 0 or less are not added). */
  add(weight: number, entry: T): void {
    if (!(weight > 0)) return;
    this.#push({ deadline: this.#now + 1 / weight, order: this.#order++, entry });
  }

  /** Takes the entry with the earliest deadline and adds it back with `weightOf(entry)` (evaluated
   *  now, so a weight that changes with load is read at pick time). Undefined when empty. */
  pickAndAdd(weightOf: (entry: T) => number): T | undefined {
    const top = this.#pop();
    if (!top) return undefined;
    this.#now = top.deadline;
    this.add(weightOf(top.entry), top.entry);
    return top.entry;
  }

  get size(): number {
    return this.#heap.length;
  }

  #less(a: Slot<T>, b: Slot<T>): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.order < b.order);
  }

  #push(slot: Slot<T>): void {
    const h = this.#heap;
    h.push(slot);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Slot<T>;
      if (!this.#less(slot, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = slot;
  }

  #pop(): Slot<T> | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && this.#less(h[r] as Slot<T>, h[l] as Slot<T>) ? r : l;
      if (!this.#less(h[child] as Slot<T>, last)) break;
      h[i] = h[child] as Slot<T>;
      i = child;
    }
    h[i] = last;
    return top;
  }
}

/** A scheduler over `entries` with `weightOf`, advanced by `prePicks` picks so that many proxies with
 *  the same list do not all start with the same entry (Envoy's createWithPicks with a random seed). */
export function createEdfScheduler<T>(entries: readonly T[], weightOf: (entry: T) => number, prePicks = 0): EdfScheduler<T> {
  const s = new EdfScheduler<T>();
  for (const e of entries) s.add(weightOf(e), e);
  for (let i = 0; i < prePicks; i++) s.pickAndAdd(weightOf);
  return s;
}
