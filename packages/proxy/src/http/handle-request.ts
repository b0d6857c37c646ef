// The request path between a protocol adapter and the upstreams, for any downstream protocol: runs the
// listener's RBAC filters (when it has any), picks the route configuration (a listener's RDS name, or
// the port of the request's authority for the explicit proxy), the virtual host and route, applies the
// route's fault, then answers directly, redirects or forwards (forward-request.ts). Every request ends
// with one RequestOutcome.

import type { CompiledConfig } from '../compile/compile-config.js';
import type { CompiledRoute } from '../compile/compile-route-config.js';
import type { ForwardAction } from '../compile/route-action.js';
import { createRouteRequest, type RouteRequest } from '../compile/route-request.js';
import { FAULT_DELAY_FLAG } from '../errors/rescue.js';
import { OutcomeBuilder, type RequestOutcome } from '../outbound/request-outcome.js';
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
import type { RbacEngine } from '../rbac/index.js';

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
  /** The HCM's use_remote_address: RBAC's remote_ip is then the peer, else the last x-forwarded-for
   *  address (Envoy with xff_num_trusted_hops 0). */
  readonly useRemoteAddress?: boolean;
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
export function createRequestHandler(options: RequestHandlerOptions): (req: DownstreamRequest, connection?: RbacConnection) => void {
  const { random, connectors, onOutcome, peerHeaders } = options;
  const rbac = options.rbac !== undefined && options.rbac.length > 0 ? options.rbac : undefined;
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

  return (req, connection) => {
    const outcome = new OutcomeBuilder(options.direction, onOutcome !== undefined);
    const done = onOutcome ? (status: number) => onOutcome(outcome.finish(status, req)) : noop;
    if (isGrpcRequest(req.headers)) outcome.protocol = 'grpc';
    // The one check a listener without RBAC filters pays.
    if (rbac !== undefined) {
      const verdict = evaluateHttpRbac(rbac, req, connection, useRemoteAddress);
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
