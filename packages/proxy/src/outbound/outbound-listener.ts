// The outbound listener for the app: an explicit HTTP proxy on 127.0.0.1:<outbound port>. A request's
// authority (absolute-form URI `GET http://reviews:9080/x`, else the Host header) picks the route
// configuration named by its port (80 when absent), then the virtual host and route; the route's
// fault, direct response, redirect or forward follows. Local answers come from errors/rescue.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { listenHttp, type HttpServerHandle } from '../admin/http-listen.js';
import type { CompiledConfig } from '../compile/compile-config.js';
import type { CompiledRoute } from '../compile/compile-route-config.js';
import type { HeaderBag, HeaderMutation } from '../compile/header-mutation.js';
import type { ForwardAction } from '../compile/route-action.js';
import { createRouteRequest } from '../compile/route-request.js';
import { FAULT_DELAY_FLAG, RESCUE, type LocalReplyReason } from '../errors/rescue.js';
import { forwardUpstream, type ForwardContext } from './forward-upstream.js';
import { OutcomeBuilder, type RequestOutcome } from './request-outcome.js';
import { UpstreamPools } from './upstream-pools.js';
import { upstreamRequestHeaders, withoutHopByHop } from './upstream-headers.js';

/** Settings of an outbound listener. */
export interface OutboundListenerOptions {
  /** Address to bind (default 127.0.0.1: only the local app may use it). */
  readonly host?: string;
  readonly port: number;
  /** The current compiled config, read once per request (so a swap never changes a request midway). */
  readonly config: () => CompiledConfig;
  /** Connection pools; the listener makes (and closes) its own when not given. */
  readonly pools?: UpstreamPools;
  /** Random numbers in [0, 1) for weights, faults and balancing (tests pass a seeded one). */
  readonly random?: () => number;
  /** Called once per request when the response is done, for telemetry. */
  readonly onOutcome?: (outcome: RequestOutcome) => void;
}

/** Bodies are buffered for retries up to this size (Envoy's default per-connection buffer is 1 MiB). */
const RETRY_BUFFER_LIMIT = 1024 * 1024;

/** The authority and origin-form path of a request in origin form or absolute form. */
function targetOf(req: IncomingMessage): { authority: string; path: string } {
  const url = req.url ?? '/';
  if (url.startsWith('http://')) {
    const slash = url.indexOf('/', 7);
    return { authority: slash < 0 ? url.slice(7) : url.slice(7, slash), path: slash < 0 ? '/' : url.slice(slash) };
  }
  return { authority: req.headers.host ?? '', path: url };
}

function portOf(authority: string): number {
  const m = /:(\d+)$/.exec(authority);
  return m && !authority.endsWith(']') ? Number(m[1]) : 80;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Reads the whole body if it fits in `limit`; otherwise stops, returning the bytes read so far and
 *  the iterator holding the rest (a `for await` that breaks would destroy the stream). */
async function bufferBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; complete: boolean; rest: AsyncIterator<Buffer> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const rest = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    chunks.push(next.value);
    size += next.value.length;
    if (size > limit) return { body: Buffer.concat(chunks), complete: false, rest };
  }
  return { body: Buffer.concat(chunks), complete: true, rest };
}

function localReply(res: ServerResponse, outcome: OutcomeBuilder, reason: LocalReplyReason, extra: { status?: number; body?: string; headers?: HeaderBag; mutate?: HeaderMutation } = {}): number {
  const entry = RESCUE[reason];
  outcome.flag(entry.flag);
  const status = extra.status ?? entry.status;
  const body = extra.body ?? entry.body;
  const headers: HeaderBag = { ...extra.headers };
  if (body !== '') headers['content-type'] = 'text/plain';
  extra.mutate?.(headers);
  headers['content-length'] = String(Buffer.byteLength(body));
  if (!res.headersSent) res.writeHead(status, headers as Record<string, string | string[]>);
  res.end(body);
  return status;
}

/** The upstream path after the route's prefix_rewrite. */
function rewrittenPath(action: ForwardAction, path: string): string {
  if (action.prefixRewrite === undefined || action.matchedPrefix === undefined) return path;
  return action.prefixRewrite + path.slice(action.matchedPrefix.length);
}

async function forward(ctx: ForwardContext, req: IncomingMessage, res: ServerResponse, route: CompiledRoute, action: ForwardAction, authority: string, path: string, outcome: OutcomeBuilder, downstream: AbortSignal): Promise<number> {
  const choice = action.pick(ctx.random());
  outcome.cluster = choice.cluster;
  const headers = upstreamRequestHeaders(req.headers, action.hostRewrite ?? authority);
  route.requestHeaders(headers);
  choice.requestHeaders(headers);
  let body: Buffer | Readable | undefined;
  let replayable = true;
  if (hasBody(req)) {
    if (action.retry && action.retry.numRetries > 0) {
      const buffered = await bufferBody(req, RETRY_BUFFER_LIMIT);
      if (buffered.complete) {
        body = buffered.body;
        headers['content-length'] = String(buffered.body.length);
      } else {
        // Too big to keep for a retry: stream what was read plus the rest, without retries, as Envoy
        // stops retrying once a body overflows its buffer.
        body = Readable.from(
          (async function* () {
            yield buffered.body;
            for (let next = await buffered.rest.next(); !next.done; next = await buffered.rest.next()) yield next.value;
          })(),
        );
        replayable = false;
      }
    } else {
      body = req;
      replayable = false;
    }
  }
  const started = performance.now();
  const result = await forwardUpstream(ctx, action, choice, { method: req.method ?? 'GET', path: rewrittenPath(action, path), headers, body, replayable }, outcome, downstream);
  if (result.kind === 'local') return localReply(res, outcome, result.reason);
  const out = withoutHopByHop(result.headers);
  out['x-envoy-upstream-service-time'] = String(Math.round(performance.now() - started));
  choice.responseHeaders(out);
  route.responseHeaders(out);
  res.writeHead(result.status, out as Record<string, string | string[]>);
  try {
    await pipeline(result.body, res);
  } catch {
    // The upstream reset or the route timeout fired mid-body: the status is already sent, so the only
    // thing left is to cut the downstream connection, as Envoy resets the stream.
    res.destroy();
  } finally {
    result.done();
  }
  return result.status;
}

/** A running outbound listener. */
export interface OutboundListenerHandle extends HttpServerHandle {
  readonly pools: UpstreamPools;
}

/** Starts the listener; rejects when the port cannot be bound. */
export async function startOutboundListener(options: OutboundListenerOptions): Promise<OutboundListenerHandle> {
  const ownPools = options.pools === undefined;
  const pools = options.pools ?? new UpstreamPools();
  const random = options.random ?? Math.random;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const outcome = new OutcomeBuilder();
    const config = options.config();
    const ctx: ForwardContext = { config, pools, random };
    const { authority, path } = targetOf(req);
    const routeConfig = config.routeConfigs.get(String(portOf(authority)));
    outcome.routeConfig = routeConfig?.name;
    const route = routeConfig?.route(createRouteRequest(req.method ?? 'GET', authority, path, req.headers));
    if (!route) return finishWith(localReply(res, outcome, 'no-route'));
    outcome.route = route.name;

    const downstream = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) downstream.abort();
    });
    const fault = route.fault;
    if (fault) {
      if (fault.delayFraction > 0 && random() < fault.delayFraction) {
        outcome.flag(FAULT_DELAY_FLAG);
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      }
      if (fault.abortFraction > 0 && random() < fault.abortFraction) return finishWith(localReply(res, outcome, 'fault-abort', { status: fault.abortStatus }));
    }
    const action = route.action;
    switch (action.kind) {
      case 'direct':
        return finishWith(localReply(res, outcome, 'direct-response', { status: action.status, body: action.body, mutate: route.responseHeaders }));
      case 'redirect':
        return finishWith(localReply(res, outcome, 'redirect', { status: action.status, body: '', headers: { location: action.location(authority, path) }, mutate: route.responseHeaders }));
      case 'forward':
        return finishWith(await forward(ctx, req, res, route, action, authority, path, outcome, downstream.signal));
    }

    function finishWith(status: number): number {
      options.onOutcome?.(outcome.finish(status));
      return status;
    }
  };

  const server = await listenHttp(options.host ?? '127.0.0.1', options.port, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      // A bug, not an expected failure: answer 500 if still possible and keep serving.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  return {
    port: server.port,
    pools,
    async close() {
      await server.close();
      if (ownPools) await pools.close();
    },
  };
}
