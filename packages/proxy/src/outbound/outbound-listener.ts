// The outbound listener for the app: an explicit HTTP proxy on 127.0.0.1:<outbound port>. A request's
// authority (absolute-form URI `GET http://reviews:9080/x`, else the Host header) picks the route
// configuration named by its port (80 when absent); http-connection.ts serves each connection.

import { createServer, type Socket } from 'node:net';
import type { CompiledConfig } from '../compile/compile-config.js';
import { createHttpConnectionHandler } from './http-connection.js';
import type { PeerHeaders } from '../telemetry/workload-info.js';
import type { RequestOutcome } from './request-outcome.js';
import { UpstreamPools } from './upstream-pools.js';
import type { DownstreamRequest } from '../http/downstream-request.js';
import type { AccessLogger } from '../telemetry/access-log.js';
import type { HcmTracer } from '../tracing/tracer.js';

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
  /** This proxy's peer metadata headers (Istio's metadata exchange); unset: none. */
  readonly peerHeaders?: PeerHeaders;
  /** Access logs: the loggers of a request (start-proxy.ts gives the outbound listener's of its route
   *  configuration, CompiledConfig.outboundAccessLogs); unset: none. */
  readonly accessLog?: (req: DownstreamRequest) => AccessLogger | undefined;
  /** Tracing: the tracer of a request (start-proxy.ts gives the outbound listener's of its route
   *  configuration, CompiledConfig.outboundTracing); unset: none. */
  readonly tracing?: (req: DownstreamRequest) => HcmTracer | undefined;
}

/** A running outbound listener. */
export interface OutboundListenerHandle {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  readonly pools: UpstreamPools;
  /** Stops accepting and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts the listener; rejects when the port cannot be bound. */
export async function startOutboundListener(options: OutboundListenerOptions): Promise<OutboundListenerHandle> {
  const ownPools = options.pools === undefined;
  const pools = options.pools ?? new UpstreamPools();
  const serve = createHttpConnectionHandler({
    config: options.config,
    pools,
    random: options.random,
    onOutcome: options.onOutcome,
    direction: 'outbound',
    peerHeaders: options.peerHeaders,
    ...(options.accessLog ? { accessLog: options.accessLog } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
  });
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  let closing: Promise<void> | undefined;
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    pools,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        if (ownPools) await pools.close();
      })();
      return closing;
    },
  };
}
