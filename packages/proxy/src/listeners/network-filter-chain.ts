// Turns one listener filter chain into the handler of a connection: its terminal network filter,
// `tcp_proxy` (src/tcp/) or `http_connection_manager` (the HTTP connection handler of src/outbound/,
// given as a factory so this module does not depend on how HTTP is served), behind the chain's TLS
// termination when its transport socket is a DownstreamTlsContext (src/tls/). Compiled per listener
// update; connections only call `handle`.

import type { Socket } from 'node:net';
import { TYPE_URL } from '@weft/shared/xds';
import type { Logger } from '../log/logger.js';
import { compileTcpProxy } from '../tcp/tcp-proxy-config.js';
import { isTlsTransportSocket, loadDownstreamTls, type TransportSocketShape } from '../tls/downstream-tls.js';
import { createTcpProxyHandler, type TcpConnectionContext, type TcpProxyDeps } from '../tcp/tcp-proxy.js';
import type { FilterChainShape, HttpConnectionManagerShape, TcpProxyShape } from '../xds-client/envoy-shapes.js';

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
}

/** Builds the handler of one HTTP connection manager: it serves one downstream connection per call.
 *  The socket behaves as node:net's default (`allowHalfOpen` false: a client FIN ends it); it is a
 *  node:tls TLSSocket (`encrypted`) when the chain terminates TLS. */
export type HttpChainFactory = (options: HttpChainOptions) => (socket: Socket) => void;

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

function compilePlainChain(chain: FilterChainShape, fallbackName: string, direction: TrafficDirection, deps: ChainDeps): CompiledChain {
  const name = chain.name || fallbackName;
  const fingerprint = JSON.stringify(chain);
  const terminatesTls = false;
  // Envoy runs network filters in order; the last one terminates. weftd's chains are a single
  // terminal filter, and validation refuses filter types weft-proxy does not know.
  const terminal = chain.filters?.at(-1);
  const type = terminal?.typed_config?.['@type'];
  if (type === TYPE_URL.TCP_PROXY) {
    const handler = createTcpProxyHandler(compileTcpProxy(terminal?.typed_config as TcpProxyShape), deps);
    return { name, fingerprint, kind: 'tcp', terminatesTls, handle: handler };
  }
  if (type === TYPE_URL.HTTP_CONNECTION_MANAGER && deps.http) {
    const hcm = terminal?.typed_config as HttpConnectionManagerShape & { stat_prefix?: string; use_remote_address?: { value?: boolean }; upgrade_configs?: readonly { upgrade_type?: string; enabled?: { value?: boolean } }[] };
    const upgradeTypes = (hcm.upgrade_configs ?? []).filter((u) => u.upgrade_type && u.enabled?.value !== false).map((u) => (u.upgrade_type ?? '').toLowerCase());
    const useRemoteAddress = hcm.use_remote_address?.value === true;
    const serve = deps.http({ routeConfigName: hcm.rds?.route_config_name ?? hcm.route_config?.name ?? '', direction, statPrefix: hcm.stat_prefix ?? '', upgradeTypes, ...(useRemoteAddress ? { useRemoteAddress } : {}) });
    return {
      name,
      fingerprint,
      kind: 'http',
      terminatesTls,
      handle: (socket) => {
        // Listener sockets are half-open capable for tcp_proxy; HTTP/1.1 closes with the client's FIN.
        socket.allowHalfOpen = false;
        serve(socket);
      },
    };
  }
  const why = type === TYPE_URL.HTTP_CONNECTION_MANAGER ? 'no HTTP connection handler is wired' : `no terminal network filter weft-proxy runs (${type ?? 'none'})`;
  return {
    name,
    fingerprint,
    kind: 'unsupported',
    terminatesTls,
    handle: (socket, context) => {
      deps.logger?.debug(`closing connection: filter chain '${name}' of listener '${context.listenerName}' has ${why}`);
      socket.destroy();
    },
  };
}
