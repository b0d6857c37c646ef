// Serves one downstream connection carrying HTTP: the entry point every HTTP listener shares (the
// explicit outbound proxy, and LDS listeners whose filter chain is an HTTP connection manager, on
// plaintext or TLS-terminated sockets). The request path behind it (http/handle-request.ts) is
// protocol-agnostic.

import type { Socket } from 'node:net';
import type { CompiledConfig } from '../compile/compile-config.js';
import { DOWNSTREAM_PROTOCOL_ERROR_FLAG } from '../errors/rescue.js';
import { createRequestHandler } from '../http/handle-request.js';
import type { UpstreamConnectors } from '../http/upstream-exchange.js';
import { Http1ServerConnection, type Http1ServerOptions } from '../http1/http1-server-connection.js';
import { serveHttp2Connection } from '../http2/http2-downstream.js';
import { sniffHttpProtocol } from '../http2/http2-preface.js';
import type { RbacConnection } from '../listeners/rbac-connection.js';
import type { RbacEngine } from '../rbac/index.js';
import type { JwtAuthnFilter } from '../jwt/index.js';
import type { PeerHeaders } from '../telemetry/workload-info.js';
import { applyXfcc, DEFAULT_XFCC, XFCC_HEADER, xfccElementOf, type XfccPolicy } from '../http/xfcc.js';
import { LoggedOutcome, OutcomeBuilder, type RequestOutcome } from './request-outcome.js';
import { downstreamInfoOf, HttpAccessLogEntry, type AccessLogger } from '../telemetry/access-log.js';
import type { DownstreamRequest } from '../http/downstream-request.js';
import type { HcmTracer } from '../tracing/tracer.js';

/** Settings of {@link createHttpConnectionHandler}. */
export interface HttpConnectionOptions {
  /** The current compiled config, read once per request. */
  readonly config: () => CompiledConfig;
  /** Upstream connection pools, shared by every listener of the proxy (an `UpstreamPools`). */
  readonly pools: UpstreamConnectors;
  /** Random numbers in [0, 1) for weights, faults, balancing and back-off (default Math.random). */
  readonly random?: () => number;
  /** Called once per request when it is over (also for heads refused with 400/431/501, flag DPE). */
  readonly onOutcome?: (outcome: RequestOutcome) => void;
  /** The route configuration every request uses (an LDS listener's HCM `rds.route_config_name`).
   *  Unset: the one named by the port of each request's authority (the explicit proxy). */
  readonly routeConfigName?: string;
  /** outbound: the app's traffic to services; inbound: traffic to the local app. */
  readonly direction: 'outbound' | 'inbound';
  /** Upgrade protocols let through (HCM upgrade_configs); default `websocket`. */
  readonly upgradeTypes?: readonly string[];
  /** HCM `use_remote_address` (gateways): `x-forwarded-proto` is overwritten with the connection's
   *  scheme. Otherwise a TLS connection sets it only when the client did not. */
  readonly useRemoteAddress?: boolean;
  /** This proxy's peer metadata headers (Istio's metadata exchange); unset: none. */
  readonly peerHeaders?: PeerHeaders;
  /** The HCM's x-forwarded-client-cert policy; unset: Envoy's default, SANITIZE (the header is removed). */
  readonly xfcc?: XfccPolicy;
  /** The HCM's compiled RBAC HTTP filters, in order (inbound and gateway listeners with
   *  AuthorizationPolicies); absent or empty: no authorization, and no per-request cost. */
  readonly rbac?: readonly RbacEngine[];
  /** The HCM's compiled jwt_authn filter (RequestAuthentication), run before the RBAC filters; absent:
   *  no JWT verification, and no per-request cost. */
  readonly jwt?: JwtAuthnFilter;
  /** The HCM's access loggers, or a function giving each request's (the explicit proxy); absent: no
   *  access logs, and no per-request cost. */
  readonly accessLog?: AccessLogger | ((req: DownstreamRequest) => AccessLogger | undefined);
  /** The HCM's tracer (its `tracing` with a provider), or a function giving each request's (the explicit
   *  proxy); absent: nothing traced, one check per request. */
  readonly tracing?: HcmTracer | ((req: DownstreamRequest) => HcmTracer | undefined);
}

/** What an LDS listener knows about a connection beyond its socket (the original destination it stands
 *  for, the SNI its TLS inspector saw), for access logs. */
export interface HttpConnectionContext {
  readonly originalDestination?: { readonly host: string; readonly port: number };
  readonly serverName?: string;
}

/**
 * Returns a function that serves one accepted socket until it closes: requests in order (keep-alive,
 * pipelining), each routed and answered per the current config. `connection` is the socket as RBAC
 * sees it (listeners/rbac-connection.ts), needed when `options.rbac` has engines. The caller owns
 * accepting sockets and closing them at shutdown.
 */
export function createHttpConnectionHandler(options: HttpConnectionOptions): (socket: Socket, connection?: RbacConnection, context?: HttpConnectionContext) => void {
  const { onOutcome, direction, accessLog } = options;
  const rbac = options.rbac !== undefined && options.rbac.length > 0 ? options.rbac : undefined;
  const xfcc = options.xfcc ?? DEFAULT_XFCC;
  const handleRequest = createRequestHandler({
    config: options.config,
    connectors: options.pools,
    random: options.random ?? Math.random,
    onOutcome,
    routeConfigName: options.routeConfigName,
    direction,
    upgradeTypes: options.upgradeTypes,
    peerHeaders: options.peerHeaders,
    ...(rbac ? { rbac, useRemoteAddress: options.useRemoteAddress === true } : {}),
    ...(options.jwt ? { jwt: options.jwt } : {}),
    ...(accessLog ? { accessLog } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
  });
  // A head refused by the codec is logged too (Envoy: DPE and the codec's details), by a listener's own
  // loggers; the explicit proxy cannot tell which listener's loggers a request it could not read had.
  const protocolErrorLogger = accessLog !== undefined && typeof accessLog !== 'function' ? accessLog : undefined;
  const serverOptions: Http1ServerOptions = {
    onRequest: handleRequest,
    onProtocolError:
      onOutcome || protocolErrorLogger
        ? (status) => {
            const outcome = protocolErrorLogger ? new LoggedOutcome(direction) : new OutcomeBuilder(direction);
            outcome.flag(DOWNSTREAM_PROTOCOL_ERROR_FLAG);
            outcome.noteLocalReply('http1.codec_error');
            const o = outcome.finish(status);
            onOutcome?.(o);
            protocolErrorLogger?.log(new HttpAccessLogEntry(o, undefined, undefined));
          }
        : undefined,
  };
  // Envoy sets x-forwarded-proto from the connection (https when TLS was terminated), overwriting the
  // client's with use_remote_address; routing sees it (require_tls), and forward-request keeps it.
  const plainOptions = options.useRemoteAddress ? withForwardedProto(serverOptions, 'http', true) : serverOptions;
  const tlsOptions = withForwardedProto(serverOptions, 'https', options.useRemoteAddress === true);
  // A connection speaks HTTP/2 when its first bytes are the h2c preface (prior knowledge, as Envoy
  // accepts on a plaintext HCM with codec_type AUTO, or after ALPN h2 on TLS); anything else is HTTP/1.x.
  return (socket, connection, context) => {
    const encrypted = (socket as { encrypted?: boolean }).encrypted === true;
    let connOptions = encrypted ? tlsOptions : plainOptions;
    // Access logs read the connection's addresses and SNI, once per connection, only with loggers.
    const downstream = accessLog !== undefined ? downstreamInfoOf(socket, context) : undefined;
    if ((rbac && connection) || downstream) {
      // RBAC reads the connection (peer, destination, SNI, certificate) with every request: bind it,
      // one closure per connection, only on listeners with RBAC filters (or access loggers).
      const rbacConnection = rbac ? connection : undefined;
      const bound: Http1ServerOptions = { ...serverOptions, onRequest: (req) => handleRequest(req, rbacConnection, downstream) };
      connOptions = encrypted ? withForwardedProto(bound, 'https', options.useRemoteAddress === true) : options.useRemoteAddress ? withForwardedProto(bound, 'http', true) : bound;
    }
    connOptions = withXfcc(connOptions, xfcc, socket);
    sniffHttpProtocol(socket, (protocol) => {
      if (protocol === 'http2') serveHttp2Connection(socket, { onRequest: connOptions.onRequest });
      else {
        new Http1ServerConnection(socket, connOptions);
        socket.resume();
      }
    });
  };
}

/** `options` whose requests get the XFCC policy applied: the default (SANITIZE) and plaintext
 *  connections only drop a client's header; on mutual TLS this hop's element is made once per connection. */
function withXfcc(options: Http1ServerOptions, policy: XfccPolicy, socket: Socket): Http1ServerOptions {
  const onRequest = options.onRequest;
  if (policy.mode === 'ALWAYS_FORWARD_ONLY') return options;
  const element = policy.mode === 'SANITIZE' ? undefined : xfccElementOf(socket, policy.fields);
  if (element === undefined) {
    return {
      ...options,
      onRequest: (req) => {
        if (req.headers[XFCC_HEADER] !== undefined) delete req.headers[XFCC_HEADER];
        onRequest(req);
      },
    };
  }
  return {
    ...options,
    onRequest: (req) => {
      applyXfcc(policy, req.headers, element);
      onRequest(req);
    },
  };
}

/** `options` whose requests carry `x-forwarded-proto: proto` (set, or only added when absent). */
function withForwardedProto(options: Http1ServerOptions, proto: 'http' | 'https', overwrite: boolean): Http1ServerOptions {
  const onRequest = options.onRequest;
  return {
    ...options,
    onRequest: overwrite
      ? (req) => {
          req.headers['x-forwarded-proto'] = proto;
          onRequest(req);
        }
      : (req) => {
          req.headers['x-forwarded-proto'] ??= proto;
          onRequest(req);
        },
  };
}
