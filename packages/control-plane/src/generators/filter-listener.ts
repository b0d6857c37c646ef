// Envoy listener filters (they run before a filter chain is chosen) as Istio configures them:
// original_dst, tls_inspector, http_inspector (Istio pilot/pkg/xds/filters), and the
// "disable on these destination ports" predicate Istio attaches to inspectors.

import { TYPE_URL } from '@weft/shared/xds';

/** envoy.config.listener.v3.ListenerFilter. */
export type EnvoyListenerFilter = Readonly<Record<string, unknown>> & { readonly name: string };

/** Restores the destination a connection had before iptables redirected it (capture listeners). */
export const ORIGINAL_DST_FILTER: EnvoyListenerFilter = Object.freeze({
  name: 'envoy.filters.listener.original_dst',
  typed_config: { '@type': TYPE_URL.ORIGINAL_DST },
});

/** Reads SNI and ALPN from a TLS ClientHello, for `server_names` / `transport_protocol` matches.
 *  Istio limits the initial read to 512 bytes (Envoy's default is 64 KiB). */
export const TLS_INSPECTOR_FILTER: EnvoyListenerFilter = Object.freeze({
  name: 'envoy.filters.listener.tls_inspector',
  typed_config: { '@type': TYPE_URL.TLS_INSPECTOR, initial_read_buffer_size: { value: 512 } },
});

/** Detects plaintext HTTP/1.x and h2c and sets the application protocol (`http/1.1`, `h2c`). */
export const HTTP_INSPECTOR_FILTER: EnvoyListenerFilter = Object.freeze({
  name: 'envoy.filters.listener.http_inspector',
  typed_config: { '@type': TYPE_URL.HTTP_INSPECTOR },
});

/**
 * A filter_disabled predicate true for connections to any of `ports` (Istio
 * listenerPredicateExcludePorts): inspectors that would delay server-first protocols are switched
 * off on ports whose protocol is already declared.
 */
export function disabledOnPorts(ports: readonly number[]): Record<string, unknown> | undefined {
  const rules = [...new Set(ports)].sort((a, b) => a - b).map((p) => ({ destination_port_range: { start: p, end: p + 1 } }));
  if (rules.length === 0) return undefined;
  return rules.length === 1 ? rules[0] : { or_match: { rules } };
}
