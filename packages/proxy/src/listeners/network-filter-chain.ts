// Turns one listener filter chain into the handler of a connection: its terminal network filter,
// `tcp_proxy` (src/tcp/) or `http_connection_manager` (the HTTP connection handler of src/outbound/,
// given as a factory so this module does not depend on how HTTP is served), behind the chain's RBAC
// network filters (src/rbac/) and its TLS termination when its transport socket is a
// DownstreamTlsContext (src/tls/). Compiled per listener update; connections only call `handle`.

import type { Socket } from 'node:net';
import { TYPE_URL } from '@weft/shared/xds';
import type { Logger } from '../log/logger.js';
import { compileRbacFilter, type RbacEngine } from '../rbac/index.js';
import { compileTcpProxy } from '../tcp/tcp-proxy-config.js';
import { isTlsTransportSocket, loadDownstreamTls, type TransportSocketShape } from '../tls/downstream-tls.js';
import { createTcpProxyHandler, type TcpConnectionContext, type TcpProxyDeps } from '../tcp/tcp-proxy.js';
import type { FilterChainShape, FilterShape, HttpConnectionManagerShape, TcpProxyShape } from '../xds-client/envoy-shapes.js';
import { rbacConnectionOf, type RbacConnection } from './rbac-connection.js';
import { DEFAULT_XFCC, xfccPolicyOf, type XfccPolicy } from '../http/xfcc.js';

import { compileAccessLogs, type AccessLogger } from '../telemetry/access-log.js';
import { compileHcmJwtFilter, type JwtAuthnFilter } from '../jwt/index.js';
import { compileHcmTracing, type CompiledTracing } from '../tracing/tracing-config.js';
import { statsOverridesOf, type MetricOverrides } from '../telemetry/stats-overrides.js';

/** The chain option for an XFCC policy: absent for Envoy's default (SANITIZE). */
const xfccOption = (xfcc: XfccPolicy): { xfcc?: XfccPolicy } => (xfcc === DEFAULT_XFCC ? {} : { xfcc });

/** Which way a listener's traffic goes (Envoy's traffic_direction; the HCM's `direction` option). */
export type TrafficDirection = 'inbound' | 'outbound';

/** What an HTTP filter chain is built from. */
export interface HttpChainOptions {
  /** The route configuration the HCM names: `rds.route_config_name`, or the inline `route_config.name`. */
  readonly routeConfigName: string;
  readonly direction: TrafficDirection;
  readonly statPrefix: string;
  /** `upgrade_configs` that are enabled (`websocket`...): Envoy allows no upgrade that is not listed. */
  readonly upgradeTypes: readonly string[];
  /** The HCM's `use_remote_address` (weftd sets it on gateways): `x-forwarded-proto` is then
   *  overwritten with the connection's own scheme, as Envoy does. */
  readonly useRemoteAddress?: boolean;
  /** The HCM's RBAC HTTP filters (envoy.filters.http.rbac), compiled, in http_filters order; absent
   *  when it has none. They run on every request before anything else the HCM does. */
  readonly rbac?: readonly RbacEngine[];
  /** The HCM's x-forwarded-client-cert policy (forward_client_cert_details); absent: Envoy's SANITIZE. */
  readonly xfcc?: XfccPolicy;
  /** The HCM's jwt_authn filter (RequestAuthentication), compiled; absent when it has none. It runs
   *  before the RBAC filters, which read the payload it verified. */
  readonly jwt?: JwtAuthnFilter;
  /** The HCM's access loggers (`access_log`), compiled; absent when it has none. */
  readonly accessLog?: AccessLogger;
  /** The HCM's `tracing` (with a provider), compiled; absent: nothing traced. */
  readonly tracing?: CompiledTracing;
  /** The HCM's `istio.stats` filter overrides of Istio's metrics; absent: the standard metrics. */
  readonly statsOverrides?: MetricOverrides;
}

/** Builds the handler of one HTTP connection manager: it serves one downstream connection per call.
 *  The socket behaves as node:net's default (`allowHalfOpen` false: a client FIN ends it); it is a
 *  node:tls TLSSocket (`encrypted`) when the chain terminates TLS. `connection` is what RBAC reads
 *  about the connection, given when the HCM has RBAC filters. */
export type HttpChainFactory = (options: HttpChainOptions) => (socket: Socket, connection?: RbacConnection, context?: TcpConnectionContext) => void;

/** A filter chain ready to take connections. */
export interface CompiledChain {
  /** The chain's name, or `filter_chains[i]` / `default_filter_chain` when it has none. */
  readonly name: string;
  /** The chain's JSON: a connection keeps running across a listener update while its chain's
   *  fingerprint is still in the listener. */
  readonly fingerprint: string;
  readonly kind: 'tcp' | 'http' | 'unsupported';
  /** The chain terminates TLS first: its connections stay paused until the TLS socket takes them. */
  readonly terminatesTls: boolean;
  handle(socket: Socket, context: TcpConnectionContext): void;
}

/** What compiling chains needs. */
export interface ChainDeps extends TcpProxyDeps {
  /** The HTTP connection handler factory; without it HTTP chains close their connections. */
  readonly http?: HttpChainFactory;
  readonly logger?: Logger;
}

/**
 * Compiles `chain`; `fallbackName` names it when it has no name. A TLS transport socket is loaded here
 * (certificates read once per config, see loadDownstreamTls): connections then go through the TLS
 * handshake, and the decrypted socket goes to the network filters exactly as a plaintext one would.
 * Validation has refused chains whose TLS material cannot be loaded; if a file went away in between,
 * the chain closes its connections with a log line.
 */
export function compileFilterChain(chain: FilterChainShape, fallbackName: string, direction: TrafficDirection, deps: ChainDeps): CompiledChain {
  const plain = compilePlainChain(chain, fallbackName, direction, deps);
  const ts = (chain as { transport_socket?: TransportSocketShape }).transport_socket;
  if (!isTlsTransportSocket(ts) || ts === undefined) return plain;
  const loaded = loadDownstreamTls(ts);
  if (!loaded.ok) {
    const why = loaded.problems.join('; ');
    return {
      ...plain,
      kind: 'unsupported',
      terminatesTls: true,
      handle: (socket, context) => {
        deps.logger?.debug(`closing connection: filter chain '${plain.name}' of listener '${context.listenerName}' has no usable TLS context: ${why}`);
        socket.destroy();
      },
    };
  }
  const { tls } = loaded;
  return {
    ...plain,
    terminatesTls: true,
    handle: (socket, context) => {
      // A client that ended its side during inspection cannot complete a handshake.
      if (context.initialData) return void socket.destroy();
      tls.terminate(socket, (secure) => plain.handle(secure, context));
    },
  };
}

/** The RBAC filters among `filters` (network filters of a chain, or an HCM's http_filters) of type
 *  `typeUrl`, compiled in order; or every problem (validation refuses such listeners, so this only
 *  happens if it and the compiler disagree). */
function compileRbacFilters(filters: readonly FilterShape[], typeUrl: string): { engines: RbacEngine[] } | { problems: string[] } {
  const engines: RbacEngine[] = [];
  const problems: string[] = [];
  for (const f of filters) {
    if (f.typed_config?.['@type'] !== typeUrl) continue;
    const compiled = compileRbacFilter(f.typed_config);
    if (compiled.ok) engines.push(compiled.engine);
    else problems.push(...compiled.problems);
  }
  return problems.length > 0 ? { problems } : { engines };
}

/** A chain that closes every connection, saying why at debug level. */
function closingChain(name: string, fingerprint: string, why: string, deps: ChainDeps): CompiledChain {
  return {
    name,
    fingerprint,
    kind: 'unsupported',
    terminatesTls: false,
    handle: (socket, context) => {
      deps.logger?.debug(`closing connection: filter chain '${name}' of listener '${context.listenerName}' has ${why}`);
      socket.destroy();
    },
  };
}

/** Envoy's RBAC denial detail (response code details / connection termination details). */
export const rbacDeniedDetail = (policyId: string | undefined): string => `rbac_access_denied_matched_policy[${policyId ?? 'none'}]`;

function compilePlainChain(chain: FilterChainShape, fallbackName: string, direction: TrafficDirection, deps: ChainDeps): CompiledChain {
  const name = chain.name || fallbackName;
  const fingerprint = JSON.stringify(chain);
  const terminatesTls = false;
  // Envoy runs network filters in order; the last one terminates. Before it, weftd puts only RBAC
  // filters, and validation refuses filter types weft-proxy does not know.
  const filters = chain.filters ?? [];
  const terminal = filters.at(-1);
  const type = terminal?.typed_config?.['@type'];
  const network = compileRbacFilters(filters.slice(0, -1), TYPE_URL.NETWORK_RBAC);
  if ('problems' in network) return closingChain(name, fingerprint, `unusable RBAC filters: ${network.problems.join('; ')}`, deps);
  let kind: CompiledChain['kind'];
  let serve: (socket: Socket, context: TcpConnectionContext, connection: RbacConnection | undefined) => void;
  /** Whether the terminal filter reads the connection's RBAC view (an HCM with RBAC filters). */
  let terminalRbac = false;
  // Access loggers of the terminal filter (validation refused lists that do not compile).
  const logs = compileAccessLogs((terminal?.typed_config as { access_log?: readonly unknown[] } | undefined)?.access_log);
  if (!logs.ok) return closingChain(name, fingerprint, `unusable access logs: ${logs.problems.join('; ')}`, deps);
  if (type === TYPE_URL.TCP_PROXY) {
    const handler = createTcpProxyHandler(compileTcpProxy(terminal?.typed_config as TcpProxyShape), { ...deps, direction, ...(logs.logger ? { accessLog: logs.logger } : {}) });
    kind = 'tcp';
    serve = (socket, context) => handler(socket, context);
  } else if (type === TYPE_URL.HTTP_CONNECTION_MANAGER && deps.http) {
    const hcm = terminal?.typed_config as HttpConnectionManagerShape & { stat_prefix?: string; use_remote_address?: { value?: boolean }; upgrade_configs?: readonly { upgrade_type?: string; enabled?: { value?: boolean } }[] };
    const upgradeTypes = (hcm.upgrade_configs ?? []).filter((u) => u.upgrade_type && u.enabled?.value !== false).map((u) => (u.upgrade_type ?? '').toLowerCase());
    const useRemoteAddress = hcm.use_remote_address?.value === true;
    const http = compileRbacFilters(hcm.http_filters ?? [], TYPE_URL.HTTP_RBAC);
    if ('problems' in http) return closingChain(name, fingerprint, `unusable RBAC HTTP filters: ${http.problems.join('; ')}`, deps);
    terminalRbac = http.engines.length > 0;
    const jwt = compileHcmJwtFilter(hcm.http_filters ?? []);
    if ('problems' in jwt) return closingChain(name, fingerprint, `an unusable jwt_authn filter: ${jwt.problems.join('; ')}`, deps);
    const tracing = compileHcmTracing((hcm as { tracing?: unknown }).tracing);
    if (!tracing.ok) return closingChain(name, fingerprint, `unusable tracing: ${tracing.problems.join('; ')}`, deps);
    const stats = statsOverridesOf(hcm.http_filters ?? []);
    if (!stats.ok) return closingChain(name, fingerprint, `an unusable istio.stats filter: ${stats.problems.join('; ')}`, deps);
    const handler = deps.http({
      routeConfigName: hcm.rds?.route_config_name ?? hcm.route_config?.name ?? '',
      direction,
      statPrefix: hcm.stat_prefix ?? '',
      upgradeTypes,
      ...(useRemoteAddress ? { useRemoteAddress } : {}),
      ...(terminalRbac ? { rbac: http.engines } : {}),
      ...(jwt.filter ? { jwt: jwt.filter } : {}),
      ...(logs.logger ? { accessLog: logs.logger } : {}),
      ...(tracing.tracing ? { tracing: tracing.tracing } : {}),
      ...(stats.overrides ? { statsOverrides: stats.overrides } : {}),
      ...xfccOption(xfccPolicyOf(hcm as { forward_client_cert_details?: unknown; set_current_client_cert_details?: unknown })),
    });
    kind = 'http';
    serve = (socket, context, connection) => {
      // Listener sockets are half-open capable for tcp_proxy; HTTP/1.1 closes with the client's FIN.
      socket.allowHalfOpen = false;
      handler(socket, connection, context);
    };
  } else {
    return closingChain(name, fingerprint, type === TYPE_URL.HTTP_CONNECTION_MANAGER ? 'no HTTP connection handler is wired' : `no terminal network filter weft-proxy runs (${type ?? 'none'})`, deps);
  }
  const engines = network.engines;
  // Without RBAC a connection costs nothing more than before: no attributes are read.
  if (engines.length === 0 && !terminalRbac) return { name, fingerprint, kind, terminatesTls, handle: (socket, context) => serve(socket, context, undefined) };
  return {
    name,
    fingerprint,
    kind,
    terminatesTls,
    handle: (socket, context) => {
      const connection = rbacConnectionOf(socket, context);
      // Envoy's network RBAC filter decides once per connection (on its first bytes, before tcp_proxy
      // forwards any); here before the terminal filter starts, so a denied connection never reaches
      // the upstream. A denial closes the connection (Envoy: rbac.denied, no response flag).
      for (const engine of engines) {
        const decision = engine.evaluate(connection);
        if (!decision.allowed) {
          deps.logger?.debug(`closing connection from ${connection.directRemoteIp ?? '?'}: ${rbacDeniedDetail(decision.policyId)}`, { listener: context.listenerName, filterChain: name });
          socket.destroy();
          return;
        }
      }
      serve(socket, context, connection);
    },
  };
}
