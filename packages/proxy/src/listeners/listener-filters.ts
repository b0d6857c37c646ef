// Which listener filters run for a connection: a listener's `listener_filters` with their
// `filter_disabled` predicates (envoy.config.listener.v3.ListenerFilterChainMatchPredicate), reduced to
// the decisions weft-proxy acts on: whether to run the TLS inspector, and the HTTP inspector.

import type { FilterChainShape, ListenerShape } from '../xds-client/envoy-shapes.js';

const HTTP_INSPECTOR = 'envoy.filters.listener.http_inspector';

/** Evaluates a ListenerFilterChainMatchPredicate against the destination port; unknown rules never match. */
function predicateMatches(predicate: unknown, destinationPort: number): boolean {
  if (predicate === null || typeof predicate !== 'object') return false;
  const p = predicate as Record<string, unknown>;
  const rules = (x: unknown): unknown[] => (typeof x === 'object' && x !== null && Array.isArray((x as { rules?: unknown }).rules) ? (x as { rules: unknown[] }).rules : []);
  if (p.any_match === true) return true;
  if (p.or_match) return rules(p.or_match).some((r) => predicateMatches(r, destinationPort));
  if (p.and_match) return rules(p.and_match).every((r) => predicateMatches(r, destinationPort));
  if (p.not_match) return !predicateMatches(p.not_match, destinationPort);
  if (p.destination_port_range) {
    const range = p.destination_port_range as { start?: unknown; end?: unknown };
    return destinationPort >= Number(range.start ?? 0) && destinationPort < Number(range.end ?? 0);
  }
  return false;
}

const usesApplicationProtocols = (c: FilterChainShape | undefined): boolean => {
  const protocols = c?.filter_chain_match?.application_protocols;
  return Array.isArray(protocols) && protocols.length > 0;
};

/**
 * Returns, for a listener, whether a connection to a destination port should go through the HTTP
 * inspector: the listener has `envoy.filters.listener.http_inspector`, its `filter_disabled` does not
 * match the port, and some filter chain matches on `application_protocols` (only then can the answer
 * change the chain; Envoy would inspect anyway and delay server-first protocols for nothing).
 */
export function httpInspectionFor(listener: ListenerShape): (destinationPort: number) => boolean {
  const filter = (listener.listener_filters ?? []).find((f) => f.name === HTTP_INSPECTOR || f.typed_config?.['@type']?.endsWith('.HttpInspector'));
  const chains = [...(listener.filter_chains ?? []), listener.default_filter_chain];
  if (!filter || !chains.some(usesApplicationProtocols)) return () => false;
  const disabled = (filter as { filter_disabled?: unknown }).filter_disabled;
  return disabled === undefined ? () => true : (port) => !predicateMatches(disabled, port);
}

const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';

const matchesOnTls = (c: FilterChainShape | undefined): boolean => {
  const m = c?.filter_chain_match;
  return (Array.isArray(m?.server_names) && m.server_names.length > 0) || (typeof m?.transport_protocol === 'string' && m.transport_protocol !== '');
};

/**
 * Returns, for a listener, whether a connection to a destination port goes through the TLS inspector
 * (ClientHello SNI and ALPN, transport protocol `tls` or `raw_buffer`) before its filter chain is
 * chosen: some chain matches on `server_names` or `transport_protocol` (only then can the answer change
 * the chain, and Envoy injects the inspector itself when the listener lacks it), unless the listener's
 * `envoy.filters.listener.tls_inspector` has a `filter_disabled` that matches the port.
 */
export function tlsInspectionFor(listener: ListenerShape): (destinationPort: number) => boolean {
  if (![...(listener.filter_chains ?? []), listener.default_filter_chain].some(matchesOnTls)) return () => false;
  const filter = (listener.listener_filters ?? []).find((f) => f.name === TLS_INSPECTOR || f.typed_config?.['@type']?.endsWith('.TlsInspector'));
  const disabled = (filter as { filter_disabled?: unknown } | undefined)?.filter_disabled;
  return disabled === undefined ? () => true : (port) => !predicateMatches(disabled, port);
}
