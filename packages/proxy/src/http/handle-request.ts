// The request path between a protocol adapter and the upstreams, for any downstream protocol: runs the
// listener's jwt_authn and RBAC filters (when it has them), picks the route configuration (a listener's RDS name, or
// the port of the request's authority for the explicit proxy), the virtual host and route, applies the
// route's fault, then answers directly, redirects or forwards (forward-request.ts). Every request ends
// with one RequestOutcome.

import { randomUUID } from 'node:crypto';
import type { CompiledConfig } from '../compile/compile-config.js';
import type { CompiledRoute } from '../compile/compile-route-config.js';
import type { ForwardAction } from '../compile/route-action.js';
import { createRouteRequest, type RouteRequest } from '../compile/route-request.js';
import { FAULT_DELAY_FLAG } from '../errors/rescue.js';
import { LoggedOutcome, OutcomeBuilder, type RequestOutcome } from '../outbound/request-outcome.js';
import { HttpAccessLogEntry, type AccessLogger, type DownstreamConnectionInfo } from '../telemetry/access-log.js';
import type { DownstreamRequest } from './downstream-request.js';
import { ForwardedRequest } from './forward-request.js';
import type { HeaderBag } from '../compile/header-mutation.js';
import { corsDecision } from './cors.js';
import { sendLocalReply } from './local-reply.js';
import type { UpstreamConnectors } from './upstream-exchange.js';
import { isGrpcRequest } from '../http2/grpc-local-reply.js';
import type { RbacConnection } from '../listeners/rbac-connection.js';
import type { PeerHeaders } from '../telemetry/workload-info.js';
import { evaluateHttpRbac } from './rbac-request.js';
import type { DynamicMetadata, RbacEngine } from '../rbac/index.js';
import { verifyJwtRequest, type JwtAuthnFilter } from '../jwt/index.js';
import type { HcmTracer } from '../tracing/tracer.js';

/** What the request path needs. */
export interface RequestHandlerOptions {
  /** The current compiled config, read once per request (so a swap never changes a request midway). */
  readonly config: () => CompiledConfig;
  readonly connectors: UpstreamConnectors;
  /** Random numbers in [0, 1) for weights, faults, balancing and back-off (tests pass a seeded one). */
  readonly random: () => number;
  /** Called once per request when it is over, for telemetry. */
  readonly onOutcome?: (outcome: RequestOutcome) => void;
  /** The route configuration every request uses (an LDS listener's HCM `rds.route_config_name`).
   *  Unset: the one named by the port of the request's authority (80, or 443 for https, when absent),
   *  as the explicit outbound proxy does. */
  readonly routeConfigName?: string;
  readonly direction: 'outbound' | 'inbound';
  /** Upgrade protocols let through (lower-case). Default `websocket`, which Istio enables on every
   *  route through the HCM's upgrade_configs. Others are refused with 403, as Envoy does. */
  readonly upgradeTypes?: readonly string[];
  /** This proxy's peer metadata headers (Istio's metadata exchange): sent with requests to mesh
   *  services (outbound) and with responses (inbound); a peer's are read and removed. Unset: no exchange. */
  readonly peerHeaders?: PeerHeaders;
  /** The HCM's RBAC HTTP filters, in order (non-empty, or absent). They run first, as the first
   *  http_filters entries do in Envoy: before CORS, fault and the router (route selection included). */
  readonly rbac?: readonly RbacEngine[];
  /** The HCM's jwt_authn filter (RequestAuthentication), absent when it has none. It runs before the
   *  RBAC filters (validation refuses another order), which read the payload it verified. */
  readonly jwt?: JwtAuthnFilter;
  /** The HCM's use_remote_address: RBAC's remote_ip is then the peer, else the last x-forwarded-for
   *  address (Envoy with xff_num_trusted_hops 0). */
  readonly useRemoteAddress?: boolean;
  /** The HCM's access loggers (`access_log`), or a function giving a request's loggers (the explicit
   *  proxy: those of the outbound listener of its route configuration). Absent or giving none: nothing
   *  is collected for access logs. */
  readonly accessLog?: AccessLogger | ((req: DownstreamRequest) => AccessLogger | undefined);
  /** The HCM's tracer (src/tracing/): a span per request, its context sent on; or a function giving a
   *  request's tracer (the explicit proxy: that of the outbound listener of its route configuration).
   *  Absent: no tracing. */
  readonly tracing?: HcmTracer | ((req: DownstreamRequest) => HcmTracer | undefined);
}

/** The route configuration name for an authority's port: the digits after the last colon (not inside
 *  an IPv6 literal), else the scheme's default port. */
export function routeConfigNameFor(authority: string, scheme: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon >= 0 && colon < authority.length - 1 && authority.indexOf(']', colon) < 0) {
    let digits = true;
    for (let i = colon + 1; i < authority.length && digits; i++) {
      const c = authority.charCodeAt(i);
      digits = c >= 0x30 && c <= 0x39;
    }
    if (digits) {
      const port = authority.slice(colon + 1);
      return port.charCodeAt(0) === 0x30 ? String(Number(port)) : port;
    }
  }
  return scheme === 'https' ? '443' : '80';
}

/** Creates the request path for one listener; the returned function serves one request, `connection`
 *  being what RBAC reads about its connection (listeners with RBAC filters pass it). */
export function createRequestHandler(options: RequestHandlerOptions): (req: DownstreamRequest, connection?: RbacConnection, downstream?: DownstreamConnectionInfo) => void {
  const { random, connectors, onOutcome, peerHeaders, accessLog } = options;
  const rbac = options.rbac !== undefined && options.rbac.length > 0 ? options.rbac : undefined;
  const jwt = options.jwt;
  const tracing = options.tracing;
  const useRemoteAddress = options.useRemoteAddress === true;
  const upgrades = new Set(options.upgradeTypes ?? ['websocket']);

  function forward(req: DownstreamRequest, routeRequest: RouteRequest, route: CompiledRoute, action: ForwardAction, config: CompiledConfig, outcome: OutcomeBuilder, done: (status: number) => void, corsHeaders: HeaderBag | undefined): void {
    const choice = action.pick(random());
    outcome.cluster = choice.cluster;
    const cluster = config.clusters.get(choice.cluster);
    if (!cluster) return done(sendLocalReply(req, outcome, 'no-cluster'));
    // Ring hash and maglev read the route's hash_policy; other pickers ignore the hash.
    const hash = action.hashPolicy?.(routeRequest, req.remoteAddress);
    new ForwardedRequest({ connectors, random, done, clusters: config.clusters, peerHeaders }, req, route, action, choice, cluster, req.authority, outcome, hash, corsHeaders).start();
  }

  function proceed(req: DownstreamRequest, routeRequest: RouteRequest, route: CompiledRoute, config: CompiledConfig, outcome: OutcomeBuilder, done: (status: number) => void): void {
    // The CORS filter runs after the fault filter and before the router, as in weftd's HCM chain.
    const cors = corsDecision(route.cors, req.method, req.headers);
    if (cors.kind === 'preflight') return done(sendLocalReply(req, outcome, 'cors-preflight', { headers: cors.headers }));
    const corsHeaders = cors.kind === 'actual' ? cors.responseHeaders : undefined;
    const action = route.action;
    switch (action.kind) {
      case 'direct':
        return done(sendLocalReply(req, outcome, 'direct-response', { status: action.status, body: action.body, headers: corsHeaders, mutate: route.responseHeaders }));
      case 'redirect':
        return done(sendLocalReply(req, outcome, 'redirect', { status: action.status, body: '', headers: { ...corsHeaders, location: action.location(req.authority, req.path) }, mutate: route.responseHeaders }));
      case 'forward':
        return forward(req, routeRequest, route, action, config, outcome, done, corsHeaders);
    }
  }

  return (req, connection, downstream) => {
    // Access logs: the one check a listener without loggers pays; with one, the outcome also keeps the
    // response head, and the line is written when the request is over.
    const logger = accessLog === undefined ? undefined : typeof accessLog === 'function' ? accessLog(req) : accessLog;
    const outcome = logger === undefined ? new OutcomeBuilder(options.direction, onOutcome !== undefined) : new LoggedOutcome(options.direction);
    const reported =
      logger !== undefined
        ? (status: number) => {
            const o = outcome.finish(status, req);
            onOutcome?.(o);
            logger.log(new HttpAccessLogEntry(o, req, downstream));
          }
        : onOutcome
          ? (status: number) => onOutcome(outcome.finish(status, req))
          : noop;
    // Tracing: the one check a listener without it pays. The span starts before any filter runs and
    // ends with the request.
    const span = tracing === undefined ? undefined : (typeof tracing === 'function' ? tracing(req) : tracing)?.start(req);
    const done =
      span === undefined
        ? reported
        : (status: number) => {
            reported(status);
            span.finish(status, outcome, req);
          };
    // Envoy's HCM gives every request an id as it arrives (forwarding would make one later), so the
    // access log of a request the proxy answers itself has one too.
    if (logger !== undefined) req.headers['x-request-id'] ??= randomUUID();
    if (isGrpcRequest(req.headers)) outcome.protocol = 'grpc';
    // The one check a listener without a JWT filter pays. A token that verifies may leave the request
    // (forward: false) and its payload goes to the RBAC filters as dynamic metadata.
    let metadata: DynamicMetadata | undefined;
    if (jwt !== undefined) {
      const verdict = verifyJwtRequest(jwt, req);
      if (!verdict.allowed) return done(sendLocalReply(req, outcome, 'jwt-denied', { status: verdict.status, body: verdict.body, headers: verdict.headers }));
      metadata = verdict.metadata;
    }
    // The one check a listener without RBAC filters pays.
    if (rbac !== undefined) {
      const verdict = evaluateHttpRbac(rbac, req, connection, useRemoteAddress, metadata);
      if (verdict.shadow !== undefined) outcome.rbacShadow = verdict.shadow;
      if (!verdict.allowed) return done(sendLocalReply(req, outcome, 'rbac-denied'));
    }
    const config = options.config();
    const routeConfig = config.routeConfigs.get(options.routeConfigName ?? routeConfigNameFor(req.authority, req.scheme));
    if (!routeConfig) return done(sendLocalReply(req, outcome, 'no-route'));
    outcome.routeConfig = routeConfig.name;
    const routeRequest = createRouteRequest(req.method, req.authority, req.path, req.headers);
    const route = routeConfig.route(routeRequest);
    if (!route) return done(sendLocalReply(req, outcome, 'no-route'));
    outcome.route = route.name;
    if (span !== undefined) span.routed(route, req.headers);
    // Envoy's HCM knows the route's cluster once the route is chosen, so its access log names it for
    // local replies after routing (a fault abort) too; a weighted route's cluster is drawn later.
    if (logger !== undefined && route.action.kind === 'forward' && route.action.choices.length === 1) outcome.cluster = route.action.choices[0]?.cluster;
    if (req.upgrade !== undefined && !upgrades.has(req.upgrade)) return done(sendLocalReply(req, outcome, 'upgrade-refused'));
    const fault = route.fault;
    if (fault) {
      if (fault.delayFraction > 0 && random() < fault.delayFraction) {
        outcome.flag(FAULT_DELAY_FLAG);
        // The abort is drawn after the delay, as Envoy's fault filter does.
        setTimeout(() => {
          if (fault.abortFraction > 0 && random() < fault.abortFraction) return done(sendLocalReply(req, outcome, 'fault-abort', { status: fault.abortStatus, grpcStatus: fault.abortGrpcStatus }));
          proceed(req, routeRequest, route, config, outcome, done);
        }, fault.delayMs);
        return;
      }
      if (fault.abortFraction > 0 && random() < fault.abortFraction) return done(sendLocalReply(req, outcome, 'fault-abort', { status: fault.abortStatus, grpcStatus: fault.abortGrpcStatus }));
    }
    proceed(req, routeRequest, route, config, outcome, done);
  };
}

function noop(): void {}
