// Content-hash versions for xDS resource sets: the same resources always give the same version, so a
// snapshot rebuilt with identical content is not pushed again. Knows nothing about streams.

import { createHash } from 'node:crypto';
import type { AnyMessage } from '@weft/shared/xds';

/** Hex characters kept from the SHA-256: 64 bits, ample against accidental collisions, short enough
 *  to read in `/debug/syncz`. */
const VERSION_LENGTH = 16;

/** A stable version for a set of named resources: SHA-256 over the resources sorted by name, each as
 *  its length-prefixed name and the digest of its length-prefixed type URL and bytes, so neither map order nor concatenation
 *  ambiguities change it. Equal bytes give equal versions; protobuf encoding of maps follows insertion
 *  order, so a generator that builds the same map in another order gets a new (harmless) version. */
export function hashResources(resources: ReadonlyMap<string, AnyMessage>): string {
  const hash = createHash('sha256');
  const names = [...resources.keys()].sort();
  const lengthPrefix = Buffer.alloc(4);
  const writeField = (bytes: Uint8Array): void => {
    lengthPrefix.writeUInt32BE(bytes.byteLength, 0);
    hash.update(lengthPrefix);
    hash.update(bytes);
  };
  for (const name of names) {
    const any = resources.get(name) as AnyMessage;
    writeField(Buffer.from(name, 'utf8'));
    writeField(digestOf(any));
  }
  return hash.digest('hex').slice(0, VERSION_LENGTH);
}

// Digests of frozen resources, which cannot change: a resource shared by many snapshots (the pack
// memo freezes what it hands out) is hashed once, not once per snapshot that holds it.
const digests = new WeakMap<AnyMessage, Buffer>();

/** SHA-256 of one resource's length-prefixed type URL and bytes. */
function digestOf(any: AnyMessage): Buffer {
  const known = digests.get(any);
  if (known) return known;
  const typeUrl = Buffer.from(any.type_url, 'utf8');
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(typeUrl.byteLength, 0);
  lengths.writeUInt32BE(any.value.byteLength, 4);
  const digest = createHash('sha256').update(lengths).update(typeUrl).update(any.value).digest();
  if (Object.isFrozen(any)) digests.set(any, digest);
  return digest;
}

/** The version of a resource set made from one with version `previous` by replacing or adding
 *  `changed` (names sorted first). Not a content hash: equal content reached two ways may get two
 *  versions, which costs at most a response that turns out to change nothing. Cheap for a set of
 *  thousands where a change touches a few. */
export function nextVersion(previous: string, changed: ReadonlyMap<string, AnyMessage>): string {
  const hash = createHash('sha256').update(previous);
  for (const name of [...changed.keys()].sort()) hash.update('\n').update(name).update('\0').update(digestOf(changed.get(name) as AnyMessage));
  return hash.digest('hex').slice(0, VERSION_LENGTH);
}
