// Content-hash versions for xDS resource sets: the same resources always give the same version, so a
// snapshot rebuilt with identical content is not pushed again. Knows nothing about streams.

import { createHash } from 'node:crypto';
import type { AnyMessage } from '@weft/shared/xds';

/** Hex characters kept from the SHA-256: 64 bits, ample against accidental collisions, short enough
 *  to read in `/debug/syncz`. */
const VERSION_LENGTH = 16;

/** A stable version for a set of named resources: SHA-256 over the resources sorted by name, each as
 *  length-prefixed name, type URL and encoded bytes, so neither map order nor concatenation
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
    writeField(Buffer.from(any.type_url, 'utf8'));
    writeField(any.value);
  }
  return hash.digest('hex').slice(0, VERSION_LENGTH);
}
