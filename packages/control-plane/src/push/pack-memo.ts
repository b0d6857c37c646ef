// Remembers packed resources by content, so a resource generated again with the same content (for
// another sharing key, or after a change elsewhere) is not validated and encoded again. Packing is the
// single most expensive step of a push; most resources survive most changes.

import { createHash } from 'node:crypto';
import { packAny, type AnyMessage } from '@weft/shared/xds';
import type { EnvoyResource } from '../generators/types.js';

/**
 * A two-generation memo of packAny: entries used since the last {@link rotate} are kept, and the ones
 * only used before it are dropped at the next rotation, so memory follows what is in use. Keys are the
 * resource's JSON (insertion order included, which protobuf map encoding follows too), so equal keys
 * mean equal packed bytes; the memo holds a SHA-1 of that JSON, not the JSON. Errors are not
 * remembered: packAny throws again.
 */
export class PackMemo {
  private current = new Map<string, AnyMessage>();
  private previous = new Map<string, AnyMessage>();
  hits = 0;
  misses = 0;

  /** packAny(typeUrl, resource), from the memo when the same content was packed recently. */
  readonly pack = (typeUrl: string, resource: EnvoyResource): AnyMessage => {
    const key = createHash('sha1').update(typeUrl).update('\n').update(JSON.stringify(resource)).digest('base64');
    let packed = this.current.get(key);
    if (packed) {
      this.hits++;
      return packed;
    }
    packed = this.previous.get(key);
    if (packed) this.hits++;
    else {
      this.misses++;
      packed = packAny(typeUrl, resource);
    }
    this.current.set(key, packed);
    return packed;
  };

  /** Starts a new generation (on every new mesh snapshot). */
  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** Entries held (an upper bound: an entry used in both generations counts twice). */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}
