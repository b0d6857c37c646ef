// The ADS gRPC server (envoy.service.discovery.v3.AggregatedDiscoveryService, state of the world):
// accepts streams, serves each node what the snapshot cache holds, and exposes stream lifecycle
// events, counters and per-proxy sync status. It knows nothing about Istio config.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Server, ServerCredentials, status, type ServerDuplexStream } from '@grpc/grpc-js';
import { adsServiceDefinition, type DiscoveryRequest, type DiscoveryResponse, shortTypeName } from '@weft/shared/xds';
import { AdsConnection, type ConnectionHooks, type DisconnectReason } from './ads-connection.js';
import type { ProxyNode } from './node-identity.js';
import type { SnapshotCache } from './snapshot-cache.js';
import type { NackRecord, TypeSyncStatus } from './stream-state.js';
import { stderrWarnLogger, type XdsLogger } from './xds-logger.js';

/** Default bound on unanswered + queued responses per stream. Envoy answers every response within
 *  milliseconds and pushes are debounced, so a healthy proxy stays far below it. */
export const DEFAULT_MAX_PENDING_RESPONSES = 16;

/** Settings of {@link AdsServer}. */
export interface AdsServerOptions {
  readonly cache: SnapshotCache;
  /** Per-stream bound on responses not yet answered (ACK/NACK) plus updates queued behind a full
   *  transport; a stream above it is closed with RESOURCE_EXHAUSTED. Default {@link DEFAULT_MAX_PENDING_RESPONSES}. */
  readonly maxPendingResponses?: number;
  /** Where NACKs, slow consumers and connects are logged. Default: warnings to stderr. */
  readonly logger?: XdsLogger;
  /** How long {@link AdsServer.close} waits for streams to end before cutting connections. Default 2000 ms. */
  readonly shutdownGraceMs?: number;
}

/** A connected proxy, as reported in events. */
export interface ConnectionInfo {
  readonly connectionId: string;
  readonly node: ProxyNode;
}

/** Events of {@link AdsServer}; listeners run synchronously on the stream's request path. */
export interface AdsServerEvents {
  /** A stream sent its first request (node known). */
  connect: [ConnectionInfo];
  /** A stream that had connected ended. */
  disconnect: [ConnectionInfo & { readonly reason: DisconnectReason; readonly details: string }];
  /** The client ACKed the latest response of a type. */
  ack: [ConnectionInfo & { readonly typeUrl: string; readonly version: string; readonly nonce: string }];
  /** The client NACKed the latest response of a type. */
  nack: [ConnectionInfo & { readonly typeUrl: string; readonly nack: NackRecord }];
  /** A response was written. */
  response: [ConnectionInfo & { readonly typeUrl: string; readonly version: string; readonly nonce: string; readonly resources: number }];
}

/** Monotonic counters since the server started (for metrics). */
export interface AdsStats {
  /** Streams currently connected (node known). */
  readonly connected: number;
  readonly responses: number;
  readonly acks: number;
  readonly nacks: number;
  /** Requests ignored because their nonce was not the latest sent. */
  readonly staleNonces: number;
  /** Streams closed with RESOURCE_EXHAUSTED for falling behind. */
  readonly slowConsumers: number;
}

/** `/debug/syncz`: one entry per connected proxy. */
export interface ProxySyncStatus {
  readonly connectionId: string;
  readonly nodeId: string;
  readonly connectedAt: string;
  readonly types: TypeSyncStatus[];
}

type Counters = { -readonly [K in Exclude<keyof AdsStats, 'connected'>]: number };

/** The ADS server. Use {@link AdsServer.listen} for a server of its own, or {@link AdsServer.addTo} to
 *  serve ADS on a gRPC server the caller owns (e.g. next to the CA service). */
export class AdsServer extends EventEmitter<AdsServerEvents> {
  private readonly connections = new Set<AdsConnection>();
  private readonly counters: Counters = { responses: 0, acks: 0, nacks: 0, staleNonces: 0, slowConsumers: 0 };
  private readonly noncePrefix = randomBytes(4).toString('hex');
  private readonly logger: XdsLogger;
  private readonly maxPending: number;
  private sequence = 0;
  private ownServer: Server | undefined;

  constructor(private readonly options: AdsServerOptions) {
    super();
    this.logger = options.logger ?? stderrWarnLogger;
    this.maxPending = options.maxPendingResponses ?? DEFAULT_MAX_PENDING_RESPONSES;
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) throw new RangeError(`maxPendingResponses must be a positive integer, got ${this.maxPending}`);
  }

  /** Registers StreamAggregatedResources on `server`. */
  addTo(server: Server): void {
    server.addService(adsServiceDefinition(), { StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => this.accept(call) });
  }

  /** Starts a gRPC server of its own on `host:port` (port 0 picks a free one) and resolves to the bound
   *  port. Plaintext unless `credentials` say otherwise. */
  async listen(port = 0, host = '127.0.0.1', credentials: ServerCredentials = ServerCredentials.createInsecure()): Promise<number> {
    if (this.ownServer) throw new Error('AdsServer.listen called twice');
    // Keepalive pings find dead peers (a vanished proxy holds its stream otherwise); values are Istio's.
    const server = new Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000 });
    this.addTo(server);
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) => server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))));
    this.ownServer = server;
    return bound;
  }

  /** Ends every stream with UNAVAILABLE (clients reconnect elsewhere) and, for a server started by
   *  {@link listen}, shuts it down, cutting connections that are still open after the grace period. */
  async close(): Promise<void> {
    for (const c of [...this.connections]) c.close('server-shutdown', status.UNAVAILABLE, 'weftd is shutting down');
    const server = this.ownServer;
    this.ownServer = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, this.options.shutdownGraceMs ?? 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Per connected proxy and type: version sent, version ACKed, last nonce, last NACK. */
  syncStatus(): ProxySyncStatus[] {
    const out: ProxySyncStatus[] = [];
    for (const c of this.connections) {
      if (c.node) out.push({ connectionId: c.id, nodeId: c.node.id, connectedAt: c.connectedAt.toISOString(), types: c.state.syncStatus() });
    }
    return out.sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1));
  }

  /** Counters since start. */
  stats(): AdsStats {
    let connected = 0;
    for (const c of this.connections) if (c.node) connected++;
    return { connected, ...this.counters };
  }

  private accept(call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>): void {
    const connection = new AdsConnection(call, { cache: this.options.cache, maxPendingResponses: this.maxPending, noncePrefix: this.noncePrefix, sequence: ++this.sequence, hooks: this.hooks });
    this.connections.add(connection);
    connection.start();
  }

  private readonly hooks: ConnectionHooks = {
    onConnect: (c) => {
      this.logger.info('xDS stream connected', { connection: c.id, node: c.node?.id, cluster: c.node?.cluster });
      this.emit('connect', this.info(c));
    },
    onRequest: (c, request, outcome) => {
      const fields = { connection: c.id, node: c.node?.id, type: shortTypeName(request.type_url) };
      switch (outcome.kind) {
        case 'stale':
          this.counters.staleNonces++;
          this.logger.debug('xDS stale nonce ignored', { ...fields, nonce: outcome.nonce, latestNonce: outcome.latestNonce });
          return;
        case 'ack':
          this.counters.acks++;
          this.emit('ack', { ...this.info(c), typeUrl: request.type_url, version: outcome.version, nonce: outcome.nonce });
          return;
        case 'nack':
          this.counters.nacks++;
          this.logger.warn('xDS NACK', { ...fields, version: outcome.nack.version, nonce: outcome.nack.nonce, code: outcome.nack.code, error: outcome.nack.message });
          this.emit('nack', { ...this.info(c), typeUrl: request.type_url, nack: outcome.nack });
          return;
        case 'subscribe':
          this.logger.debug('xDS subscribe', { ...fields, names: request.resource_names });
          return;
      }
    },
    onResponse: (c, response) => {
      this.counters.responses++;
      this.emit('response', { ...this.info(c), typeUrl: response.type_url, version: response.version_info, nonce: response.nonce, resources: response.resources.length });
    },
    onClose: (c, reason, details) => {
      this.connections.delete(c);
      if (reason === 'slow-consumer') {
        this.counters.slowConsumers++;
        this.logger.warn('xDS slow consumer disconnected', { connection: c.id, node: c.node?.id, details });
      }
      if (c.node) this.emit('disconnect', { ...this.info(c), reason, details });
    },
  };

  private info(c: AdsConnection): ConnectionInfo {
    return { connectionId: c.id, node: c.node as ProxyNode };
  }
}
