// The gRPC service definition of envoy.service.discovery.v3.AggregatedDiscoveryService (state of the
// world only), built from the loaded protos, plus the wire shapes of its two messages. weftd serves it
// and weft-proxy calls it; neither side's protocol logic lives here.

import { createHash } from 'node:crypto';
import type { MethodDefinition } from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import type { AnyMessage } from './any.js';
import { xdsProtoRoot } from './load.js';
import type { StructMessage } from './struct.js';

/** envoy.config.core.v3.Node as decoded (snake_case; only the fields Weft reads or sends are typed). */
export interface NodeMessage {
  id?: string;
  cluster?: string;
  metadata?: StructMessage;
  user_agent_name?: string;
  user_agent_version?: string;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

/** A DiscoveryRequest: absent strings are `''`, absent lists `[]` once decoded; a client may omit `node`
 *  after the first request, as Envoy does. */
export interface DiscoveryRequest {
  version_info: string;
  node: NodeMessage | undefined;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  /** Set on a NACK: the client's reason (google.rpc.Status). */
  error_detail: { code: number; message: string } | undefined;
}

/** A DiscoveryResponse. Decoded (client side), every field is present: missing strings are `''`. */
export interface DiscoveryResponse {
  version_info: string;
  resources: AnyMessage[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

/** Full gRPC path of the state-of-the-world ADS method. */
export const STREAM_AGGREGATED_RESOURCES_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Envoy repeats every subscribed name in each EDS/RDS request, ACKs included: thousands of names, the
// same list from every proxy with the same config. Decoding them costs more than everything else of
// an ACK, so lists of 1 KB or more are remembered by content (a digest of their bytes) and handed out
// again, frozen; the stream state then sees an unchanged subscription by identity.
const NAMES_MEMO_MIN_BYTES = 1024;
const NAMES_MEMO_ENTRIES = 512;
const namesMemo = new Map<string, string[]>();

/**
 * The request decoded by hand when it has only the fields of an ACK or a subscription change
 * (version_info 1, resource_names 3, type_url 4, response_nonce 5; no node, no error_detail) and
 * its names are one contiguous run; undefined otherwise (the caller decodes with protobufjs).
 */
function decodeSimpleRequest(bytes: Buffer): DiscoveryRequest | undefined {
  let version = '';
  let typeUrl = '';
  let nonce = '';
  let namesStart = -1;
  let namesEnd = -1;
  let names: string[] = [];
  let i = 0;
  // Reads a varint at i (lengths and tags here are far below 2^32).
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (i >= bytes.length || shift > 28) throw new RangeError('bad varint');
      const b = bytes[i++] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
    }
  };
  try {
    while (i < bytes.length) {
      const tagStart = i;
      const tag = varint();
      const field = Math.floor(tag / 8);
      if ((tag & 7) !== 2 || field < 1 || field > 5 || field === 2) return undefined;
      const length = varint();
      const end = i + length;
      if (end > bytes.length) return undefined;
      if (field === 3) {
        if (namesStart === -1) namesStart = tagStart;
        else if (namesEnd !== tagStart) return undefined; // names interleaved with other fields
        namesEnd = end;
      } else if (field === 1) version = bytes.toString('utf8', i, end);
      else if (field === 4) typeUrl = bytes.toString('utf8', i, end);
      else nonce = bytes.toString('utf8', i, end);
      i = end;
    }
  } catch {
    return undefined;
  }
  if (namesStart !== -1) {
    const run = bytes.subarray(namesStart, namesEnd);
    const key = run.length >= NAMES_MEMO_MIN_BYTES ? createHash('sha1').update(run).digest('base64') : undefined;
    const known = key === undefined ? undefined : namesMemo.get(key);
    if (known) names = known;
    else {
      // The run holds only field-3 entries (checked above): tag, length, UTF-8 bytes, repeated.
      i = namesStart;
      while (i < namesEnd) {
        varint();
        const length = varint();
        names.push(bytes.toString('utf8', i, i + length));
        i += length;
      }
      if (key !== undefined) {
        if (namesMemo.size >= NAMES_MEMO_ENTRIES) namesMemo.delete(namesMemo.keys().next().value as string);
        namesMemo.set(key, (names = Object.freeze(names) as string[]));
      }
    }
  }
  return { version_info: version, node: undefined, resource_names: names, type_url: typeUrl, response_nonce: nonce, error_detail: undefined };
}

function decodeRequest(type: Type, bytes: Buffer): DiscoveryRequest {
  const simple = decodeSimpleRequest(bytes);
  if (simple) return simple;
  const raw = type.toObject(type.decode(bytes), { longs: String, enums: String }) as Partial<DiscoveryRequest> & {
    error_detail?: { code?: number; message?: string } | null;
  };
  return {
    version_info: raw.version_info ?? '',
    node: raw.node ?? undefined,
    resource_names: raw.resource_names ?? [],
    type_url: raw.type_url ?? '',
    response_nonce: raw.response_nonce ?? '',
    error_detail: raw.error_detail ? { code: raw.error_detail.code ?? 0, message: raw.error_detail.message ?? '' } : undefined,
  };
}

/** The grpc-js service definition for `StreamAggregatedResources`, usable by `Server.addService` and
 *  `makeGenericClientConstructor`. Responses are encoded straight from the plain object (resources are
 *  already-packed Any bytes), so encoding costs one pass. Loads the protos on first call. */
export function adsServiceDefinition(): { StreamAggregatedResources: MethodDefinition<DiscoveryRequest, DiscoveryResponse> } {
  const root = xdsProtoRoot();
  const requestType = root.lookupType('envoy.service.discovery.v3.DiscoveryRequest');
  const responseType = root.lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  return {
    StreamAggregatedResources: {
      path: STREAM_AGGREGATED_RESOURCES_PATH,
      requestStream: true,
      responseStream: true,
      originalName: 'streamAggregatedResources',
      requestSerialize: (request) => toBuffer(requestType.encode(requestType.fromObject(request)).finish()),
      requestDeserialize: (bytes) => decodeRequest(requestType, bytes),
      responseSerialize: (response) => toBuffer(responseType.encode(response).finish()),
      responseDeserialize: (bytes) => responseType.toObject(responseType.decode(bytes), { longs: String, enums: String, defaults: true }) as DiscoveryResponse,
    },
  };
}
