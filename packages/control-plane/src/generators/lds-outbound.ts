// Sidecar outbound listeners, one per (address, port) (Istio buildSidecarOutboundListeners):
// HTTP services share `0.0.0.0_<port>` with an HCM fed by RDS route `<port>`; TCP/TLS services get
// `<vip>_<port>` (or share `0.0.0.0_<port>` by CIDR, SNI or endpoint IP) with tcp_proxy chains.

import type { MeshService } from '../registry/model.js';
import { isHttpProtocol } from '../registry/protocol.js';
import { httpConnectionManager } from './filter-http-connection-manager.js';
import { HTTP_INSPECTOR_FILTER, TLS_INSPECTOR_FILTER, type EnvoyListenerFilter } from './filter-listener.js';
import { tcpProxyToCluster } from './filter-tcp-proxy.js';
import { chainsConflict, isMatchAll, PLAINTEXT_HTTP_ALPNS, toFilterChain, type ChainSpec } from './lds-filter-chain.js';
import type { OutboundPort } from './lds-outbound-ports.js';
import { buildTcpChains } from './lds-tcp-routes.js';
import type { RdsVirtualService } from './rds-virtual-hosts.js';
import type { RouteSource } from './route-match.js';

/** The wildcard address capture-style listeners use, and the loopback address of NONE mode. */
export const WILDCARD_ADDRESS = '0.0.0.0';
export const LOCALHOST_ADDRESS = '127.0.0.1';

/** Everything outbound listeners need. */
export interface OutboundListenerInput {
  readonly ports: readonly OutboundPort[];
  readonly virtualServices: readonly RdsVirtualService[];
  readonly source: RouteSource;
  readonly serviceOf: (host: string) => MeshService | undefined;
  /** IP addresses of a service's endpoints (used when address-less TCP services share a port). */
  readonly endpointIps: (service: MeshService, port: number) => string[];
  readonly hashOnSourceIp?: (host: string, subset: string | undefined) => boolean;
  /** Where unmatched connections go: PassthroughCluster (ALLOW_ANY) or BlackHoleCluster. */
  readonly catchAllCluster: string;
  /**
   * Istio interception mode NONE (node metadata INTERCEPTION_MODE): no iptables, so listeners really
   * bind (`bind_to_port` true) on 127.0.0.1 (or the egress listener's `bind`) and the app connects to
   * them directly. Otherwise listeners are capture-style: `bind_to_port: false`, reached only through
   * virtualOutbound's original-destination hand-off.
   */
  readonly interceptionNone: boolean;
}

interface Entry {
  readonly bind: string;
  readonly port: number;
  /** The HCM chain, when HTTP services use this listener. */
  http?: ChainSpec;
  /** tcp_proxy chains of TCP/TLS services, in service order. */
  readonly tcp: ChainSpec[];
}

const isIp = (a: string): boolean => a !== '' && !a.includes('/');

/** The catch-all tcp_proxy of outbound traffic nothing else matched (Istio buildOutboundCatchAllNetworkFiltersOnly). */
export function catchAllTcpProxy(cluster: string): ReturnType<typeof tcpProxyToCluster> {
  return tcpProxyToCluster(cluster, { statPrefix: cluster });
}

/** Adds TCP chains to an entry, dropping any whose match an existing chain already has (Istio mergeTCPFilterChains). */
function merge(entry: Entry, chains: readonly ChainSpec[]): void {
  for (const c of chains) if (!entry.tcp.some((e) => chainsConflict(e, c))) entry.tcp.push(c);
}

/** The Envoy listener of an entry (Istio buildListenerFromEntry). */
function toListener(e: Entry, input: OutboundListenerInput): Record<string, unknown> {
  const name = `${e.bind}_${e.port}`;
  // A port shared by HTTP and TCP services is sniffed: the HTTP chain only takes what the HTTP
  // inspector recognised as plaintext HTTP (Istio's HTTPOverTCP / TCPOverHTTP upgrade).
  const http = e.http && e.tcp.length > 0 ? { ...e.http, applicationProtocols: PLAINTEXT_HTTP_ALPNS, transportProtocol: 'raw_buffer' } : e.http;
  const chains = [...e.tcp, ...(http ? [http] : [])];
  const listenerFilters: EnvoyListenerFilter[] = [];
  const needsHttpInspector = chains.some((c) => c.applicationProtocols?.length);
  const needsTlsInspector = chains.some((c) => c.sniHosts?.some((h) => h !== '*'));
  if (needsTlsInspector || needsHttpInspector) listenerFilters.push(TLS_INSPECTOR_FILTER);
  if (needsHttpInspector) listenerFilters.push(HTTP_INSPECTOR_FILTER);

  // A match-all chain becomes the default chain when others exist; with no match-all chain, unmatched
  // connections pass through (or are dropped) like virtualOutbound's (Istio issue 26079).
  const matchAll = chains.find(isMatchAll);
  const specific = chains.filter((c) => c !== matchAll);
  let filterChains: ChainSpec[];
  let defaultChain: Record<string, unknown> | undefined;
  if (matchAll && specific.length === 0) filterChains = [matchAll];
  else {
    filterChains = specific;
    defaultChain = matchAll
      ? toFilterChain(matchAll)
      : { name: 'PassthroughFilterChain', filter_chain_match: {}, filters: [catchAllTcpProxy(input.catchAllCluster)] };
  }
  return {
    name,
    address: { socket_address: { address: e.bind, port_value: e.port } },
    traffic_direction: 'OUTBOUND',
    ...(input.interceptionNone ? {} : { bind_to_port: { value: false } }),
    continue_on_listener_filters_timeout: true,
    listener_filters_timeout: { seconds: '0' },
    ...(listenerFilters.length ? { listener_filters: listenerFilters } : {}),
    filter_chains: filterChains.map(toFilterChain),
    ...(defaultChain ? { default_filter_chain: defaultChain } : {}),
  };
}

/**
 * The outbound listeners, sorted by port then address. Per port: HTTP services → one HCM chain on
 * the wildcard (route config `<port>`). TCP/TLS services → bound to their first VIP when it is an IP;
 * a CIDR address shares the wildcard listener with a prefix-range match; no address shares the
 * wildcard listener too. When several address-less TCP services share it, each matches its own
 * endpoint IPs (Istio instead builds a listener per endpoint for headless services; one listener with
 * per-service prefix ranges routes the same connections). TLS services on a shared listener are told
 * apart by SNI. Chains whose match collides with an earlier one are dropped, first service wins.
 */
export function buildOutboundListeners(input: OutboundListenerInput): Record<string, unknown>[] {
  const entries = new Map<string, Entry>();
  const entryFor = (bind: string, port: number): Entry => {
    const key = `${bind}_${port}`;
    let e = entries.get(key);
    if (!e) {
      e = { bind, port, tcp: [] };
      entries.set(key, e);
    }
    return e;
  };
  for (const op of input.ports) {
    const egressBind = op.egress.listener.bind && !op.egress.listener.bind.startsWith('unix://') ? op.egress.listener.bind : undefined;
    const bindNone = input.interceptionNone || op.egress.listener.captureMode === 'NONE';
    const defaultBind = egressBind ?? (bindNone ? LOCALHOST_ADDRESS : WILDCARD_ADDRESS);
    const httpServices = op.services.filter((s) => isHttpProtocol(s.protocol));
    if (httpServices.length > 0) {
      entryFor(defaultBind, op.port).http = {
        filters: [httpConnectionManager({ statPrefix: `outbound_${defaultBind}_${op.port}`, routes: { rds: String(op.port) }, direction: 'outbound' })],
      };
    }
    const l4 = op.services.filter((s) => !isHttpProtocol(s.protocol));
    const placed = l4.map((s) => {
      const address = s.service.addresses[0] ?? '';
      if (egressBind || bindNone || !address || address === WILDCARD_ADDRESS) return { s, bind: defaultBind, cidrs: [] as string[] };
      return isIp(address) ? { s, bind: address, cidrs: [] as string[] } : { s, bind: defaultBind, cidrs: [address] };
    });
    const sharingTcp = placed.filter((p) => p.bind === defaultBind && p.cidrs.length === 0 && p.s.protocol !== 'TLS' && p.s.protocol !== 'HTTPS');
    for (const p of placed) {
      let cidrs = p.cidrs;
      if (sharingTcp.length > 1 && sharingTcp.includes(p)) cidrs = input.endpointIps(p.s.service, op.port);
      merge(
        entryFor(p.bind, op.port),
        buildTcpChains({
          service: p.s.service,
          listenPort: op.port,
          tls: p.s.protocol === 'TLS' || p.s.protocol === 'HTTPS',
          destinationCidrs: cidrs,
          wildcardBind: p.bind === WILDCARD_ADDRESS,
          virtualServices: input.virtualServices,
          source: input.source,
          serviceOf: input.serviceOf,
          ...(input.hashOnSourceIp ? { hashOnSourceIp: input.hashOnSourceIp } : {}),
        }),
      );
    }
  }
  return [...entries.values()].sort((a, b) => a.port - b.port || a.bind.localeCompare(b.bind)).map((e) => toListener(e, input));
}
