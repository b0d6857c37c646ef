// The concrete and endpoint steps of a forwarded request: cluster lookup, endpoint pick, one undici
// request per try with the route timeout over all tries, the per-try timeout, retries with Envoy's
// jittered backoff and `x-envoy-attempt-count`. Failures come back as rescue reasons, never throws.

import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { CompiledConfig } from '../compile/compile-config.js';
import type { HeaderBag } from '../compile/header-mutation.js';
import type { ClusterChoice, ForwardAction } from '../compile/route-action.js';
import { isRetriable, type TryOutcome } from '../compile/retry-policy.js';
import { RETRY_LIMIT_FLAG, type LocalReplyReason } from '../errors/rescue.js';
import type { OutcomeBuilder } from './request-outcome.js';
import type { UpstreamPools } from './upstream-pools.js';

/** The request as sent upstream, already rewritten. `replayable` bodies (none, or buffered) can be retried. */
export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: HeaderBag;
  readonly body: Buffer | Readable | undefined;
  readonly replayable: boolean;
}

/** An upstream response to relay; `done` must be called once its body has ended or failed. */
export interface RelayedResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
  done(): void;
}

/** Either an upstream response or the reason for a local reply. */
export type ForwardResult = RelayedResponse | { readonly kind: 'local'; readonly reason: LocalReplyReason };

/** What the forwarder reads besides the request. */
export interface ForwardContext {
  readonly config: CompiledConfig;
  readonly pools: UpstreamPools;
  readonly random: () => number;
}

// Error codes meaning the TCP connection was never established (Envoy's UF).
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

function isConnectFailure(e: unknown): boolean {
  for (let err = e, depth = 0; err && typeof err === 'object' && depth < 4; err = (err as { cause?: unknown }).cause, depth++) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECT_CODES.has(code)) return true;
  }
  return false;
}

/** Envoy's default retry back-off: a random wait below 25 ms × (2^n − 1), capped at 250 ms. */
function backoffMs(retry: number, random: () => number): number {
  return random() * Math.min(25 * (2 ** retry - 1), 250);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

const REASON_OF: Readonly<Record<Exclude<TryOutcome['kind'], 'status'>, LocalReplyReason>> = {
  'connect-failure': 'connect-failure',
  reset: 'connection-termination',
  timeout: 'upstream-timeout',
};

/**
 * Sends `req` to cluster `choice.cluster` under `action`'s timeout and retry policy. `downstream` aborts
 * everything when the client goes away. The route timeout (0 = none) spans all tries and the response
 * body; the per-try timeout covers one try until its response headers.
 */
export async function forwardUpstream(ctx: ForwardContext, action: ForwardAction, choice: ClusterChoice, req: UpstreamRequest, outcome: OutcomeBuilder, downstream: AbortSignal): Promise<ForwardResult> {
  const cluster = ctx.config.clusters.get(choice.cluster);
  if (!cluster) return { kind: 'local', reason: 'no-cluster' };
  const retry = action.retry;
  const maxTries = 1 + (retry && req.replayable ? retry.numRetries : 0);

  const route = new AbortController();
  let routeTimedOut = false;
  const routeTimer = action.timeoutMs > 0 ? setTimeout(() => ((routeTimedOut = true), route.abort()), action.timeoutMs) : undefined;
  const onDownstreamAbort = (): void => route.abort();
  downstream.addEventListener('abort', onDownstreamAbort, { once: true });
  const finish = (): void => {
    clearTimeout(routeTimer);
    downstream.removeEventListener('abort', onDownstreamAbort);
  };
  const local = (reason: LocalReplyReason): ForwardResult => (finish(), { kind: 'local', reason });

  for (let attempt = 1; ; attempt++) {
    const endpoint = cluster.picker.pick(ctx.random);
    if (!endpoint) return local('no-healthy-upstream');
    outcome.attempts = attempt;
    outcome.upstreamHost = endpoint.key;
    req.headers['x-envoy-attempt-count'] = String(attempt);

    // A try gets its own signal only when it has its own timeout; otherwise the route's is enough.
    const perTry = retry?.perTryTimeoutMs ?? 0;
    let tryTimedOut = false;
    let signal = route.signal;
    let tryTimer: NodeJS.Timeout | undefined;
    let endTry = (): void => undefined;
    if (perTry > 0) {
      const tryCtl = new AbortController();
      const onRouteAbort = (): void => tryCtl.abort();
      route.signal.addEventListener('abort', onRouteAbort, { once: true });
      tryTimer = setTimeout(() => ((tryTimedOut = true), tryCtl.abort()), perTry);
      signal = tryCtl.signal;
      endTry = () => {
        clearTimeout(tryTimer);
        route.signal.removeEventListener('abort', onRouteAbort);
      };
    }
    endpoint.active++;
    try {
      const res = await ctx.pools.get(endpoint, cluster.connectTimeoutMs).request({
        method: req.method as Dispatcher.HttpMethod,
        path: req.path,
        headers: req.headers as Record<string, string | string[]>,
        body: req.body,
        signal,
      });
      clearTimeout(tryTimer);
      const retriable = retry !== undefined && isRetriable(retry, { kind: 'status', status: res.statusCode });
      if (!retriable || attempt >= maxTries) {
        if (retriable && maxTries > 1) outcome.flag(RETRY_LIMIT_FLAG);
        let released = false;
        return {
          kind: 'response',
          status: res.statusCode,
          headers: res.headers,
          body: res.body,
          done() {
            if (released) return;
            released = true;
            endpoint.active--;
            endTry();
            finish();
          },
        };
      }
      await res.body.dump().catch(() => undefined);
      endpoint.active--;
      endTry();
    } catch (e) {
      endpoint.active--;
      endTry();
      if (routeTimedOut) return local('upstream-timeout');
      if (downstream.aborted) return local('connection-termination');
      const kind = tryTimedOut ? 'timeout' : isConnectFailure(e) ? 'connect-failure' : 'reset';
      if (retry === undefined || !isRetriable(retry, { kind }) || attempt >= maxTries) {
        if (attempt > 1) outcome.flag(RETRY_LIMIT_FLAG);
        return local(REASON_OF[kind]);
      }
    }
    await sleep(backoffMs(attempt, ctx.random), route.signal);
    if (routeTimedOut) return local('upstream-timeout');
    if (downstream.aborted) return local('connection-termination');
  }
}
