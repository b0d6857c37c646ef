// Packs xDS resources into google.protobuf.Any and decodes them back. A resource is a plain object
// with the proto's own snake_case field names; nested Any fields are written Envoy-YAML style as
// `{ '@type': TYPE_URL.X, ...fields }`. Proto loading lives in load.ts.

import type { IConversionOptions, Type } from 'protobufjs';
import { findMessageType } from './load.js';
import { findUnknownFields } from './unknown-fields.js';

/** A google.protobuf.Any as it travels in a DiscoveryResponse: type URL plus the encoded message. */
export interface AnyMessage {
  readonly type_url: string;
  readonly value: Uint8Array;
}

/** The outcome of {@link unpackAny}: the decoded message, or why it could not be decoded. */
export type UnpackResult = { ok: true; typeUrl: string; message: Record<string, unknown> } | { ok: false; typeUrl: string; error: string };

/** How decoded messages look: 64-bit integers as decimal strings, enums by name, nested Any expanded
 *  to `{ '@type', ...fields }`, bytes as Uint8Array, unset fields absent. {@link packAny} accepts the
 *  same shape, so decode → pack is lossless. */
export const DECODE_OPTIONS: IConversionOptions = { longs: String, enums: String, json: true };

/** `type.googleapis.com/envoy.config.cluster.v3.Cluster` → `envoy.config.cluster.v3.Cluster`. */
export function messageNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

function typeFor(typeUrl: string): Type | undefined {
  return findMessageType(messageNameOf(typeUrl));
}

/** Encodes `message` as the type named by `typeUrl` and wraps it in an Any. Throws a TypeError when the
 *  type is not loaded or the object has fields the proto does not (a generator bug: protobufjs would
 *  otherwise drop them silently). */
export function packAny(typeUrl: string, message: object): AnyMessage {
  const type = typeFor(typeUrl);
  if (!type) throw new TypeError(`packAny: ${typeUrl} is not a loaded xDS message type`);
  const problems = findUnknownFields(type, message);
  if (problems.length > 0) throw new TypeError(`packAny(${messageNameOf(typeUrl)}): ${problems.join('; ')}`);
  return { type_url: typeUrl, value: type.encode(type.fromObject(message)).finish() };
}

/** Decodes an Any into a plain object ({@link DECODE_OPTIONS}). An unknown type URL or malformed
 *  bytes are returned as a value, not thrown: the bytes may come from outside. */
export function unpackAny(any: AnyMessage): UnpackResult {
  const type = typeFor(any.type_url);
  if (!type) return { ok: false, typeUrl: any.type_url, error: `${any.type_url} is not a loaded xDS message type` };
  // Decode from a plain Uint8Array view, never a Buffer: protobufjs's Buffer reader clamps a string
  // that runs past the end instead of failing, so truncated bytes from the wire would pass as valid.
  const bytes = Buffer.isBuffer(any.value) ? new Uint8Array(any.value.buffer, any.value.byteOffset, any.value.byteLength) : any.value;
  try {
    return { ok: true, typeUrl: any.type_url, message: type.toObject(type.decode(bytes), DECODE_OPTIONS) };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { ok: false, typeUrl: any.type_url, error: `cannot decode ${messageNameOf(any.type_url)}: ${reason}` };
  }
}
