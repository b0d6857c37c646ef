// The tcp_proxy network filter at run time: for one downstream connection, draw the cluster, pick an
// endpoint (connect_timeout, max_connect_attempts), then copy bytes both ways with backpressure and
// half-close, until both sides are done or the idle timeout fires. Failures close the downstream, as
// Envoy does, and every connection ends in one TcpOutcome.

import { connect, type Socket } from 'node:net';
import type { Endpoint } from '../balancer/picker.js';
import type { CompiledCluster } from '../compile/compile-cluster.js';
import type { CompiledConfig } from '../compile/compile-config.js';
import type { Logger } from '../log/logger.js';
import type { CompiledTcpProxy } from './tcp-proxy-config.js';
import type { TcpOpened, TcpOutcome, TcpResponseFlag, TcpTermination } from './tcp-outcome.js';
import { spiffePeerOf } from '../tls/peer-identity.js';
import { tcpAccessLogEntry, type AccessLogger } from '../telemetry/access-log.js';

/** Where a connection stands in its listener. */
export interface TcpConnectionContext {
  readonly listenerName: string;
  readonly chainName: string;
  /** The destination the client meant, for ORIGINAL_DST clusters (PassthroughCluster); undefined
   *  when the listener cannot know it (a wildcard listener bound locally, without capture). */
  readonly originalDestination?: { readonly host: string; readonly port: number };
  /** Bytes a listener filter read before the client ended its side (they could not go back into the
   *  socket); sent upstream first. */
  readonly initialData?: Buffer;
  /** SNI the TLS inspector saw, when it ran and there was one (RBAC `requested_server_name`). */
  readonly serverName?: string;
}

/** What a tcp_proxy needs from the rest of the proxy. */
export interface TcpProxyDeps {
  /** The compiled config, read once per connection for its cluster. */
  readonly config: () => CompiledConfig;
  /** Random numbers in [0, 1) for weighted clusters and balancing. */
  readonly random?: () => number;
  readonly onTcpOutcome?: (outcome: TcpOutcome) => void;
  /** Called when a connection's upstream is connected (istio_tcp_connections_opened_total). */
  readonly onTcpOpen?: (opened: TcpOpened) => void;
  /** Which side of the workload the listener serves (reported with outcomes; default outbound). */
  readonly direction?: 'inbound' | 'outbound';
  /** The tcp_proxy's access loggers (`access_log`): one line per connection when it ends. */
  readonly accessLog?: AccessLogger;
  /** Whether `host:port` is one of this proxy's own listening sockets: an ORIGINAL_DST connection
   *  there would loop back into the proxy forever. */
  readonly isOwnAddress?: (host: string, port: number) => boolean;
  readonly logger?: Logger;
}

/** Handles one accepted downstream connection; the handler owns the socket from then on. */
export type TcpConnectionHandler = (downstream: Socket, context: TcpConnectionContext) => void;

const keyOf = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
const addressOf = (ip: string | undefined, port: number | undefined): string => keyOf(ip ?? '', port ?? 0);

/** The endpoint to try next, or undefined when the cluster has none (UH). ORIGINAL_DST clusters
 *  (PassthroughCluster) get the original destination, unless it is the proxy itself. */
function pickEndpoint(cluster: CompiledCluster, context: TcpConnectionContext, deps: TcpProxyDeps, random: () => number): Endpoint | undefined {
  const dst = context.originalDestination;
  const usable = dst && !deps.isOwnAddress?.(dst.host, dst.port) ? dst : undefined;
  return cluster.picker.pick(random, usable ? { originalDestination: usable } : {});
}

/** Connects to `target`, or gives the reason it could not within `timeoutMs`. */
function connectTo(target: Endpoint, timeoutMs: number): Promise<{ socket: Socket } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ error: 'connect timeout' });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ socket });
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ error: e.code ?? e.message });
    });
  });
}

/** Ends `socket` and destroys it once its buffered writes are flushed (at once if they already are);
 *  a peer that stops reading for `idleMs` does not keep it open. */
function closeAfterFlush(socket: Socket, idleMs: number): void {
  if (socket.destroyed) return;
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  if (idleMs > 0) socket.setTimeout(idleMs, () => socket.destroy());
  if (!socket.writableEnded) socket.end();
}

/**
 * Creates the handler of one compiled tcp_proxy. Downstream bytes are not read until the upstream is
 * connected (Envoy disables reading meanwhile), so nothing is buffered in the proxy. Each failed
 * connect attempt picks an endpoint again. Byte copying uses `pipe`, which pauses the faster side
 * when the other's buffer is full and forwards each side's FIN to the other (downstream sockets must
 * come from a server with `allowHalfOpen: true`). An error or reset on one side destroys the other.
 */
export function createTcpProxyHandler(proxy: CompiledTcpProxy, deps: TcpProxyDeps): TcpConnectionHandler {
  const random = deps.random ?? Math.random;
  const direction = deps.direction ?? 'outbound';
  const accessLog = deps.accessLog;
  return (downstream, context) => {
    const started = performance.now();
    const startTime = Date.now();
    // The client's identity on a chain that terminated mutual TLS (the inbound side).
    const peerPrincipal = spiffePeerOf(downstream);
    let upstreamLocalAddress: string | undefined;
    downstream.pause();
    downstream.setNoDelay(true);
    const flags: TcpResponseFlag[] = [];
    // Weighted clusters: one draw per connection, as Envoy's tcp_proxy.
    const cluster = proxy.pickCluster(random);
    let upstreamHost: string | undefined;
    let attempts = 0;
    let termination: TcpTermination | undefined;
    let reported = false;
    let upstream: Socket | undefined;
    const downstreamRemoteAddress = addressOf(downstream.remoteAddress, downstream.remotePort);
    const downstreamLocalAddress = addressOf(downstream.localAddress, downstream.localPort);

    const report = (): void => {
      if (reported) return;
      reported = true;
      const outcome: TcpOutcome = {
        listener: context.listenerName,
        filterChain: context.chainName,
        statPrefix: proxy.statPrefix,
        cluster,
        upstreamHost,
        responseFlags: flags.length > 0 ? flags.join(',') : '-',
        termination: termination ?? 'downstream_close',
        bytesReceived: downstream.bytesRead,
        bytesSent: downstream.bytesWritten,
        connectAttempts: attempts,
        durationMs: performance.now() - started,
        downstreamRemoteAddress,
        downstreamLocalAddress,
        startTime,
        direction,
        upstreamLocalAddress,
        requestedServerName: context.serverName,
        peerPrincipal,
      };
      deps.onTcpOutcome?.(outcome);
      accessLog?.log(tcpAccessLogEntry(outcome));
    };
    const endWith = (why: TcpTermination): void => {
      termination ??= why;
    };
    // A client that resets while the upstream is being connected.
    downstream.on('error', () => endWith('downstream_error'));
    const fail = (flag: TcpResponseFlag, why: TcpTermination): void => {
      flags.push(flag);
      endWith(why);
      downstream.destroy();
      report();
    };

    const compiled = deps.config().clusters.get(cluster);
    if (!compiled) {
      deps.logger?.debug('tcp_proxy: cluster not found', { cluster, listener: context.listenerName });
      fail('NC', 'no_cluster');
      return;
    }

    const attempt = async (): Promise<void> => {
      for (;;) {
        if (downstream.destroyed) {
          report();
          return;
        }
        const target = pickEndpoint(compiled, context, deps, random);
        if (!target) {
          fail('UH', 'no_healthy_upstream');
          return;
        }
        // Envoy's tcp_proxy counts upstream connections against the cluster's max_connections.
        if (!compiled.breaker.tryOpenConnection(target)) {
          upstreamHost = target.key;
          fail('UO', 'overflow');
          return;
        }
        attempts++;
        upstreamHost = target.key;
        const result = await connectTo(target, compiled.connectTimeoutMs);
        if ('socket' in result) {
          result.socket.once('close', () => compiled.breaker.closeConnection(target));
          // A connect success or failure is what outlier detection hears from TCP (Envoy's
          // LocalOriginConnectSuccessFinal / LocalOriginConnectFailed, counted as 200 / 503).
          compiled.outlier?.report(target, { kind: 'status', status: 200 });
          if (downstream.destroyed) {
            result.socket.destroy();
            report();
            return;
          }
          upstream = result.socket;
          upstreamLocalAddress = addressOf(upstream.localAddress, upstream.localPort);
          deps.onTcpOpen?.({ direction, cluster, upstreamHost: target.key, peerPrincipal });
          return;
        }
        compiled.breaker.closeConnection(target);
        if (target.stats) target.stats.cxConnectFail++;
        compiled.outlier?.report(target, { kind: 'connect-failure' });
        deps.logger?.debug('tcp_proxy: upstream connect failed', { cluster, upstream: target.key, reason: result.error, attempt: attempts });
        if (attempts >= proxy.maxConnectAttempts) {
          fail('UF', 'connect_failure');
          return;
        }
      }
    };

    void attempt().then(() => {
      const up = upstream;
      if (!up || reported) return;
      up.setNoDelay(true);
      let closed = 0;
      const onClose = (): void => {
        if (++closed === 2) report();
      };
      up.on('error', () => {
        endWith('upstream_error');
        downstream.destroy();
      });
      downstream.on('error', () => up.destroy());
      // Each side's FIN becomes a FIN on the other side through pipe's end(). A side that closes fully
      // takes the other with it: at once after an error, else once the other's pending writes are out.
      up.on('end', () => endWith('upstream_close'));
      downstream.on('end', () => endWith('downstream_close'));
      up.on('close', (hadError) => {
        if (hadError) downstream.destroy();
        else closeAfterFlush(downstream, proxy.idleTimeoutMs);
        onClose();
      });
      downstream.on('close', (hadError) => {
        if (hadError) up.destroy();
        else closeAfterFlush(up, proxy.idleTimeoutMs);
        onClose();
      });
      if (proxy.idleTimeoutMs > 0) {
        // The downstream socket sees every byte of both directions (read from it, or written to it), so
        // its inactivity timer is the connection's.
        downstream.setTimeout(proxy.idleTimeoutMs, () => {
          endWith('idle_timeout');
          downstream.destroy();
          up.destroy();
        });
      }
      if (context.initialData) up.write(context.initialData);
      downstream.pipe(up);
      up.pipe(downstream);
      downstream.resume();
    });
  };
}
