// What makes a decoded Listener unusable, in Envoy's words where Envoy has them: no address, no filter
// chains, duplicate filter chain matches, an HTTP connection manager without routes or with a router
// that is not last, a tcp_proxy without a cluster, access logs that cannot run, RBAC filters (network or HTTP) the RBAC engine
// cannot compile, a jwt_authn filter the JWT compiler refuses (or placed after an RBAC filter), a TLS transport socket whose certificates cannot be loaded. Inline route configs are
// checked like RDS ones.

import { TYPE_URL } from '@weft/shared/xds';
import { compileRbacFilter } from '../rbac/index.js';
import { jwtFilterProblems } from '../jwt/index.js';
import type { FilterChainShape, FilterShape, HttpConnectionManagerShape, ListenerShape, RouteConfigurationShape, TcpProxyShape } from './envoy-shapes.js';
import { transportSocketProblems, type TransportSocketShape } from '../tls/downstream-tls.js';
import { compileAccessLogs } from '../telemetry/access-log.js';
import { routeConfigurationProblems } from './validate-route-configuration.js';
import { compileHcmTracing } from '../tracing/tracing-config.js';
import { statsOverridesOf } from '../telemetry/stats-overrides.js';

/** Why an RBAC filter's config cannot be enforced (unsupported matchers, bad regexes or CIDRs...): the
 *  engine compiles it here once, so a listener the proxy could not enforce is NACKed, never half-applied. */
function rbacProblems(filter: FilterShape, at: string): string[] {
  const compiled = compileRbacFilter(filter.typed_config);
  return compiled.ok ? [] : compiled.problems.map((p) => `${at}: RBAC filter ${filter.name ?? ''}: ${p}`);
}

function httpConnectionManagerProblems(hcm: HttpConnectionManagerShape, at: string): string[] {
  const problems: string[] = [];
  if (hcm.scoped_routes) problems.push(`${at}: scoped_routes is not supported by weft-proxy`);
  else if (hcm.rds) {
    if (!hcm.rds.route_config_name) problems.push(`${at}: rds.route_config_name must not be empty`);
  } else if (hcm.route_config) {
    problems.push(...routeConfigurationProblems(hcm.route_config as RouteConfigurationShape).map((p) => `${at}.route_config: ${p}`));
  } else {
    problems.push(`${at}: one of rds or route_config is required`);
  }
  const filters = hcm.http_filters ?? [];
  filters.forEach((f, i) => {
    const isRouter = f.typed_config?.['@type'] === TYPE_URL.ROUTER;
    const last = i === filters.length - 1;
    if (isRouter && !last) problems.push(`${at}: terminal filter named ${f.name ?? ''} of type envoy.filters.http.router must be the last filter in a http filter chain.`);
    if (!isRouter && last) problems.push(`${at}: non-terminal filter named ${f.name ?? ''} of type ${f.typed_config?.['@type'] ?? '(none)'} is the last filter in a http filter chain.`);
    if (f.typed_config?.['@type'] === TYPE_URL.HTTP_RBAC) problems.push(...rbacProblems(f, `${at}.http_filters[${i}]`));
  });
  // jwt_authn (RequestAuthentication): compiled here once; one filter, before the RBAC filters.
  problems.push(...jwtFilterProblems(filters, at));
  // Tracing (its provider must be a tracer weft-proxy exports to) and the istio.stats overrides.
  const tracing = compileHcmTracing((hcm as { tracing?: unknown }).tracing);
  if (!tracing.ok) problems.push(...tracing.problems.map((p) => `${at}: ${p}`));
  const stats = statsOverridesOf(filters);
  if (!stats.ok) problems.push(...stats.problems.map((p) => `${at}: istio.stats: ${p}`));
  return problems;
}

function filterProblems(filter: FilterShape, at: string, last: boolean): string[] {
  const type = filter.typed_config?.['@type'];
  if (!filter.typed_config) return [`${at}: filter ${filter.name ?? ''} has no typed_config`];
  if (type === TYPE_URL.NETWORK_RBAC) {
    const problems = rbacProblems(filter, at);
    // Envoy's proto requires it (min_len 1); Istio sets `tcp.`.
    if (!(filter.typed_config as { stat_prefix?: string }).stat_prefix) problems.push(`${at}: RBAC filter ${filter.name ?? ''}: stat_prefix: value length must be at least 1 characters`);
    if (last) problems.push(`${at}: non-terminal filter named ${filter.name ?? ''} of type ${type} is the last filter in a network filter chain.`);
    return problems;
  }
  if (type === TYPE_URL.HTTP_CONNECTION_MANAGER) return [...httpConnectionManagerProblems(filter.typed_config as HttpConnectionManagerShape, at), ...accessLogProblems(filter, at)];
  if (type === TYPE_URL.TCP_PROXY) {
    const tcp = filter.typed_config as TcpProxyShape;
    if (!tcp.cluster && !(tcp.weighted_clusters?.clusters?.length ?? 0)) return [`${at}: tcp_proxy needs cluster or weighted_clusters`];
    return accessLogProblems(filter, at);
  }
  return [];
}

/** Why a filter's `access_log` cannot run (a logger other than the file one, a filter, an unknown
 *  command operator, a file that cannot be opened): compiled here once, as Envoy builds its loggers
 *  when the listener arrives. */
function accessLogProblems(filter: FilterShape, at: string): string[] {
  const compiled = compileAccessLogs((filter.typed_config as { access_log?: readonly unknown[] }).access_log);
  return compiled.ok ? [] : compiled.problems.map((p) => `${at}: ${p}`);
}

function filterChainProblems(chain: FilterChainShape, at: string): string[] {
  // A TLS transport socket is loaded here (files read, context built): a certificate that cannot be
  // read refuses the listener, which keeps its last good version.
  const ts = (chain as { transport_socket?: TransportSocketShape }).transport_socket;
  const filters = chain.filters ?? [];
  return [...transportSocketProblems(ts, at), ...filters.flatMap((f, i) => filterProblems(f, `${at}.filters[${i}]`, i === filters.length - 1))];
}

/** Every reason `listener` cannot be used; empty when it can. */
export function listenerProblems(listener: ListenerShape): string[] {
  if (listener.api_listener) {
    const hcm = listener.api_listener.api_listener;
    return hcm?.['@type'] === TYPE_URL.HTTP_CONNECTION_MANAGER ? httpConnectionManagerProblems(hcm as HttpConnectionManagerShape, 'api_listener') : ['api_listener: only an HttpConnectionManager is supported'];
  }
  const problems: string[] = [];
  const socket = listener.address?.socket_address;
  if (!listener.address) problems.push('address is necessary');
  else if (socket && (socket.address ?? '') === '') problems.push('address.socket_address.address must not be empty');
  const chains = listener.filter_chains ?? [];
  if (chains.length === 0 && !listener.default_filter_chain) problems.push('no filter chains specified');
  const matches = new Map<string, number>();
  chains.forEach((chain, i) => {
    const key = JSON.stringify(chain.filter_chain_match ?? {});
    const first = matches.get(key);
    if (first !== undefined) problems.push(`filter_chains[${i}]: multiple filter chains with the same matching rules are defined (same as filter_chains[${first}])`);
    else matches.set(key, i);
    problems.push(...filterChainProblems(chain, `filter_chains[${i}]`));
  });
  if (listener.default_filter_chain) problems.push(...filterChainProblems(listener.default_filter_chain, 'default_filter_chain'));
  return problems;
}
