// Turns the Any list of one DiscoveryResponse into named, decoded resources, or says why the response
// as a whole cannot be read. Like Envoy, a response with one undecodable resource is rejected entirely:
// without a name there is nothing to keep apart. Semantic checks are validate-resource.ts's job.

import { unpackAny, type AnyMessage } from '@weft/shared/xds';
import type { EnvoyMessage } from './envoy-shapes.js';
import type { KindInfo } from './resource-kinds.js';

/** One resource of a response, decoded. `bytes` are the Any's value, to tell unchanged resources apart. */
export interface DecodedResource {
  readonly name: string;
  readonly message: EnvoyMessage;
  readonly bytes: Uint8Array;
}

/** The resources of a response in order, or the reason the whole response is rejected. */
export type DecodeResult = { readonly ok: true; readonly resources: readonly DecodedResource[] } | { readonly ok: false; readonly error: string };

/**
 * Decodes every resource of a `kind` response. Fails (for the whole response) when a resource's type
 * URL differs from the response's, its bytes do not decode, it has no name, or two resources share a
 * name (Envoy: "duplicate listener x found").
 */
export function decodeResponse(kind: KindInfo, resources: readonly AnyMessage[]): DecodeResult {
  const decoded: DecodedResource[] = [];
  const seen = new Set<string>();
  for (const [i, any] of resources.entries()) {
    if (any.type_url !== kind.typeUrl) {
      return { ok: false, error: `type URL ${any.type_url} embedded in an individual Any does not match the message-wide type URL ${kind.typeUrl}` };
    }
    const unpacked = unpackAny(any);
    if (!unpacked.ok) return { ok: false, error: `resource ${i} of the ${kind.short} response: ${unpacked.error}` };
    const name = kind.nameOf(unpacked.message);
    if (name === '') return { ok: false, error: `resource ${i} of the ${kind.short} response has no name` };
    if (seen.has(name)) return { ok: false, error: `duplicate ${kind.noun} ${name} found` };
    seen.add(name);
    decoded.push({ name, message: unpacked.message, bytes: any.value });
  }
  return { ok: true, resources: decoded };
}
