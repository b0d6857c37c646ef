// The HTTP/2 (h2c, prior knowledge) connections of one upstream endpoint: streams are multiplexed on the
// oldest session with a free slot; a new session is opened when every session is at its stream limit
// or going away (GOAWAY, max requests per connection, idle close). Streams refused before the upstream
// processed them are sent again on another session.

import { connect as http2Connect, type ClientHttp2Session, type Settings } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import type { UpstreamTls } from '../tls/upstream-tls.js';
import type { UpstreamConnector, UpstreamExchange, UpstreamRequestHead, UpstreamResponseHandler } from '../http/upstream-exchange.js';
import { Http2UpstreamExchange, type ExchangeOwner } from './http2-upstream-exchange.js';

/** Settings of one pool. */
export interface Http2PoolOptions {
  readonly host: string;
  readonly port: number;
  /** The cluster's connect_timeout; 0 for none. */
  readonly connectTimeoutMs: number;
  /** A session without streams is closed after this long (default 60 s, as the HTTP/1.1 pools). */
  readonly idleTimeoutMs?: number;
  /** Streams per session at most (http2_protocol_options.max_concurrent_streams); the upstream's
   *  SETTINGS_MAX_CONCURRENT_STREAMS lowers it. Default: the upstream's limit alone. */
  readonly maxConcurrentStreams?: number;
  /** Streams a session carries in its life (common_http_protocol_options.max_requests_per_connection);
   *  0 or unset for no limit. */
  readonly maxRequestsPerConnection?: number;
  /** Sessions open or opening at once (Envoy's max_connections default, 1024). */
  readonly maxConnections?: number;
  /** SETTINGS sent to the upstream. */
  readonly settings?: Settings;
  /** TLS on its connections (the cluster's transport socket for this endpoint); absent: h2c. */
  readonly tls?: UpstreamTls | undefined;
}

/** Counts, for stats and tests. */
export interface Http2PoolStats {
  /** Sessions open or opening. */
  readonly sessions: number;
  /** Exchanges holding a stream slot. */
  readonly active: number;
  /** Exchanges waiting for a slot. */
  readonly queued: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_CONNECTIONS = 1024;

/** One session and its stream slots. */
class PooledSession {
  connected = false;
  /** Takes no new streams: GOAWAY received, max requests reached, idle, or the pool is draining. */
  draining = false;
  /** Exchanges holding a slot (streams open, or waiting for the connection). */
  readonly members = new Set<Http2UpstreamExchange>();
  /** Streams given to this session so far. */
  started = 0;
  limit: number;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  connectTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly session: ClientHttp2Session,
    readonly socket: Socket,
    limit: number,
  ) {
    this.limit = limit;
  }
}

const bracketed = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function noop(): void {}

/** HTTP/2 sessions to one endpoint. */
export class Http2SessionPool implements UpstreamConnector, ExchangeOwner {
  readonly #sessions = new Set<PooledSession>();
  readonly #bySession = new Map<ClientHttp2Session, PooledSession>();
  readonly #queue: Http2UpstreamExchange[] = [];
  readonly #maxStreams: number;
  readonly #maxRequests: number;
  readonly #maxConnections: number;
  readonly #idleTimeoutMs: number;
  readonly #defaultAuthority: string;
  /** The endpoint's last SETTINGS_MAX_CONCURRENT_STREAMS: a new session assumes it until its own
   *  SETTINGS arrive (before them nghttp2 would queue streams over the limit instead of us opening
   *  another session). */
  #remoteLimit = Number.POSITIVE_INFINITY;
  #draining = false;
  #destroyed = false;
  #drained: (() => void) | undefined = undefined;

  constructor(private readonly options: Http2PoolOptions) {
    this.#maxStreams = options.maxConcurrentStreams && options.maxConcurrentStreams > 0 ? options.maxConcurrentStreams : Number.POSITIVE_INFINITY;
    this.#maxRequests = options.maxRequestsPerConnection ?? 0;
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.#defaultAuthority = `${bracketed(options.host)}:${options.port}`;
  }

  get stats(): Http2PoolStats {
    let active = 0;
    for (const s of this.#sessions) active += s.members.size;
    return { sessions: this.#sessions.size, active, queued: this.#queue.length };
  }

  request(head: UpstreamRequestHead, handler: UpstreamResponseHandler): UpstreamExchange {
    const host = head.headers.host;
    const authority = typeof host === 'string' && host !== '' ? host : this.#defaultAuthority;
    const ex = new Http2UpstreamExchange(this, head, handler, authority);
    if (head.upgrade !== undefined || this.#destroyed) {
      // An HTTP/1.1 Upgrade has no HTTP/2 form here (extended CONNECT is not spoken upstream): the
      // caller should send upgrades to an HTTP/1.1 pool. Failures are reported asynchronously.
      const failure = this.#destroyed ? 'reset' : 'protocol-error';
      process.nextTick(() => ex.fail(failure));
      return ex;
    }
    if (!this.#assign(ex, undefined)) this.#enqueue(ex);
    return ex;
  }

  /** Stops taking new work once the queue is empty: idle sessions close now (GOAWAY), busy ones when
   *  their streams end. Resolves when every session is closed. */
  drain(): Promise<void> {
    this.#draining = true;
    for (const s of this.#sessions) {
      s.draining = true;
      if (s.members.size === 0 && this.#queue.length === 0) s.session.close();
    }
    return new Promise((resolve) => {
      this.#drained = resolve;
      this.#checkDrained();
    });
  }

  /** Cuts everything: waiting requests fail with 'reset', sessions are destroyed. */
  destroy(): void {
    this.#draining = true;
    this.#destroyed = true;
    for (const ex of this.#queue.splice(0)) {
      ex.queued = false;
      ex.fail('reset');
    }
    for (const s of [...this.#sessions]) {
      // The socket too: a session that is still connecting closes only with it.
      s.socket.destroy();
      s.session.destroy();
      this.#closed(s);
    }
    this.#checkDrained();
  }

  // ---- ExchangeOwner ----

  released(ex: Http2UpstreamExchange): void {
    if (ex.queued) {
      ex.queued = false;
      const i = this.#queue.indexOf(ex);
      if (i >= 0) this.#queue.splice(i, 1);
    }
    const s = ex.slot as PooledSession | undefined;
    if (!s) return;
    ex.slot = undefined;
    s.members.delete(ex);
    if (s.members.size === 0) {
      if (s.draining) s.session.close();
      else if (this.#idleTimeoutMs > 0) {
        s.idleTimer = setTimeout(() => this.#idle(s), this.#idleTimeoutMs);
        s.idleTimer.unref();
      }
    }
    this.#pump();
  }

  refused(ex: Http2UpstreamExchange, session: ClientHttp2Session): void {
    if (this.#destroyed) return ex.fail('reset');
    const avoid = this.#bySession.get(session);
    if (!this.#assign(ex, avoid)) this.#enqueue(ex);
  }

  // ---- sessions ----

  /** Gives `ex` a slot on a session with room (not `avoid`), opening one when allowed; false when it
   *  has to wait. */
  #assign(ex: Http2UpstreamExchange, avoid: PooledSession | undefined): boolean {
    let target: PooledSession | undefined;
    for (const s of this.#sessions) {
      if (s !== avoid && !s.draining && s.members.size < s.limit) {
        target = s;
        break;
      }
    }
    if (!target) {
      if (this.#sessions.size >= this.#maxConnections) return false;
      target = this.#open();
      // A draining pool still serves what it holds, on sessions that close once done.
      target.draining = this.#draining;
    }
    ex.slot = target;
    target.members.add(ex);
    target.started++;
    clearTimeout(target.idleTimer);
    target.idleTimer = undefined;
    if (this.#maxRequests > 0 && target.started >= this.#maxRequests) target.draining = true;
    if (target.connected) ex.start(target.session);
    return true;
  }

  #enqueue(ex: Http2UpstreamExchange): void {
    ex.queued = true;
    this.#queue.push(ex);
  }

  /** Moves waiting exchanges to slots that freed up. */
  #pump(): void {
    while (this.#queue.length > 0) {
      const ex = this.#queue[0] as Http2UpstreamExchange;
      ex.queued = false;
      this.#queue.shift();
      if (!this.#assign(ex, undefined)) {
        ex.queued = true;
        this.#queue.unshift(ex);
        break;
      }
    }
    this.#checkDrained();
  }

  #open(): PooledSession {
    const { host, port } = this.options;
    const tls = this.options.tls;
    const socket: Socket = tls ? tls.connect(host, port) : netConnect({ host, port, noDelay: true });
    if (tls) socket.setNoDelay(true);
    const session = http2Connect(`${tls ? 'https' : 'http'}://${this.#defaultAuthority}`, {
      createConnection: () => socket,
      ...(this.options.settings ? { settings: this.options.settings } : {}),
    });
    const s = new PooledSession(session, socket, Math.min(this.#maxStreams, this.#remoteLimit));
    this.#sessions.add(s);
    this.#bySession.set(session, s);
    const timeout = this.options.connectTimeoutMs;
    if (timeout > 0) {
      s.connectTimer = setTimeout(() => {
        if (s.connected) return;
        // A session does not close before its socket, which may take the OS's own connect timeout.
        s.socket.destroy();
        session.destroy();
        this.#closed(s);
      }, timeout);
    }
    // Errors end in 'close', where the session's streams are accounted for.
    session.on('error', noop);
    session.on('connect', () => {
      clearTimeout(s.connectTimer);
      s.connected = true;
      for (const ex of [...s.members]) ex.start(session);
    });
    session.on('remoteSettings', (settings: Settings) => {
      const remote = settings.maxConcurrentStreams;
      this.#remoteLimit = remote === undefined ? Number.POSITIVE_INFINITY : remote;
      s.limit = Math.min(this.#maxStreams, this.#remoteLimit);
      this.#pump();
    });
    session.on('goaway', () => {
      // Streams above the GOAWAY's last stream id come back refused and are sent again elsewhere.
      s.draining = true;
      if (s.members.size === 0) session.close();
      this.#pump();
    });
    session.on('close', () => this.#closed(s));
    return s;
  }

  #idle(s: PooledSession): void {
    s.idleTimer = undefined;
    if (s.members.size > 0) return;
    s.draining = true;
    s.session.close();
  }

  #closed(s: PooledSession): void {
    if (!this.#sessions.delete(s)) return;
    this.#bySession.delete(s.session);
    clearTimeout(s.connectTimer);
    clearTimeout(s.idleTimer);
    // Streams report their own close first; what is left never got a stream: the connection failed
    // (Envoy's UF), or it went away before the exchange could start.
    const failure = s.connected ? 'reset' : 'connect-failure';
    for (const ex of [...s.members]) {
      ex.slot = undefined;
      s.members.delete(ex);
      ex.fail(failure);
    }
    this.#pump();
  }

  #checkDrained(): void {
    if (!this.#drained || this.#sessions.size > 0 || this.#queue.length > 0) return;
    const resolve = this.#drained;
    this.#drained = undefined;
    resolve();
  }
}
