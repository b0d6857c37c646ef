// LDS for gateways (router proxies; Istio buildGatewayListeners): one listener per server port and bind
// address, bound to it. Plaintext HTTP servers share one HCM chain reading RDS `http.<port>`; each
// HTTPS server terminating TLS gets a chain matched by SNI with its own certificate and route name.
// Every HCM runs the gateway workload's RBAC filters first (AuthorizationPolicies selecting it).

import { TYPE_URL } from '@weft/shared/xds';
import { gatewayPlanFor, type GatewayListenerPlan, type GatewayTlsServer } from '../snapshot/lookup-gateways.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { httpConnectionManager } from './filter-http-connection-manager.js';
import { TLS_INSPECTOR_FILTER } from './filter-listener.js';
import { workloadRbacFilters } from './filter-rbac.js';
import { withJwtFilters, workloadJwtFilters } from './filter-jwt-authn.js';
import type { EnvoyResource } from './types.js';

/** ServerTLSSettings.TLSProtocol → envoy TlsParameters.TlsProtocol. */
const TLS_VERSIONS: Readonly<Record<string, string>> = Object.freeze({ TLS_AUTO: 'TLS_AUTO', TLSV1_0: 'TLSv1_0', TLSV1_1: 'TLSv1_1', TLSV1_2: 'TLSv1_2', TLSV1_3: 'TLSv1_3' });

/** ALPN a TLS-terminating HTTP server offers (Istio ALPNHttp). */
const HTTP_ALPN = Object.freeze(['h2', 'http/1.1']);

/**
 * The DownstreamTlsContext transport socket of an HTTPS server (Istio BuildListenerTLSContext with
 * file-based certificates): the certificate chain and key as `filename`s (the proxy reads them; keys stay
 * out of xDS), ALPN h2 + http/1.1, TLS versions, cipher suites and curves when set. MUTUAL and
 * OPTIONAL_MUTUAL add the CA (and subjectAltNames, certificate hashes, CRL) as `validation_context`;
 * MUTUAL alone sets `require_client_certificate`.
 */
export function downstreamTlsSocket(server: GatewayTlsServer): Record<string, unknown> {
  const { tls, credential } = server;
  const common: Record<string, unknown> = {
    alpn_protocols: HTTP_ALPN,
    tls_certificates: [{ certificate_chain: { filename: credential.certificateChain }, private_key: { filename: credential.privateKey } }],
  };
  const params: Record<string, unknown> = {};
  const min = tls.minProtocolVersion ? TLS_VERSIONS[tls.minProtocolVersion] : undefined;
  const max = tls.maxProtocolVersion ? TLS_VERSIONS[tls.maxProtocolVersion] : undefined;
  if (min) params.tls_minimum_protocol_version = min;
  if (max) params.tls_maximum_protocol_version = max;
  if (tls.cipherSuites?.length) params.cipher_suites = tls.cipherSuites;
  if (tls.ecdhCurves?.length) params.ecdh_curves = tls.ecdhCurves;
  if (Object.keys(params).length > 0) common.tls_params = params;
  const verifies = tls.mode === 'MUTUAL' || tls.mode === 'OPTIONAL_MUTUAL';
  if (verifies && credential.caCertificates) {
    const validation: Record<string, unknown> = { trusted_ca: { filename: credential.caCertificates } };
    if (tls.subjectAltNames?.length) validation.match_typed_subject_alt_names = tls.subjectAltNames.map((san) => ({ san_type: san.startsWith('spiffe://') ? 'URI' : 'DNS', matcher: { exact: san } }));
    if (tls.verifyCertificateSpki?.length) validation.verify_certificate_spki = tls.verifyCertificateSpki;
    if (tls.verifyCertificateHash?.length) validation.verify_certificate_hash = tls.verifyCertificateHash;
    if (tls.caCrl) validation.crl = { filename: tls.caCrl };
    common.validation_context = validation;
  }
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT,
      common_tls_context: common,
      ...(tls.mode === 'MUTUAL' ? { require_client_certificate: { value: true } } : {}),
    },
  };
}

/** `authzFilters`: the gateway workload's jwt_authn and RBAC HTTP filters. Gateways have HTTP chains only (TLS
 *  passthrough and TCP servers are not generated), so no RBAC network filter is needed yet. */
function toListener(l: GatewayListenerPlan, authzFilters: readonly Readonly<Record<string, unknown>>[]): EnvoyResource {
  const name = `${l.bind}_${l.port}`;
  const statPrefix = `outbound_${name}`;
  const chains: Record<string, unknown>[] = [];
  if (l.http) chains.push({ filters: [httpConnectionManager({ statPrefix, routes: { rds: l.http.routeName }, direction: 'gateway', authzFilters })] });
  for (const s of l.https) {
    chains.push({
      ...(s.sniHosts.length > 0 ? { filter_chain_match: { server_names: s.sniHosts } } : {}),
      transport_socket: downstreamTlsSocket(s),
      filters: [httpConnectionManager({ statPrefix, routes: { rds: s.routeName }, direction: 'gateway', authzFilters })],
    });
  }
  return {
    name,
    address: { socket_address: { address: l.bind, port_value: l.port } },
    traffic_direction: 'OUTBOUND',
    // SNI is only visible to filter chain matching through the TLS inspector.
    ...(l.https.length > 0 ? { listener_filters: [TLS_INSPECTOR_FILTER] } : {}),
    filter_chains: chains,
  };
}

/**
 * The listeners of a router: one per (bind, port) of the servers its Gateways merge into
 * (gatewayPlanFor), named `<bind>_<port>` (`0.0.0.0_8080`), bound to that address (Istio's gateway
 * listeners really bind, unlike a sidecar's). No Gateway selecting the proxy: no listeners. Servers
 * dropped by the plan (see gatewayWarningsFor) get no chain; a listener whose servers were all dropped
 * does not exist. Every HCM starts with the jwt_authn filter of the RequestAuthentications and the RBAC
 * filters of the AuthorizationPolicies selecting the gateway's workload (its namespace and labels, and the root namespace). Pure apart from the
 * credential files the plan checks.
 */
export function generateGatewayListeners(snapshot: MeshSnapshot, proxy: ProxyView): EnvoyResource[] {
  const authz = withJwtFilters(workloadRbacFilters(snapshot, proxy), workloadJwtFilters(snapshot, proxy)).http;
  return gatewayPlanFor(snapshot, proxy).listeners.map((l) => toListener(l, authz));
}
