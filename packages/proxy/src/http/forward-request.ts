// Forwards one request to a cluster and relays the answer, whatever the protocols on either side:
// endpoint pick per try, the route timeout over all tries and the response, the per-try timeout,
// retries with Envoy's jittered back-off and `x-envoy-attempt-count`, request bodies streamed or
// buffered for retries (up to a limit), response bodies and trailers relayed with backpressure both
// ways, and upgrades joined into a tunnel. Failures end as rescue-table local replies.

import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../balancer/picker.js';
import type { PickContext, TryResult } from '../cluster/cluster-state.js';
import type { CompiledCluster } from '../compile/compile-cluster.js';
import type { CompiledRoute } from '../compile/compile-route-config.js';
import type { HeaderBag } from '../compile/header-mutation.js';
import { isRetriable } from '../compile/retry-policy.js';
import type { ClusterChoice, ForwardAction } from '../compile/route-action.js';
import { DOWNSTREAM_DISCONNECT_FLAG, RESCUE, RETRY_LIMIT_FLAG, type LocalReplyReason } from '../errors/rescue.js';
import type { OutcomeBuilder } from '../outbound/request-outcome.js';
import type { BodyReceiver, DownstreamListener, DownstreamRequest } from './downstream-request.js';
import { grpcStatusOf } from '../http2/grpc-local-reply.js';
import { poolProtocolFor } from '../http2/upstream-protocol.js';
import { sendLocalReply } from './local-reply.js';
import { sendMirror } from './mirror.js';
import { joinTunnel } from './tunnel.js';
import { decodePeerHeader, PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, type PeerHeaders } from '../telemetry/workload-info.js';
import type { UpstreamConnectors, UpstreamExchange, UpstreamFailure, UpstreamRequestHead, UpstreamResponseHandler } from './upstream-exchange.js';

/** Request bodies are buffered for retries up to this size (Envoy's default per-connection buffer
 *  limit, 1 MiB); a bigger body is streamed and not retried, as Envoy stops retrying when its buffer
 *  overflows. */
export const RETRY_BUFFER_LIMIT = 1024 * 1024;

/** What forwarding reads besides the request. */
export interface ForwardContext {
  readonly connectors: UpstreamConnectors;
  readonly random: () => number;
  /** Called once with the status sent (0 when none) when the request is over. */
  readonly done: (status: number) => void;
  /** The compiled clusters, for mirror policies (absent: no mirroring). */
  readonly clusters?: ReadonlyMap<string, CompiledCluster>;
  /** This proxy's peer metadata headers (see handle-request.ts); unset: no metadata exchange. */
  readonly peerHeaders?: PeerHeaders;
}

/** The peer a header bag introduces (removing the exchange headers from it), undefined when none. */
function takePeer(headers: HeaderBag): ReturnType<typeof decodePeerHeader> {
  const value = headers[PEER_METADATA_HEADER];
  if (value === undefined) return undefined;
  delete headers[PEER_METADATA_HEADER];
  delete headers[PEER_METADATA_ID_HEADER];
  return decodePeerHeader(typeof value === 'string' ? value : (value[0] ?? ''));
}

// Body handling of the request.
const BODY_NONE = 0;
/** Collecting the body for a replayable try. */
const BODY_BUFFERING = 1;
/** The whole body is in hand: every try sends it. */
const BODY_FULL = 2;
/** Streamed to the one try there is. */
const BODY_STREAM = 3;
/** Streamed to the current try at once while a copy is kept for retries (a body of unknown length,
 *  such as a gRPC stream: waiting for its end before the first try would stall a bidirectional call). */
const BODY_STREAM_COPY = 4;

/** The body list of a request without body chunks, shared (never written to). */
const NO_BODY = Object.freeze([]) as unknown as Buffer[];

/** A try's result for each status, made once (a result is read, never kept or changed). */
const STATUS_RESULTS: TryResult[] = [];
function statusResult(status: number): TryResult {
  if (status < 100 || status > 999) return { kind: 'status', status };
  return (STATUS_RESULTS[status] ??= Object.freeze({ kind: 'status', status }));
}

/** Envoy's default retry back-off: a random wait below 25 ms × (2^n − 1), capped at 250 ms. */
function backoffMs(retry: number, random: () => number): number {
  return random() * Math.min(25 * (2 ** retry - 1), 250);
}

/** Host and port of an authority (`host`, `host:port`, `[v6]:port`), the port defaulting to the
 *  scheme's; undefined when it has no host. */
export function authorityAddress(authority: string, scheme: string): { host: string; port: number } | undefined {
  const defaultPort = scheme === 'https' ? 443 : 80;
  let host = authority;
  let port = defaultPort;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return undefined;
    host = authority.slice(1, close);
    if (authority[close + 1] === ':') port = Number(authority.slice(close + 2));
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0 && authority.indexOf(':') === colon) {
      host = authority.slice(0, colon);
      port = Number(authority.slice(colon + 1));
    }
  }
  return host !== '' && Number.isInteger(port) && port > 0 && port < 65536 ? { host, port } : undefined;
}

function reasonOf(failure: UpstreamFailure | 'timeout'): LocalReplyReason {
  switch (failure) {
    case 'connect-failure':
      return 'connect-failure';
    case 'reset':
      return 'connection-termination';
    case 'protocol-error':
      return 'upstream-protocol-error';
    case 'overflow':
      return 'overflow';
    case 'timeout':
      return 'upstream-timeout';
  }
}

/** One try: the exchange with one endpoint. Callbacks of a try that is no longer current are ignored. */
class UpstreamTry implements UpstreamResponseHandler {
  exchange: UpstreamExchange | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  /** The response is retried: its body is read and dropped so the connection stays usable. */
  discarding = false;
  ended = false;
  /** The try is a retry (holds a max_retries slot). */
  retry = false;
  result: TryResult | undefined = undefined;

  constructor(
    readonly owner: ForwardedRequest,
    readonly endpoint: Endpoint,
  ) {}

  onHead(status: number, headers: HeaderBag): void {
    this.owner.tryHead(this, status, headers);
  }

  onData(chunk: Buffer, transient?: boolean): void {
    this.owner.tryData(this, chunk, transient);
  }

  onEnd(trailers: HeaderBag | undefined): void {
    this.owner.tryEnd(this, trailers);
  }

  onError(failure: UpstreamFailure): void {
    this.owner.tryFailed(this, failure);
  }

  onDrain(): void {
    if (this.owner.current === this) this.owner.req.resumeBody();
  }

  onUpgrade(headers: HeaderBag, stream: Duplex, head: Buffer): void {
    this.owner.tryUpgraded(this, headers, stream, head);
  }
}

/**
 * The forwarding of one request. Create it and call {@link start}; it ends by calling `ctx.done`
 * exactly once. Each try passes through {@link startTry} (slots taken) and {@link endTry} (slots given
 * back, result reported): the two places circuit breakers and outlier detection hook into.
 */
export class ForwardedRequest implements BodyReceiver, DownstreamListener {
  current: UpstreamTry | undefined = undefined;
  #attempt = 0;
  #maxTries: number;
  #bodyMode = BODY_NONE;
  /** Body chunks kept for a replay or a buffered try (the shared empty list until the first one). */
  #body: Buffer[] = NO_BODY;
  #bodySize = 0;
  #bodyEnded = false;
  #bodyTrailers: HeaderBag | undefined = undefined;
  #head: UpstreamRequestHead | undefined = undefined;
  #routeTimer: NodeJS.Timeout | undefined = undefined;
  #backoffTimer: NodeJS.Timeout | undefined = undefined;
  #started = 0;
  #status = 0;
  #relaying = false;
  #finished = false;
  /** A retry slot is held for a retry not yet started (during the back-off). */
  #retrySlot = false;
  /** Endpoints tried so far (kept only when the route's retries avoid previous hosts): the first, and
   *  the others once there are any (most requests make one try, and allocate nothing for it). */
  #triedFirst: Endpoint | undefined = undefined;
  #triedMore: Set<Endpoint> | undefined = undefined;

  constructor(
    private readonly ctx: ForwardContext,
    readonly req: DownstreamRequest,
    private readonly route: CompiledRoute,
    private readonly action: ForwardAction,
    private readonly choice: ClusterChoice,
    private readonly cluster: CompiledCluster,
    private readonly authority: string,
    private readonly outcome: OutcomeBuilder,
    /** The route's hash_policy result for ring hash / maglev clusters. */
    private readonly hash?: bigint,
    /** Response headers of the CORS filter for an allowed cross-origin request. */
    private readonly corsHeaders?: HeaderBag,
  ) {
    const retry = action.retry;
    this.#maxTries = 1 + (retry ? retry.numRetries : 0);
  }

  /** Rewrites the request for upstream, arms the route timeout and sends the first try (or first reads
   *  the body when retries need it buffered). */
  start(): void {
    const req = this.req;
    const action = this.action;
    const headers = req.headers;
    headers.host = action.hostRewrite ?? this.authority;
    headers['x-forwarded-proto'] ??= req.scheme;
    headers['x-request-id'] ??= randomUUID();
    const peerHeaders = this.ctx.peerHeaders;
    let connectionHeaders: PeerHeaders | undefined;
    if (peerHeaders !== undefined) {
      if (this.outcome.direction === 'inbound') {
        // A client proxy introduces itself once per HTTP/1.1 connection: remembered for the rest.
        const peer = takePeer(headers);
        if (peer !== undefined) req.connectionPeer = peer;
        this.outcome.peer = peer ?? req.connectionPeer;
      } else if (this.cluster.name.startsWith('outbound|')) {
        // Introduces this workload to the destination's proxy (an app's own values never pass).
        if (headers[PEER_METADATA_HEADER] !== undefined) takePeer(headers);
        connectionHeaders = peerHeaders;
      }
    }
    this.route.requestHeaders(headers);
    this.choice.requestHeaders(headers);
    let path = req.path;
    if (action.prefixRewrite !== undefined && action.matchedPrefix !== undefined) path = action.prefixRewrite + path.slice(action.matchedPrefix.length);
    req.listen(this);
    if (this.#finished) return;
    if (action.timeoutMs > 0) this.#routeTimer = setTimeout(() => this.#routeTimeout(), action.timeoutMs);
    this.#started = performance.now();
    let bodyMode: UpstreamRequestHead['bodyMode'] = 'none';
    if (req.hasBody) {
      if (this.#maxTries > 1 && headers['content-length'] !== undefined) {
        this.#bodyMode = BODY_BUFFERING;
        bodyMode = 'full';
      } else if (this.#maxTries > 1) {
        // Envoy starts the upstream request at once and keeps a copy of the body for retries.
        this.#bodyMode = BODY_STREAM_COPY;
        bodyMode = 'stream';
      } else {
        this.#bodyMode = BODY_STREAM;
        bodyMode = 'stream';
      }
    }
    this.#head = { method: req.method, path, headers, bodyMode, body: this.#body, upgrade: req.upgrade, connectionHeaders };
    if (this.#bodyMode === BODY_NONE) this.#mirror();
    if (this.#bodyMode === BODY_BUFFERING) req.readBody(this);
    else {
      this.#startTry();
      if (this.#bodyMode === BODY_STREAM || this.#bodyMode === BODY_STREAM_COPY) req.readBody(this);
    }
  }

  // ---- request body (BodyReceiver) ----

  onData(chunk: Buffer): void {
    if (this.#finished) return;
    if (this.#bodyMode === BODY_STREAM) {
      const ex = this.current?.exchange;
      if (ex && !ex.write(chunk)) this.req.pauseBody();
      return;
    }
    if (this.#bodyMode === BODY_STREAM_COPY) {
      const ex = this.current?.exchange;
      if (ex && !ex.write(chunk)) this.req.pauseBody();
      this.#keepChunk(chunk);
      if (this.#bodySize > RETRY_BUFFER_LIMIT) {
        // Too big to keep: the tries made so far are all there will be, as Envoy stops retrying.
        this.#bodyMode = BODY_STREAM;
        this.#body = NO_BODY;
        this.#maxTries = Math.max(1, this.#attempt);
      }
      return;
    }
    this.#keepChunk(chunk);
    if (this.#bodySize > RETRY_BUFFER_LIMIT) {
      // Too big to keep for a retry: stream what was read and the rest to a single try.
      this.#bodyMode = BODY_STREAM;
      this.#maxTries = 1;
      this.#head = { ...(this.#head as UpstreamRequestHead), bodyMode: 'stream', body: NO_BODY };
      this.#startTry();
      const ex = this.current?.exchange;
      let full = false;
      for (const c of this.#body) if (ex && !ex.write(c)) full = true;
      this.#body = NO_BODY;
      if (full) this.req.pauseBody();
    }
  }

  /** Keeps a body chunk (the first one replaces the shared empty list; the head keeps pointing at the
   *  list a buffered try sends, so it is swapped there too). */
  #keepChunk(chunk: Buffer): void {
    if (this.#body === NO_BODY) {
      this.#body = [];
      const head = this.#head;
      if (head && head.body === NO_BODY) this.#head = { ...head, body: this.#body };
    }
    this.#body.push(chunk);
    this.#bodySize += chunk.length;
  }

  onEnd(trailers: HeaderBag | undefined): void {
    if (this.#finished) return;
    this.#bodyEnded = true;
    this.#bodyTrailers = trailers;
    if (this.#bodyMode === BODY_STREAM || this.#bodyMode === BODY_STREAM_COPY) {
      this.current?.exchange?.end(trailers);
      return;
    }
    // Buffered: the try sends it whole, with its length (the framing it arrived in does not matter).
    this.#bodyMode = BODY_FULL;
    this.req.headers['content-length'] = String(this.#bodySize);
    this.#mirror();
    this.#startTry();
  }

  // ---- downstream events (DownstreamListener) ----

  onDrain(): void {
    this.current?.exchange?.resume();
  }

  onAbort(): void {
    if (this.#finished) return;
    const t = this.current;
    if (t) {
      t.exchange?.abort();
      this.#endTry(t, undefined);
    }
    this.outcome.flag(DOWNSTREAM_DISCONNECT_FLAG);
    this.#finish(this.#relaying ? this.#status : 0);
  }

  // ---- tries ----

  #startTry(): void {
    const breaker = this.cluster.breaker;
    // Circuit breakers: a retry holds the retry slot (max_retries) taken when it was decided
    // (#takeRetrySlot); every try needs a request slot (max_requests), without one 503 UO.
    const retrying = this.#retrySlot;
    this.#retrySlot = false;
    if (!breaker.tryStartRequest()) {
      if (retrying) breaker.endRetry();
      return this.#localReply('overflow');
    }
    const endpoint = this.cluster.picker.pick(this.ctx.random, this.#pickContext(retrying));
    if (!endpoint) {
      breaker.endRequest();
      if (retrying) breaker.endRetry();
      return this.#localReply('no-healthy-upstream');
    }
    const attempt = ++this.#attempt;
    const t = new UpstreamTry(this, endpoint);
    t.retry = retrying;
    if (this.action.retry?.previousHosts) {
      if (this.#triedFirst === undefined) this.#triedFirst = endpoint;
      else if (endpoint !== this.#triedFirst) (this.#triedMore ??= new Set()).add(endpoint);
    }
    this.current = t;
    this.cluster.beginTry(endpoint);
    const outcome = this.outcome;
    outcome.attempts = attempt;
    outcome.upstreamHost = endpoint.key;
    const head = this.#head as UpstreamRequestHead;
    head.headers['x-envoy-attempt-count'] = String(attempt);
    const perTry = this.action.retry?.perTryTimeoutMs ?? 0;
    if (perTry > 0) t.timer = setTimeout(() => this.#tryTimeout(t), perTry);
    const protocol = poolProtocolFor(this.cluster.upstreamHttp.protocol, this.req.protocol, this.req.upgrade);
    t.exchange = this.ctx.connectors.get(endpoint, this.cluster, protocol).request(head, t);
    if (this.#bodyMode === BODY_STREAM_COPY) {
      // A retry replays what was received so far; the rest follows as it arrives.
      for (const c of this.#body) t.exchange.write(c);
      if (this.#bodyEnded) t.exchange.end(this.#bodyTrailers);
    } else if (this.#bodyMode === BODY_STREAM && this.#bodyEnded) t.exchange.end(this.#bodyTrailers);
  }

  /** Ends a try once: counts, timers, and the result for the resilience state. */
  #endTry(t: UpstreamTry, result: TryResult | undefined): void {
    if (t.ended) return;
    t.ended = true;
    t.result = result;
    clearTimeout(t.timer);
    const breaker = this.cluster.breaker;
    breaker.endRequest();
    if (t.retry) breaker.endRetry();
    // Counts the try on its endpoint and feeds outlier detection; a try cut because the client went
    // away (result undefined) says nothing about the endpoint.
    this.cluster.endTry(t.endpoint, result);
  }

  /** What the picker gets: the route's hash, and for a retry under Istio's `previous_hosts` predicate
   *  the hosts already tried, to be avoided up to host_selection_retry_max_attempts times. */
  #pickContext(retrying: boolean): PickContext | undefined {
    if (this.cluster.type === 'ORIGINAL_DST') {
      // Without capture, where a request was headed is its authority (the explicit proxy's absolute
      // URI or Host): PassthroughCluster and PASSTHROUGH rules connect there.
      const originalDestination = authorityAddress(this.authority, this.req.scheme);
      return originalDestination ? { originalDestination } : undefined;
    }
    const retry = this.action.retry;
    const first = this.#triedFirst;
    if (retrying && retry?.previousHosts && first !== undefined) {
      const more = this.#triedMore;
      return { hash: this.hash, hostSelectionRetryCount: retry.hostSelectionRetryMaxAttempts, shouldSelectAnotherHost: (e) => e === first || (more !== undefined && more.has(e)) };
    }
    return this.hash === undefined ? undefined : { hash: this.hash };
  }

  /** Sends the shadow copies the route's mirror policies draw (bodiless or buffered requests only: a
   *  streamed body is not mirrored). */
  #mirror(): void {
    const mirrors = this.action.mirrors;
    const clusters = this.ctx.clusters;
    if (mirrors.length === 0 || !clusters) return;
    const head = this.#head as UpstreamRequestHead;
    for (const m of mirrors) {
      if (m.fraction < 1 && this.ctx.random() >= m.fraction) continue;
      const cluster = clusters.get(m.cluster);
      if (!cluster) continue;
      const protocol = poolProtocolFor(cluster.upstreamHttp.protocol, this.req.protocol, undefined);
      sendMirror(this.ctx.connectors, cluster, { ...head, headers: { ...head.headers }, body: [...this.#body] }, this.ctx.random, this.action.timeoutMs, protocol);
    }
  }

  /** Takes a retry slot (max_retries) for a retry about to be scheduled. Without one the retry is not
   *  made and the current answer stands, flagged UO, as Envoy's router does on RetryStatus::NoOverflow
   *  (upstream_rq_retry_overflow). */
  #takeRetrySlot(): boolean {
    if (!this.cluster.breaker.tryStartRetry()) {
      this.outcome.flag(RESCUE.overflow.flag);
      return false;
    }
    this.#retrySlot = true;
    return true;
  }

  tryHead(t: UpstreamTry, status: number, headers: HeaderBag): void {
    if (this.current !== t || this.#finished) return;
    clearTimeout(t.timer);
    const retry = this.action.retry;
    const retriable = retry !== undefined && isRetriable(retry, { kind: 'status', status, grpcStatus: grpcStatusOf(headers) });
    const triesLeft = this.#attempt < this.#maxTries;
    if (retriable && triesLeft && this.#takeRetrySlot()) {
      // Retried: the try is over, but its body is read to the end so the connection stays usable.
      this.#endTry(t, statusResult(status));
      t.discarding = true;
      return;
    }
    if (retriable && !triesLeft && this.#maxTries > 1) this.outcome.flag(RETRY_LIMIT_FLAG);
    headers['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - this.#started));
    const peerHeaders = this.ctx.peerHeaders;
    if (peerHeaders !== undefined) {
      if (this.outcome.direction === 'outbound') this.outcome.peer = takePeer(headers);
      else {
        headers[PEER_METADATA_ID_HEADER] = peerHeaders.id;
        headers[PEER_METADATA_HEADER] = peerHeaders.value;
      }
    }
    if (this.outcome.protocol === 'grpc') {
      const grpcStatus = headers['grpc-status'];
      if (typeof grpcStatus === 'string') this.outcome.grpcStatus = grpcStatus;
    }
    this.choice.responseHeaders(headers);
    this.route.responseHeaders(headers);
    if (this.corsHeaders) Object.assign(headers, this.corsHeaders);
    this.#relaying = true;
    this.#status = status;
    this.outcome.noteResponseHead(headers);
    this.req.respond(status, headers, false);
  }

  tryData(t: UpstreamTry, chunk: Buffer, transient?: boolean): void {
    if (this.current !== t || t.discarding || this.#finished) return;
    if (!this.req.write(chunk, transient)) t.exchange?.pause();
  }

  tryEnd(t: UpstreamTry, trailers: HeaderBag | undefined): void {
    if (this.current !== t || this.#finished) return;
    if (t.discarding) return this.#retryAfterBackoff();
    this.#endTry(t, statusResult(this.#status));
    const grpcStatus = trailers?.['grpc-status'];
    if (typeof grpcStatus === 'string' && this.outcome.protocol === 'grpc') this.outcome.grpcStatus = grpcStatus;
    this.req.end(trailers);
    this.#finish(this.#status);
  }

  tryFailed(t: UpstreamTry, failure: UpstreamFailure): void {
    if (this.current !== t || this.#finished) return;
    // A retried response that broke while its body was dropped: the retry was decided already.
    if (t.discarding) return this.#retryAfterBackoff();
    if (failure === 'overflow') {
      // Refused by the pool before anything was sent: no try happened and no retry is made (Envoy
      // never retries an overflow reset).
      this.#endTry(t, undefined);
      return this.#localReply('overflow');
    }
    const kind = failure === 'connect-failure' ? 'connect-failure' : 'reset';
    this.#endTry(t, { kind });
    if (this.#relaying) {
      // The head is sent: the only thing left is to cut the downstream stream, as Envoy resets it.
      this.outcome.flag(RESCUE[reasonOf(failure)].flag);
      this.req.reset();
      return this.#finish(this.#status);
    }
    this.#retryOrReply(kind, reasonOf(failure));
  }

  tryUpgraded(t: UpstreamTry, headers: HeaderBag, stream: Duplex, head: Buffer): void {
    if (this.current !== t || this.#finished) {
      stream.destroy();
      return;
    }
    this.#endTry(t, statusResult(101));
    // A tunnel lives as long as both sides want it: the route timeout covered the handshake only.
    clearTimeout(this.#routeTimer);
    this.choice.responseHeaders(headers);
    this.route.responseHeaders(headers);
    const downstream = this.req.acceptUpgrade(headers);
    if (!downstream) {
      stream.destroy();
      this.outcome.flag(DOWNSTREAM_DISCONNECT_FLAG);
      return this.#finish(0);
    }
    this.#relaying = true;
    this.#status = 101;
    joinTunnel(downstream, stream, head, () => this.#finish(101));
  }

  #tryTimeout(t: UpstreamTry): void {
    if (this.current !== t || this.#finished || t.ended) return;
    t.exchange?.abort();
    this.#endTry(t, { kind: 'timeout' });
    this.#retryOrReply('timeout', 'upstream-timeout');
  }

  #retryOrReply(kind: 'connect-failure' | 'reset' | 'timeout', reason: LocalReplyReason): void {
    const retry = this.action.retry;
    if (retry !== undefined && isRetriable(retry, { kind }) && this.#attempt < this.#maxTries) {
      if (this.#takeRetrySlot()) return this.#retryAfterBackoff();
    } else if (this.#attempt > 1) this.outcome.flag(RETRY_LIMIT_FLAG);
    this.#localReply(reason);
  }

  #retryAfterBackoff(): void {
    this.current = undefined;
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = undefined;
      if (!this.#finished) this.#startTry();
    }, backoffMs(this.#attempt, this.ctx.random));
  }

  #routeTimeout(): void {
    if (this.#finished) return;
    const t = this.current;
    if (t) {
      t.exchange?.abort();
      this.#endTry(t, { kind: 'timeout' });
    }
    // Envoy's route timeout: 504 UT before the response head, a reset stream after it.
    if (!this.#relaying) return this.#localReply('upstream-timeout');
    this.outcome.flag(RESCUE['upstream-timeout'].flag);
    this.req.reset();
    this.#finish(this.#status);
  }

  #localReply(reason: LocalReplyReason): void {
    this.#finish(sendLocalReply(this.req, this.outcome, reason));
  }

  #finish(status: number): void {
    if (this.#finished) return;
    this.#finished = true;
    this.current = undefined;
    if (this.#retrySlot) {
      this.#retrySlot = false;
      this.cluster.breaker.endRetry();
    }
    clearTimeout(this.#routeTimer);
    clearTimeout(this.#backoffTimer);
    this.ctx.done(status);
  }
}
