// simulate(request, config): where a request lands in a proxy's Envoy config (listener, filter chain,
// route configuration, virtual host, route, cluster) or why it does not, following Envoy's semantics.
// Reads Envoy-shaped objects only (no generator or snapshot code), so it can check any xDS producer.

import {
  isFilter,
  unwrap,
  type EnvoyConfig,
  type FilterChain,
  type HttpConnectionManager,
  type Listener,
  type RouteConfiguration,
  type TcpProxy,
} from './envoy-shapes.js';
import { selectFilterChain } from './filter-chain-match.js';
import { preprocessHost, preprocessPath } from './hcm-request.js';
import { parseQuery } from './header-match.js';
import { inspectConnection, type ConnectionView } from './listener-filters.js';
import { selectListener } from './listener-match.js';
import { evaluateRbacFilters, HTTP_RBAC, NETWORK_RBAC, remoteAddressOf, type RbacInput } from './rbac-filter.js';
import { normalizeRequest, type NormalizedRequest, type SimulationRequest } from './request.js';
import { redirectLocation, resolveRouteAction, type RouteOutcome, type WeightedClusterResult } from './route-action.js';
import { matchRoute, UnsupportedEnvoyConfig } from './route-match.js';
import { InvalidEnvoyConfig } from './string-match.js';
import { matchVirtualHost } from './virtual-host-match.js';

/** Why a request does not reach a cluster (or does not need one):
 *  - `no-listener`: nothing accepts the connection (connection refused);
 *  - `no-filter-chain`: the listener has no chain for it and no default chain (connection closed);
 *  - `ambiguous-filter-chain`: several chains match identically (Envoy would reject the listener);
 *  - `tls-error`: plaintext to a TLS-terminating chain, or TLS without the client certificate it requires;
 *  - `protocol-error`: TLS or opaque TCP bytes reaching an HTTP connection manager, or a codec mismatch;
 *  - `no-network-filter`: the chain has neither an HTTP connection manager nor a tcp_proxy;
 *  - `rbac-denied`: an RBAC filter refuses the request (HTTP filter: 403 `RBAC: access denied`) or the
 *    connection (network filter: closed), see `rbacPolicy`;
 *  - `no-route-config`: the HCM names an RDS route configuration the config does not contain;
 *  - `no-virtual-host` / `no-route`: Envoy answers 404 with response flag NR;
 *  - `no-cluster`: the route (or tcp_proxy) names a cluster missing from `config.clusters` (503 NC);
 *  - `invalid-config`: something Envoy would have rejected at load time (bad regex, matcher without pattern);
 *  - `unsupported`: valid config this simulator does not model (scoped routes, the matcher API...). */
export type SimulationFailure =
  | 'no-listener'
  | 'no-filter-chain'
  | 'ambiguous-filter-chain'
  | 'tls-error'
  | 'protocol-error'
  | 'no-network-filter'
  | 'rbac-denied'
  | 'no-route-config'
  | 'no-virtual-host'
  | 'no-route'
  | 'no-cluster'
  | 'invalid-config'
  | 'unsupported';

/** Where the request landed. Fields are filled as far as the request got; `failure` says why it stopped.
 *  The matched route's action and settings are spread in (cluster, weightedClusters, redirect,
 *  directResponse, rewrittenPath, timeoutMs, retryPolicy, fault, cors, header mutations...). */
export interface SimulationResult extends Partial<RouteOutcome> {
  readonly request: NormalizedRequest;
  readonly listener?: string;
  /** The capture listener (virtualOutbound) that handed the connection off, if any. */
  readonly handedOffFrom?: string;
  /** The connection as filter chain matching saw it (after listener filters). */
  readonly connection?: ConnectionView;
  /** The chain's name, or `#<index>` / `default` when it has none. */
  readonly filterChain?: string;
  readonly filterChainIndex?: number | 'default';
  /** `http_connection_manager` or `tcp_proxy`. */
  readonly networkFilter?: string;
  /** The RDS name, or `inline` for an HCM's route_config. */
  readonly routeConfig?: string;
  readonly virtualHost?: string;
  /** The domain of the virtual host that matched the Host header. */
  readonly virtualHostDomain?: string;
  /** The route's name, or `#<index>` when it has none. */
  readonly route?: string;
  readonly routeIndex?: number;
  /** The :path routing saw, after the HCM's path normalisation (normalize_path, merge_slashes). */
  readonly routedPath?: string;
  /** The Host routing saw (after the HCM's port stripping). */
  readonly routedHost?: string;
  readonly failure?: SimulationFailure;
  /** Human-readable reason accompanying `failure`. */
  readonly detail?: string;
  /** The HTTP status Envoy would answer with, when it answers locally (404 NR, 503 NC, redirect, direct response). */
  readonly status?: number;
  /** Envoy's response flag for local failures (`NR`, `NC`); Envoy sets none for an RBAC denial. */
  readonly responseFlag?: string;
  /** RBAC denial: the policy that decided (`none` when an ALLOW filter matched no policy), as Envoy's
   *  response code details `rbac_access_denied_matched_policy[<policy>]` say. */
  readonly rbacPolicy?: string;
  /** Things the simulator approximated (runtime_fraction ignored, SNI invisible without a TLS inspector...). */
  readonly notes: readonly string[];
}

const HCM = { name: 'envoy.filters.network.http_connection_manager', message: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager' };
const FAULT_FILTER = { name: 'envoy.filters.http.fault', message: 'envoy.extensions.filters.http.fault.v3.HTTPFault' };
const CORS_FILTER = { name: 'envoy.filters.http.cors', message: 'envoy.extensions.filters.http.cors.v3.Cors' };
const TCP_PROXY = { name: 'envoy.filters.network.tcp_proxy', message: 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy' };

function nameOf(r: object): string | undefined {
  const n = (r as { name?: unknown }).name;
  return typeof n === 'string' ? n : undefined;
}

type Draft = { -readonly [K in keyof SimulationResult]: SimulationResult[K] } & { notes: string[] };

function fail(r: Draft, failure: SimulationFailure, detail: string, status?: { status: number; flag: string }): SimulationResult {
  return { ...r, failure, detail, ...(status ? { status: status.status, ...(status.flag ? { responseFlag: status.flag } : {}) } : {}) };
}

function tlsProblem(chain: FilterChain, req: NormalizedRequest): string | undefined {
  const socket = chain.transport_socket;
  if (!socket) return undefined;
  if (req.tls === 'plaintext') return `filter chain terminates TLS (${socket.name ?? 'transport_socket'}) but the request is plaintext`;
  const requireCert = unwrap(socket.typed_config?.['require_client_certificate'] as { value?: boolean } | boolean | undefined);
  if (requireCert === true && req.tls !== 'mtls') return 'filter chain requires a client certificate (require_client_certificate) but the request is TLS without one';
  return undefined;
}

/** Checks that every cluster the outcome can pick exists; returns the missing names. */
function missingClusters(outcome: { cluster?: string; weightedClusters?: readonly { name: string }[] }, known: ReadonlySet<string> | undefined): string[] {
  if (!known) return [];
  const names = outcome.cluster !== undefined ? [outcome.cluster] : (outcome.weightedClusters ?? []).map((c) => c.name);
  return names.filter((n) => !known.has(n));
}

function simulateTcp(r: Draft, tcp: TcpProxy, known: ReadonlySet<string> | undefined): SimulationResult {
  r.networkFilter = 'tcp_proxy';
  const outcome: { cluster?: string; weightedClusters?: WeightedClusterResult[] } = {};
  if (tcp.cluster) outcome.cluster = tcp.cluster;
  else if (tcp.weighted_clusters) {
    outcome.weightedClusters = (tcp.weighted_clusters.clusters ?? []).map((c) => ({
      name: c.name ?? '',
      weight: c.weight ?? 0,
      requestHeadersToAdd: [],
      requestHeadersToRemove: [],
    }));
  }
  Object.assign(r, outcome);
  const missing = missingClusters(outcome, known);
  if (missing.length > 0) return fail(r, 'no-cluster', `tcp_proxy cluster ${missing.join(', ')} is not in CDS`);
  if (!outcome.cluster && !outcome.weightedClusters) return fail(r, 'no-cluster', 'tcp_proxy names no cluster');
  return r;
}

/** The connection attributes RBAC reads (the peer, the original destination, SNI, TLS). */
function rbacConnection(req: NormalizedRequest, conn: ConnectionView | undefined): RbacInput {
  return {
    sourceAddress: req.sourceAddress,
    remoteAddress: req.sourceAddress,
    destinationAddress: conn?.destinationAddress ?? req.address,
    destinationPort: conn?.destinationPort ?? req.port,
    serverName: req.tls === 'plaintext' ? '' : req.sni,
    tls: req.tls !== 'plaintext',
    ...(req.tls === 'mtls' && req.peerPrincipal !== undefined ? { peerPrincipal: req.peerPrincipal } : {}),
  };
}

function simulateHttp(r: Draft, hcm: HttpConnectionManager, config: EnvoyConfig, req: NormalizedRequest, known: ReadonlySet<string> | undefined): SimulationResult {
  r.networkFilter = 'http_connection_manager';
  if (req.protocol === 'tcp') return fail(r, 'protocol-error', 'opaque TCP bytes reached an HTTP connection manager');
  const codec = hcm.codec_type ?? 'AUTO';
  if ((codec === 'HTTP1' && req.protocol === 'http2') || (codec === 'HTTP2' && req.protocol === 'http')) {
    return fail(r, 'protocol-error', `HCM codec_type ${codec} cannot decode ${req.protocol}`);
  }
  if (hcm.scoped_routes) throw new UnsupportedEnvoyConfig('HCM scoped_routes');
  let rc: RouteConfiguration | undefined;
  if (hcm.route_config) {
    r.routeConfig = 'inline';
    rc = hcm.route_config;
  } else {
    const name = hcm.rds?.route_config_name ?? '';
    r.routeConfig = name;
    rc = (config.routes ?? []).find((x) => nameOf(x) === name) as RouteConfiguration | undefined;
    if (!rc) return fail(r, 'no-route-config', `RDS route configuration ${JSON.stringify(name)} is not in the config`);
  }
  const host = preprocessHost(hcm, req.host, req.port);
  const path = preprocessPath(hcm, req.path);
  r.routedHost = host;
  r.routedPath = path;
  const headers = new Map(req.headers);
  headers.set(':authority', host);
  headers.set(':path', path);

  // HTTP filters run in order before the router: RBAC, when present, first decides (Envoy answers a
  // denial itself; routing never happens).
  const rbac = (hcm.http_filters ?? []).filter((f) => f.disabled !== true && isFilter(f, HTTP_RBAC.name, HTTP_RBAC.message)).map((f) => f.typed_config ?? {});
  if (rbac.length > 0) {
    const base = rbacConnection(req, r.connection);
    const verdict = evaluateRbacFilters(rbac, { ...base, headers, remoteAddress: remoteAddressOf(headers, req.sourceAddress, unwrap(hcm.use_remote_address) === true) });
    if (!verdict.allowed) {
      r.rbacPolicy = verdict.policy ?? 'none';
      return fail(r, 'rbac-denied', `RBAC filter #${verdict.filterIndex ?? 0} denies ${req.method} ${path} (policy ${r.rbacPolicy}): 403 RBAC: access denied`, { status: 403, flag: '' });
    }
  }

  const vhm = matchVirtualHost(rc, host);
  if (!vhm) return fail(r, 'no-virtual-host', `no virtual host of ${r.routeConfig} has a domain matching ${JSON.stringify(host)}`, { status: 404, flag: 'NR' });
  const vh = vhm.virtualHost;
  r.virtualHost = vh.name ?? '';
  r.virtualHostDomain = vhm.domain;
  // VirtualHost.require_tls: ALL redirects every plaintext request to https (301); EXTERNAL_ONLY only
  // external ones, and every simulated client counts as external.
  if ((vh.require_tls === 'ALL' || vh.require_tls === 'EXTERNAL_ONLY') && req.tls === 'plaintext') {
    r.redirect = redirectLocation({ https_redirect: true }, { path, host, scheme: req.scheme, headers }, path);
    r.status = 301;
    return r;
  }
  const matched = matchRoute(vh, { path, method: req.method, headers, query: parseQuery(path), tls: req.tls }, r.notes);
  if (!matched) return fail(r, 'no-route', `no route of virtual host ${r.virtualHost} matches ${req.method} ${path}`, { status: 404, flag: 'NR' });
  r.route = matched.route.name || `#${matched.index}`;
  r.routeIndex = matched.index;
  const outcome = resolveRouteAction(matched.route, vh, rc, matched.matchedPath, { path, host, scheme: req.scheme, headers });
  Object.assign(r, outcome);
  // Per-route filter config only acts when the filter is in the HCM's chain.
  for (const [kind, cfg, filter] of [
    ['fault', outcome.fault, FAULT_FILTER],
    ['cors', outcome.cors, CORS_FILTER],
  ] as const) {
    if (cfg && !(hcm.http_filters ?? []).some((f) => f.disabled !== true && isFilter(f, filter.name, filter.message))) {
      r.notes.push(`route has ${kind} config but the HCM has no ${filter.name} filter: it has no effect`);
    }
  }
  if (outcome.redirect) r.status = outcome.redirect.status;
  if (outcome.directResponse) r.status = outcome.directResponse.status;
  if (outcome.clusterHeader !== undefined) {
    // RouteAction.cluster_header: only the first value of the header is used; absent → no cluster.
    const value = req.headers.get(outcome.clusterHeader.toLowerCase())?.split(',')[0];
    if (!value) return fail(r, 'no-cluster', `cluster_header ${outcome.clusterHeader} is absent`, { status: 503, flag: 'NC' });
    r.cluster = value;
  }
  const missing = missingClusters(r, known);
  if (missing.length > 0) return fail(r, 'no-cluster', `cluster ${missing.join(', ')} is not in CDS`, { status: 503, flag: 'NC' });
  return r;
}

function simulateChain(r: Draft, chain: FilterChain, config: EnvoyConfig, req: NormalizedRequest): SimulationResult {
  const tls = tlsProblem(chain, req);
  if (tls) return fail(r, 'tls-error', tls);
  const known = config.clusters ? new Set(config.clusters.flatMap((c) => nameOf(c) ?? [])) : undefined;
  for (const filter of chain.filters ?? []) {
    // Network RBAC filters run on the connection before the terminal filter; a denial closes it.
    if (isFilter(filter, NETWORK_RBAC.name, NETWORK_RBAC.message)) {
      const verdict = evaluateRbacFilters([filter.typed_config ?? {}], rbacConnection(req, r.connection));
      if (!verdict.allowed) {
        r.rbacPolicy = verdict.policy ?? 'none';
        return fail(r, 'rbac-denied', `RBAC network filter denies the connection (policy ${r.rbacPolicy}): closed`);
      }
      continue;
    }
    if (isFilter(filter, HCM.name, HCM.message)) {
      // Without a transport socket the HCM's codec reads the TLS handshake as garbage.
      if (!chain.transport_socket && req.tls !== 'plaintext') return fail({ ...r, networkFilter: 'http_connection_manager' }, 'protocol-error', 'TLS reached an HTTP connection manager that does not terminate it');
      return simulateHttp(r, (filter.typed_config ?? {}) as HttpConnectionManager, config, req, known);
    }
    if (isFilter(filter, TCP_PROXY.name, TCP_PROXY.message)) return simulateTcp(r, (filter.typed_config ?? {}) as TcpProxy, known);
  }
  return fail(r, 'no-network-filter', `filter chain ${r.filterChain ?? ''} has neither an HTTP connection manager nor a tcp_proxy`);
}

function run(r: Draft, config: EnvoyConfig): SimulationResult {
  const req = r.request;
  const listeners = config.listeners as readonly Listener[];
  const selection = selectListener(listeners, req);
  if (typeof selection === 'string') return fail(r, 'no-listener', selection);
  const l = selection.listener;
  r.listener = l.name ?? '';
  if (selection.handedOffFrom) r.handedOffFrom = selection.handedOffFrom.name ?? '';
  if ((l as { filter_chain_matcher?: unknown }).filter_chain_matcher !== undefined) throw new UnsupportedEnvoyConfig(`listener ${r.listener} uses filter_chain_matcher`);
  const conn = inspectConnection(l, req);
  r.connection = conn;
  if (req.tls !== 'plaintext' && !conn.tlsInspector) r.notes.push(`listener ${r.listener} has no tls_inspector: SNI and ALPN are invisible to filter chain matching`);
  const chosen = selectFilterChain(l, conn);
  if ('reason' in chosen) {
    if (chosen.reason === 'ambiguous-filter-chain') {
      const names = chosen.candidates.map((i) => l.filter_chains?.[i]?.name || `#${i}`);
      return fail(r, 'ambiguous-filter-chain', `filter chains ${names.join(', ')} match identically`);
    }
    return fail(r, 'no-filter-chain', `no filter chain of ${r.listener} matches port ${conn.destinationPort}, sni ${JSON.stringify(conn.serverName)}, ${conn.transportProtocol}, alpn [${conn.applicationProtocols.join(',')}]`);
  }
  r.filterChainIndex = chosen.index;
  r.filterChain = chosen.chain.name || (chosen.index === 'default' ? 'default' : `#${chosen.index}`);
  return simulateChain(r, chosen.chain, config, req);
}

/** Simulates `request` against a proxy's Envoy config, Istio's pilot/pkg/simulation for Weft. Pure;
 *  never throws for config problems: config Envoy would reject comes back as `invalid-config`, config
 *  the simulator does not model as `unsupported`. */
export function simulate(request: SimulationRequest, config: EnvoyConfig): SimulationResult {
  const r: Draft = { request: normalizeRequest(request), notes: [] };
  try {
    return run(r, config);
  } catch (e) {
    if (e instanceof InvalidEnvoyConfig) return fail(r, 'invalid-config', e.message);
    if (e instanceof UnsupportedEnvoyConfig) return fail(r, 'unsupported', e.message);
    throw e;
  }
}
