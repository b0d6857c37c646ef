// Remembers packed resources by content, so a resource generated again with the same content (for
// another sharing key, or after a change elsewhere) is not validated and encoded again. Packing is the
// single most expensive step of a push; most resources survive most changes.

import { createHash } from 'node:crypto';
import { packAny, TYPE_URL, type AnyMessage } from '@weft/shared/xds';
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
  /** Frozen resources already packed (held weakly: gone with the generator's memo). */
  private readonly byObject = new WeakMap<EnvoyResource, { readonly typeUrl: string; readonly packed: AnyMessage }>();
  hits = 0;
  misses = 0;

  /** packAny(typeUrl, resource), from the memo when the same content was packed recently. */
  readonly pack = (typeUrl: string, resource: EnvoyResource): AnyMessage => {
    // A frozen resource cannot have changed since it was packed: generators that remember their
    // output (eds.ts) give the same object again, which is then found without hashing its JSON.
    const frozen = Object.isFrozen(resource);
    if (frozen) {
      const known = this.byObject.get(resource);
      if (known?.typeUrl === typeUrl) {
        this.hits++;
        return known.packed;
      }
    }
    const packed = typeUrl === TYPE_URL.ROUTE && Array.isArray(resource.virtual_hosts) ? this.packRouteConfiguration(resource) : this.byContent(typeUrl, resource).packed;
    if (frozen) this.byObject.set(resource, { typeUrl, packed });
    return packed;
  };

  /** The memo entry for `resource`'s content (packed now on a miss), with its key. */
  private byContent(typeUrl: string, resource: object): { key: string; packed: AnyMessage } {
    const key = createHash('sha1').update(typeUrl).update('\n').update(JSON.stringify(resource)).digest('base64');
    return { key, packed: this.remember(key, () => packAny(typeUrl, resource)) };
  }

  private remember(key: string, pack: () => AnyMessage): AnyMessage {
    let packed = this.current.get(key);
    if (packed) this.hits++;
    else {
      packed = this.previous.get(key);
      if (packed) this.hits++;
      else {
        this.misses++;
        // Frozen: it is shared by every snapshot that holds it (and hashResources may remember its digest).
        packed = Object.freeze(pack());
      }
      this.current.set(key, packed);
    }
    return packed;
  }

  /**
   * A RouteConfiguration packed one virtual host at a time. A sidecar's route configuration for a
   * port holds a virtual host per service of the mesh, and each sharing key has its own (domains
   * differ by namespace), so an edit of one VirtualService would otherwise re-encode every virtual
   * host of every key. Protobuf encodes a repeated message field as its elements one after another,
   * so the bytes are those of the configuration without virtual hosts with the (remembered) encoded
   * virtual hosts spliced in after `name` (field 1), where protobufjs writes field 2: the same bytes
   * as packAny of the whole.
   */
  private packRouteConfiguration(resource: EnvoyResource): AnyMessage {
    const { virtual_hosts: hosts, ...rest } = resource as EnvoyResource & { virtual_hosts: object[] };
    const head = this.byContent(TYPE_URL.ROUTE, rest);
    const parts = hosts.map((vh) => this.byContent(VIRTUAL_HOST, vh));
    const key = createHash('sha1').update('route-configuration\n').update(head.key).update(parts.map((p) => p.key).join('\n')).digest('base64');
    return this.remember(key, () => {
      const value = head.packed.value;
      const nameEnd = value[0] === NAME_TAG ? lengthDelimitedEnd(value, 0) : 0;
      const chunks: Uint8Array[] = [value.subarray(0, nameEnd)];
      for (const p of parts) chunks.push(VIRTUAL_HOSTS_TAG, varint(p.packed.value.byteLength), p.packed.value);
      chunks.push(value.subarray(nameEnd));
      return { type_url: TYPE_URL.ROUTE, value: Buffer.concat(chunks) };
    });
  }

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

const VIRTUAL_HOST = 'type.googleapis.com/envoy.config.route.v3.VirtualHost';
/** Field 1 (`name`) and field 2 (`virtual_hosts`) of RouteConfiguration, length-delimited (wire type 2). */
const NAME_TAG = (1 << 3) | 2;
const VIRTUAL_HOSTS_TAG = Uint8Array.of((2 << 3) | 2);

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** The end of the length-delimited field whose tag is at `at`. */
function lengthDelimitedEnd(bytes: Uint8Array, at: number): number {
  let i = at + 1;
  let length = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[i++] as number;
    length |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return i + length;
}
