// One ADS stream: ties a gRPC call to its protocol state (stream-state.ts), its node's snapshot in
// the cache, and a bounded send path. Owns the stream's lifecycle; the server (ads-server.ts) owns
// the set of streams, events and counters.

import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { type DiscoveryRequest, type DiscoveryResponse, sortByPushOrder } from '@weft/shared/xds';
import { toProxyNode, type ProxyNode } from './node-identity.js';
import type { SnapshotCache } from './snapshot-cache.js';
import { StreamState, type RequestOutcome } from './stream-state.js';

/** Why a stream ended. */
export type DisconnectReason = 'client-closed' | 'slow-consumer' | 'invalid-request' | 'server-shutdown' | 'internal-error';

/** What a connection reports to its server. Called synchronously. */
export interface ConnectionHooks {
  onConnect(connection: AdsConnection): void;
  onRequest(connection: AdsConnection, request: DiscoveryRequest, outcome: RequestOutcome): void;
  onResponse(connection: AdsConnection, response: DiscoveryResponse): void;
  onClose(connection: AdsConnection, reason: DisconnectReason, details: string): void;
}

/** Settings a connection gets from its server. */
export interface ConnectionSettings {
  readonly cache: SnapshotCache;
  /** Close the stream when more responses than this are unanswered or queued. */
  readonly maxPendingResponses: number;
  /** Unique per server instance, so nonces from a previous weftd process never look current. */
  readonly noncePrefix: string;
  /** Sequence number of this stream within the server, part of its id. */
  readonly sequence: number;
  readonly hooks: ConnectionHooks;
}

type AdsCall = ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

/** A live ADS stream. Responses are written in push order; when the transport pushes back, changed
 *  types are remembered and their latest state is written on 'drain' (older versions are skipped,
 *  SotW makes them obsolete). Responses unanswered plus updates queued are bounded by
 *  `maxPendingResponses`: beyond it the stream is closed with RESOURCE_EXHAUSTED (slow consumer) and
 *  the client is expected to reconnect and get the current snapshot. */
export class AdsConnection {
  /** Set by the first request; undefined until then. */
  node: ProxyNode | undefined;
  readonly connectedAt = new Date();
  readonly state = new StreamState();
  private closed = false;
  private clientGone = false;
  private blocked = false;
  private readonly dirty = new Set<string>();
  private queuedUpdates = 0;
  private nonceSequence = 0;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly call: AdsCall,
    private readonly settings: ConnectionSettings,
  ) {}

  /** Istio-style connection id: `<node id>-<sequence>`. */
  get id(): string {
    return `${this.node?.id ?? 'unknown'}-${this.settings.sequence}`;
  }

  /** Requests + responses on this stream that are not answered yet (for the slow-consumer bound). */
  pendingResponses(): number {
    return this.state.unansweredCount() + this.queuedUpdates;
  }

  /** Starts reading requests. */
  start(): void {
    this.call.on('data', (request: DiscoveryRequest) => {
      try {
        this.onRequest(request);
      } catch (e) {
        // A bug in the protocol code must not take weftd down; the client reconnects.
        this.close('internal-error', status.INTERNAL, `weftd failed on a request: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    // The client half-closed: it wants no more responses, so end our side with OK.
    this.call.on('end', () => this.close('client-closed', status.OK, 'client closed the stream'));
    // The client cancelled or the connection died: nothing can be sent any more.
    this.call.on('cancelled', () => {
      this.clientGone = true;
      this.close('client-closed', undefined, 'client cancelled the stream');
    });
    this.call.on('error', () => {
      this.clientGone = true;
      this.close('client-closed', undefined, 'stream error');
    });
    this.call.on('drain', () => this.onDrain());
  }

  /** Ends the stream with `code` (no status is sent when the client is gone or `code` is undefined). */
  close(reason: DisconnectReason, code: status | undefined, details: string): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    this.unwatch = undefined;
    if (code !== undefined && !this.clientGone) {
      if (code === status.OK) this.call.end();
      // grpc-js turns an 'error' event on a server stream into the call's final status, sent after
      // the responses already written (a client that never reads only sees it once it drains them).
      else this.call.emit('error', Object.assign(new Error(details), { code, details }));
    }
    this.settings.hooks.onClose(this, reason, details);
  }

  private onRequest(request: DiscoveryRequest): void {
    if (this.closed) return;
    if (!this.node) {
      // Only the first request is guaranteed to carry the node; it is kept for the stream.
      const node = toProxyNode(request.node);
      if (!node) return this.close('invalid-request', status.INVALID_ARGUMENT, 'the first DiscoveryRequest on a stream must carry node.id');
      this.node = node;
      this.unwatch = this.settings.cache.watch(node.id, (_snapshot, changed) => this.push([...changed]));
      this.settings.hooks.onConnect(this);
    }
    if (!request.type_url) return this.close('invalid-request', status.INVALID_ARGUMENT, 'type_url is required on an aggregated (ADS) stream');
    const outcome = this.state.handleRequest(request);
    this.settings.hooks.onRequest(this, request, outcome);
    if (outcome.respond) this.push([request.type_url]);
  }

  /** Writes the responses due for `typeUrls` (types the stream never requested are skipped). */
  private push(typeUrls: readonly string[]): void {
    if (this.closed || !this.node) return;
    const requested = new Set(this.state.subscribedTypes());
    const types = sortByPushOrder(typeUrls.filter((t) => requested.has(t)));
    if (this.blocked) return this.queue(types);
    const snapshot = this.settings.cache.getSnapshot(this.node.id);
    for (const [i, typeUrl] of types.entries()) {
      const response = this.state.nextResponse(typeUrl, snapshot, () => `${this.settings.noncePrefix}-${++this.nonceSequence}`);
      if (!response) continue;
      const writable = this.call.write(response);
      this.settings.hooks.onResponse(this, response);
      if (this.overLimit()) return;
      if (!writable) {
        this.blocked = true;
        return this.queue(types.slice(i + 1));
      }
    }
  }

  private queue(types: readonly string[]): void {
    for (const t of types) this.dirty.add(t);
    this.queuedUpdates += types.length;
    this.overLimit();
  }

  private onDrain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    const types = [...this.dirty];
    this.dirty.clear();
    this.queuedUpdates = 0;
    this.push(types);
  }

  /** Closes a slow consumer; returns whether it did. */
  private overLimit(): boolean {
    const pending = this.pendingResponses();
    if (pending <= this.settings.maxPendingResponses) return false;
    this.close('slow-consumer', status.RESOURCE_EXHAUSTED, `slow xDS consumer: ${pending} responses pending (limit ${this.settings.maxPendingResponses}); reconnect`);
    return true;
  }
}
