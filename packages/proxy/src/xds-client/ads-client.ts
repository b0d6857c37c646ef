// The proxy's side of ADS (state of the world): one gRPC stream to weftd at a time, wildcard CDS and
// LDS plus the EDS and RDS names they call for, ACK or NACK for every response, and reconnection with
// jittered backoff. The accepted state is an immutable snapshot swapped in one assignment, so readers
// never wait on the control plane and keep the last good config while it is away.

import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition, plainToStruct, type DiscoveryRequest, type DiscoveryResponse, type NodeMessage } from '@weft/shared/xds';
import type { XdsNode } from '../bootstrap/xds-node.js';
import type { Logger } from '../log/logger.js';
import { createBackoff, DEFAULT_BACKOFF, type Backoff, type BackoffOptions } from './backoff.js';
import { decodeResponse } from './decode-response.js';
import { KINDS, kindInfo, kindOfTypeUrl, type KindInfo, type ResourceKind } from './resource-kinds.js';
import { applyResponse, EMPTY_SNAPSHOT, keepSubscribed, type XdsSnapshot } from './resource-store.js';
import { endpointNamesFor, routeNamesFor } from './subscription-names.js';

/** What the client needs; everything but the address and node has a default. */
export interface AdsClientOptions {
  /** `host:port` of the ADS server. */
  readonly address: string;
  readonly node: XdsNode;
  readonly logger?: Logger;
  readonly backoff?: BackoffOptions;
  /** Jitter source of the backoff (tests). */
  readonly random?: () => number;
  /** Clock for `last_updated` (epoch ms). */
  readonly now?: () => number;
}

/** Envoy's per-subscription update counters (`cluster_manager.cds.update_success`, ...). */
export interface UpdateStats {
  /** Responses received. */
  attempt: number;
  /** Responses accepted in full (ACKed). */
  success: number;
  /** Responses refused in whole or in part (NACKed). */
  rejected: number;
  /** Streams that ended while this type was subscribed. */
  failure: number;
}

/** Counters and connection state, for /stats and readiness. */
export interface AdsClientStats {
  readonly connected: boolean;
  /** Streams opened so far. */
  readonly streams: number;
  readonly updates: Readonly<Record<ResourceKind, Readonly<UpdateStats>>>;
}

/** One ACK or NACK the client sent. */
export interface AckEvent {
  readonly kind: ResourceKind;
  readonly typeUrl: string;
  /** `version_info` of the response answered. */
  readonly version: string;
  readonly nonce: string;
}

/** Events of {@link AdsClient}. Listeners run on the stream's path: keep them cheap, never throw. */
export interface AdsClientEvents {
  /** The first response of a new stream arrived. */
  connected: [];
  /** The stream ended; the client reconnects after `retryInMs` unless closed. */
  disconnected: [{ readonly code: number; readonly details: string; readonly retryInMs: number }];
  ack: [AckEvent];
  nack: [AckEvent & { readonly message: string }];
  /** The accepted resources changed; the argument is the new snapshot. */
  snapshot: [XdsSnapshot];
}

type AdsCall = grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;

/** The state of one stream; a new one is made for every connection attempt. */
interface Stream {
  readonly client: grpc.Client;
  readonly call: AdsCall;
  /** Latest nonce received per kind on this stream. */
  readonly nonces: Map<ResourceKind, string>;
  /** Kinds requested on this stream. */
  readonly requested: Set<ResourceKind>;
  sentNode: boolean;
}

// Envoy's own limit is far larger; 128 MiB bounds memory while fitting any realistic mesh.
const MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);

/** The node as it goes on the wire (metadata as a google.protobuf.Struct). */
function nodeMessage(node: XdsNode): NodeMessage {
  return { id: node.id, cluster: node.cluster, metadata: plainToStruct({ ...node.metadata }), user_agent_name: node.userAgentName, user_agent_version: node.userAgentVersion };
}

/**
 * An ADS client. {@link start} opens the stream; from then on it follows weftd: wildcard CDS and LDS,
 * named EDS for every EDS cluster and named RDS for every `rds` route config name, resubscribing as
 * those change. A response that cannot be decoded is NACKed whole; resources that decode but are unusable
 * are NACKed by name and their previous versions stay (see resource-store.ts). When the stream ends the
 * client keeps its snapshot and reconnects after a jittered exponential backoff, resubscribing with the
 * versions it has. Nothing here throws after construction.
 */
export class AdsClient extends EventEmitter<AdsClientEvents> {
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private readonly wireNode: NodeMessage;
  private readonly Client: grpc.ServiceClientConstructor;
  private current: XdsSnapshot = EMPTY_SNAPSHOT;
  private readonly names: Record<'endpoint' | 'route', string[]> = { endpoint: [], route: [] };
  private readonly updates: Record<ResourceKind, UpdateStats>;
  private stream: Stream | undefined;
  private connectedNow = false;
  private streamCount = 0;
  private started = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AdsClientOptions) {
    super();
    this.backoff = createBackoff(options.backoff ?? DEFAULT_BACKOFF, options.random);
    this.now = options.now ?? Date.now;
    this.wireNode = nodeMessage(options.node);
    // Loads the protos now (a few hundred ms, synchronous) rather than on the first connect, when the
    // admin API is already answering and a blocked event loop would stall it.
    this.Client = grpc.makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
    this.updates = Object.fromEntries(KINDS.map((k) => [k.kind, { attempt: 0, success: 0, rejected: 0, failure: 0 }])) as Record<ResourceKind, UpdateStats>;
  }

  /** Opens the first stream. Idempotent. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connect();
  }

  /** The accepted state right now. A plain read: never waits, whether or not weftd is reachable. */
  snapshot(): XdsSnapshot {
    return this.current;
  }

  /** Names currently subscribed per kind: `*` for the wildcard kinds. */
  subscriptions(): Readonly<Record<ResourceKind, '*' | readonly string[]>> {
    return { cluster: '*', listener: '*', endpoint: [...this.names.endpoint], route: [...this.names.route] };
  }

  stats(): AdsClientStats {
    const updates = Object.fromEntries(KINDS.map((k) => [k.kind, { ...this.updates[k.kind] }])) as Record<ResourceKind, UpdateStats>;
    return { connected: this.connectedNow, streams: this.streamCount, updates };
  }

  /** Ends the stream and stops reconnecting. The snapshot stays readable. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const s = this.stream;
    this.stream = undefined;
    this.connectedNow = false;
    if (s) {
      s.call.cancel();
      s.client.close();
    }
  }

  private connect(): void {
    this.retryTimer = undefined;
    if (this.closed) return;
    const client = new this.Client(this.options.address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': MAX_RESPONSE_BYTES });
    const call = (client as unknown as { StreamAggregatedResources(): AdsCall }).StreamAggregatedResources();
    const s: Stream = { client, call, nonces: new Map(), requested: new Set(), sentNode: false };
    this.stream = s;
    this.streamCount++;
    call.on('data', (response: DiscoveryResponse) => this.onResponse(s, response));
    call.on('error', () => undefined); // the 'status' event carries the code
    call.on('status', (status: grpc.StatusObject) => this.onEnd(s, status));
    for (const kind of KINDS) if (kind.wildcard || this.namesOf(kind).length > 0) this.request(s, kind);
  }

  private namesOf(kind: KindInfo): readonly string[] {
    return kind.kind === 'endpoint' || kind.kind === 'route' ? this.names[kind.kind] : [];
  }

  /** Writes a request for `kind` with the current names, the last accepted version and the latest nonce. */
  private request(s: Stream, kind: KindInfo, errorDetail?: { code: number; message: string }): void {
    const request: DiscoveryRequest = {
      version_info: this.current[kind.kind].versionInfo,
      // Like Envoy, the node goes on the first request of a stream only.
      node: s.sentNode ? undefined : this.wireNode,
      // An empty list is the legacy wildcard for LDS/CDS (weftd and Istio accept it).
      resource_names: [...this.namesOf(kind)],
      type_url: kind.typeUrl,
      response_nonce: s.nonces.get(kind.kind) ?? '',
      error_detail: errorDetail,
    };
    s.sentNode = true;
    s.requested.add(kind.kind);
    s.call.write(request);
  }

  private onResponse(s: Stream, response: DiscoveryResponse): void {
    if (s !== this.stream) return;
    if (!this.connectedNow) {
      this.connectedNow = true;
      this.backoff.reset();
      this.options.logger?.info('ADS stream established', { address: this.options.address, node: this.options.node.id });
      this.emit('connected');
    }
    const kind = kindOfTypeUrl(response.type_url);
    if (!kind) {
      this.options.logger?.debug('ignoring a response of a type not subscribed to', { type_url: response.type_url });
      return;
    }
    s.nonces.set(kind.kind, response.nonce);
    const stats = this.updates[kind.kind];
    stats.attempt++;
    const ack: AckEvent = { kind: kind.kind, typeUrl: kind.typeUrl, version: response.version_info, nonce: response.nonce };

    const decoded = decodeResponse(kind, response.resources);
    if (!decoded.ok) {
      this.nack(s, kind, ack, decoded.error, 'WEFT_ERR_XDS_DECODE');
      return;
    }
    const outcome = applyResponse(this.current, kind, response.version_info, decoded.resources, new Set(this.namesOf(kind)), this.now());
    let next = outcome.snapshot;
    const resubscribe: KindInfo[] = [];
    const follow = (dependent: 'endpoint' | 'route', names: string[]): void => {
      if (sameNames(names, this.names[dependent])) return;
      this.names[dependent] = names;
      next = keepSubscribed(next, kindInfo(dependent), new Set(names), this.now());
      resubscribe.push(kindInfo(dependent));
    };
    if (kind.kind === 'cluster') follow('endpoint', endpointNamesFor(next.cluster.resources.values()));
    if (kind.kind === 'listener') follow('route', routeNamesFor(next.listener.resources.values()));
    const changed = outcome.changed || next !== outcome.snapshot;
    // The swap: one assignment, so a reader sees the old snapshot or the new one, never a mix.
    this.current = next;

    if (outcome.problems.length === 0) {
      stats.success++;
      this.request(s, kind);
      this.options.logger?.debug('ACK', { type: kind.short, version: response.version_info, resources: decoded.resources.length });
      this.emit('ack', ack);
    } else {
      this.nack(s, kind, ack, outcome.problems.join('\n'), 'WEFT_ERR_XDS_INVALID_RESOURCE');
    }
    // Names that changed are (re)requested after the answer, as a request of their own type. An
    // emptied set is sent too when it was requested before: that is the unsubscribe.
    for (const k of resubscribe) if (this.namesOf(k).length > 0 || s.requested.has(k.kind)) this.request(s, k);
    if (changed) this.emit('snapshot', next);
  }

  private nack(s: Stream, kind: KindInfo, ack: AckEvent, message: string, code: string): void {
    this.updates[kind.kind].rejected++;
    // INVALID_ARGUMENT, as Envoy sets on its NACKs; version_info stays the last accepted one.
    this.request(s, kind, { code: grpc.status.INVALID_ARGUMENT, message });
    this.options.logger?.warn('NACK', { code, type: kind.short, version: ack.version, reason: message });
    this.emit('nack', { ...ack, message });
  }

  private onEnd(s: Stream, status: grpc.StatusObject): void {
    if (s !== this.stream) return;
    this.stream = undefined;
    this.connectedNow = false;
    s.client.close();
    for (const k of s.requested) this.updates[k].failure++;
    if (this.closed) return;
    const retryInMs = this.backoff.next();
    this.options.logger?.warn('ADS stream closed; keeping the last good config and reconnecting', {
      code: 'WEFT_ERR_XDS_STREAM',
      status: grpc.status[status.code] ?? status.code,
      details: status.details,
      retry_in_ms: retryInMs,
    });
    this.retryTimer = setTimeout(() => this.connect(), retryInMs);
    // The proxy's servers keep the process alive; a pending retry alone should not.
    this.retryTimer.unref();
    this.emit('disconnected', { code: status.code, details: status.details, retryInMs });
  }
}
