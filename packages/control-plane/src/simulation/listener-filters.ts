// What a connection looks like to filter chain matching after the listener filters ran: the TLS
// inspector reveals SNI, ALPN and the `tls` transport protocol; the HTTP inspector sets ALPN for
// plaintext HTTP. Without them Envoy sees neither (transport protocol `raw_buffer`, no SNI, no ALPN).

import { isFilter, type Listener, type ListenerFilter, type ListenerFilterChainMatchPredicate } from './envoy-shapes.js';
import type { NormalizedRequest } from './request.js';

/** The connection properties FilterChainMatch compares against. */
export interface ConnectionView {
  readonly destinationAddress: string;
  readonly destinationPort: number;
  readonly sourceAddress: string;
  readonly sourcePort: number;
  /** Requested server name, '' when none was seen. */
  readonly serverName: string;
  /** `tls` or `raw_buffer` (Envoy's default when no listener filter detected a protocol). */
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
  readonly tlsInspector: boolean;
  readonly httpInspector: boolean;
}

const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', message: 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' };
const HTTP_INSPECTOR = { name: 'envoy.filters.listener.http_inspector', message: 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' };

/** ListenerFilterChainMatchPredicate: when it holds, the listener filter is skipped for the connection. */
export function predicateHolds(p: ListenerFilterChainMatchPredicate, port: number): boolean {
  if (p.any_match === true) return true;
  if (p.or_match) return (p.or_match.rules ?? []).some((r) => predicateHolds(r, port));
  if (p.and_match) return (p.and_match.rules ?? []).every((r) => predicateHolds(r, port));
  if (p.not_match) return !predicateHolds(p.not_match, port);
  // Int32Range [start, end).
  if (p.destination_port_range) return port >= (p.destination_port_range.start ?? 0) && port < (p.destination_port_range.end ?? 0);
  return false;
}

function runs(filters: readonly ListenerFilter[], which: { name: string; message: string }, port: number): boolean {
  return filters.some((f) => isFilter(f, which.name, which.message) && !(f.filter_disabled && predicateHolds(f.filter_disabled, port)));
}

/** Applies the listener's listener filters to the request. Original-destination restoration is implied
 *  by the simulation modes (captured connections are matched on their original destination). */
export function inspectConnection(l: Listener, req: NormalizedRequest): ConnectionView {
  const filters = l.listener_filters ?? [];
  const tlsInspector = runs(filters, TLS_INSPECTOR, req.port);
  const httpInspector = runs(filters, HTTP_INSPECTOR, req.port);
  const isTls = req.tls !== 'plaintext';
  let applicationProtocols: readonly string[] = [];
  if (isTls && tlsInspector) applicationProtocols = req.alpn;
  // The HTTP inspector only looks at connections no other filter identified as TLS.
  if (!isTls && httpInspector && req.protocol !== 'tcp') applicationProtocols = [req.protocol === 'http2' ? 'h2c' : 'http/1.1'];
  return {
    destinationAddress: req.address,
    destinationPort: req.port,
    sourceAddress: req.sourceAddress,
    sourcePort: req.sourcePort,
    serverName: isTls && tlsInspector ? req.sni.toLowerCase() : '',
    transportProtocol: isTls && tlsInspector ? 'tls' : 'raw_buffer',
    applicationProtocols,
    tlsInspector,
    httpInspector,
  };
}
