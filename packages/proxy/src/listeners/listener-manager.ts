// Keeps the proxy's bound sockets in step with the planned listeners, with Envoy's listener update
// semantics: an unchanged listener keeps running untouched; a changed one on the same socket takes
// new connections at once, while connections of filter chains that changed or went away drain; a
// socket no longer planned stops accepting and drains; a new one is bound. Bind failures are kept
// and reported, never thrown, and retried on the next update.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { createFilterChainSelector, type ConnectionFacts, type FilterChainSelector } from './filter-chain-match.js';
import { inspectHttp } from './http-inspector.js';
import { inspectTls } from '../tls/client-hello.js';
import { httpInspectionFor, tlsInspectionFor } from './listener-filters.js';
import type { BindingPlan, BindingRole, ListenerPlan, PlanNote } from './listener-plan.js';
import { socketKey } from './listener-plan.js';
import { compileFilterChain, type ChainDeps, type CompiledChain, type TrafficDirection } from './network-filter-chain.js';

/** Istio's default drainDuration: how long connections of a removed or changed listener may go on. */
export const DEFAULT_DRAIN_MS = 45_000;

/** The state of one socket, as the admin API shows it. */
export interface ListenerBinding {
  readonly listenerName: string;
  /** `host:port` of the socket. */
  readonly address: string;
  readonly role: BindingRole;
  /** `binding` until listen() answers; `failed` keeps the reason; `draining`: no longer accepting,
   *  waiting for its connections to end. */
  readonly state: 'binding' | 'bound' | 'failed' | 'draining';
  /** Envoy's wording: `cannot bind '127.0.0.1:9080': Address already in use`. */
  readonly error?: string;
  /** Connections open now. */
  readonly connections: number;
}

/** What the manager needs besides its plans. */
export interface ListenerManagerOptions extends ChainDeps {
  readonly logger: Logger;
  /** Drain period of connections whose listener or filter chain went away (default {@link DEFAULT_DRAIN_MS}). */
  readonly drainMs?: number;
}

/** The filter chains of one listener, compiled. */
interface ActiveListener {
  readonly plan: BindingPlan;
  readonly select: FilterChainSelector<CompiledChain>;
  /** Whether a connection to this destination port goes through the HTTP inspector first. */
  readonly inspectHttp: (destinationPort: number) => boolean;
  /** Whether a connection to this destination port goes through the TLS inspector (SNI, ALPN) first. */
  readonly inspectTls: (destinationPort: number) => boolean;
  /** Fingerprints of every chain, the default one included. */
  readonly fingerprints: ReadonlySet<string>;
}

interface Tracked {
  /** The chain serving it; '' while the HTTP inspector has not decided. */
  fingerprint: string;
  drainTimer?: NodeJS.Timeout;
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
};

/** One bound (or failed, or draining) socket. */
class ListenerSocket {
  server: Server | undefined;
  state: ListenerBinding['state'] = 'binding';
  error: string | undefined;
  readonly connections = new Map<Socket, Tracked>();
  private onEmpty: (() => void) | undefined;

  constructor(
    public active: ActiveListener,
    private readonly owner: ListenerManager,
  ) {}

  get plan(): BindingPlan {
    return this.active.plan;
  }

  /** Binds the socket; a failure is kept in `state` / `error`. */
  async bind(): Promise<void> {
    const { host, port, key } = this.plan;
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    server.on('connection', (socket) => this.accept(socket));
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', resolve);
        resolve(undefined);
      });
    });
    if (error) {
      this.state = 'failed';
      this.error = `cannot bind '${key}': ${ERRNO_TEXT[error.code ?? ''] ?? error.message}`;
      return;
    }
    // Errors after listen() (EMFILE on accept) must not crash the proxy; the server keeps going.
    server.on('error', (e) => this.owner.logger.warn(`listener '${this.plan.listenerName}' on ${key}: ${e.message}`));
    this.server = server;
    this.state = 'bound';
  }

  private accept(socket: Socket): void {
    const active = this.active;
    const { destination } = active.plan;
    // The handler owns the socket; this guard only keeps a stray error from crashing the process.
    socket.on('error', () => undefined);
    const facts: ConnectionFacts = {
      destinationIp: destination.ip ?? socket.localAddress ?? '',
      destinationPort: destination.port,
      sourceIp: socket.remoteAddress ?? '',
      sourcePort: socket.remotePort ?? 0,
      serverName: '',
      transportProtocol: 'raw_buffer',
      applicationProtocols: [],
    };
    // Tracked from the start, so a drain or shutdown also reaches connections still being inspected.
    const tracked: Tracked = { fingerprint: '' };
    this.connections.set(socket, tracked);
    socket.once('close', () => {
      if (tracked.drainTimer) clearTimeout(tracked.drainTimer);
      this.connections.delete(socket);
      if (this.connections.size === 0) this.onEmpty?.();
    });
    const http = active.inspectHttp(facts.destinationPort);
    const tls = active.inspectTls(facts.destinationPort);
    if (!tls && !http) {
      this.dispatch(socket, active, facts, tracked, undefined);
      return;
    }
    void this.inspect(socket, tls, http, facts).then(([inspected, initialData]) => {
      if (!socket.destroyed) this.dispatch(socket, active, inspected, tracked, initialData);
    });
  }

  /** Runs the listener filters: the TLS inspector, then (for a connection that is not TLS, as Envoy's
   *  http_inspector skips TLS) the HTTP inspector. Bytes they read are put back in the socket. */
  private async inspect(socket: Socket, tls: boolean, http: boolean, facts: ConnectionFacts): Promise<[ConnectionFacts, Buffer | undefined]> {
    if (tls) {
      const t = await inspectTls(socket);
      facts = { ...facts, transportProtocol: t.transportProtocol, serverName: t.serverName, applicationProtocols: t.applicationProtocols };
      if (t.initialData || t.transportProtocol === 'tls' || !http || socket.destroyed) return [facts, t.initialData];
      // The TLS inspector left the socket paused; the HTTP inspector reads in flowing mode.
      socket.resume();
    }
    const inspection = await inspectHttp(socket);
    return [{ ...facts, applicationProtocols: inspection.protocols }, inspection.initialData];
  }

  private dispatch(socket: Socket, active: ActiveListener, facts: ConnectionFacts, tracked: Tracked, initialData: Buffer | undefined): void {
    const { destination } = active.plan;
    const chain = active.select(facts);
    if (!chain) {
      this.owner.logger.debug(`closing connection from ${socketKey(facts.sourceIp, facts.sourcePort)}: no matching filter chain found`, { listener: active.plan.listenerName });
      socket.destroy();
      return;
    }
    tracked.fingerprint = chain.fingerprint;
    // The inspector left the socket paused; a handler that only adds a 'data' listener expects the
    // default flowing mode (it resumes on the next tick, after the handler has attached). A TLS
    // termination takes the paused socket as it is.
    if (socket.isPaused() && !chain.terminatesTls) socket.resume();
    chain.handle(socket, {
      listenerName: active.plan.listenerName,
      chainName: chain.name,
      ...(destination.known && destination.ip ? { originalDestination: { host: destination.ip, port: destination.port } } : {}),
      ...(initialData ? { initialData } : {}),
      ...(facts.serverName ? { serverName: facts.serverName } : {}),
    });
  }

  /** Serves `next` from now on; connections whose chain is not in `next` drain. */
  swap(next: ActiveListener, drainMs: number): void {
    this.active = next;
    for (const [socket, t] of this.connections) if (!next.fingerprints.has(t.fingerprint)) this.drain(socket, t, drainMs);
  }

  private drain(socket: Socket, t: Tracked, drainMs: number): void {
    if (t.drainTimer) return;
    t.drainTimer = setTimeout(() => socket.destroy(), drainMs);
    t.drainTimer.unref();
  }

  /** Stops accepting; resolves once every connection has ended (or was cut at the end of the drain). */
  retire(drainMs: number): Promise<void> {
    this.state = this.state === 'failed' ? 'failed' : 'draining';
    this.server?.close();
    if (this.connections.size === 0) return Promise.resolve();
    for (const [socket, t] of this.connections) this.drain(socket, t, drainMs);
    return new Promise((resolve) => (this.onEmpty = resolve));
  }

  /** Stops at once: no drain. */
  closeNow(): void {
    this.server?.close();
    for (const socket of this.connections.keys()) socket.destroy();
  }

  view(): ListenerBinding {
    return {
      listenerName: this.plan.listenerName,
      address: this.plan.key,
      role: this.plan.role,
      state: this.state,
      ...(this.error ? { error: this.error } : {}),
      connections: this.connections.size,
    };
  }
}

const noteKey = (n: PlanNote): string => `${n.listenerName}|${n.message}`;

/**
 * Owns every socket bound for LDS listeners. `update` is called with each new plan (on every accepted
 * xDS snapshot) and applies them one at a time; when several arrive during one application only the
 * latest is applied next. Never throws for a bad bind: see {@link ListenerBinding}.
 */
export class ListenerManager {
  readonly logger: Logger;
  private readonly sockets = new Map<string, ListenerSocket>();
  private readonly draining = new Set<ListenerSocket>();
  private readonly drainMs: number;
  private queue: Promise<void> = Promise.resolve();
  private next: ListenerPlan | undefined;
  private lastNotes = new Set<string>();
  private closed = false;

  constructor(private readonly options: ListenerManagerOptions) {
    this.logger = options.logger;
    this.drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  }

  /** Applies `plan` after the updates before it; resolves when the sockets match it (binds answered). */
  update(plan: ListenerPlan): Promise<void> {
    this.next = plan;
    this.queue = this.queue.then(async () => {
      const p = this.next;
      this.next = undefined;
      if (p && !this.closed) await this.reconcile(p);
    });
    return this.queue;
  }

  /** Every socket, bound, failed or draining, sorted by listener then address. */
  bindings(): ListenerBinding[] {
    return [...this.sockets.values(), ...this.draining].map((s) => s.view()).sort((a, b) => (a.listenerName < b.listenerName ? -1 : a.listenerName > b.listenerName ? 1 : a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  /** Whether `host:port` reaches one of this proxy's listening sockets (a wildcard socket counts for
   *  any address on its port). */
  isOwnAddress(host: string, port: number): boolean {
    const bound = (key: string): boolean => this.sockets.get(key)?.state === 'bound';
    return bound(socketKey(host, port)) || bound(socketKey('0.0.0.0', port)) || bound(socketKey('::', port));
  }

  /** Stops every socket and cuts every connection. Later updates are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    for (const s of [...this.sockets.values(), ...this.draining]) s.closeNow();
    this.sockets.clear();
    this.draining.clear();
  }

  private async reconcile(plan: ListenerPlan): Promise<void> {
    const wanted = new Map(plan.bindings.map((b) => [b.key, b] as const));
    for (const [key, socket] of this.sockets) {
      if (wanted.has(key)) continue;
      this.sockets.delete(key);
      if (socket.state === 'bound') this.logger.info(`listener '${socket.plan.listenerName}' removed from ${key}: draining`, { connections: socket.connections.size });
      this.draining.add(socket);
      void socket.retire(this.drainMs).then(() => this.draining.delete(socket));
    }
    const compiled = new Map<string, ActiveListener>();
    const binds: Promise<void>[] = [];
    for (const b of plan.bindings) {
      const existing = this.sockets.get(b.key);
      if (existing && existing.state !== 'failed') {
        if (existing.plan.fingerprint === b.fingerprint) continue;
        existing.swap(this.compile(b, compiled), this.drainMs);
        this.logger.info(`listener '${b.listenerName}' updated in place on ${b.key}`);
        continue;
      }
      const socket = new ListenerSocket(this.compile(b, compiled), this);
      this.sockets.set(b.key, socket);
      binds.push(
        socket.bind().then(() => {
          if (socket.state === 'bound') this.logger.info(`listener '${b.listenerName}' bound on ${b.key}`, { role: b.role });
          else if (socket.error !== existing?.error) this.logger.warn(`listener '${b.listenerName}': ${socket.error ?? 'not bound'}`, { role: b.role });
        }),
      );
    }
    await Promise.all(binds);
    this.logNotes(plan.notes);
  }

  /** Compiles the chains of a plan's listener; sockets of one listener (virtualInbound's ports) share them. */
  private compile(plan: BindingPlan, cache: Map<string, ActiveListener>): ActiveListener {
    const direction: TrafficDirection = plan.role === 'inbound' || (plan.listener as { traffic_direction?: string }).traffic_direction === 'INBOUND' ? 'inbound' : 'outbound';
    const cacheKey = `${direction}|${plan.listenerFingerprint}`;
    const shared = cache.get(cacheKey);
    if (shared) return { ...shared, plan };
    const deps: ChainDeps = { ...this.options, isOwnAddress: (h, p) => this.isOwnAddress(h, p) };
    const chains = (plan.listener.filter_chains ?? []).map((c, i) => ({ match: c.filter_chain_match, value: compileFilterChain(c, `filter_chains[${i}]`, direction, deps) }));
    const fallback = plan.listener.default_filter_chain ? compileFilterChain(plan.listener.default_filter_chain, 'default_filter_chain', direction, deps) : undefined;
    const active: ActiveListener = {
      plan,
      select: createFilterChainSelector(chains, fallback),
      inspectHttp: httpInspectionFor(plan.listener),
      inspectTls: tlsInspectionFor(plan.listener),
      fingerprints: new Set([...chains.map((c) => c.value.fingerprint), ...(fallback ? [fallback.fingerprint] : [])]),
    };
    cache.set(cacheKey, active);
    return active;
  }

  /** Logs notes not logged for the previous plan (a plan is made on every snapshot, EDS included). */
  private logNotes(notes: readonly PlanNote[]): void {
    const now = new Set(notes.map(noteKey));
    for (const n of notes) {
      if (this.lastNotes.has(noteKey(n))) continue;
      if (n.level === 'warning') this.logger.warn(`listener '${n.listenerName}': ${n.message}`);
      else this.logger.debug(`listener '${n.listenerName}': ${n.message}`);
    }
    this.lastNotes = now;
  }
}
